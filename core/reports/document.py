"""The report document: its content gathered once, its charts drawn, its HTML rendered from
`reports/report.html`. The page shows that HTML; the PDF wraps the same HTML in `reports/print.html`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext_for
from core.i18n.formats import number as format_number
from core.measurement.models import QuarterlyReport
from core.measurement.targets import formatter
from core.policy.models import WAY_OF_WORK_SECTIONS
from core.policy.service import SECTION_TITLES, published_policy
from core.reports import charts
from core.reports.figures import Goal, KpiResult, goals, kpi_results, methodology_in_force
from core.reports.periods import previous_period, quarter_label
from core.reports.service import blank_inputs
from core.tenancy.models import Tenant

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "frontend" / "templates"
REPORT_CSS = TEMPLATES.parent / "static" / "css" / "report.css"
POLICY_EXCERPT = 1200


@dataclass
class Content:
    """Everything the report states, read from the database in one go (step 1 of the job)."""

    tenant_name: str
    phase: str
    methodology_number: int | None
    period: tuple[date, date]
    previous: tuple[date, date]
    results: list[KpiResult]
    goals: list[Goal]
    policy_number: int | None = None
    policy_sections: list[tuple[str, str]] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)
    """Chart name (progress, comparison, or a KPI key) → PNG data URI."""

    @property
    def measured(self) -> bool:
        """Whether some KPI of the methodology has a figure for the period: a report without one says so at
        the top and is not offered as the management presentation."""
        return any(r.value is not None for r in self.results)


async def collect(session: AsyncSession, report: QuarterlyReport, pm: Any) -> Content:
    tenant = await session.get(Tenant, report.tenant_id)
    start, end = report.period_start, report.period_end
    version = await methodology_in_force(session, end)
    content = Content(tenant_name=tenant.name if tenant else "", phase=tenant.phase if tenant else "",
                      methodology_number=version.number if version else None, period=(start, end),
                      previous=previous_period(start, end),
                      results=await kpi_results(session, version, start, end, pm, report.lang),
                      goals=await goals(session, version, start, end))
    policy = await published_policy(session)
    if policy is not None:
        content.policy_number = policy.number
        texts = policy.way_of_work or {}
        keys = [k for k in WAY_OF_WORK_SECTIONS if texts.get(k)] + sorted(k for k in texts if
                                                                         k not in WAY_OF_WORK_SECTIONS and texts[k])
        content.policy_sections = [(k, str(texts[k])) for k in keys]
    return content


def methodology_label(content: Content, lang: str) -> str:
    _ = gettext_for(lang)
    if content.methodology_number is None:
        return _("No methodology version")
    return _("Methodology version {n}", n=content.methodology_number)


def draw_charts(content: Content, lang: str) -> None:
    """Step 2: a chart per measured KPI, progress against target, change against the previous period."""
    _ = gettext_for(lang)
    label = methodology_label(content, lang)
    labels = (quarter_label(*content.period), quarter_label(*content.previous))
    for name, image in (("progress", charts.progress_chart(content.results, label, _)),
                        ("comparison", charts.comparison_chart(content.results, labels, label, _))):
        if image:
            content.images[name] = image
    for result in content.results:
        image = charts.kpi_chart(result, label, _)
        if image:
            content.images[result.key] = image


@cache
def environment() -> Environment:
    from core.web.filters import install_filters

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    install_filters(env)
    return env


def number(lang: str) -> Any:
    def fmt(value: float | None, digits: int = 1) -> str:
        return format_number(value, lang, digits)

    return fmt


def render_html(report: QuarterlyReport, content: Content) -> str:
    """Step 3: the report fragment (its own scoped CSS, charts inline)."""
    lang = report.lang
    inputs = {**blank_inputs(), **(report.inputs or {})}
    return environment().get_template("reports/report.html").render(
        _=gettext_for(lang), lang=lang, num=number(lang), fmt=formatter(lang), report=report, inputs=inputs, c=content,
        period_label=quarter_label(*content.period), previous_label=quarter_label(*content.previous),
        methodology=methodology_label(content, lang), section_titles=SECTION_TITLES,
        policy_excerpt=POLICY_EXCERPT)


def print_document(report: QuarterlyReport, fragment: str) -> str:
    """The full document WeasyPrint turns into the PDF: the same fragment, with page CSS."""
    return environment().get_template("reports/print.html").render(
        _=gettext_for(report.lang), lang=report.lang, report=report, fragment=fragment,
        report_css=Markup(REPORT_CSS.read_text()))


def presentation_sections(report: QuarterlyReport, content: Content) -> dict[str, str]:
    """The management presentation's five sections, as text, from the report."""
    _ = gettext_for(report.lang)
    num = number(report.lang)
    inputs = report.inputs or {}
    results = []
    fmt = formatter(report.lang)
    for r in content.results:
        name = f'{r.name} ({_("entered by hand")})' if r.hand_entered else r.name
        line = _("{kpi}: {value} (previous period: {previous})", kpi=name, value=fmt(r.value, r.unit),
                 previous=fmt(r.previous, r.unit))
        if r.target is not None:
            line += "; " + _("target {value}", value=fmt(r.target, r.unit))
            if r.progress is not None:
                line += f" ({num(r.progress, 0)}%)"
        results.append(line)
    goals_text = [f"{g.name}: {num(g.value)} ({g.period_start.isoformat()} – {g.period_end.isoformat()})"
                  + (f" — {g.rationale}" if g.rationale else "") for g in content.goals]
    way_of_work = inputs.get("way_of_work") or "\n\n".join(
        _(SECTION_TITLES.get(k, k)) + ": " + text for k, text in content.policy_sections)
    resources = [_("FTE: {n}", n=num(inputs.get("fte"))), _("Budget: € {n}", n=num(inputs.get("budget"), 2))]
    scenarios = _("Growth scenarios: {text}", text=inputs["growth_scenarios"]) if inputs.get("growth_scenarios") \
        else ""
    if inputs.get("resources_text"):
        resources.append(inputs["resources_text"])
    missing = _("Not written for this report.")
    head = f"{methodology_label(content, report.lang)} · {quarter_label(*content.period)}"
    nothing = _("No KPIs measured.")
    return {"results": "\n".join([head, *(results or [nothing])]),
            "goals": "\n".join(goals_text) or _("No targets set for this period."),
            "strategy": "\n\n".join(t for t in (inputs.get("strategy"), scenarios) if t) or missing,
            "way_of_work": way_of_work or missing,
            "resources": "\n".join(resources)}
