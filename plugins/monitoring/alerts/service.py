"""Alerts as people see them: the list and its filters, one alert with its numbers, chart and the mentions
that drive it, and the two things a person does with an alert (acknowledge it, close it).

Detection itself lives in `detect.py`; this module only reads what it wrote and records people's decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    FieldErrors,
    Msg,
    Refused,
    Series,
    chart,
    clean_choice,
    clean_uuid,
    get_or_404,
    gettext_for,
    record_audit,
    utcnow,
)
from plugins.monitoring.models import Alert, HourStat, Mention, MentionProfile, SearchProfile

KINDS: dict[str, str] = {"volume": N_("Volume spike"), "negative": N_("Negative surge")}
"""Stored kind → msgid to show."""
STATUSES: dict[str, str] = {"open": N_("open"), "acknowledged": N_("acknowledged"), "closed": N_("closed")}
ACTIVE = ("open", "acknowledged")
"""An episode that has not ended: detection updates it instead of opening another."""
NO_HISTORY_NEGATIVE_SHARE = 1 / 3
"""Without enough history we know nothing about the profile's sentiment: the three labels equally likely."""
CHART_HOURS = 48


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def number(value: float | None) -> float:
    """9.0 → 9, 2.45 → 2.5, 84.3 → 84: a baseline reads as a count. A number, not text: a message or the `num`
    filter writes it in the reader's language ("normaal 0,8")."""
    value = float(value or 0)
    return float(round(value)) if value >= 10 or value == round(value) else round(value, 1)


def percent(share: float | None) -> str:
    return str(round(float(share or 0) * 100))


def window_minutes(alert: Alert) -> int:
    return int((alert.details or {}).get("window_minutes") or 60)


def no_history(alert: Alert) -> bool:
    return bool((alert.details or {}).get("fallback"))


def title_of(alert: Alert, profile_name: str) -> Msg:
    if alert.kind == "negative":
        return Msg("Negative surge: {profile}", profile=profile_name)
    return Msg("Volume spike: {profile}", profile=profile_name)


def summary_of(alert: Alert) -> Msg:
    """'84 mentions in 60 min, normally 9' or 'negative 46% vs 12% normally' (the latest window)."""
    minutes = window_minutes(alert)
    if alert.kind == "negative":
        if no_history(alert):
            return Msg("negative {observed}% vs {baseline}% assumed (too little history)",
                       observed=percent(alert.observed), baseline=percent(alert.baseline))
        return Msg("negative {observed}% vs {baseline}% normally", observed=percent(alert.observed),
                   baseline=percent(alert.baseline))
    if no_history(alert):
        return Msg("{observed} mentions in {minutes} min (too little history for a baseline)",
                   observed=number(alert.observed), minutes=minutes)
    return Msg("{observed} mentions in {minutes} min, normally {baseline}", observed=number(alert.observed),
               minutes=minutes, baseline=number(alert.baseline))


# --- the list ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    profile_id: UUID | None = None

    def params(self) -> dict[str, str]:
        return {"status": self.status, "kind": self.kind, "profile": str(self.profile_id or "")}


def clean_filters(status: Any = None, kind: Any = None, profile: Any = None) -> Filters:
    """Filters from a query string; a value that is not one of the choices is refused with its field."""
    errors = FieldErrors()
    status = errors.clean(clean_choice, status, "status", STATUSES) if status else ""
    kind = errors.clean(clean_choice, kind, "kind", KINDS) if kind else ""
    profile_id = errors.clean(clean_uuid, profile, "profile", required=False)
    errors.raise_if_any()
    return Filters(status=status or "", kind=kind or "", profile_id=profile_id)


def alerts_query(filters: Filters) -> Select[Any]:
    """Open first, then acknowledged, then closed; within each the newest first."""
    order = case({"open": 0, "acknowledged": 1}, value=Alert.status, else_=2)
    query = select(Alert, SearchProfile.name).join(SearchProfile, SearchProfile.id == Alert.profile_id)
    if filters.status:
        query = query.where(Alert.status == filters.status)
    if filters.kind:
        query = query.where(Alert.kind == filters.kind)
    if filters.profile_id:
        query = query.where(Alert.profile_id == filters.profile_id)
    return query.order_by(order, Alert.started_at.desc(), Alert.id)


