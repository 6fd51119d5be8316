"""The KPI page's figures, stored ahead by the job `webcare.kpi_figures`, so a page view reads rows, not the cases.

- **Day rows** (`DayFigure`, one per UTC day with a case or an answer): the counts that add up over days (cases
  opened, opened negative, ended, ended within SLA, ended negative, turned positive; published answers and those
  by customers) and the day's own first-response median and p90 (the chart's point). A run recomputes only the
  days of the cases (day opened) and answers (day created) whose `updated_at` is at or after the stored watermark
  (`PeriodFigure.days_through`), with the live KPIs' own questions grouped per day (`service.days`). The new
  watermark is the moment the run started minus `MARGIN`: a change flushed before the run started whose
  transaction commits only after the run read the cases is found again by the next run, as long as it commits
  within `MARGIN`. Recomputing a day twice is harmless. The first run ever, and the first run of every UTC day,
  recompute every day (chunk by chunk): that also catches what no `updated_at` shows, such as a transaction
  slower than the margin; cases deleted by retention raise `PeriodFigure.erased`, so the next run recomputes
  every day at once.
- **Presets** (last 7, 30 and 90 days): their whole `Figures` (`service.figures`), because the percentiles of a
  period need every duration in it and no sum of days gives them. Every run computes the last 7 and 30 days;
  the last 90 days, the dearest (more than the other two together at 200,000 cases, see docs/webcare.md),
  every five minutes and whenever its window moves on (`EVERY`). Each preset keeps the moment
  it was computed.

A page view reads the tenant's `PeriodFigure` row and the period's day rows. A preset's KPIs come whole from the
row. For chosen dates the counts come from the day rows, and only the three time KPIs (first-response median
and p90, resolution median) are computed when asked, over at most `MAX_DAYS` days: they cannot be added up from
days (the index on the cases' opening moment keeps that to the period's cases). Both say when the stored
figures were computed. Today is in no KPI figure (a period counts up to yesterday); its day row is only the
charts' "so far".

Changed days are found by `updated_at` without an index of its own: an index on a column every update changes
would make every update of a case write all its indexes; the job reads the column once a minute instead.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import bulk_insert, last_days, utcnow
from plugins.webcare.measure import service
from plugins.webcare.measure.service import Day, Figures, Window
from plugins.webcare.models import DayFigure, PeriodFigure

JOB = "webcare.kpi_figures"
PRESETS = {"7d": 7, "30d": 30, "90d": 90}
"""Preset → its number of days: the whole days before today, as on the dashboard."""
EVERY = {"90d": timedelta(minutes=5)}
"""A preset recomputed only this often (while its window stays the same): the last 90 days cost a run more than
the 7 and 30 days together (their percentiles sort every duration of the period)."""
MAX_DAYS = 366
"""The longest period the page shows (its chosen dates are checked against it)."""
MARGIN = timedelta(minutes=5)
"""How late after its flush a change may commit and still be found by the next run's watermark."""
CHUNK_DAYS = 92
"""A full recompute asks for this many days at a time (bounded statements; SQLite reads durations per chunk)."""
DAY_FIELDS = tuple(f.name for f in fields(Day))
FIGURE_FIELDS = frozenset(f.name for f in fields(Figures))


async def stored(session: AsyncSession) -> PeriodFigure | None:
    return await session.scalar(select(PeriodFigure).limit(1))


# -- the job ---------------------------------------------------------------------------------------------------------

async def refresh(session: AsyncSession, moment: datetime) -> bool:
    """Bring the day rows up to date and store the presets as of `moment`; True when every day was recomputed.
    The watermark comes from the real clock (the cases' `updated_at` does), whatever `moment` says."""
    started = utcnow()
    row = await stored(session)
    today = moment.date()
    full = row is None or row.full_on != today or row.erased != row.erased_seen
    if row is None or full:
        await _recompute_all(session)
        full_on = today
    else:
        await _recompute(session, spans(await service.changed_days(session, row.days_through)))
        full_on = row.full_on
    values: dict[str, Any] = {"presets": await _presets(session, row, moment), "computed_at": moment,
                              "days_through": started - MARGIN,
                              "full_on": full_on}
    if full:  # the deletions this run has seen (one raised since is seen by the next run)
        values["erased_seen"] = row.erased if row is not None else 0
    await bulk_insert(session, PeriodFigure, [values], conflict=["tenant_id"], overwrite=list(values))
    return full


