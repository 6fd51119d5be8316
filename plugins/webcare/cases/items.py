"""A case as other plugins see it: the item of `regie_item_actions` and `regie_find_item` (kind "case"), so
another plugin can act on a case ("Respond publicly") without importing webcare."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.webcare.models import Case, Question


def case_item(case: Case) -> dict[str, Any]:
    """The fields another plugin may use; the same shape for both hooks. `uri`: the network address of the
    customer's latest post in the case when it came from a network (a public response goes into its thread), and
    `account_id` the organisation's registered account whose connection read it (the reply is posted from it)."""
    return {"case_id": str(case.id), "number": case.number, "subject": case.subject,
            "author_handle": case.author_handle, "author_name": case.author_name, "url": case.url,
            "uri": case.source_uri or "", "status": case.status,
            "account_id": str(case.source_account_id) if case.source_account_id else ""}


async def find_case(session: AsyncSession, item_id: Any) -> dict[str, Any] | None:
    """The tenant's case by id (the session is tenant-scoped), or None for a malformed or unknown id."""
    try:
        case_id = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    case = await session.get(Case, case_id)
    return case_item(case) if case is not None else None


def question_item(question: Question, slug: str) -> dict[str, Any]:
    """A community question as other plugins see it (kind "question"; co-creation makes an idea of it)."""
    return {"question_id": str(question.id), "title": question.title, "body": question.body,
            "status": question.status, "author_handle": "", "author_name": "",
            "url": f"/t/{slug}/p/webcare/community/questions/{question.id}", "uri": "", "account_id": "",
            "case_id": str(question.case_id) if question.case_id else ""}


async def find_question(session: AsyncSession, item_id: Any, slug: str) -> dict[str, Any] | None:
    """The tenant's community question by id, or None for a malformed or unknown id."""
    try:
        question_id = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    question = await session.get(Question, question_id)
    return question_item(question, slug) if question is not None else None
