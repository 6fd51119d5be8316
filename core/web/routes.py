"""Every core route handler, by domain slice. Plugins add theirs through `regie_routes`."""

from __future__ import annotations

from typing import Any


def web_route_handlers() -> list[Any]:
    from core.auth.routes import ROUTES as auth
    from core.mail.routes import ROUTES as mail
    from core.tenancy.routes import ROUTES as overview

    return [*auth, *mail, *overview]


def api_route_handlers() -> list[Any]:
    """Mounted under /api/v1; paths start with /t/{slug:str}. Token-authenticated, CSRF-exempt."""
    from core.tenancy.api import ROUTES as tenant

    return [*tenant]
