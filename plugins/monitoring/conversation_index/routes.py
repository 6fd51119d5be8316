"""The Conversation Index page: the trend per search profile and the seven components of the period, as the
board job stored them (the page says when); before its first run the page says the figures are on their way."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, form_errors, gettext_for, kpi_figures, kpi_format, lang_of, page
from plugins.monitoring.buzz.charts import number_format
from plugins.monitoring.conversation_index import boards, components, hooks, service
from plugins.monitoring.conversation_index.charts import components_chart, trend_chart


@get("/conversation-index/", opt={"action": "plugin.read"})
async def conversation_index(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """A plain GET form picks the period; a bad one re-renders the form with the field's error (422)."""
    lang = lang_of(request)
    _ = gettext_for(lang)
    context: dict[str, Any] = {"periods": [(k, _(v)) for k, v in service.PERIOD_LABELS.items()],
                               "labels": components.COMPONENTS, "num": number_format(lang),
                               "high_reach": components.HIGH_REACH}
    try:
        period = service.parse_period(request.query_params.get("period"))
    except DomainError as exc:
        return page(request, "monitoring/conversation_index/page.html", status_code=422, board=None,
                    errors=form_errors(exc.errors, lang), form={"period": str(request.query_params.get("period"))},
                    **context)
    board = await boards.stored(db, period.key)
    if board is None:
        return page(request, "monitoring/conversation_index/page.html", board=None, pending=True,
                    form={"period": period.key}, errors={}, **context)
    charts = {"trend": trend_chart(board, _), "components": components_chart(board, _)} if board.shown else {}
    shown = board.period  # the stored board's days (until the job moved it on after midnight)
    figure = (await kpi_figures(db, {hooks.KPI: hooks.KPIS[0]}, shown.start.date(), shown.last_day,
                                shown.end.date()))[hooks.KPI]  # the KPI as the dashboard shows it
    return page(request, "monitoring/conversation_index/page.html", board=board, charts=charts,
                form={"period": period.key}, figure=figure, fmt=kpi_format(lang),
                index=figure.value if figure.tracked else board.tenant.value, **context)


ROUTES = [conversation_index]
