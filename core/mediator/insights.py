"""What the mediator sees of each tenant beyond its gate: KPIs against targets and open alerts; and the
distribution of each KPI across the tenants in a phase.

Every function here reads ONE tenant: the one in scope. Reading several goes through
`core.mediator.reads` (per tenant, inside `tenant_scope`), never through a blanket `cross_tenant()`.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.models import KpiSnapshot, MethodologyVersion, Target
from core.measurement.targets import progress_for
from core.notifications.models import Notification

MIN_PEERS = 5
"""k-anonymity of the tenant benchmark: a KPI's distribution is shown only when at least this many OTHER
tenants in the same phase contribute a value. With three, the quartiles and the median give back every
value (a = 2·Q1 − median); with five, each shown figure is one of several, and it is rounded (`coarse`)."""


@dataclass
class KpiRow:
    kpi: str
    name: str
    latest: float | None
    latest_day: date | None
    target: float | None = None
    percent: float | None = None
    status: str = ""
    status_label: str = ""
    tone: str = "muted"
    unit: str = "count"


@dataclass
class Alerts:
    """What the core can see of a tenant's alerts: its unread notifications (spike alerts, SLA breaches,
    approvals waiting: whatever the plugins notify people of)."""

    unread: int
    latest_kind: str = ""


@dataclass
class Distribution:
    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


async def latest_values(session: AsyncSession) -> dict[str, tuple[date, float]]:
    """kpi → (day, value) of the newest snapshot with a value, for the tenant in scope."""
    newest = (select(KpiSnapshot.kpi, func.max(KpiSnapshot.day).label("day"))
              .where(KpiSnapshot.value.is_not(None)).group_by(KpiSnapshot.kpi).subquery())
    rows = await session.execute(select(KpiSnapshot.kpi, KpiSnapshot.day, KpiSnapshot.value).join(
        newest, (newest.c.kpi == KpiSnapshot.kpi) & (newest.c.day == KpiSnapshot.day)))
    return {kpi: (day, float(value)) for kpi, day, value in rows.all() if value is not None}


async def kpi_rows(session: AsyncSession) -> list[KpiRow]:
    """Each KPI of the latest methodology (then any with a target or a measurement): its newest value and the progress
    towards its newest organisation-wide target (`core.measurement.targets.progress_for`)."""
    version = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))
    metas: dict[str, Any] = {str(k.get("key")): k for k in (version.kpis if version else []) if k.get("key")}
    for key in (await session.scalars(select(Target.kpi).distinct())).all():
        metas.setdefault(key, {"key": key})
    latest = await latest_values(session)
    for key in sorted(latest):
        metas.setdefault(key, {"key": key})
    progress = await progress_for(session, metas)
    rows = []
    for key, meta in metas.items():
        day, value = latest.get(key, (None, None))
        row = KpiRow(kpi=key, name=str(meta.get("name") or key), latest=value, latest_day=day,
                     unit=str(meta.get("unit") or "count"))
        candidates = progress.get(key) or []
        chosen = next((p for p in candidates if p.target.department_id is None), candidates[0] if candidates else None)
        if chosen is not None:
            row.target, row.percent = chosen.target.value, chosen.figures.percent
            row.status, row.status_label, row.tone = chosen.status, chosen.status_label, chosen.tone
        rows.append(row)
    return rows


async def alerts(session: AsyncSession) -> Alerts:
    unread = await session.scalar(select(func.count()).select_from(Notification)
                                  .where(Notification.read_at.is_(None))) or 0
    latest = await session.scalar(select(Notification).where(Notification.read_at.is_(None))
                                  .order_by(Notification.created_at.desc()).limit(1))
    # only the count and the kind: a title can name a customer or a case, which the console must not show
    return Alerts(unread=unread, latest_kind=latest.kind if latest else "")


def _two_digits(value: float) -> float:
    """Rounded to two significant digits (1234 → 1200, 0.456 → 0.46)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 1 - int(math.floor(math.log10(abs(value)))))


def coarse(d: Distribution) -> Distribution:
    """What a tenant may see of its peers: quartiles and median to two significant digits; no minimum or
    maximum (those are always one organisation's exact figure)."""
    q1, median, q3 = _two_digits(d.q1), _two_digits(d.median), _two_digits(d.q3)
    return Distribution(d.count, q1, q1, median, q3, q3)


def distribution(values: list[float]) -> Distribution | None:
    """Median and quartiles (inclusive method: with two values the quartiles lie between them)."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        only = ordered[0]
        return Distribution(1, only, only, only, only, only)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Distribution(len(ordered), ordered[0], q1, median, q3, ordered[-1])
