"""Auditing a mediator's reads of a tenant they are not a member of (every cross-tenant read is audited).

Called by the request middleware for every GET of a tenant page (and htmx partial), so no handler can
forget it. Every read leaves an entry with its path; only the same path read again by the same sign-in
session within a minute (a reload, an htmx poll) is not written again. A read does not count as tenant
activity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope

READ_EVERY = timedelta(minutes=1)
"""Identical reads (same tenant, same path, same session) closer together than this are written once."""
SESSION_KEY = "mediator_reads"


def is_cross_tenant_read(principal: Any) -> bool:
    return principal.tenant is not None and principal.is_mediator and principal.membership is None


async def audit_mediator_read(session: AsyncSession, principal: Any, path: str, session_data: Any) -> None:
    """Record the read unless this session recorded the same path of the tenant in the last minute."""
    if not is_cross_tenant_read(principal):
        return
    seen = (session_data.get(SESSION_KEY) or {}) if isinstance(session_data, dict) else {}
    now = datetime.now(UTC)
    key = f"{principal.tenant.slug} {path}"
    last = seen.get(key)
    if last and now - datetime.fromisoformat(last) < READ_EVERY:
        return
    await record(session, principal, "mediator.read", subject=principal.tenant, summary=path[:500], touch=False)
    if isinstance(session_data, dict):  # only the last minute's reads are kept: the session stays small
        recent = {k: v for k, v in seen.items() if now - datetime.fromisoformat(v) < READ_EVERY}
        session_data[SESSION_KEY] = {**recent, key: now.isoformat()}


# -- aggregates across tenants (the phase comparison and a tenant's anonymised benchmark) -----------------------------
#
# The one place that reads KPI values across tenants. Each tenant is read inside its own `tenant_scope`, so the
# tenancy guard still filters every query to one tenant at a time; what leaves this module is a bare list of
# numbers per KPI: no tenant name, slug or id. A tenant's benchmark is therefore not a read of another tenant's
# records but of an anonymous statistic; it is shown only when at least `insights.MIN_PEERS` other tenants
# contribute (k-anonymity), and no audit entry is written for it (there is no one tenant whose data was read).
# The mediator's console reads per tenant too (see `core.mediator.service`).

async def values_by_phase(session: AsyncSession, phase: str | None = None,
                          exclude: Any = None) -> dict[str, dict[str, list[float]]]:
    """phase → KPI → each tenant's figure over the last 30 days (one per tenant, `insights.recent_values`),
    without `exclude`."""
    from core.mediator.insights import recent_values  # measurement code, loaded only when a benchmark is asked

    query = select(Tenant.id, Tenant.phase).order_by(Tenant.id)
    if phase is not None:
        query = query.where(Tenant.phase == phase)
    if exclude is not None:
        query = query.where(Tenant.id != exclude)
    found: dict[str, dict[str, list[float]]] = {}
    for tenant_id, tenant_phase in (await session.execute(query)).all():
        with tenant_scope(tenant_id):
            recent, _first, _last = await recent_values(session)
        for kpi, value in recent.items():
            found.setdefault(tenant_phase, {}).setdefault(kpi, []).append(value)
    return found
