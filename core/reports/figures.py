"""What a report says, collected once at generation time: the KPIs of the methodology in force with the
period's figure, the previous period's, the target and the progress against it; the goals; the way of work.

The reading of measured values and targets is kept in `daily_values` and `targets_for` (one query each; the
report also needs each day's methodology version, which `snapshots.series` does not return); how days add up
and which way is better come from `core.measurement.targets`, as on the dashboard and in the digest. No return
on investment is computed: the report counts what can be counted (leads, buzz, followers, conversations, the
decline of negative ones).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.figures import figure_of, today_utc
from core.measurement.models import KpiSnapshot, MethodologyVersion, Target
from core.measurement.targets import KpiMeta, aggregation_for, compute, direction_for
from core.reports.periods import previous_period
from core.workgroup.models import Department

AGGREGATES = {"sum": "total", "mean": "average", "latest": "latest"}
"""How a KPI's days make the period's figure — the measurement slice's rule (`aggregation_for`: flows summed,
levels averaged, a stock's latest value), so the report, dashboard and digest agree."""


@dataclass
class KpiResult:
    key: str
    name: str
    unit: str
    aggregate: str
    """"total", "average" or "latest"."""
    value: float | None
    previous: float | None
    days: int
    """Days of the period with a measured value."""
    target: float | None = None
    target_rationale: str = ""
    progress: float | None = None
    """Percent of the target reached (value / target × 100)."""
    series: list[tuple[date, float | None]] = field(default_factory=list)
    methodology_numbers: list[int] = field(default_factory=list)
    """The methodology versions the period's snapshots were measured under."""

    @property
    def change(self) -> float | None:
        """Percent change against the previous period."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous) * 100

    direction: str = "higher"
    """"lower" for a KPI whose decline is the success (negative conversations, response times)."""
    hand_entered: bool = False
    """Some of the period's values were entered by hand (manual snapshots), not measured by a plugin."""
    first: date | None = None
    last: date | None = None
    """The days `value` covers (`core.measurement.figures`): the period, up to the day before generation."""

    @property
    def over_ceiling(self) -> bool:
        """A lower-is-better KPI above its target: drawn as bad, however long its bar."""
        return self.negative and self.value is not None and self.target is not None and self.value > self.target

    @property
    def negative(self) -> bool:
        """A decline is the success to report (the target is then a ceiling)."""
        return self.direction == "lower"


@dataclass
class Goal:
    kpi: str
    name: str
    department: str
    period_start: date
    period_end: date
    value: float
    rationale: str


async def methodology_in_force(session: AsyncSession, end: date) -> MethodologyVersion | None:
    """The newest version written by the end of the period; for a period before the first version, the first."""
    cutoff = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    version = await session.scalar(select(MethodologyVersion).where(MethodologyVersion.created_at < cutoff)
                                   .order_by(MethodologyVersion.number.desc()).limit(1))
    if version is None:
        version = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))
    return version


async def daily_values(session: AsyncSession, keys: list[str], start: date,
                       end: date) -> dict[str, dict[date, tuple[float | None, int | None]]]:
    """KPI → day → (value, methodology number) from the daily snapshots, one query for all KPIs."""
    found: dict[str, dict[date, tuple[float | None, int | None]]] = defaultdict(dict)
    if not keys:
        return found
    rows = await session.execute(select(KpiSnapshot.kpi, KpiSnapshot.day, KpiSnapshot.value,
                                        KpiSnapshot.methodology_number)
                                 .where(KpiSnapshot.kpi.in_(keys), KpiSnapshot.day >= start, KpiSnapshot.day <= end))
    for kpi, day, value, number in rows.all():
        found[kpi][day] = (value, number)
    return found


async def targets_for(session: AsyncSession, start: date, end: date) -> list[Target]:
    """Targets whose period overlaps the report's, newest first."""
    return list((await session.scalars(select(Target).where(Target.period_start <= end, Target.period_end >= start)
                                       .order_by(Target.created_at.desc()))).all())


