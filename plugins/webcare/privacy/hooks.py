"""Retention and erasure of what webcare holds of people.

Pseudonymising a case blanks who it was about and what they said: the case's author handle and name,
subject and URL; the text, handle and URL of its messages (events stay: they are the organisation's own
steps); the replies' text and links; the escalations' notes. Number, status, channel, department, queue,
times, SLA deadlines and breaches stay, so every webcare KPI (response times, volumes, SLA) measures the same
after as before. A blanked row no longer matches, so a second run counts nothing (idempotent). Deleting
removes the cases (messages, replies, deliveries, escalations with them) and has the KPI page's stored day
figures recomputed. Retention goes by the case's last message: a case that was still being talked about is
young.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update

from core.plugins.api import Customer, normal_handle
from plugins.webcare.models import (
    AgentState,
    Answer,
    Case,
    CaseMessage,
    CaseViewer,
    Escalation,
    PeriodFigure,
    Question,
    Reply,
    SavedView,
)

SYNC = {"synchronize_session": False}


def _same_handle(column: Any, handle: str) -> ColumnElement[bool]:
    return func.lower(func.ltrim(func.trim(column), "@")) == normal_handle(handle)


async def _count(session: Any, stmt: Any) -> int:
    return (await session.execute(stmt.execution_options(**SYNC))).rowcount or 0


async def _blank_cases(session: Any, where: ColumnElement[bool]) -> dict[str, int]:
    ids = select(Case.id).where(where).scalar_subquery()
    return {
        "cases_pseudonymised": await _count(session, update(Case).where(where, or_(
            Case.author_handle != "", Case.author_name != "", Case.subject != "", Case.url != "",
            Case.source_uri != ""))
            .values(author_handle="", author_name="", subject="", url="", source_uri="")),
        "messages_pseudonymised": await _count(session, update(CaseMessage).where(
            CaseMessage.case_id.in_(ids), CaseMessage.kind != "event",
            or_(CaseMessage.body != "", CaseMessage.author_handle != "", CaseMessage.url != ""))
            .values(body="", author_handle="", url="")),
        "replies_pseudonymised": await _count(session, update(Reply).where(
            Reply.case_id.in_(ids), or_(Reply.body != "", Reply.external_url != "", Reply.decision_note != "",
                                        Reply.reply_to_uri != ""))
            .values(body="", external_url="", decision_note="", last_error="", reply_to_uri="")),
        "escalation_notes_blanked": await _count(session, update(Escalation).where(
            Escalation.case_id.in_(ids), Escalation.note != "").values(note="")),
    }


async def retention(ctx: Any, cutoff: datetime, mode: str) -> dict[str, int]:
    older = Case.last_message_at < cutoff
    if mode == "delete":
        deleted = await _count(ctx.session, delete(Case).where(older))
        if deleted:  # no changed row shows a deletion: the KPI page's next run recomputes every day
            await ctx.session.execute(update(PeriodFigure).values(erased=PeriodFigure.erased + 1)
                                      .execution_options(**SYNC))
        return {"cases_deleted": deleted}
    return await _blank_cases(ctx.session, older)


async def erase_subject(ctx: Any, subject: Any) -> dict[str, int] | None:
    session = ctx.session
    if subject.kind == "user":
        return {
            "saved_views_deleted": await _count(session, delete(SavedView).where(SavedView.user_id == subject.user_id)),
            "agent_states_deleted": await _count(session, delete(AgentState)
                                                 .where(AgentState.user_id == subject.user_id)),
            "case_viewers_deleted": await _count(session, delete(CaseViewer)
                                                 .where(CaseViewer.user_id == subject.user_id)),
        }
    if subject.platform == "email":
        return await _erase_customer(session, subject.handle.strip().casefold())
    if not normal_handle(subject.handle):
        return None
    counts = await _blank_cases(session, _same_handle(Case.author_handle, subject.handle))
    counts["messages_pseudonymised"] += await _count(session, update(CaseMessage).where(
        _same_handle(CaseMessage.author_handle, subject.handle)).values(body="", author_handle="", url=""))
    return counts


async def _erase_customer(session: Any, email: str) -> dict[str, int]:
    """A community customer: its questions and answers are blanked (its votes still count). The customer
    record itself (address, name, sign-in links) is the core's: it pseudonymises it after every plugin ran."""
    customer = await session.scalar(select(Customer).where(func.lower(Customer.email) == email))
    if customer is None:
        return {}
    return {
        "questions_blanked": await _count(session, update(Question).where(Question.customer_id == customer.id)
                                          .values(title="", body="")),
        "answers_blanked": await _count(session, update(Answer).where(Answer.customer_id == customer.id)
                                        .values(body="")),
    }
