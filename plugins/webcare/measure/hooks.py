"""The webcare KPIs for the measurement core (`regie_kpis` / `regie_measure`), the overview widget
(`regie_widgets`) and the way-of-work sections of the policy (`regie_policy_sections`).

`measure(ctx, kpi, period)`: `period` is `(date_from, date_to)`, both dates INCLUSIVE, whole UTC days (an object
with `start`/`end` is taken too), the same convention as the monitoring plugin. Counts are 0 for an empty
period; medians, percentiles and shares are None when there is nothing to measure (no case answered, none
ended, no answer given), because 0 minutes or 0 % would read as a result. Minutes are wall-clock minutes,
percentages 0–100 with one decimal. See `service.py` for what each figure counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import (
    N_,
    HookContext,
    KpiDefinition,
    KpiTiles,
    PolicySection,
    Series,
    Widget,
    chart,
    department_choices,
    format_number,
    gettext_for,
    kpi_format,
    kpi_tiles,
    published_tone_rules,
    utcnow,
)
from plugins.webcare.measure import service, widget_figure
from plugins.webcare.measure.service import Figures, Window
from plugins.webcare.models import (
    DEFAULT_HOURS,
    DEFAULT_SLA,
    ESCALATION_REASONS,
    PRIORITIES,
    STATUSES,
    Escalation,
    Holiday,
    WebcareConfig,
)
from plugins.webcare.sla.service import duration

KPIS = [
    KpiDefinition("webcare.cases", {"nl": "Webcare-cases", "en": "Webcare cases"}, "count",
                  {"nl": "Aantal cases dat in de periode is geopend.",
                   "en": "Number of cases opened in the period."}),
    KpiDefinition("webcare.first_response_median",
                  {"nl": "Eerste reactie (mediaan)", "en": "First response (median)"}, "minutes",
                  {"nl": "Mediaan van de minuten (klok, ook buiten kantoortijd) tot de eerste reactie, voor de "
                         "beantwoorde cases die in de periode zijn geopend.",
                   "en": "Median wall-clock minutes to the first response, over the answered cases opened in the "
                         "period."}),
    KpiDefinition("webcare.first_response_p90", {"nl": "Eerste reactie (p90)", "en": "First response (p90)"},
                  "minutes",
                  {"nl": "90e percentiel van de minuten tot de eerste reactie: negen op de tien klanten kregen "
                         "sneller antwoord.",
                   "en": "90th percentile of the minutes to the first response: nine in ten customers got an "
                         "answer sooner."}),
    KpiDefinition("webcare.resolution_median", {"nl": "Oplostijd (mediaan)", "en": "Resolution time (median)"},
                  "minutes",
                  {"nl": "Mediaan van de minuten van opening tot opgelost of gesloten, voor de in de periode "
                         "geopende cases die inmiddels klaar zijn.",
                   "en": "Median minutes from opening to resolved or closed, over the cases opened in the period "
                         "that have ended."}),
    KpiDefinition("webcare.within_sla", {"nl": "Binnen SLA", "en": "Within SLA"}, "percent",
                  {"nl": "Percentage van de afgeronde cases (in de periode geopend) waarbij zowel de eerste "
                         "reactie als de oplossing binnen de SLA-termijn viel.",
                   "en": "Percentage of the ended cases (opened in the period) whose first response and "
                         "resolution both met their SLA deadline."}),
    KpiDefinition("webcare.negative_turned", {"nl": "Negatief omgebogen", "en": "Negative turned positive"},
                  "percent",
                  {"nl": "Van de afgeronde cases die negatief begonnen: het percentage dat positief eindigde.",
                   "en": "Of the ended cases that started negative: the percentage that ended positive."}),
    KpiDefinition("webcare.community_customer_share",
                  {"nl": "Klant-helpt-klant", "en": "Customers helping customers"}, "percent",
                  {"nl": "Percentage van de gepubliceerde antwoorden in de community dat door klanten is gegeven "
                         "(de rest door medewerkers).",
                   "en": "Percentage of the published community answers given by customers (the rest by "
                         "staff)."}),
]
KPI_FIELDS = {"webcare.cases": "cases", "webcare.first_response_median": "first_response_median",
              "webcare.first_response_p90": "first_response_p90", "webcare.resolution_median": "resolution_median",
              "webcare.within_sla": "within_sla", "webcare.negative_turned": "negative_turned",
              "webcare.community_customer_share": "community_customer_share"}


def window_of(period: Any) -> Window:
    """`(date_from, date_to)` inclusive (datetimes count by their UTC date), or an object with start/end."""
    if hasattr(period, "start") and hasattr(period, "end"):
        period = (period.start, period.end)
    first, last = period

    def day(value: Any) -> date:
        return value.astimezone(UTC).date() if isinstance(value, datetime) and value.tzinfo else (
            value.date() if isinstance(value, datetime) else value)

    return Window.of_days(day(first), day(last))


async def measure(ctx: HookContext, kpi: str, period: Any) -> float | int | None:
    """One KPI over the period; None for a KPI that is not webcare's (and for one with nothing to measure)."""
    if kpi not in KPI_FIELDS:
        return None
    window = window_of(period)
    memo = ctx.memo  # one snapshot run's cache: the seven KPIs share one computation per day
    if kpi == "webcare.community_customer_share":
        by_customer, answers = await service.community(ctx.session, window)
        return service._share(by_customer, answers)
    key = ("webcare.figures", window.start, window.end)
    figures = memo.get(key)
    if figures is None:
        figures = memo[key] = await service.figures(ctx.session, window)
    return getattr(figures, KPI_FIELDS[kpi])


