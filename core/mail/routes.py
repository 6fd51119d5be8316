"""The development mailbox: mails written to var/outbox when no SMTP server is configured."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from core.mail import outbox
from core.web.render import page


@get("/dev/mailbox", opt={"action": "mediator.console"})
async def mailbox(request: Request[Any, Any, Any]) -> Template:
    """Development and demo only (REGIE_DEV_MAILBOX=1 and no SMTP), and only for mediators: the mails
    hold invitation links, which must never be readable by anyone else."""
    settings = request.app.state.settings
    if settings.smtp_url or not settings.dev_mailbox:
        raise NotFoundException()
    return page(request, "mail/mailbox.html", mails=outbox(settings))


ROUTES = [mailbox]
