"""The surveys' part in the per-tenant hooks: navigation, the NPS widget and digest lines (all from the rollup),
the KPIs, the answer as an item of kind "nps_answer", retention and erasure, and the demo survey.

Privacy: an answer's personal data is its address, name, "why", extra answers and client address. Retention
blanks them (pseudonymise) or deletes the answers (delete); contacts and invitations older than the cutoff go in
either mode (they are nothing but personal data). Erasure deletes the person's contact, invitations and answers.
The rollup and the survey's counter keep their counts: they are anonymous figures, so the NPS of a past period
does not change when the people behind it are forgotten.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DemoKpi,
    DigestLine,
    HookContext,
    KpiDefinition,
    NavEntry,
    Series,
    Widget,
    chart,
    gettext_for,
    utcnow,
)
from plugins.energizing.surveys import results
from plugins.energizing.surveys.items import KIND, answer_item
from plugins.energizing.surveys.models import (
    ZONE,
    Survey,
    SurveyAnswer,
    SurveyContact,
    SurveyInvitation,
)

SYNC = {"synchronize_session": False}
KPIS = [
    KpiDefinition("energizing.nps", {"nl": "Net Promoter Score", "en": "Net Promoter Score"}, "score",
                  {"nl": "Percentage promotors (9–10) min percentage criticasters (0–6) van de bevestigde antwoorden "
                         "in de periode; leeg zonder antwoorden.",
                   "en": "Percentage of promoters (9–10) minus percentage of detractors (0–6) among the counted "
                         "answers of the period; empty without answers."}),
    KpiDefinition("energizing.answers", {"nl": "NPS-antwoorden", "en": "NPS answers"}, "count",
                  {"nl": "Bevestigde antwoorden op de NPS-onderzoeken in de periode.",
                   "en": "Counted answers to the NPS surveys in the period."}),
    KpiDefinition("energizing.promoters", {"nl": "Promotors", "en": "Promoters"}, "count",
                  {"nl": "Antwoorden met een 9 of 10 in de periode.", "en": "Answers scoring 9 or 10 in the period."}),
]


def _base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/surveys/"


async def measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    figures = await results.nps(ctx.session, None, period[0], period[1])
    if kpi == "energizing.nps":
        return None if figures.score is None else round(figures.score, 1)
    if kpi == "energizing.answers":
        return float(figures.answers)
    if kpi == "energizing.promoters":
        return float(figures.promoters)
    return None


def nav(ctx: HookContext) -> list[NavEntry]:
    return [NavEntry(gettext_for(ctx.lang)("Surveys"), _base(ctx.tenant_slug))]


async def widgets(ctx: HookContext) -> list[Widget]:
    """The NPS of the last 90 days and a six-month trend: two grouped reads of the rollup."""
    _ = gettext_for(ctx.lang)
    today = utcnow().astimezone(ZONE).date()
    figures = await results.nps(ctx.session, None, today - timedelta(days=89), today)
    trend = await results.trend(ctx.session, None, today, 6)
    tiny = chart("line", results.month_labels(m for m, _n in trend),
                 [Series(_("NPS"), [None if n.score is None else round(n.score) for _m, n in trend])],
                 title=_("NPS per month"), height=90)
    return [Widget(_("NPS"), "energizing/surveys/widget.html", {
        "nps": None if figures.score is None else round(figures.score), "answers": figures.answers,
        "reliable": figures.reliable, "chart": tiny, "href": _base(ctx.tenant_slug)})]


async def digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    figures = await results.nps(ctx.session, None, week_start, week_end)
    if not figures.answers:
        return []
    _ = gettext_for(ctx.lang)
    lines = [DigestLine(_("{n} survey answers this week, NPS {nps}.", n=figures.answers,
                          nps=f"{figures.score:+.0f}"),
                        "p/energizing/surveys/")]
    if figures.detractors:
        lines.append(DigestLine(_("{n} new detractors: see why they would not recommend you.", n=figures.detractors),
                                "p/energizing/surveys/", level="alert"))
    return lines


async def find_item(ctx: HookContext, kind: str, item_id: Any) -> dict[str, Any] | None:
    if kind != KIND:
        return None
    try:
        wanted = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    answer = await ctx.session.get(SurveyAnswer, wanted)
    if answer is None or answer.state != "counted":
        return None
    survey = await ctx.session.get(Survey, answer.survey_id)
    return answer_item(answer, survey, ctx.tenant_slug) if survey is not None else None


async def _count(session: AsyncSession, stmt: Any) -> int:
    return int((await session.execute(stmt.execution_options(**SYNC))).rowcount or 0)


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    session = ctx.session
    counts = {
        "survey_contacts_deleted": await _count(session, delete(SurveyContact).where(
            SurveyContact.updated_at < cutoff)),
        "survey_invitations_deleted": await _count(session, delete(SurveyInvitation).where(
            SurveyInvitation.created_at < cutoff)),
    }
    older = SurveyAnswer.answered_at < cutoff
    if mode == "delete":
        counts["survey_answers_deleted"] = await _count(session, delete(SurveyAnswer).where(older))
    else:
        counts["survey_answers_pseudonymised"] = await _count(session, update(SurveyAnswer).where(
            older, or_(SurveyAnswer.email != "", SurveyAnswer.name != "", SurveyAnswer.why != "",
                       SurveyAnswer.client_ip != "")).values(
            email="", counted_email=None, name="", why="", extra={}, client_ip="", may_contact=False))
    return counts


async def erase_subject(ctx: HookContext, subject: Any) -> dict[str, int]:
    if subject.kind != "author" or subject.platform not in ("email", "") or "@" not in (subject.handle or ""):
        return {}
    email = subject.handle.strip().lower()
    session = ctx.session
    return {
        "survey_answers_deleted": await _count(session, delete(SurveyAnswer).where(SurveyAnswer.email == email)),
        "survey_invitations_deleted": await _count(session, delete(SurveyInvitation).where(
            SurveyInvitation.email == email)),
        "survey_contacts_deleted": await _count(session, delete(SurveyContact).where(SurveyContact.email == email)),
    }


async def seed_demo(ctx: HookContext) -> list[DemoKpi]:
    from plugins.energizing.surveys.demo import seed

    return await seed(ctx)
