"""Pages of the buzz slice: the dashboard (the plugin's home) and the baseline studies (nulmeting)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    form_errors,
    gettext_for,
    kpi_format,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    utcnow,
)
from plugins.monitoring.buzz import baseline, hooks, service
from plugins.monitoring.buzz.charts import (
    dashboard_charts,
    number_format,
    sentiment_share_chart,
    sentiment_trend_chart,
    source_label,
    source_split_chart,
    volume_chart,
)
from plugins.monitoring.buzz.figures import DAY
from plugins.monitoring.models import SENTIMENTS, SOURCE_TYPES


def _options(known: list[Any], _: Any) -> dict[str, list[tuple[str, str]]]:
    return {"period": [(k, _(v)) for k, v in service.PERIOD_LABELS.items()],
            "granularity": [(k, _(v)) for k, v in service.GRANULARITIES.items()],
            "profile": [(str(p.id), p.name) for p in known],
            "source_type": [(k, _(v)) for k, v in SOURCE_TYPES.items()],
            "sentiment": [(k, _(v)) for k, v in SENTIMENTS.items()],
            "language": [(k, _(v)) for k, v in service.LANGUAGES.items()]}


@get("/", opt={"action": "plugin.read"})
async def dashboard(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """The buzz dashboard. The filter form is a plain GET form; htmx swaps only `#buzz` on a change."""
    lang = lang_of(request)
    _ = gettext_for(lang)
    known = await service.profiles(db)
    context: dict[str, Any] = {"options": _options(known, _), "num": number_format(lang)}
    try:
        filters = service.parse_filters(request.query_params, [p.id for p in known])
    except DomainError as exc:
        form = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        return page(request, "monitoring/buzz/dashboard.html", status_code=422, board=None,
                    errors=form_errors(exc.errors, lang), form=form, **context)
    board = await service.dashboard(db, filters, known)
    setup = await service.setup_state(db) if not board.totals.mentions else {}
    view = await whole_days(db, board, filters)
    return page(request, "monitoring/buzz/dashboard.html", board=board, charts=dashboard_charts(board, _),
                filters=filters, form={**filters.params(), "period": filters.period}, source_label=source_label,
                setup=setup, view=view, fmt=kpi_format(lang), kpi_keys=hooks.FIELD_KPIS,
                kpi_units=view.units if view else {k.key: k.unit for k in hooks.KPIS}, **context)


async def whole_days(db: AsyncSession, board: service.Dashboard, filters: service.BuzzFilters) -> Any:
    """For chosen whole days that are over, without filters, the tiles show the organisation's KPIs as the
    dashboard and the report do for the same days (`hooks.kpi_view`), the previous period likewise; a rolling
    or filtered view stays live (and says so). Returns the view, or None for a live board."""
    if filters.period != "custom" or filters.dims or filters.profile_id or not filters.date_from \
            or not filters.date_to:
        return None
    today = utcnow().date()
    view = await hooks.kpi_view(db, filters.date_from, filters.date_to, today)
    if view.last != filters.date_to:  # runs into today: live, like a rolling period
        return None
    length = filters.date_to - filters.date_from
    before = await hooks.kpi_view(db, filters.date_from - length - DAY, filters.date_from - DAY, today)
    board.totals, board.previous = hooks.totals_of(view), hooks.totals_of(before)
    board.kpis = service.kpis_of(board.totals, board.previous)
    return view


# --- baseline study ---------------------------------------------------------------------------------------
async def _baselines(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                     **extra: Any) -> Template:
    reports = await paginate(db, baseline.reports_query(), page_number(request.query_params.get("page")),
                             base_path=f"/t/{slug}/p/monitoring/baseline/")
    return page(request, "monitoring/buzz/baselines.html", status_code=status_code, reports=reports,
                profiles=await service.profiles(db), num=number_format(lang_of(request)), **extra)


@get("/baseline/", opt={"action": "plugin.read"})
async def baselines(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _baselines(request, db, slug)


@post("/baseline/", opt={"action": "plugin.configure"})
async def freeze_report(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    lang = lang_of(request)
    chosen = data.get("profile_ids")
    try:
        row = await baseline.freeze(db, principal_of(request), data.get("title"), data.get("period_start"),
                                    data.get("period_end"), chosen, lang)
    except DomainError as exc:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        picked = chosen if isinstance(chosen, list) else [chosen] if chosen else []
        return await _baselines(request, db, slug, status_code=exc.status_code,
                                errors=form_errors(exc.errors, lang), form=form, picked=[str(p) for p in picked])
    return Redirect(f"/t/{slug}/p/monitoring/baseline/{row.id}", status_code=303)


def report_charts(report: dict[str, Any], _: Any) -> dict[str, Any]:
    """Charts drawn from the frozen JSON (nothing is recomputed)."""
    buzz, sentiment = report["buzz"], report["sentiment"]
    weekly = [(source_label(k, _), v) for k, v in buzz["weekly"].items()]
    return {"share": sentiment_share_chart(sentiment["share"], _),
            "trend": sentiment_trend_chart(sentiment["weeks"], sentiment["trend"], _),
            "sources": source_split_chart(buzz["by_source_type"], _),
            "weekly": volume_chart(buzz["weeks"], weekly, _("Mentions per week and source type"))}


@get("/baseline/{report_id:uuid}", opt={"action": "plugin.read"})
async def baseline_report(request: Request[Any, Any, Any], db: AsyncSession, report_id: UUID) -> Template:
    row = await baseline.get_report(db, report_id)
    _ = gettext_for(lang_of(request))
    return page(request, "monitoring/buzz/baseline.html", row=row, report=row.report,
                charts=report_charts(row.report, _), num=number_format(lang_of(request)),
                source_label=source_label)


ROUTES = [dashboard, baselines, freeze_report, baseline_report]