async def profile_choices(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(select(SearchProfile.id, SearchProfile.name).order_by(SearchProfile.name))
    return [(str(pid), name) for pid, name in rows.all()]


# --- one alert --------------------------------------------------------------------------------------------

def episode_end(alert: Alert) -> datetime:
    return alert.ended_at or alert.last_seen_at


def driving_mentions_query(alert: Alert) -> Select[Any]:
    """The profile's mentions in the episode's window; for a negative surge the negative ones first; by reach."""
    query = (select(Mention).join(MentionProfile, MentionProfile.mention_id == Mention.id)
             .where(MentionProfile.profile_id == alert.profile_id,
                    MentionProfile.published_at >= alert.window_start,
                    MentionProfile.published_at <= episode_end(alert),
                    Mention.duplicate_of_id.is_(None)))
    order: list[Any] = []
    if alert.kind == "negative":
        order.append(case((Mention.sentiment == "negative", 0), else_=1))
    return query.order_by(*order, Mention.author_reach.desc(), Mention.published_at.desc(), Mention.id)


@dataclass
class HourSeries:
    labels: list[str]
    hours: list[datetime]
    volume: list[int]
    negative_share: list[float | None]
    in_window: list[bool]


async def hourly(session: AsyncSession, alert: Alert, hours: int = CHART_HOURS) -> HourSeries:
    """The profile's volume and negative share per hour over the 48 hours up to the end of the episode."""
    end = hour_of(episode_end(alert)) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    negative = func.sum(case((HourStat.sentiment == "negative", HourStat.mentions), else_=0))
    rows = await session.execute(
        select(HourStat.hour, func.sum(HourStat.mentions), negative)
        .where(HourStat.profile_key == alert.profile_id, HourStat.hour >= start, HourStat.hour < end)
        .group_by(HourStat.hour))
    by_hour = {h: (int(n or 0), int(neg or 0)) for h, n, neg in rows.all()}
    window_from = hour_of(alert.window_start)
    series = HourSeries([], [], [], [], [])
    for i in range(hours):
        moment = start + timedelta(hours=i)
        n, neg = by_hour.get(moment, (0, 0))
        series.hours.append(moment)
        series.labels.append(moment.strftime("%d-%m %H:00"))
        series.volume.append(n)
        series.negative_share.append(round(100 * neg / n, 1) if n else None)
        series.in_window.append(window_from <= moment < end and moment <= episode_end(alert))
    return series


def charts(series: HourSeries, alert: Alert, lang: str) -> dict[str, Any]:
    """Volume as bars (the alert's window in another colour) and the negative share as a line."""
    _ = gettext_for(lang)
    outside = [None if w else v for v, w in zip(series.volume, series.in_window, strict=True)]
    inside = [v if w else None for v, w in zip(series.volume, series.in_window, strict=True)]
    volume = chart("bar", series.labels, [Series(_("Mentions per hour"), outside, color="#2b6cb0"),
                                          Series(_("During the alert"), inside, color="#c53030")],
                   stacked=True, title=_("Mentions per hour, last 48 hours"))
    lines = [Series(_("Negative share (%)"), series.negative_share, color="#c53030")]
    if alert.kind == "negative":
        lines.append(Series(_("Normal negative share (%)"), [round(alert.baseline * 100, 1)] * len(series.labels),
                            color="#718096", extra={"borderDash": [6, 4], "pointRadius": 0}))
    share = chart("line", series.labels, lines, percent=True, title=_("Negative share per hour, last 48 hours"))
    return {"volume": volume, "share": share}


# --- decisions ------------------------------------------------------------------------------------------

def _who(principal: Any) -> str:
    user = getattr(principal, "user", None)
    return (user.name or user.email) if user is not None else str(principal)


async def acknowledge(session: AsyncSession, principal: Any, alert_id: Any) -> Alert:
    """Someone is on it: the alert stays in the list (acknowledged) until the episode ends. Twice is once."""
    alert = await get_or_404(session, Alert, alert_id)
    if alert.status == "closed":
        raise Refused(field="status", msgid="This alert has ended; there is nothing to acknowledge.")
    if alert.status == "acknowledged":
        return alert
    alert.status = "acknowledged"
    alert.acknowledged_at = utcnow()
    user = getattr(principal, "user", None)
    alert.acknowledged_by_id = user.id if user is not None else None
    alert.details = {**(alert.details or {}), "acknowledged_by": _who(principal)}
    await record_audit(session, principal, "monitoring.alert_acknowledged", subject=alert,
                       summary=f"{alert.kind} alert acknowledged")
    return alert


async def close(session: AsyncSession, principal: Any, alert_id: Any) -> Alert:
    """End an episode by hand. While the same condition keeps holding no new alert opens (see `detect`)."""
    alert = await get_or_404(session, Alert, alert_id)
    if alert.status == "closed":
        return alert
    alert.status = "closed"
    alert.ended_at = utcnow()
    alert.details = {**(alert.details or {}), "closed_by": _who(principal)}
    await record_audit(session, principal, "monitoring.alert_closed", subject=alert,
                       summary=f"{alert.kind} alert closed by hand")
    return alert
