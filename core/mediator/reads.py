"""Auditing a mediator's reads of a tenant they are not a member of (DESIGN §1: every cross-tenant read).

Called by the request middleware for every tenant page, so no handler can forget it. One entry per
tenant per sign-in session every 30 minutes: enough to answer "who of the consultancy looked, and
when", without flooding the tenant's log. A read does not count as tenant activity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record

READ_EVERY = timedelta(minutes=30)
SESSION_KEY = "mediator_reads"


def is_cross_tenant_read(principal: Any) -> bool:
    return principal.tenant is not None and principal.is_mediator and principal.membership is None


async def audit_mediator_read(session: AsyncSession, principal: Any, path: str, session_data: Any) -> None:
    """Record the read unless this session recorded one for the tenant in the last 30 minutes."""
    if not is_cross_tenant_read(principal):
        return
    seen = session_data.get(SESSION_KEY) or {} if isinstance(session_data, dict) else {}
    now = datetime.now(UTC)
    last = seen.get(principal.tenant.slug)
    if last and now - datetime.fromisoformat(last) < READ_EVERY:
        return
    await record(session, principal, "mediator.read", subject=principal.tenant, summary=path, touch=False)
    if isinstance(session_data, dict):
        session_data[SESSION_KEY] = {**seen, principal.tenant.slug: now.isoformat()}
