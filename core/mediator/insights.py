"""What the mediator sees of each tenant beyond its gate: KPIs against targets and open alerts; and the
distribution of each KPI across the tenants in a phase.

Every function here reads ONE tenant: the one in scope. The mediator's pages do not call them per view: the
summary job (`core.mediator.summary`) calls them for one tenant at a time, inside its `tenant_scope`, and the
pages read what it stored.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.figures import DEFAULT_DAYS, KpiFigure, kpi_figures, last_days, methodology_metas, today_utc
from core.measurement.models import KpiSnapshot, Target
from core.measurement.snapshots import kpi_catalogue
from core.measurement.targets import Progress, progress_for
from core.notifications.models import Notification

MIN_PEERS = 5
"""k-anonymity of the tenant benchmark: a KPI's distribution is shown only when at least this many OTHER
tenants in the same phase contribute a value. With three, the quartiles and the median give back every
value (a = 2·Q1 − median); with five, each shown figure is one of several, and it is rounded (`coarse`)."""


@dataclass
class KpiRow:
    """One KPI of a tenant on the console: the figure over the running target's period so far (or, without a
    target, over the dashboard's default period), as the dashboard shows it for the same days."""

    kpi: str
    name: str
    figure: KpiFigure
    target: float | None = None
    percent: float | None = None
    status: str = ""
    status_label: str = ""
    tone: str = "muted"
    unit: str = "count"
    direction: str = "higher"
    bar_tone: str = "muted"
    over_ceiling: bool = False


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


async def recent_values(session: AsyncSession, today: date | None = None) -> tuple[dict[str, float], date, date]:
    """kpi → its figure over the last 30 days (`core.measurement.figures`, the dashboard's default period) for
    the tenant in scope, every KPI it measured; and the period. What the phase comparison and the benchmark
    compare: the same days for every tenant, each KPI added up by its own methodology's rule."""
    first, last = last_days(DEFAULT_DAYS, today)
    keys = sorted(set(await methodology_metas(session)) | set(await latest_values(session)))
    figures = await kpi_figures(session, keys, first, last, today)
    return {k: f.value for k, f in figures.items() if f.value is not None}, first, last


def _chosen(candidates: list[Progress], today: date) -> Progress | None:
    """The target the console reports on: a running organisation-wide one, else a running department's, else the
    first in display order (`progress_for` puts running targets first)."""
    running = [p for p in candidates if p.is_current(today)]
    return next((p for p in running if p.target.department_id is None), None) or next(iter(running or candidates),
                                                                                      None)


async def kpi_rows(session: AsyncSession, pm: Any = None, lang: str = "nl", today: date | None = None) -> list[KpiRow]:
    """Each KPI of the latest methodology (then any with a target or a measurement) with one figure and the
    days it covers (`core.measurement.figures`): over the period of the target it is measured against, so
    the figure, the target and the status speak of the same days; without a target, over the dashboard's
    default period. Unit and aggregation as on the dashboard (`kpi_catalogue`)."""
    today = today or today_utc()
    active = (await pm.for_tenant(session)).names if pm is not None else frozenset()
    catalogue = await kpi_catalogue(session, pm, active, lang)
    metas: dict[str, Any] = dict(catalogue)
    for key in (await session.scalars(select(Target.kpi).distinct())).all():
        metas.setdefault(key, None)
    for key in sorted(await latest_values(session)):
        metas.setdefault(key, None)
    progress = await progress_for(session, metas, today=today)
    chosen = {key: _chosen(progress.get(key) or [], today) for key in metas}
    periods: dict[tuple[date, date], list[str]] = {}
    for key, p in chosen.items():
        span = (p.target.period_start, p.target.period_end) if p else last_days(DEFAULT_DAYS, today)
        periods.setdefault(span, []).append(key)
    figures: dict[str, KpiFigure] = {}
    for (first, last), keys in periods.items():
        figures.update(await kpi_figures(session, {k: metas[k] for k in keys}, first, last, today))
    rows = []
    for key, meta in metas.items():
        figure = figures[key]
        row = KpiRow(kpi=key, name=meta.title if meta else key, figure=figure, unit=figure.unit)
        p = chosen[key]
        if p is not None:
            row.target, row.percent, row.direction = p.target.value, p.figures.percent, p.direction
            row.status, row.status_label, row.tone = p.status, p.status_label, p.tone
            row.bar_tone, row.over_ceiling = p.bar_tone, p.over_ceiling
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
