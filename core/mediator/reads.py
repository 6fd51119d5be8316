"""Auditing a mediator's reads of a tenant they are not a member of (every cross-tenant read is audited).

Called by the request middleware for every GET of a tenant page (and htmx partial), so no handler can
forget it. Every read leaves an entry with its path; only the same path read again by the same sign-in
session within a minute (a reload, an htmx poll) is not written again. A read does not count as tenant
activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.mediator.models import TenantSummary
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant

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
# The one place that reads KPI figures across tenants. Each tenant's figures are worked out inside its own
# `tenant_scope` by the summary job (`core.mediator.summary`); this reads the stored figures of every tenant in one
# query, and what leaves this module is a bare list of numbers per KPI: no tenant name, slug or id. A tenant's
# benchmark is therefore not a read of another tenant's records but of an anonymous statistic; it is shown only
# when at least `insights.MIN_PEERS` other tenants contribute (k-anonymity), and no audit entry is written for it
# (there is no one tenant whose data was read). The mediator's console reads the summaries too.

@dataclass
class PhaseFigures:
    """The tenants' figures over the last 30 days, by phase and KPI, as of their summaries."""

    values: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """phase → KPI → each tenant's figure (one per tenant, in no particular tenant's order)."""
    as_of: datetime | None = None
    """When the oldest summary read was worked out."""
    pending: int = 0
    """Tenants (besides `own`) whose summary is still being computed."""
    own: dict[str, float] | None = None
    """The figures of the tenant asked for apart (`own=`), None while its summary is being computed."""
    own_days: tuple[date, date] | None = None
    """The days `own` covers."""


async def values_by_phase(session: AsyncSession, phase: str | None = None, own: Any = None) -> PhaseFigures:
    """The figures of every tenant (in `phase` when given) from their summaries, in one query; those of the tenant
    `own` apart, not among the others."""
    query = select(Tenant.id, Tenant.phase, TenantSummary.recent, TenantSummary.recent_first,
                   TenantSummary.recent_last, TenantSummary.computed_at) \
        .outerjoin(TenantSummary, TenantSummary.tenant_id == Tenant.id).order_by(Tenant.id)
    if phase is not None:
        query = query.where(Tenant.phase == phase)
    with cross_tenant():
        rows = (await session.execute(query)).all()
    found = PhaseFigures()
    moments = []
    for tenant_id, tenant_phase, recent, first, last, computed_at in rows:
        if computed_at is not None:
            moments.append(computed_at)
        if own is not None and tenant_id == own:
            if computed_at is not None:
                found.own, found.own_days = dict(recent or {}), (first, last)
            continue
        if computed_at is None:
            found.pending += 1
            continue
        for kpi, value in (recent or {}).items():
            if value is not None:
                found.values.setdefault(tenant_phase, {}).setdefault(kpi, []).append(float(value))
    found.as_of = min(moments, default=None)
    return found
