"""The weekly lead counts (`LeadWeek`), raised on write and read by the leads page's chart."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Series, bulk_insert, chart, format_number, utcnow
from plugins.energizing.leads.models import SOURCES, Lead, LeadWeek

WEEKS = 12


def monday(moment: datetime | date) -> date:
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


async def count(session: AsyncSession, lead: Lead, *, arrived: bool = False, qualified: bool = False) -> None:
    """Count a lead that arrived and/or was first qualified now (one upsert per week touched)."""
    rows = []
    if arrived:
        rows.append({"week_start": monday(lead.created_at or utcnow()), "source": lead.source, "leads": 1,
                     "qualified": 0})
    if qualified and lead.qualified_at is not None:
        rows.append({"week_start": monday(lead.qualified_at), "source": lead.source, "leads": 0, "qualified": 1})
    for row in rows:
        await bulk_insert(session, LeadWeek, [row], conflict=("tenant_id", "week_start", "source"),
                          increment=("leads", "qualified"))


async def trend_chart(session: AsyncSession, _: Any, lang: str, today: date | None = None) -> Markup:
    """New leads per week by source (stacked bars), the last `WEEKS` weeks: at most `WEEKS` × 3 rows read."""
    last = monday(today or utcnow().date())
    weeks = [last - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    found = (await session.scalars(select(LeadWeek).where(LeadWeek.week_start >= weeks[0]))).all()
    by_source = {source: [0] * WEEKS for source in SOURCES}
    for row in found:
        index = weeks.index(row.week_start) if row.week_start in weeks else None
        if index is None or row.source not in by_source:
            continue
        by_source[row.source][index] += row.leads
    labels = [_("week {n}", n=format_number(w.isocalendar().week, lang)) for w in weeks]
    series = [Series(_(SOURCES[s]), values) for s, values in by_source.items()]
    return chart("bar", labels, series, stacked=True, title=_("Leads per week"))
