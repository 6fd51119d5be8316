"""One number per KPI and period: the figure every page shows for a KPI (dashboard, console, benchmark, report,
and the plugins' widgets and pages through `core.plugins.api.kpi_figures` and `kpi_tiles`).

A KPI's figure for a period is made of the period's whole UTC days that are over (today is measured tomorrow),
each day's value read from the daily snapshots (`core.measurement.snapshots`), combined by the KPI's
aggregation (`core.measurement.targets.aggregate`: flows summed, levels averaged over the measured days, a
stock's latest day). Unit and aggregation are those of the latest methodology, else what the caller knows of
the KPI (a plugin's `KpiDefinition`), so no two pages can add a KPI's days up differently. A figure carries the
days it covers, and every page prints them next to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.snapshots import latest_version, series
from core.measurement.targets import KpiMeta, aggregate, aggregation_for, formatter, meta_of

DAY = timedelta(days=1)
DEFAULT_DAYS = 30
"""A KPI shown without a period of its own (the dashboard's default, the console without a target) covers the
last 30 days."""


class CoveredDays:
    """What a figure says of its days: `first` (the period's first day) and `last` (the last day it covers)."""

    first: date
    last: date

    @property
    def covered(self) -> bool:
        """At least one day of the period is over."""
        return self.last >= self.first

    @property
    def period(self) -> str:
        """"2026-11-08/2026-12-06": the covered days, for `data-period` attributes and links."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


@dataclass(frozen=True)
class KpiFigure(CoveredDays):
    """One KPI over one period, as every page shows it."""

    key: str
    value: float | None
    """None: no day of the period has a value (not measured yet, or nothing to measure)."""
    unit: str
    aggregation: str
    """sum, mean or latest."""
    first: date
    """The period's first day."""
    last: date
    """The last day the figure covers: the period's last day, or yesterday when the period runs on; before
    `first` while no day of the period is over."""
    days: int
    """Days of the period with a measured value."""
    latest_day: date | None = None
    """The newest day with a value (what "latest" reads)."""
    tracked: bool = True
    """The latest methodology names the KPI, so the core stores it every day. A plugin shows a KPI that is not
    tracked from its own data (no page shows it as a KPI)."""


def kpi_format(lang: str) -> Callable[..., str]:
    """`fmt(value, unit)`: how every page writes a KPI's figure, so the same value reads the same everywhere."""
    return formatter(lang)


def today_utc() -> date:
    return datetime.now(UTC).date()


def last_days(n: int, today: date | None = None) -> tuple[date, date]:
    """"The last n days": the n whole days before today."""
    today = today or today_utc()
    return today - timedelta(days=n), today - DAY


def covered_until(last: date, today: date | None = None) -> date:
    """The last day of a period a figure can cover: its own last day, or yesterday."""
    return min(last, (today or today_utc()) - DAY)


def figure_of(key: str, values: Mapping[date, float | None], first: date, last: date, meta: KpiMeta,
              today: date | None = None, tracked: bool = True) -> KpiFigure:
    """The figure of one KPI from its daily values (days outside the covered ones are ignored)."""
    until = covered_until(last, today)
    days = sorted(d for d, v in values.items() if v is not None and first <= d <= until)
    aggregation = aggregation_for(meta.unit, meta.aggregation)
    return KpiFigure(key=key, value=aggregate([values[d] for d in days], aggregation), unit=meta.unit or "count",
                     aggregation=aggregation, first=first, last=until, days=len(days),
                     latest_day=days[-1] if days else None, tracked=tracked)


async def methodology_metas(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """key → the latest methodology's entry (unit, aggregation, direction as written)."""
    version = await latest_version(session)
    return {str(k["key"]): k for k in (version.kpis if version else []) if k.get("key")}


def merged_meta(known: Any, entry: Mapping[str, Any] | None) -> KpiMeta:
    """What the methodology says of a KPI wins over what the caller knows of it (a plugin's declaration)."""
    base = meta_of(known)
    if not entry:
        return base
    return KpiMeta(unit=entry.get("unit") or base.unit, aggregation=entry.get("aggregation") or base.aggregation,
                   direction=entry.get("direction") or base.direction)


async def kpi_figures(session: AsyncSession, kpis: Iterable[str] | Mapping[str, Any], first: date, last: date,
                      today: date | None = None) -> dict[str, KpiFigure]:
    """key → `KpiFigure` over `first`..`last` (both inclusive) for the tenant in scope.

    `kpis`: keys, or key → unit / dict / `KpiDefinition` / `KpiMeta` (used where the methodology says
    nothing). One query for every KPI."""
    today = today or today_utc()
    known: Mapping[str, Any] = kpis if isinstance(kpis, Mapping) else dict.fromkeys(kpis)
    entries = await methodology_metas(session)
    until = covered_until(last, today)
    values = await series(session, list(known), first, until) if until >= first else {k: {} for k in known}
    return {key: figure_of(key, values.get(key, {}), first, last, merged_meta(known[key], entries.get(key)), today,
                           tracked=key in entries)
            for key in known}


@dataclass(frozen=True)
class KpiTiles(CoveredDays):
    """A plugin's KPI tiles over the whole days of a period: a KPI the methodology tracks as the core keeps it
    (the dashboard's and the report's number for the same days), the others from the plugin's own figures over
    the same days."""

    values: Mapping[str, float | None]
    units: Mapping[str, str]
    first: date
    last: date
    """The last day covered: the period's, or yesterday while it runs on; before `first` when none is over."""
    tracked: frozenset[str]
    own: Any = None
    """What the plugin computed for the covered days (its own figures object), None while no day is over."""

    def value(self, key: str) -> float | None:
        return self.values.get(key) if self.covered else None

    def show(self, key: str, fmt: Callable[..., str]) -> str:
        """The figure written as every page writes it (`kpi_format`); "—" while no day is over."""
        return fmt(self.value(key), self.units.get(key, "count"))


OwnFigures = Callable[[date, date], Awaitable[tuple[Any, Mapping[str, float | None]]]]
"""`own(first, last)` → (the plugin's figures object, KPI key → value) over whole days `first`..`last`."""


async def kpi_tiles(session: AsyncSession, kpis: Mapping[str, Any], first: date, last: date, own: OwnFigures,
                    today: date | None = None) -> KpiTiles:
    """The tiles of `first`..`last` (inclusive); `kpis`: key → the plugin's `KpiDefinition`. `own` is asked only
    for the days that are over."""
    today = today or today_utc()
    core = await kpi_figures(session, kpis, first, last, today)
    until = covered_until(last, today)
    found, values = await own(first, until) if until >= first else (None, {})
    tracked = frozenset(k for k, f in core.items() if f.tracked)
    return KpiTiles(values={k: core[k].value if k in tracked else values.get(k) for k in core},
                    units={k: f.unit for k, f in core.items()}, first=first, last=until, tracked=tracked, own=found)