async def _presets(session: AsyncSession, row: PeriodFigure | None, moment: datetime) -> dict[str, Any]:
    """Every preset's figures as of `moment`; one stored less than its `EVERY` ago for the same window is kept."""
    found = {}
    for key, n in PRESETS.items():
        first, last = last_days(n, moment.date())
        kept = (row.presets or {}).get(key) if row is not None else None
        if kept and (kept["first"], kept["last"]) == (first.isoformat(), last.isoformat()) \
                and moment - datetime.fromisoformat(kept["computed_at"]) < EVERY.get(key, timedelta(0)):
            found[key] = kept
            continue
        figures = await service.figures(session, Window.of_days(first, last))
        found[key] = {"first": first.isoformat(), "last": last.isoformat(), "figures": asdict(figures),
                      "computed_at": moment.isoformat()}
    return found


def spans(days: set[date]) -> list[Window]:
    """The days as runs of consecutive days, oldest first."""
    found: list[list[date]] = []
    for day in sorted(days):
        if found and day - found[-1][-1] == timedelta(days=1):
            found[-1].append(day)
        else:
            found.append([day])
    return [Window.of_days(run[0], run[-1]) for run in found]


async def _recompute(session: AsyncSession, windows: list[Window]) -> None:
    """The day rows of `windows` as the cases and answers are now: upserted, or deleted for a day left empty."""
    if not windows:
        return
    found = await service.days(session, windows)
    await session.execute(delete(DayFigure).where(
        or_(*(DayFigure.day.between(w.start.date(), w.days()[-1]) for w in windows)),
        DayFigure.day.not_in(list(found))).execution_options(synchronize_session=False))
    await bulk_insert(session, DayFigure, [{"day": d, **asdict(v)} for d, v in sorted(found.items())],
                      conflict=["tenant_id", "day"], overwrite=DAY_FIELDS)


async def _recompute_all(session: AsyncSession) -> None:
    bounds = await service.data_days(session)
    if bounds is None:
        await session.execute(delete(DayFigure).execution_options(synchronize_session=False))
        return
    first, last = bounds
    await session.execute(delete(DayFigure).where(or_(DayFigure.day < first, DayFigure.day > last))
                          .execution_options(synchronize_session=False))
    while first <= last:
        end = min(first + timedelta(days=CHUNK_DAYS - 1), last)
        await _recompute(session, [Window.of_days(first, end)])
        first = end + timedelta(days=1)


# -- the page --------------------------------------------------------------------------------------------------------

def preset_of(row: PeriodFigure, first: date, last: date) -> tuple[Figures, datetime] | None:
    """The stored figures of the preset whose window is `first`..`last`, and when they were computed (None: no
    such preset, or stored for another day's window, before the first run of the day). Chosen dates that are a
    preset's days get its figures too."""
    for entry in (row.presets or {}).values():
        if (entry["first"], entry["last"]) == (first.isoformat(), last.isoformat()):
            return (Figures(**{k: v for k, v in entry["figures"].items() if k in FIGURE_FIELDS}),
                    datetime.fromisoformat(entry["computed_at"]))
    return None


async def days_of(session: AsyncSession, first: date, last: date) -> dict[date, Day]:
    """Every day of `first`..`last` (inclusive) from the day rows, zeros for a day without a row."""
    rows = {r.day: Day(**{k: getattr(r, k) for k in DAY_FIELDS}) for r in (await session.scalars(
        select(DayFigure).where(DayFigure.day >= first, DayFigure.day <= last))).all()}
    return {d: rows.get(d, Day()) for d in Window.of_days(first, last).days()}


async def added_up(session: AsyncSession, days: dict[date, Day], first: date, last: date) -> Figures:
    """`Figures` of `first`..`last`: the counts summed from the day rows, the three time KPIs computed now from
    the cases of those days (they do not add up; the resolution time only when a case ended, as `figures`)."""
    found = [v for d, v in days.items() if first <= d <= last]
    times = await service.response_times(session, Window.of_days(first, last), resolution=any(d.ended for d in found))
    return service.added_up(found, times)


def cases_per_day(days: dict[date, Day]) -> dict[date, dict[str, int]]:
    return {d: {"opened": v.opened, "negative": v.negative} for d, v in days.items()}


def first_response_per_day(days: dict[date, Day]) -> dict[date, tuple[float | None, float | None]]:
    return {d: (v.first_response_median, v.first_response_p90) for d, v in days.items()}
