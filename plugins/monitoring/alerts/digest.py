"""Monitoring's lines in the weekly digest (`regie_digest`): the week's alerts, alerts still open, and the buzz
of the week against the week before."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import HookContext, gettext_for
from plugins.monitoring.alerts.service import summary_of, title_of
from plugins.monitoring.buzz import service as buzz
from plugins.monitoring.buzz.figures import midnight
from plugins.monitoring.models import Alert, SearchProfile

MAX_ALERTS = 5
"""The newest alerts of the week by name; more are summed up in one line."""


async def lines(ctx: HookContext, week_start: date, week_end: date) -> list[dict[str, Any]]:
    _ = gettext_for(ctx.lang)
    session = ctx.session
    start, end = midnight(week_start), midnight(week_end) + timedelta(days=1)
    rows = (await session.execute(
        select(Alert, SearchProfile.name).join(SearchProfile, SearchProfile.id == Alert.profile_id)
        .where(Alert.started_at >= start, Alert.started_at < end).order_by(Alert.started_at.desc()))).all()
    out: list[dict[str, Any]] = []
    for alert, profile in rows[:MAX_ALERTS]:
        state = _("still open") if alert.status != "closed" else _("closed")
        out.append({"level": "alert", "href": f"p/monitoring/alerts/{alert.id}",
                    "text": f"{title_of(alert, profile).render(ctx.lang)}: {summary_of(alert).render(ctx.lang)} "
                            f"({state})"})
    if len(rows) > MAX_ALERTS:
        out.append({"level": "alert", "href": "p/monitoring/alerts/",
                    "text": _("{n} more alerts this week", n=len(rows) - MAX_ALERTS)})
    older_open = await session.scalar(select(func.count()).select_from(Alert).where(
        Alert.status.in_(("open", "acknowledged")), Alert.started_at < start)) or 0
    if older_open:
        out.append({"level": "alert", "href": "p/monitoring/alerts/?status=open",
                    "text": _("{n} alerts from earlier weeks are still open", n=older_open)})
    now = await buzz.totals_for(session, start, end)
    before = await buzz.totals_for(session, start - timedelta(days=7), start)
    negative = "—" if now.negative_share is None else f"{round(now.negative_share)}%"
    out.append({"level": "info", "href": "p/monitoring/",
                "text": _("Buzz: {mentions} mentions ({negative} negative), the week before {previous}",
                          mentions=now.mentions, negative=negative, previous=before.mentions)})
    return out