async def kpi_view(session: Any, first: date, last: date, today: date,
                   figures: Callable[[date, date], Awaitable[Figures]] | None = None) -> KpiTiles:
    """The KPI tiles of `first`..`last` (inclusive) as the widget, the KPI page and the digest show them: over
    the days that are over; a KPI the methodology tracks as the core keeps it, the others from webcare's
    `Figures` over the same days (`kpi_tiles`): `figures(a, b)`, by default counted from the cases (the KPI
    page passes its stored figures). `.own` holds those `Figures` (counts of ended cases)."""
    async def own(a: date, b: date) -> tuple[Figures, dict[str, float | None]]:
        found = await figures(a, b) if figures is not None else await service.figures(session, Window.of_days(a, b))
        return found, kpi_values(found)

    return await kpi_tiles(session, {k.key: k for k in KPIS}, first, last, own, today)


def kpi_values(found: Figures) -> dict[str, float | None]:
    """KPI key → its value in `found`."""
    return {key: getattr(found, name) for key, name in KPI_FIELDS.items()}


# -- presentation helpers (the widget and the KPI page) --------------------------------------------------------

def number_format(lang: str) -> Any:
    def num(value: Any, digits: int = 0) -> str:
        return format_number(value, lang, digits, keep_zeros=True)
    return num


def minutes_text(value: float | None) -> str:
    """Wall minutes as "1 h 05 min" / "12 min"; "—" for none."""
    return "—" if value is None else duration(round(value))


def cases_chart(per_day: dict[date, dict[str, int]], _: Any, height: int = 260) -> Any:
    labels = [d.isoformat() for d in per_day]
    return chart("bar", labels, [Series(_("Cases opened"), [v["opened"] for v in per_day.values()]),
                                 Series(_("of which negative"), [v["negative"] for v in per_day.values()],
                                        color="#c53030")],
                 title=_("Cases per day"), height=height)


def first_response_chart(per_day: dict[date, tuple[float | None, float | None]], _: Any) -> Any:
    labels = [d.isoformat() for d in per_day]
    return chart("line", labels, [Series(_("Median"), [v[0] for v in per_day.values()]),
                                  Series(_("90th percentile"), [v[1] for v in per_day.values()], color="#dd6b20")],
                 title=_("First response time per day (minutes)"))


async def config_or_defaults(session: Any) -> WebcareConfig:
    """The tenant's settings without creating the row (hooks run on other pages' requests)."""
    config = await session.scalar(select(WebcareConfig))
    if config is None:
        config = WebcareConfig(timezone="Europe/Amsterdam", business_hours={k: [list(p) for p in v]
                                                                           for k, v in DEFAULT_HOURS.items()},
                               sla={k: dict(v) for k, v in DEFAULT_SLA.items()}, warn_before_minutes=15)
    return config


async def widgets(ctx: HookContext) -> list[Widget]:
    """Open cases by status and priority, deadlines passed or close and the cases opened today (so far); the KPIs
    and cases per day of the last 7 days (the seven whole days before today, as the dashboard's "last 7 days"),
    on the tenant's overview. The figures are the ones the job `webcare.widget_figures` stored, with the moment
    they were computed: a page view reads one row, not the cases. A KPI the methodology tracks is the core's
    daily figure (a snapshot, as on the dashboard); the others are the stored row's, only for its own days."""
    _ = gettext_for(ctx.lang)
    today = utcnow().date()
    first, last = widget_figure.window(today)
    row = await widget_figure.stored(ctx.session)
    if row is not None and (row.first, row.last) != (first, last):
        row = None  # computed before the day changed: the next run (within a minute) stores the new window
    stored = widget_figure.figures_of(row) if row is not None else None

    async def own(a: date, b: date) -> tuple[Figures | None, dict[str, float | None]]:
        found = stored if (a, b) == (first, last) else None
        return found, kpi_values(found) if found is not None else {}

    view = await kpi_tiles(ctx.session, {k.key: k for k in KPIS}, first, last, own, today)
    base = f"/t/{ctx.tenant_slug}/p/webcare/"
    context: dict[str, Any] = {
        "pending": row is None, "view": view, "figures": view.own or Figures(), "href": base,
        "kpis_href": base + "kpis/", "statuses": STATUSES, "priorities": PRIORITIES, "num": number_format(ctx.lang),
        "minutes": minutes_text, "fmt": kpi_format(ctx.lang), "now": None, "opened_today": None, "spark": None}
    if row is not None:
        per_day = widget_figure.per_day_of(row)
        context |= {"now": widget_figure.now_of(row), "opened_today": per_day.pop(today)["opened"],
                    "spark": cases_chart(per_day, _, height=120)}
    return [Widget(_("Webcare"), "webcare/measure/widget.html", context,
                   as_of=row.computed_at if row is not None else None)]


