"""The KPI page (/kpis/): the webcare KPIs of a period (last 7, 30 or 90 days, or chosen dates) with cases per
day and the first-response trend as charts. Bad dates re-render the page with the field's reason (422).

"Last N days" are the N whole days before today, as on the organisation dashboard; the KPI figures cover the
days that are over (a chosen period that runs into today is counted up to yesterday, and the page says so),
and a KPI the methodology tracks shows the core's daily figure (`hooks.kpi_view`), so this page, the
dashboard and the report give the same number for the same days.

The page reads what the job `webcare.kpi_figures` stored (`kpi_figure`): a preset's whole figures, and the
day rows for the charts and for the counts of chosen dates; only the time KPIs of chosen dates are computed
per view (they do not add up from days). It says when the stored figures were computed. Before the first run
(a new tenant) and, for a preset, before the first run of the day, it says the figures are being computed and
queues the job rather than counting the cases itself: the page costs the same at any number of cases, and the
wait is the time the worker needs (at most the minute till the scheduled run)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    FieldErrors,
    clean_choice,
    clean_date,
    enqueue_job,
    form_errors,
    gettext_for,
    kpi_format,
    lang_of,
    last_days,
    page,
    utcnow,
)
from plugins.webcare.measure import hooks, kpi_figure
from plugins.webcare.measure.kpi_figure import MAX_DAYS, PRESETS
from plugins.webcare.measure.service import Figures, Window

PERIODS = {"7d": (PRESETS["7d"], N_("last 7 days")), "30d": (PRESETS["30d"], N_("last 30 days")),
           "90d": (PRESETS["90d"], N_("last 90 days")), "custom": (0, N_("chosen dates"))}
DEFAULT_PERIOD = "30d"


def parse_period(params: Mapping[str, Any], today: date) -> tuple[str, Window]:
    """(period, window) from `period`, `from`, `to`; DomainError naming each bad field."""
    def get_(name: str) -> str:
        return str(params.get(name) or "").strip()

    errors = FieldErrors()
    period = get_("period") or ("custom" if get_("from") or get_("to") else DEFAULT_PERIOD)
    period = errors.clean(clean_choice, period, "period", list(PERIODS)) or DEFAULT_PERIOD
    if period != "custom":
        errors.raise_if_any()
        return period, Window.of_days(*last_days(PERIODS[period][0], today))
    first = errors.clean(clean_date, get_("from"), "from")
    last = errors.clean(clean_date, get_("to"), "to")
    if first and last and last < first:
        errors.add("to", msgid="The end of the period lies before its start.")
    elif first and last and (last - first).days >= MAX_DAYS:
        errors.add("to", msgid="Choose a period of at most {n} days.", n=MAX_DAYS)
    errors.raise_if_any()
    assert first and last
    return period, Window.of_days(first, last)


@get("/kpis/", opt={"action": "plugin.read"})
async def kpis(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    lang = lang_of(request)
    _ = gettext_for(lang)
    params = request.query_params
    form = {k: params.get(k) or "" for k in ("period", "from", "to")}
    options = [(k, _(label)) for k, (_n, label) in PERIODS.items()]
    context: dict[str, Any] = {"base": f"/t/{slug}/p/webcare/kpis/", "inbox": f"/t/{slug}/p/webcare/",
                               "options": options, "num": hooks.number_format(lang), "minutes": hooks.minutes_text,
                               "definitions": {k.key: k for k in hooks.KPIS}}
    today = utcnow().date()
    try:
        period, window = parse_period(params, today)
    except DomainError as exc:
        return page(request, "webcare/measure/kpis.html", status_code=422, form=form, figures=None, pending=False,
                    errors=form_errors(exc.errors, lang), **context)
    form["period"] = period
    first, last = window.start.date(), window.days()[-1]
    if period != "custom":
        form["from"], form["to"] = first.isoformat(), last.isoformat()
    context |= {"form": form, "errors": {}, "first": first, "last": last, "fmt": kpi_format(lang)}
    row = await kpi_figure.stored(db)
    if row is None or (period != "custom" and kpi_figure.preset_of(row, first, last) is None):
        enqueue_job(db, kpi_figure.JOB)  # sooner than the scheduled run; a message behind a finished run is dropped
        return page(request, "webcare/measure/kpis.html", figures=None, pending=True, **context)
    days = await kpi_figure.days_of(db, first, last)
    presets_used: list[datetime] = []

    async def figures(a: date, b: date) -> Figures:
        preset = kpi_figure.preset_of(row, a, b)
        if preset is not None:
            presets_used.append(preset[1])
            return preset[0]
        return await kpi_figure.added_up(db, days, a, b)

    view = await hooks.kpi_view(db, first, last, today, figures)
    charts = {"cases": hooks.cases_chart(kpi_figure.cases_per_day(days), _),
              "first_response": hooks.first_response_chart(kpi_figure.first_response_per_day(days), _)}
    return page(request, "webcare/measure/kpis.html", figures=view.own or Figures(), view=view, charts=charts,
                pending=False, computed_at=presets_used[0] if presets_used else row.computed_at,
                times_now=view.covered and not presets_used, **context)


ROUTES = [kpis]
