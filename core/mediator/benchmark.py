"""A tenant's benchmark: "organisations in the same phase measure ...", anonymised.

For each KPI of the tenant's latest methodology, the distribution (quartiles, median) of the last 30 days'
figures of the OTHER tenants in the same phase (the same days for everyone, the dashboard's default period),
read from their summaries through `core.mediator.reads.values_by_phase` (numbers only, never a name or id); the
tenant's own figures come from its own summary, so both sides speak of the same moment. A KPI's distribution
is shown only when at least `MIN_PEERS` other tenants contribute (k-anonymity), rounded to two significant
digits and without minimum or maximum (`insights.coarse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.figures import DEFAULT_DAYS, last_days
from core.measurement.models import MethodologyVersion
from core.mediator.insights import MIN_PEERS, Distribution, coarse, distribution
from core.mediator.reads import values_by_phase
from core.tenancy.models import Tenant


@dataclass
class Benchmark:
    rows: list[BenchmarkRow]
    first: date
    last: date
    """The days every figure covers."""
    as_of: datetime | None
    """When the oldest summary read was worked out."""
    own_pending: bool
    """The tenant's own figures are still being computed."""


@dataclass
class BenchmarkRow:
    kpi: str
    name: str
    unit: str
    own: float | None
    contributors: int
    peers: Distribution | None
    """None while fewer than MIN_PEERS other tenants contribute."""


async def peer_benchmark(session: AsyncSession, tenant: Tenant) -> Benchmark:
    """The tenant's KPIs (its latest methodology, else what it has measured) against its phase's peers."""
    version = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))
    found = await values_by_phase(session, phase=tenant.phase, own=tenant.id)
    own = found.own or {}
    first, last = found.own_days or last_days(DEFAULT_DAYS)
    kpis = {str(k["key"]): k for k in (version.kpis if version else []) if k.get("key")} \
        or {key: {"key": key} for key in sorted(own)}
    peers = found.values.get(tenant.phase, {})
    rows = []
    for key, meta in kpis.items():
        values = peers.get(key, [])
        rows.append(BenchmarkRow(kpi=key, name=str(meta.get("name") or key), unit=str(meta.get("unit") or "count"),
                                 own=own.get(key), contributors=len(values),
                                 peers=coarse(distribution(values)) if len(values) >= MIN_PEERS else None))
    return Benchmark(rows=rows, first=first, last=last, as_of=found.as_of, own_pending=found.own is None)
