"""Alerts in the JSON API: list with filters, one alert with the mentions that drive it, acknowledge, close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, get_or_404, lang_of, page_number, paginate, principal_of
from plugins.monitoring.alerts import service
from plugins.monitoring.models import Alert, Mention, SearchProfile


@dataclass
class AlertOut:
    id: str
    profile_id: str
    profile: str
    kind: str
    status: str
    summary: str
    """The latest window in words, in the request's language ('84 mentions in 60 min, normally 9')."""
    started_at: datetime
    last_seen_at: datetime
    window_start: datetime
    window_minutes: int
    observed: float
    """volume: mentions in the latest window; negative: the negative share (0..1)."""
    baseline: float
    peak: float
    ended_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    href: str = ""


@dataclass
class AlertList:
    items: list[AlertOut]
    page: PageInfo


@dataclass
class DrivingMention:
    id: str
    published_at: datetime
    title: str
    lead: str
    body: str
    url: str
    place: str
    source_type: str
    author_handle: str
    author_name: str
    author_reach: int
    sentiment: str
    sentiment_score: float


@dataclass
class AlertDetail:
    alert: AlertOut
    mentions: list[DrivingMention]
    mentions_page: PageInfo


def _out(alert: Alert, profile_name: str, slug: str, lang: str) -> AlertOut:
    return AlertOut(
        id=str(alert.id), profile_id=str(alert.profile_id), profile=profile_name, kind=alert.kind,
        status=alert.status, summary=service.summary_of(alert).render(lang),
        started_at=alert.started_at, last_seen_at=alert.last_seen_at,
        window_start=alert.window_start, window_minutes=service.window_minutes(alert),
        observed=alert.observed, baseline=alert.baseline, peak=alert.peak, ended_at=alert.ended_at,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=(alert.details or {}).get("acknowledged_by"), details=dict(alert.details or {}),
        href=f"/t/{slug}/p/monitoring/alerts/{alert.id}")


def _mention(m: Mention) -> DrivingMention:
    return DrivingMention(id=str(m.id), published_at=m.published_at, title=m.title,
                          lead=m.lead, body=m.body, url=m.url, place=m.place, source_type=m.source_type,
                          author_handle=m.author_handle, author_name=m.author_name, author_reach=m.author_reach,
                          sentiment=m.sentiment, sentiment_score=m.sentiment_score)


async def _profile_name(db: AsyncSession, alert: Alert) -> str:
    return (await get_or_404(db, SearchProfile, alert.profile_id)).name


@get("/alerts", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="List spike and negative-surge alerts (open first); filter by status, kind and profile")
async def list_alerts(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status: str | None = None,
                      kind: str | None = None, profile: str | None = None, page: int | None = None,
                      lang: str | None = None) -> AlertList:
    language = lang_of(request, lang)
    filters = service.clean_filters(status, kind, profile)
    found = await paginate(db, service.alerts_query(filters), page_number(page), scalars=False)
    return AlertList(items=[_out(a, name, slug, language) for a, name in found.items],
                     page=PageInfo(**found.as_json()))


@get("/alerts/{alert_id:uuid}", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="One alert with its numbers and the mentions that drive it (paginated with ?page=)")
async def get_alert(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID,
                    page: int | None = None, lang: str | None = None) -> AlertDetail:
    language = lang_of(request, lang)
    alert = await get_or_404(db, Alert, alert_id)
    mentions = await paginate(db, service.driving_mentions_query(alert), page_number(page))
    return AlertDetail(alert=_out(alert, await _profile_name(db, alert), slug, language),
                       mentions=[_mention(m) for m in mentions.items], mentions_page=PageInfo(**mentions.as_json()))


@post("/alerts/{alert_id:uuid}/acknowledge", opt={"action": "plugin.work"}, tags=["monitoring"], status_code=200,
      summary="Acknowledge an alert: someone is on it (it stays listed until the episode ends)")
async def acknowledge_alert(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID,
                            lang: str | None = None) -> AlertOut:
    alert = await service.acknowledge(db, principal_of(request), alert_id)
    return _out(alert, await _profile_name(db, alert), slug, lang_of(request, lang))


@post("/alerts/{alert_id:uuid}/close", opt={"action": "plugin.work"}, tags=["monitoring"], status_code=200,
      summary="Close an alert by hand (no new alert while the same condition keeps holding)")
async def close_alert(request: Request[Any, Any, Any], db: AsyncSession, slug: str, alert_id: UUID,
                      lang: str | None = None) -> AlertOut:
    alert = await service.close(db, principal_of(request), alert_id)
    return _out(alert, await _profile_name(db, alert), slug, lang_of(request, lang))


ROUTES = [list_alerts, get_alert, acknowledge_alert, close_alert]
