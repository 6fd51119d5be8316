"""Domain errors: services raise them, the web and API layers turn them into 4xx with field and reason."""

from __future__ import annotations

from typing import Any

from core.i18n import Msg


class DomainError(Exception):
    """Bad input or a refused action. `errors` maps a field (or '__all__') to translatable reasons."""

    status_code = 422

    def __init__(self, errors: dict[str, Msg] | None = None, field: str = "__all__", msgid: str = "",
                 **params: Any) -> None:
        self.errors: dict[str, Msg] = dict(errors or {})
        if msgid:
            self.errors[field] = Msg(msgid, **params)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))

    def rendered(self, lang: str) -> dict[str, str]:
        return {field: msg.render(lang) for field, msg in self.errors.items()}


class Refused(DomainError):
    """A rule of the domain says no (a failing gate, a wrong phase): 409 rather than 422."""

    status_code = 409


class PermissionDenied(Exception):
    """The current principal may not perform this action."""

    def __init__(self, action: str = "") -> None:
        self.action = action
        super().__init__(action)


class NotFound(Exception):
    """Nothing of that id in this tenant (another tenant's rows look exactly like missing ones)."""