# -- way-of-work sections ---------------------------------------------------------------------------------------

DAY_ABBREVIATIONS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def hours_summary(hours: dict[str, list[list[str]]], _: Any) -> str:
    """"Mon–Fri 09:00–17:00" style: consecutive days with the same intervals share one entry."""
    groups: list[tuple[int, int, str]] = []
    for day in range(7):
        spans = ", ".join(f"{s}–{e}" for s, e in hours.get(str(day)) or [])
        if groups and groups[-1][2] == spans and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, spans)
        else:
            groups.append((day, day, spans))
    parts = []
    for first, last, spans in groups:
        if not spans:
            continue
        days = _(DAY_ABBREVIATIONS[first]) if first == last else \
            f"{_(DAY_ABBREVIATIONS[first])}–{_(DAY_ABBREVIATIONS[last])}"
        parts.append(f"{days} {spans}")
    return "; ".join(parts) or _("closed")


async def policy_sections(ctx: HookContext) -> list[PolicySection]:
    """Response times, escalation paths and webcare's tone of voice, each with a hint showing what is set
    now (SLA minutes and business hours, the escalations so far, the published tone rules)."""
    _ = gettext_for(ctx.lang)
    session = ctx.session
    config = await config_or_defaults(session)
    holidays = await session.scalar(select(func.count()).select_from(Holiday)) or 0
    levels = "; ".join(
        _("{priority}: first response within {first}, resolved within {resolution}",
          priority=_(PRIORITIES[p]), first=duration(int((config.sla or {}).get(p, DEFAULT_SLA[p])["first_response"])),
          resolution=duration(int((config.sla or {}).get(p, DEFAULT_SLA[p])["resolution"])))
        for p in PRIORITIES)
    response = _("Which response times webcare promises, on which channels, and what a customer hears outside "
                 "business hours. Now set (business time): {levels}. Business hours: {hours} ({zone}), {n} "
                 "holidays; a warning {warn} min before a deadline.", levels=levels,
                 hours=hours_summary(config.business_hours or {}, _), zone=config.timezone, n=holidays,
                 warn=config.warn_before_minutes)

    names = dict(await department_choices(session))
    paths: Counter[tuple[str, Any]] = Counter()
    for reason, to_department, count in (await session.execute(
            select(Escalation.reason, Escalation.to_department_id, func.count())
            .group_by(Escalation.reason, Escalation.to_department_id))).all():
        paths[(reason, to_department)] += int(count)
    used = ", ".join(f"{_(ESCALATION_REASONS.get(r, r))} → {names.get(d, '?')} ({n})"
                     for (r, d), n in paths.most_common(6)) or _("none yet")
    escalation = _("Which department takes over which case from webcare, how fast, and how it comes back: for "
                   "example press questions to corporate communication, product ideas to development, sales "
                   "leads to sales, legal questions to legal. Escalated so far: {used}. Departments: "
                   "{departments}.", used=used, departments=", ".join(sorted(names.values())) or "—")

    rules = await published_tone_rules(session)
    if rules:
        limits = ", ".join(f"{c} {n}" for c, n in sorted((rules.get("max_length") or {}).items())) or "—"
        checked = _("sign-off \"{signoff}\", {words} forbidden words, maximum length per channel: {limits}",
                    signoff=rules.get("required_signoff") or "—", words=len(rules.get("forbidden_words") or []),
                    limits=limits)
    else:
        checked = _("no policy is published yet")
    tone = _("How webcare sounds: formal or informal address, signing with initials, apologising, calming an "
             "angry customer, correcting a factual error, when to continue in a private message. Every reply is "
             "checked against the published tone rules: {checked}.", checked=checked)
    return [PolicySection("webcare_response_times", _("Webcare: response times (SLA)"), response),
            PolicySection("webcare_escalation", _("Webcare: escalation paths"), escalation),
            PolicySection("webcare_tone_of_voice", _("Webcare: tone of voice"), tone)]
