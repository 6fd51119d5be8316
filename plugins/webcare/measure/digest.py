"""Webcare's lines in the weekly digest (`regie_digest`): the week's cases and SLA, what is open and overdue
now, and crisis mode. The week's figures are those of the KPI page and the dashboard for the same days
(`hooks.kpi_view`), so the line agrees with the digest's own KPI table."""

from __future__ import annotations

from datetime import date

from core.plugins.api import DigestLine, HookContext, gettext_for, kpi_format, ngettext_for, utcnow
from plugins.webcare.crisis.service import open_crisis
from plugins.webcare.measure import service
from plugins.webcare.measure.hooks import kpi_view, number_format


async def lines(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    _ = gettext_for(ctx.lang)
    num = number_format(ctx.lang)
    session = ctx.session
    out: list[DigestLine] = []
    if await open_crisis(session) is not None:
        out.append(DigestLine(_("Crisis mode is on"), "p/webcare/crisis/", "alert"))
    moment = utcnow()
    now = await service.now_figures(session, moment, moment)
    if now.breached:
        out.append(DigestLine(ngettext_for(ctx.lang)("{n} open case is past an SLA deadline",
                                                     "{n} open cases are past an SLA deadline", now.breached),
                              "p/webcare/", "alert"))
    week = await kpi_view(session, week_start, week_end, moment.date())
    fmt = kpi_format(ctx.lang)
    out.append(DigestLine(_("Webcare: {cases} cases opened, first response {first} (median), {sla} of the ended "
                            "cases within SLA; {open} open now",
                            cases=week.show("webcare.cases", fmt),
                            first=week.show("webcare.first_response_median", fmt),
                            sla=week.show("webcare.within_sla", fmt), open=num(now.open)),
                          "p/webcare/kpis/"))
    return out
