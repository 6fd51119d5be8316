"""A tenant's benchmark: "organisations in the same phase measure ...", anonymised.

For each KPI of the tenant's latest methodology, the distribution (quartiles, median) of the last 30 days'
figures of the OTHER tenants in the same phase (the same days for everyone, the dashboard's default period),
read through `core.mediator.reads.values_by_phase` (numbers only, never a name or id). A KPI's distribution
is shown only when at least `MIN_PEERS` other tenants contribute (k-anonymity), rounded to two significant
digits and without minimum or maximum (`insights.coarse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.models import MethodologyVersion
from core.mediator.insights import MIN_PEERS, Distribution, coarse, distribution, recent_values
from core.mediator.reads import values_by_phase
from core.tenancy.models import Tenant


@dataclass
class Benchmark:
    rows: list[BenchmarkRow]
    first: date
    last: date
    """The days every figure covers."""


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
    own, first, last = await recent_values(session)
    kpis = {str(k["key"]): k for k in (version.kpis if version else []) if k.get("key")} \
        or {key: {"key": key} for key in sorted(own)}
    peers = (await values_by_phase(session, phase=tenant.phase, exclude=tenant.id)).get(tenant.phase, {})
    rows = []
    for key, meta in kpis.items():
        values = peers.get(key, [])
        rows.append(BenchmarkRow(kpi=key, name=str(meta.get("name") or key), unit=str(meta.get("unit") or "count"),
                                 own=own.get(key), contributors=len(values),
                                 peers=coarse(distribution(values)) if len(values) >= MIN_PEERS else None))
    return Benchmark(rows=rows, first=first, last=last)
