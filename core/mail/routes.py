"""The development mailbox: mails written to var/outbox when no SMTP server is configured."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.auth.permissions import PUBLIC
from core.mail import outbox
from core.web.render import page


@get("/dev/mailbox", opt={"action": PUBLIC})
async def mailbox(request: Request[Any, Any, Any]) -> Template:
    """Only without SMTP (development and demo): with real mail this page does not exist."""
    settings = request.app.state.settings
    if settings.smtp_url:
        raise NotFoundException()
    return page(request, "mail/mailbox.html", mails=outbox(settings))


ROUTES = [mailbox]
