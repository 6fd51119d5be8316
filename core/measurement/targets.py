"""Progress against target: how far a KPI has come over a target's period, and whether that is on pace.

One function set for every place a KPI appears (the dashboard, the weekly digest, the quarterly report):
call `progress_for(session, kpis, ...)` and render `frontend/templates/dashboard/_progress.html`.

Decisions (see docs/measurement.md, "Dashboard"):
- *Aggregation* by unit. Flows (count, euro, fte, hours) are summed over the period: a target of 600 mentions
  in a quarter is met by the days' mentions together. Levels (percent, minutes, index, score) are averaged
  over the measured days: a 4-hour response time is not "summed". A KPI definition (or a methodology entry) may
  say `aggregation` = "sum" | "mean" | "latest" ("latest": a stock such as followers).
- *Direction*. Most KPIs are better when higher; times (minutes, hours as a level) and shares of something
  unwanted (`negative_share`, complaints) are better when lower. An explicit `direction` ("higher" | "lower")
  on the definition or methodology entry wins; otherwise the unit and the key decide (`direction_for`).
- *Pace*. A day counts once it is over (snapshots measure whole UTC days): the expected value of a summed KPI
  is the target × the share of the period's days that have passed; a level is expected at its target
  throughout. Within 5 % of the expected value is "on track".
- The newest target per (KPI, department, period) counts; older rows for the same key are its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import N_
from core.measurement.models import Target
from core.measurement.snapshots import series

TOLERANCE = 0.05
SUM_UNITS = frozenset({"count", "euro", "eur", "fte", "hours", "leads", "number"})
MEAN_UNITS = frozenset({"percent", "minutes", "seconds", "index", "score", "ratio", "average"})
LOWER_UNITS = frozenset({"minutes", "seconds"})
LOWER_WORDS = ("negative_share", "negative_mentions", "complaint", "response", "resolution", "backlog", "overdue",
               "breach", "churn", "cost")
"""Key fragments of KPIs that are better when lower (a response time, a share of negative mentions)."""

STATUSES = ("not_started", "no_data", "ahead", "on_track", "behind", "ended_met", "ended_missed")
STATUS_LABELS = {"not_started": N_("not started"), "no_data": N_("no measurements yet"), "ahead": N_("ahead"),
                 "on_track": N_("on track"), "behind": N_("behind"), "ended_met": N_("ended: met"),
                 "ended_missed": N_("ended: missed")}
STATUS_TONE = {"not_started": "muted", "no_data": "muted", "ahead": "ok", "on_track": "ok", "behind": "bad",
               "ended_met": "ok", "ended_missed": "bad"}


@dataclass(frozen=True)
class KpiMeta:
    """What progress needs to know of a KPI: its unit and, when the unit alone is not enough, how its days
    add up and which way is better."""

    unit: str = "count"
    aggregation: str | None = None
    direction: str | None = None


def aggregation_for(unit: str, override: str | None = None) -> str:
    """sum, mean or latest; an unknown unit is summed (most KPIs plugins expose are counts)."""
    if override in ("sum", "mean", "latest"):
        return override
    return "mean" if (unit or "").lower() in MEAN_UNITS else "sum"


def direction_for(key: str, unit: str, override: str | None = None) -> str:
    """higher or lower: an explicit direction wins, then the unit (times), then the key's words."""
    if override in ("higher", "lower"):
        return override
    if (unit or "").lower() in LOWER_UNITS:
        return "lower"
    name = (key or "").lower().rsplit(".", 1)[-1]
    if "turned_positive" in name:
        return "higher"
    return "lower" if any(word in name for word in LOWER_WORDS) else "higher"


@dataclass(frozen=True)
class Figures:
    """The pure result of `compute`: everything a progress bar or a sentence needs."""

    actual: float | None
    expected: float | None
    elapsed_share: float
    percent: float | None
    status: str
    days_measured: int
    last_day: date | None = None
    """The last day `actual` covers: the target's last day, or yesterday while the period runs on."""


