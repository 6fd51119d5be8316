"""Alert pages: the list (open first), one alert with its chart and driving mentions, acknowledge and close."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import get_or_404, lang_of, page, page_number, paginate, principal_of
from plugins.monitoring.alerts import service
from plugins.monitoring.models import Alert, SearchProfile

BASE = "/t/{slug}/p/monitoring/alerts/"


@get("/alerts/", opt={"action": "plugin.read"})
async def alert_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    params = request.query_params
    filters = service.clean_filters(params.get("status"), params.get("kind"), params.get("profile"))
    base = BASE.format(slug=slug)
    alerts = await paginate(db, service.alerts_query(filters), page_number(params.get("page")), base_path=base,
                            params=filters.params(), scalars=False)
    return page(request, "monitoring/alerts/list.html", alerts=alerts, filters=filters, base=base,
                profiles=await service.profile_choices(db), kinds=service.KINDS, statuses=service.STATUSES,
                summary_of=service.summary_of)


@get("/alerts/{alert_id:uuid}", opt={"action": "plugin.read"})
async def alert_detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID) -> Template:
    alert = await get_or_404(db, Alert, alert_id)
    profile = await get_or_404(db, SearchProfile, alert.profile_id)
    base = BASE.format(slug=slug)
    mentions = await paginate(db, service.driving_mentions_query(alert), page_number(request.query_params.get("page")),
                              base_path=f"{base}{alert.id}")
    series = await service.hourly(db, alert)
    return page(request, "monitoring/alerts/detail.html", alert=alert, profile=profile, base=base,
                mentions=mentions, charts=service.charts(series, alert, lang_of(request)),
                kinds=service.KINDS, statuses=service.STATUSES, summary=service.summary_of(alert),
                minutes=service.window_minutes(alert), number=service.number, percent=service.percent,
                mention_base=f"/t/{slug}/p/monitoring/mentions/")


@post("/alerts/{alert_id:uuid}/acknowledge", opt={"action": "plugin.work"})
async def acknowledge(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID) -> Redirect:
    await service.acknowledge(db, principal_of(request), alert_id)
    return Redirect(f"{BASE.format(slug=slug)}{alert_id}", status_code=303)


@post("/alerts/{alert_id:uuid}/close", opt={"action": "plugin.work"})
async def close(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID) -> Redirect:
    await service.close(db, principal_of(request), alert_id)
    return Redirect(f"{BASE.format(slug=slug)}{alert_id}", status_code=303)


ROUTES = [alert_list, alert_detail, acknowledge, close]
