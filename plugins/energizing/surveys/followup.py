"""What staff do with one answer: invite a promoter to the ambassador programme (consent first: only when the
respondent allowed contact), and the answer's page data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Refused, record_audit, utcnow
from plugins.energizing.surveys.models import ZONE, Survey, SurveyAnswer


def may_invite(answer: SurveyAnswer) -> bool:
    """A counted promoter with an address who ticked "you may contact me", not invited yet."""
    return (answer.state == "counted" and answer.category == "promoter" and answer.may_contact
            and bool(answer.email) and answer.ambassador_invited_at is None)


async def invite_promoter(session: AsyncSession, principal: Any, answer: SurveyAnswer, survey: Survey, *,
                          base_url: str, slug: str, tenant_name: str, lang: str) -> Any:
    """The ambassador programme's invitation (a consent mail), once per answer."""
    from plugins.energizing.ambassadors.service import invite, portal_base

    if answer.ambassador_invited_at is not None:
        raise Refused(field="__all__", msgid="This respondent was already invited to the ambassador programme.")
    if not may_invite(answer):
        raise Refused(field="__all__", msgid="Only a promoter who allowed contact can be invited.")
    ambassador = await invite(session, email=answer.email, name=answer.name or answer.email.split("@", 1)[0][:120],
                              source="nps", source_ref=str(answer.id), invited_by_id=getattr(principal, "user_id",
                                                                                               None),
                              lang=lang, link_base=portal_base(base_url, slug), tenant_name=tenant_name)
    answer.ambassador_invited_at = utcnow()
    await record_audit(session, principal, "energizing.promoter_invited", subject=answer,
                       summary=f"{survey.title}: {answer.email}")
    return ambassador


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZONE)


def answers_query(survey_id: UUID, start: date | None, end: date | None, category: str = "") -> Select[Any]:
    """The period's counted answers, newest first (the "why" list), optionally of one category."""
    query = select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id, SurveyAnswer.state == "counted")
    if start is not None:
        query = query.where(SurveyAnswer.answered_at >= _moment(start))
    if end is not None:
        query = query.where(SurveyAnswer.answered_at < _moment(end + timedelta(days=1)))
    if category:
        query = query.where(SurveyAnswer.category == category)
    return query.order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id)
