"""Surveys and the tenant's survey settings: create, change, open and close them (every decision audited)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Refused,
    clean_choice,
    clean_date,
    clean_text,
    get_or_404,
    record_audit,
    utcnow,
)
from plugins.energizing.surveys.models import QUESTION_KINDS, STATES, Survey, SurveyDayCount, SurveySettings
from plugins.energizing.surveys.results import FIRST_YEAR, LAST_YEAR

MAX_QUESTIONS = 5
CASE_THRESHOLD_MAX = 6
"""Only detractors (0–6) become a case: the case plugins ignore passives, so a higher threshold would promise
cases that never come."""
TRANSITIONS = {"draft": ("open",), "open": ("closed",), "closed": ("open",)}
"""A closed survey may open again (a second round); nothing goes back to draft once people could answer."""


def _int(value: Any, field: str, low: int, high: int, default: int | None) -> int:
    """A whole number in range; empty gives `default`, or is refused when there is none (a required field)."""
    text = str(value if value is not None else "").strip()
    if not text:
        if default is None:
            raise DomainError(field=field, msgid="Give a whole number from {low} to {high}.", low=low, high=high)
        return default
    try:
        number = int(text)
    except ValueError:
        raise DomainError(field=field, msgid="Give a whole number from {low} to {high}.", low=low, high=high) from None
    if not low <= number <= high:
        raise DomainError(field=field, msgid="Give a whole number from {low} to {high}.", low=low, high=high)
    return number


def clean_questions(data: dict[str, Any], errors: FieldErrors) -> list[dict[str, str]]:
    """The extra questions from `question_<n>` / `kind_<n>` fields (a form) or a `questions` list (the API);
    empty labels are dropped."""
    raw = data.get("questions")
    if raw is None:
        raw = [{"label": data.get(f"question_{n}", ""), "kind": data.get(f"kind_{n}", "text")}
               for n in range(1, MAX_QUESTIONS + 1)]
    if not isinstance(raw, list) or len(raw) > MAX_QUESTIONS:
        errors.add("questions", msgid="At most {n} extra questions.", n=MAX_QUESTIONS)
        return []
    found: list[dict[str, str]] = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            errors.add("questions", msgid="Each question has a label and a kind.")
            return []
        label = errors.clean(clean_text, item.get("label"), f"question_{n}", required=False, max_length=200)
        kind = errors.clean(clean_choice, item.get("kind") or "text", f"kind_{n}", QUESTION_KINDS)
        if label and kind:
            found.append({"key": f"q{len(found) + 1}", "label": label, "kind": kind})
    return found


def _values(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    errors = FieldErrors()
    values: dict[str, Any] = {
        "title": errors.clean(clean_text, data.get("title"), "title", max_length=160),
        "intro": errors.clean(clean_text, data.get("intro"), "intro", required=False, max_length=2000) or "",
        "period_start": errors.clean(clean_date, data.get("period_start"), "period_start", required=False),
        "period_end": errors.clean(clean_date, data.get("period_end"), "period_end", required=False),
        "reminder_days": errors.clean(_int, data.get("reminder_days"), "reminder_days", 1, 60, 5),
        "questions": clean_questions(data, errors),
    }
    start, end = values["period_start"], values["period_end"]
    for name, day in (("period_start", start), ("period_end", end)):
        if isinstance(day, date) and not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors.add(name, msgid="Give a year from {low} to {high}.", low=FIRST_YEAR, high=LAST_YEAR)
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.add("period_end", msgid="The end comes on or after the start.")
    errors.raise_if_any()
    return values


async def create_survey(session: AsyncSession, principal: Any, data: Any) -> Survey:
    survey = Survey(state="draft", share_token=secrets.token_urlsafe(18), invited=0,
                    created_by_id=getattr(principal, "user_id", None), **_values(data))
    session.add(survey)
    await session.flush()
    await record_audit(session, principal, "energizing.survey_created", subject=survey, summary=survey.title)
    return survey


def _shape(questions: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(str(q.get("key")), str(q.get("kind")), str(q.get("label"))) for q in questions]


async def update_survey(session: AsyncSession, principal: Any, survey_id: Any, data: Any) -> Survey:
    survey = await get_or_404(session, Survey, survey_id)
    values = _values(data)
    if survey.state != "draft" and _shape(values["questions"]) != _shape(survey.questions or []):
        # answers already given refer to the questions as they were: their key, kind and label stay
        raise Refused(field="questions", msgid="Questions can be changed only while the survey is a draft.")
    for key, value in values.items():
        setattr(survey, key, value)
    await record_audit(session, principal, "energizing.survey_changed", subject=survey, summary=survey.title)
    return survey


async def set_state(session: AsyncSession, principal: Any, survey_id: Any, wanted: Any) -> Survey:
    survey = await get_or_404(session, Survey, survey_id)
    state = clean_choice(wanted, "state", STATES)
    if state not in TRANSITIONS[survey.state]:
        raise Refused(field="state", msgid="A survey cannot go from {old} to {new}.", old=survey.state, new=state)
    survey.state = state
    if state == "open":
        survey.opened_at = survey.opened_at or utcnow()
        survey.closed_at = None
    else:
        survey.closed_at = utcnow()
    await record_audit(session, principal,
                       "energizing.survey_opened" if state == "open" else "energizing.survey_closed",
                       subject=survey, summary=survey.title)
    return survey


def surveys_query() -> Select[Any]:
    return select(Survey).order_by(Survey.created_at.desc())


async def answer_counts(session: AsyncSession, survey_ids: list[Any]) -> dict[Any, int]:
    """Counted answers per survey, added up from the daily rollup (one grouped query for a page of surveys)."""
    if not survey_ids:
        return {}
    rows = await session.execute(select(SurveyDayCount.survey_id, func.sum(SurveyDayCount.answers))
                                 .where(SurveyDayCount.survey_id.in_(survey_ids)).group_by(SurveyDayCount.survey_id))
    return {survey_id: int(total or 0) for survey_id, total in rows.all()}


async def settings_of(session: AsyncSession) -> SurveySettings:
    """The tenant's settings row (made on first use)."""
    found = await session.scalar(select(SurveySettings))
    if found is None:
        found = SurveySettings(auto_case=False, case_threshold=6)
        session.add(found)
        await session.flush()
    return found


async def change_settings(session: AsyncSession, principal: Any, data: Any) -> SurveySettings:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    threshold = _int(data.get("case_threshold"), "case_threshold", 0, CASE_THRESHOLD_MAX, None)
    found = await settings_of(session)
    found.auto_case = data.get("auto_case") is True or str(data.get("auto_case") or "") in ("1", "on", "true")
    found.case_threshold = threshold
    await record_audit(session, principal, "energizing.survey_settings_changed", subject=found,
                       summary=f"auto_case={found.auto_case} threshold={threshold}")
    return found