def aggregate(values: Iterable[float | None], aggregation: str) -> float | None:
    """Days in order → the period's figure: "sum", "latest" or the mean of the measured days (None: none)."""
    seen = [v for v in values if v is not None]
    if not seen:
        return None
    if aggregation == "sum":
        return float(sum(seen))
    if aggregation == "latest":
        return float(seen[-1])
    return float(sum(seen) / len(seen))


def _meets(actual: float, goal: float, direction: str) -> bool:
    return actual <= goal if direction == "lower" else actual >= goal


def _pace_status(actual: float, expected: float, direction: str) -> str:
    band = abs(expected) * TOLERANCE
    better = expected - actual if direction == "lower" else actual - expected
    if better > band:
        return "ahead"
    return "on_track" if better >= -band else "behind"


def compute(target: float, period_start: date, period_end: date, values: Mapping[date, float | None], today: date,
            aggregation: str = "sum", direction: str = "higher") -> Figures:
    """Progress of one target from the daily values (days outside the period, today and later days are
    ignored: only whole days that are over count)."""
    total_days = (period_end - period_start).days + 1
    last = min(period_end, today - timedelta(days=1))
    days = sorted(d for d, v in values.items() if v is not None and period_start <= d <= last)
    actual = aggregate([float(values[d]) for d in days], aggregation)  # type: ignore[arg-type]
    elapsed = max(0, min(total_days, (today - period_start).days))
    share = elapsed / total_days if total_days > 0 else 1.0
    expected = target * share if aggregation == "sum" else target
    percent = (actual / target * 100) if actual is not None and target else None
    if today < period_start:
        status = "not_started"
    elif today > period_end:
        status = "ended_met" if actual is not None and _meets(actual, target, direction) else "ended_missed"
    elif actual is None:
        status = "no_data"
    else:
        status = _pace_status(actual, expected, direction)
    return Figures(actual=actual, expected=expected, elapsed_share=share, percent=percent, status=status,
                   days_measured=len(days), last_day=last)


@dataclass
class Progress:
    """One target (the newest of its KPI, department and period) with its figures and its history."""

    target: Target
    figures: Figures
    unit: str
    aggregation: str
    direction: str
    history: list[Target] = field(default_factory=list)

    @property
    def kpi(self) -> str:
        return self.target.kpi

    @property
    def status(self) -> str:
        return self.figures.status

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.figures.status]

    @property
    def tone(self) -> str:
        return STATUS_TONE[self.figures.status]

    @property
    def bar(self) -> int:
        """The progress bar's fill, 0-100 (a lower-is-better KPI fills up as its ceiling is used)."""
        return int(max(0.0, min(100.0, self.figures.percent or 0.0)))

    @property
    def over_ceiling(self) -> bool:
        """A lower-is-better KPI above its target: bad, however full (or long) its bar is."""
        actual = self.figures.actual
        return self.direction == "lower" and actual is not None and actual > self.target.value

    @property
    def bar_tone(self) -> str:
        """How the bar is drawn: "ok", "bad" or "muted". An exceeded ceiling is bad whatever the pace says;
        otherwise the status decides (a ceiling kept is good)."""
        return "bad" if self.over_ceiling else self.tone

    def is_current(self, today: date) -> bool:
        return self.target.period_start <= today <= self.target.period_end


def meta_of(value: Any) -> KpiMeta:
    """A KPI's meta from whatever the caller has: a KpiMeta, a unit string, a dict or a KpiDefinition."""
    if isinstance(value, KpiMeta):
        return value
    if value is None or isinstance(value, str):
        return KpiMeta(unit=value or "count")
    get = value.get if isinstance(value, Mapping) else (lambda k, d=None: getattr(value, k, d))
    return KpiMeta(unit=get("unit") or "count", aggregation=get("aggregation"), direction=get("direction"))


