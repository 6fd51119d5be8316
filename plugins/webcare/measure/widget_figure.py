"""The overview widget's figures, computed ahead: the job `webcare.widget_figures` aggregates the cases once a
minute, a page view reads one row.

The widget shows the open cases now (by status and priority, past or close to a deadline), the KPIs and the
cases per day of its window (the seven whole days before today, as the dashboard's "last 7 days") and the cases
opened today so far. All of it changes with every case and with the clock (a deadline passes), so the job
computes it on every run, with the existing service questions, and stores it in the tenant's one
`WidgetFigure` row with the moment it was computed; the widget says that moment, so nobody reads it as live.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import bulk_insert, last_days
from plugins.webcare.measure import service
from plugins.webcare.measure.service import Figures, Now, Window
from plugins.webcare.models import WidgetFigure
from plugins.webcare.sla.service import clock_of, config_of

WIDGET_DAYS = 7
FIGURE_FIELDS = frozenset(f.name for f in fields(Figures))


def window(today: date) -> tuple[date, date]:
    """The widget's days: the seven whole days before `today` (the dashboard's "last 7 days")."""
    return last_days(WIDGET_DAYS, today)


async def stored(session: AsyncSession) -> WidgetFigure | None:
    return await session.scalar(select(WidgetFigure).limit(1))


async def refresh(session: AsyncSession, moment: datetime) -> None:
    """Compute what the widget shows as of `moment` and store it over the tenant's row (run twice, one row)."""
    config = await config_of(session)
    clock = await clock_of(session, config)
    now = await service.now_figures(session, moment, clock.add(moment, config.warn_before_minutes or 0))
    today = moment.date()
    first, last = window(today)
    figures = await service.figures(session, Window.of_days(first, last))
    per_day = await service.cases_per_day(session, Window.of_days(first, today))
    await bulk_insert(session, WidgetFigure, [{
        "first": first, "last": last, "now": asdict(now), "figures": asdict(figures),
        "per_day": {d.isoformat(): counts for d, counts in per_day.items()}, "computed_at": moment}],
        conflict=["tenant_id"], overwrite=["first", "last", "now", "figures", "per_day", "computed_at"])


def now_of(row: WidgetFigure) -> Now:
    return Now(by_status=dict(row.now["by_status"]), by_priority=dict(row.now["by_priority"]),
               breached=int(row.now["breached"]), at_risk=int(row.now["at_risk"]))


def figures_of(row: WidgetFigure) -> Figures:
    """The stored KPIs; a field the row does not hold (stored before the field existed) keeps its default."""
    return Figures(**{k: v for k, v in row.figures.items() if k in FIGURE_FIELDS})


def per_day_of(row: WidgetFigure) -> dict[date, dict[str, int]]:
    """Day → {"opened", "negative"} for the window's days and the day after it (today), in order."""
    found = {date.fromisoformat(d): {"opened": int(v["opened"]), "negative": int(v["negative"])}
             for d, v in row.per_day.items()}
    days = [row.first + timedelta(days=n) for n in range((row.last - row.first).days + 2)]
    return {d: found.get(d, {"opened": 0, "negative": 0}) for d in days}
