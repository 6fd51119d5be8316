"""What leads hold of people (name, e-mail address, organisation, phone, message, client address), and how it goes.

Pseudonymising a lead blanks all of that and keeps its source, state and moments, so the lead KPIs stay as
measured; the name becomes "erased", which also marks the row as done (a second run finds nothing). Deleting
removes leads older than the cutoff. An erasure request for an e-mail address pseudonymises that person's leads:
the platform "email", or no platform at all ("any") with a handle that is an address.
The form's client address serves only the hourly rate limit: every run blanks it on leads older than a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, HookContext, utcnow
from plugins.energizing.leads.models import ERASED, Lead

BLANK = {"name": ERASED, "email": "", "organisation": "", "phone": "", "message": "", "client_ip": ""}


async def _pseudonymise(session: AsyncSession, *where: object) -> int:
    result = await session.execute(update(Lead).where(*where, Lead.name != ERASED).values(**BLANK)  # type: ignore[arg-type]
                                   .execution_options(synchronize_session=False))
    return result.rowcount or 0


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    if mode == "delete":
        result = await ctx.session.execute(delete(Lead).where(Lead.created_at < cutoff)
                                           .execution_options(synchronize_session=False))
        counts = {"leads_deleted": result.rowcount or 0}
    else:
        counts = {"leads_pseudonymised": await _pseudonymise(ctx.session, Lead.created_at < cutoff)}
    result = await ctx.session.execute(update(Lead).where(Lead.client_ip != "",
                                                          Lead.created_at < utcnow() - timedelta(days=1))
                                       .values(client_ip="").execution_options(synchronize_session=False))
    counts["lead_addresses_blanked"] = result.rowcount or 0
    return counts


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    address = subject.handle.strip().lower()
    if subject.kind != "author" or subject.platform not in ("", "email") or "@" not in address.lstrip("@"):
        return {}
    return {"leads_pseudonymised": await _pseudonymise(ctx.session, Lead.email == address)}
