"""Webcare's lines in the weekly digest (`regie_digest`): the week's cases and SLA, what is open and overdue
now, and crisis mode."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.plugins.api import HookContext, gettext_for, utcnow
from plugins.webcare.crisis.service import open_crisis
from plugins.webcare.measure import service
from plugins.webcare.measure.hooks import minutes_text, number_format
from plugins.webcare.measure.service import Window


async def lines(ctx: HookContext, week_start: date, week_end: date) -> list[dict[str, Any]]:
    _ = gettext_for(ctx.lang)
    num = number_format(ctx.lang)
    session = ctx.session
    out: list[dict[str, Any]] = []
    if await open_crisis(session) is not None:
        out.append({"level": "alert", "href": "p/webcare/crisis/", "text": _("Crisis mode is on")})
    moment = utcnow()
    now = await service.now_figures(session, moment, moment)
    if now.breached:
        out.append({"level": "alert", "href": "p/webcare/",
                    "text": _("{n} open cases are past an SLA deadline", n=num(now.breached))})
    week = await service.figures(session, Window.of_days(week_start, week_end))
    sla = "—" if week.within_sla is None else num(week.within_sla, 1) + "%"
    out.append({"level": "info", "href": "p/webcare/kpis/",
                "text": _("Webcare: {cases} cases opened, first response {first} (median), {sla} of the ended "
                          "cases within SLA; {open} open now",
                          cases=num(week.cases), first=minutes_text(week.first_response_median), sla=sla,
                          open=num(now.open))})
    return out
