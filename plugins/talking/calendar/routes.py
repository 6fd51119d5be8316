"""The calendar page (month, week, list) and its fragment, which reloads itself after a post was dragged to
another day (`talking-calendar-changed`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, clean_date, page, page_number, paginate
from plugins.talking.calendar import service as cal
from plugins.talking.content.choices import choices
from plugins.talking.models import FINAL_STATES, STATE_REASONS, STATES


async def _context(request: Request[Any, Any, Any], db: AsyncSession) -> dict[str, Any]:
    """Everything the calendar shows for the request's view, period and filters."""
    params = dict(request.query_params)
    slug = request.path_params["slug"]
    view = params.get("view") if params.get("view") in cal.VIEWS else "month"
    filters = cal.Filters.of(params)
    base = f"/t/{slug}/p/talking"
    context: dict[str, Any] = {"view": view, "filters": filters, "states": STATES, "final_states": FINAL_STATES,
                               "reasons": STATE_REASONS,
                               "ch": await choices(db, forms=False), "base": base}
    keep = filters.params()
    if view == "month":
        month = cal.parse_month(params.get("month"))
        days = cal.month_days(month)
        last = cal.shift_month(month, 1) - timedelta(days=1)
        context.update(month=month, weeks=_weeks(await cal.days_of(db, days, filters, cal.MONTH_PER_DAY,
                                                                   (month, last))),
                       period={"month": month.strftime("%Y-%m")},
                       prev={"month": cal.shift_month(month, -1).strftime("%Y-%m")},
                       next={"month": cal.shift_month(month, 1).strftime("%Y-%m")})
    elif view == "week":
        monday = cal.parse_week(params.get("week"))
        context.update(monday=monday, days=await cal.days_of(db, cal.week_title_days(monday), filters,
                                                              cal.WEEK_PER_DAY),
                       period={"week": monday.isoformat()},
                       prev={"week": (monday - timedelta(days=7)).isoformat()},
                       next={"week": (monday + timedelta(days=7)).isoformat()})
    else:
        when = params.get("when") if params.get("when") in cal.WHEN else "upcoming"
        try:
            day = clean_date(params.get("day"), "day", required=False)
        except DomainError:  # a bad day in a link shows the list without it
            day = None
        period = {"when": when, **({"day": day.isoformat()} if day else {})}
        found = await paginate(db, cal.list_query(filters, when, day), page_number(params.get("page")),
                               base_path=f"{base}/", params={"view": "list", **period, **keep})
        context.update(when=when, day=day, posts=found, period=period, prev=None, next=None)
    context["query"] = lambda **changes: "?" + urlencode(
        {k: v for k, v in {"view": view, **context["period"], **keep, **changes}.items() if v})
    context["partial"] = f"{base}/partials/calendar{context['query']()}"
    return context


def _weeks(days: list[cal.Day]) -> list[list[cal.Day]]:
    return [days[i:i + 7] for i in range(0, len(days), 7)]


@get("/", opt={"action": "plugin.read"})
async def calendar(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return page(request, "talking/calendar/index.html", **await _context(request, db))


@get("/partials/calendar", opt={"action": "plugin.read"})
async def calendar_fragment(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return page(request, "talking/partials/calendar.html", **await _context(request, db))


ROUTES = [calendar, calendar_fragment]
