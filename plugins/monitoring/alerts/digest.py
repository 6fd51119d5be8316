"""Monitoring's lines in the weekly digest (`regie_digest`): the week's alerts, alerts still open, and the buzz
of the week against the week before."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.plugins.api import DigestLine, HookContext, gettext_for, kpi_format, ngettext_for, utcnow
from plugins.monitoring.alerts.service import summary_of, title_of
from plugins.monitoring.buzz.figures import midnight
from plugins.monitoring.buzz.hooks import kpi_view
from plugins.monitoring.models import Alert, SearchProfile

MAX_ALERTS = 5
"""The newest alerts of the week by name; more are summed up in one line."""


async def lines(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    _ = gettext_for(ctx.lang)
    ngettext = ngettext_for(ctx.lang)
    session = ctx.session
    start, end = midnight(week_start), midnight(week_end) + timedelta(days=1)
    rows = (await session.execute(
        select(Alert, SearchProfile.name).join(SearchProfile, SearchProfile.id == Alert.profile_id)
        .where(Alert.started_at >= start, Alert.started_at < end).order_by(Alert.started_at.desc()))).all()
    out: list[DigestLine] = []
    for alert, profile in rows[:MAX_ALERTS]:
        state = _("still open") if alert.status != "closed" else _("closed")
        out.append(DigestLine(f"{title_of(alert, profile).render(ctx.lang)}: {summary_of(alert).render(ctx.lang)} "
                              f"({state})", f"p/monitoring/alerts/{alert.id}", "alert"))
    if len(rows) > MAX_ALERTS:
        out.append(DigestLine(ngettext("{n} more alert this week", "{n} more alerts this week",
                                       len(rows) - MAX_ALERTS), "p/monitoring/alerts/", "alert"))
    older_open = await session.scalar(select(func.count()).select_from(Alert).where(
        Alert.status.in_(("open", "acknowledged")), Alert.started_at < start)) or 0
    if older_open:
        out.append(DigestLine(ngettext("{n} alert from earlier weeks is still open",
                                       "{n} alerts from earlier weeks are still open", older_open),
                              "p/monitoring/alerts/?status=open", "alert"))
    # the week's KPIs as the digest's own table and the dashboard give them for the same days
    today = utcnow().date()
    now = await kpi_view(session, week_start, week_end, today)
    before = await kpi_view(session, week_start - timedelta(days=7), week_start - timedelta(days=1), today)
    fmt = kpi_format(ctx.lang)
    out.append(DigestLine(_("Buzz: {mentions} mentions ({negative} negative), the week before {previous}",
                            mentions=now.show("monitoring.volume", fmt),
                            negative=now.show("monitoring.negative_share", fmt),
                            previous=before.show("monitoring.volume", fmt)), "p/monitoring/"))
    return out
