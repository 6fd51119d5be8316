"""Small input cleaners shared by forms, the API and the CLI; each raises DomainError(field, reason)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from core.errors import DomainError
from core.i18n import N_, Msg

T = TypeVar("T")

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


class FieldErrors:
    """Collects every field's reason so a form shows them all at once, then raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, Msg] = {}

    def clean(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run a cleaner; on DomainError record its errors and return None."""
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            self.errors.update(exc.errors)
            return None

    async def aclean(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T | None:
        """`clean` for an async cleaner (one that looks something up)."""
        try:
            return await fn(*args, **kwargs)
        except DomainError as exc:
            self.errors.update(exc.errors)
            return None

    def add(self, field: str, msgid: str, **params: Any) -> None:
        self.errors[field] = Msg(msgid, **params)

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def clean_email(value: Any, field: str = "email") -> str:
    email = str(value or "").strip().lower()
    if not email:
        raise DomainError(field=field, msgid="Fill in an e-mail address.")
    if len(email) > 254 or not EMAIL.match(email):
        raise DomainError(field=field, msgid="This is not a valid e-mail address.")
    return email


def clean_text(value: Any, field: str, *, required: bool = True, max_length: int = 200) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(field=field, msgid="This field is required.")
    if len(text) > max_length:
        raise DomainError(field=field, msgid="Use at most {max} characters.", max=max_length)
    return text


def clean_choice(value: Any, field: str, choices: Any) -> str:
    text = str(value or "").strip()
    allowed = [str(c) for c in choices]
    if text not in allowed:
        raise DomainError(field=field, msgid="Choose one of: {choices}.", choices=", ".join(allowed))
    return text


def clean_slug(value: Any, field: str = "slug") -> str:
    slug = str(value or "").strip().lower()
    if not SLUG.match(slug):
        raise DomainError(field=field, msgid="Use 3-63 lowercase letters, digits and hyphens.")
    return slug


def clean_uuid(value: Any, field: str, *, required: bool = True) -> UUID | None:
    if value in (None, "") and not required:
        return None
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise DomainError(field=field, msgid="Choose a valid option.") from None


def clean_date(value: Any, field: str, *, required: bool = True) -> date | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(field=field, msgid="Use a date like 2026-01-31.") from None


MAX_JSON_DEPTH = 64
"""Deeper documents are refused before parsing: the parsers recurse, and 100,000 nested `[` overflow the stack."""
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_json_depth(data: bytes | str, field: str = "body", *, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than `limit` (DomainError on `field`) without parsing it.

    Linear in the size; a document with fewer opening brackets than the limit is passed without a scan.
    Brackets inside strings do not count.
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return
    depth = 0
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise DomainError(field=field, msgid=N_("The JSON is nested more than {limit} levels deep."),
                                  limit=limit)
        elif token in (b"]", b"}"):
            depth -= 1