def newest_targets(targets: Iterable[Target]) -> list[tuple[Target, list[Target]]]:
    """(newest, older ones) per (KPI, department, period); the input in any order."""
    groups: dict[tuple[Any, ...], list[Target]] = {}
    for t in targets:
        groups.setdefault((t.kpi, t.department_id, t.period_start, t.period_end), []).append(t)
    out = []
    for rows in groups.values():
        rows.sort(key=lambda t: (t.created_at is not None, t.created_at), reverse=True)
        out.append((rows[0], rows[1:]))
    return out


def order_for_display(items: list[Progress], today: date) -> list[Progress]:
    """Running targets first, then upcoming, then ended (most recent first)."""
    def key(p: Progress) -> tuple[int, int]:
        t = p.target
        if p.is_current(today):
            return (0, t.period_end.toordinal())
        if t.period_start > today:
            return (1, t.period_start.toordinal())
        return (2, -t.period_end.toordinal())
    return sorted(items, key=key)


async def progress_for(session: AsyncSession, kpis: Iterable[str] | Mapping[str, Any],
                       department_id: UUID | None = None, today: date | None = None,
                       only_department: bool = False) -> dict[str, list[Progress]]:
    """Progress of every target of the given KPIs, per KPI, running targets first.

    `kpis`: KPI keys, or a mapping key → unit / KpiMeta / dict / KpiDefinition (a bare key counts as a count).
    `department_id`: that department's targets only (with `only_department=False` also the organisation-wide
    ones, which a department works towards as well); None: every target. `today`: defaults to the UTC date.
    """
    today = today or datetime.now(UTC).date()
    metas = {k: meta_of(v) for k, v in kpis.items()} if isinstance(kpis, Mapping) else {k: KpiMeta() for k in kpis}
    if not metas:
        return {}
    query = select(Target).where(Target.kpi.in_(list(metas)))
    if department_id is not None:
        query = query.where(Target.department_id == department_id if only_department else
                            (Target.department_id == department_id) | Target.department_id.is_(None))
    chosen = newest_targets((await session.scalars(query)).all())
    if not chosen:
        return {}
    start = min(t.period_start for t, _ in chosen)
    end = min(max(t.period_end for t, _ in chosen), today)
    values = await series(session, {t.kpi for t, _ in chosen}, start, end)
    result: dict[str, list[Progress]] = {}
    for target, history in chosen:
        meta = metas[target.kpi]
        aggregation = aggregation_for(meta.unit, meta.aggregation)
        direction = direction_for(target.kpi, meta.unit, meta.direction)
        figures = compute(target.value, target.period_start, target.period_end, values.get(target.kpi, {}), today,
                          aggregation, direction)
        result.setdefault(target.kpi, []).append(Progress(target=target, figures=figures, unit=meta.unit,
                                                          aggregation=aggregation, direction=direction,
                                                          history=history))
    return {k: order_for_display(v, today) for k, v in result.items()}


def formatter(lang: str) -> Any:
    """`fmt(value, unit)` for templates and mails: 1.234,5 in Dutch, 1,234.5 in English, with the unit's sign;
    '—' for nothing."""
    from core.i18n.formats import decimal

    def fmt(value: float | None, unit: str = "count") -> str:
        if value is None:
            return "—"
        if (unit or "").lower() == "minutes" and abs(value) >= 60:  # a waiting time reads as hours and minutes
            hours, rest = divmod(round(abs(float(value))), 60)
            sign = "-" if value < 0 else ""
            return f"{sign}{decimal(hours, lang, '#,##0')} h {rest:02d} min"
        pattern = "#,##0" if float(value).is_integer() else "#,##0.0"
        text = decimal(round(float(value), 1), lang, pattern)
        suffix = {"percent": " %", "minutes": " min", "fte": " FTE", "hours": " h"}.get((unit or "").lower(), "")
        return f"€ {text}" if (unit or "").lower() in ("euro", "eur") else text + suffix

    return fmt
