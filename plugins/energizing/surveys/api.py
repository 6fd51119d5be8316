"""Surveys and their results in the JSON API (results from the rollup, as the page shows them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, get_or_404, lang_of, page_number, paginate, principal_of, utcnow
from plugins.energizing.surveys import results, service
from plugins.energizing.surveys.models import ZONE, Survey

TAGS = ["energizing"]


@dataclass
class QuestionOut:
    key: str
    label: str
    kind: str
    """"text" or "scale" (1–5)."""


@dataclass
class SurveyOut:
    id: str
    title: str
    intro: str
    state: str
    """draft, open or closed."""
    questions: list[QuestionOut]
    period_start: date | None
    period_end: date | None
    reminder_days: int
    invited: int
    answers: int
    """Counted answers."""


@dataclass
class SurveyList:
    items: list[SurveyOut]
    page: PageInfo


@dataclass
class MonthOut:
    month: str
    answers: int
    nps: float | None


@dataclass
class ResultsOut:
    start: date | None
    end: date | None
    answers: int
    promoters: int
    passives: int
    detractors: int
    scores: list[int]
    """Answers per score 0..10."""
    nps: float | None
    ci_low: float | None
    ci_high: float | None
    """The 95% confidence interval of the NPS."""
    reliable: bool
    """False below 30 answers."""
    trend: list[MonthOut]


def _out(s: Survey, answers: int) -> SurveyOut:
    return SurveyOut(id=str(s.id), title=s.title, intro=s.intro, state=s.state,
                     questions=[QuestionOut(**q) for q in s.questions or []], period_start=s.period_start,
                     period_end=s.period_end, reminder_days=s.reminder_days, invited=s.invited, answers=answers)


@get("/surveys", opt={"action": "plugin.read"}, tags=TAGS, summary="Surveys, the newest first, paginated")
async def list_surveys(db: AsyncSession, page: int | None = None) -> SurveyList:
    found = await paginate(db, service.surveys_query(), page_number(page))
    counts = await service.answer_counts(db, [s.id for s in found.items])
    return SurveyList(items=[_out(s, counts.get(s.id, 0)) for s in found.items], page=PageInfo(**found.as_json()))


@post("/surveys", opt={"action": "plugin.work"}, tags=TAGS, status_code=201,
      summary="Create a survey (a draft): title, intro, questions [{label, kind}], period_start, period_end, "
              "reminder_days")
async def create_survey(request: Request[Any, Any, Any], db: AsyncSession, data: dict[str, Any],
                        lang: str | None = None) -> SurveyOut:
    lang_of(request, lang)
    return _out(await service.create_survey(db, principal_of(request), data), 0)


@get("/surveys/{survey_id:uuid}", opt={"action": "plugin.read"}, tags=TAGS, summary="One survey")
async def get_survey(db: AsyncSession, survey_id: UUID) -> SurveyOut:
    survey = await get_or_404(db, Survey, survey_id)
    return _out(survey, (await service.answer_counts(db, [survey.id])).get(survey.id, 0))


@get("/surveys/{survey_id:uuid}/results", opt={"action": "plugin.read"}, tags=TAGS,
     summary="NPS, categories and 95% interval of a period (month=YYYY-MM, or from/to), with 12 months of trend")
async def survey_results(request: Request[Any, Any, Any], db: AsyncSession, survey_id: UUID,
                         lang: str | None = None) -> ResultsOut:
    lang_of(request, lang)
    survey = await get_or_404(db, Survey, survey_id)
    start, end = results.clean_period(request.query_params, (survey.period_start, survey.period_end))
    data = (await results.report(db, survey.id, start, end, utcnow().astimezone(ZONE).date())).as_json()
    data["trend"] = [MonthOut(**m) for m in data["trend"]]
    data["start"], data["end"] = start, end
    return ResultsOut(**data)


ROUTES = [list_surveys, create_survey, get_survey, survey_results]