def kpi_units(pm: Any) -> dict[str, tuple[str, dict[str, str]]]:
    """KPI key → (unit, title per language) from the plugins' KPI definitions."""
    if pm is None:
        return {}
    return {key: (kpi.unit, dict(kpi.title or {})) for key, (_plugin, kpi) in pm.kpis().items()}


async def kpi_results(session: AsyncSession, version: MethodologyVersion | None, start: date, end: date,
                      pm: Any = None, lang: str = "nl") -> list[KpiResult]:
    """Every KPI of the methodology with its figure for the period, the previous period and its target."""
    kpis = list(version.kpis or []) if version else []
    keys = [k["key"] for k in kpis]
    prev_start, prev_end = previous_period(start, end)
    targets = await targets_for(session, start, end)
    # a target counts over its own period (a year's target is not a quarter's): read from its first day on
    values = await daily_values(session, keys, min([prev_start, *(t.period_start for t in targets)]), end)
    by_kpi: dict[str, Target] = {}
    for t in targets:  # newest first; the whole organisation's target wins over a department's
        current = by_kpi.get(t.kpi)
        if current is None or (current.department_id is not None and t.department_id is None):
            by_kpi[t.kpi] = t
    known = kpi_units(pm)
    by_hand = await hand_entered_keys(session, keys, start, end)
    today = today_utc()
    results = []
    for kpi in kpis:
        key = kpi["key"]
        declared_unit, titles = known.get(key, ("count", {}))
        unit = str(kpi.get("unit") or declared_unit)
        aggregation = aggregation_for(unit, kpi.get("aggregation"))
        how = AGGREGATES[aggregation]
        days = values.get(key, {})
        current = [(d, v) for d, (v, _n) in sorted(days.items()) if start <= d <= end]
        daily = {d: v for d, (v, _n) in days.items()}
        meta = KpiMeta(unit, aggregation, kpi.get("direction"))
        figure = figure_of(key, daily, start, end, meta, today)  # the figure every page shows for these days
        result = KpiResult(key=key, name=str(kpi.get("name") or titles.get(lang) or key), unit=unit, aggregate=how,
                           value=figure.value, previous=figure_of(key, daily, prev_start, prev_end, meta, today).value,
                           days=figure.days, first=figure.first, last=figure.last,
                           series=current, direction=direction_for(key, unit, kpi.get("direction")),
                           methodology_numbers=sorted({n for d, (_v, n) in days.items()
                                                       if n is not None and start <= d <= end}))
        target = by_kpi.get(key)
        if target is not None:
            result.target, result.target_rationale = target.value, target.rationale
            # as the dashboard counts it: the target's own period, up to the report's last day
            figures = compute(target.value, target.period_start, target.period_end, daily,
                              min(end + timedelta(days=1), today), aggregation, result.direction)
            result.progress = figures.percent
        result.hand_entered = key in by_hand
        results.append(result)
    return results


async def hand_entered_keys(session: AsyncSession, keys: list[str], start: date, end: date) -> set[str]:
    """The KPIs with a value of the period that someone entered by hand (a manual snapshot): the report marks
    them, so a typed-in figure is never taken for one a plugin measured."""
    if not keys:
        return set()
    return set((await session.scalars(select(KpiSnapshot.kpi).where(
        KpiSnapshot.kpi.in_(keys), KpiSnapshot.day >= start, KpiSnapshot.day <= end,
        KpiSnapshot.source == "manual").distinct())).all())


async def goals(session: AsyncSession, version: MethodologyVersion | None, start: date, end: date) -> list[Goal]:
    """The targets of the period with their rationale (the goals section)."""
    names = {k["key"]: str(k.get("name") or k["key"]) for k in (version.kpis if version else [])}
    departments = {d.id: d.name for d in (await session.scalars(select(Department))).all()}
    return [Goal(kpi=t.kpi, name=names.get(t.kpi, t.kpi), department=departments.get(t.department_id, ""),
                 period_start=t.period_start, period_end=t.period_end, value=t.value, rationale=t.rationale)
            for t in sorted(await targets_for(session, start, end), key=lambda t: (t.kpi, t.period_start))]
