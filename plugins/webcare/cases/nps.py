"""A detractor's survey answer becomes a case: the energizing plugin shows and owns the answers (items of kind
"nps_answer"), webcare offers "Make a webcare case" on them and hears `nps.case_requested`; neither imports the
other. One function makes the case for both paths, and a case remembers the answer it came from
(`Case.source_kind`, `Case.source_ref`, unique per tenant), so a second click or the event finds the same case.

The answer's fields come from its owner, never from a form: the click posts only the answer's id, which the route
checks through `find_item`; the event's payload is the owner's own announcement in this tenant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    HookContext,
    ItemAction,
    NotFound,
    Refused,
    clean_uuid,
    find_item,
    gettext_for,
    record_audit,
    utcnow,
)
from plugins.webcare.cases.service import Incoming, place
from plugins.webcare.models import Case

KIND = "nps_answer"
"""The item kind of a survey answer with a Net Promoter Score (energizing's `regie_find_item`)."""
DETRACTOR = "detractor"
MAX_REF = 64


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/cases/"


def answer_id_of(answer: Mapping[str, Any]) -> str:
    """The answer's id as stored in `Case.source_ref` (a UUID in its canonical form when it is one)."""
    raw = str(answer.get("answer_id") or "").strip()
    try:
        return str(UUID(raw))
    except ValueError:
        return raw[:MAX_REF]


def _href(value: Any) -> str:
    """The answer's page, from the site root; anything else (another site, a script) is left out."""
    href = str(value or "")
    return href[:2000] if href.startswith("/") and not href.startswith("//") and "\\" not in href else ""


async def case_of_answer(session: AsyncSession, answer_id: str) -> Case | None:
    """The case already made from this answer in the tenant (the session is tenant-scoped), if any."""
    return await session.scalar(select(Case).where(Case.source_kind == KIND, Case.source_ref == answer_id))


async def nps_actions(ctx: HookContext, item: Mapping[str, Any]) -> list[ItemAction]:
    """On a detractor's answer: "Make a webcare case", or, once there is one, a way to it (one indexed lookup)."""
    answer_id = answer_id_of(item)
    if item.get("category") != DETRACTOR or not answer_id:
        return []
    _ = gettext_for(ctx.lang)
    case = await case_of_answer(ctx.session, answer_id)
    label = _("Make a webcare case") if case is None else _("Open webcare case #{number}", number=str(case.number))
    return [ItemAction(label, f"{_base(ctx.tenant_slug)}from-nps-answer", {"answer_id": answer_id})]


class _Exists(Exception):
    """Undoes the savepoint when the answer turns out to have its case already."""


def _subject(answer: Mapping[str, Any]) -> str:
    """The survey's title and the score, in no language in particular: "Klanttevredenheid 2026 · 3/10"."""
    title = " ".join(str(answer.get("survey_title") or "").split())[:280]
    return f"{title} · {answer.get('score')}/10" if title else f"NPS {answer.get('score')}/10"


async def case_from_answer(session: AsyncSession, principal: Any, answer: Mapping[str, Any]) -> tuple[Case, bool]:
    """The case for a detractor's answer, made now (True) or the one made before (False). `answer` is the owner's
    item (`find_item`) or event payload. The why is the customer's first message, the respondent the contact.
    Two requests at once cannot make two: the second hits the unique index and gets the first's case."""
    answer_id = answer_id_of(answer)
    if not answer_id:
        raise NotFound()
    if answer.get("category") != DETRACTOR:
        raise Refused(field="answer_id", msgid="Only a detractor's answer becomes a webcare case.")
    existing = await case_of_answer(session, answer_id)
    if existing is not None:
        return existing, False
    email = str(answer.get("respondent_email") or "").strip()[:200]
    name = str(answer.get("respondent_name") or "").strip()[:200]
    subject = _subject(answer)
    why = str(answer.get("why") or "").strip()
    item = Incoming(author_handle=email or name or f"nps:{answer_id}", author_name=name, topic=f"nps:{answer_id}",
                    body=why or subject, subject=subject, at=utcnow(), sentiment="negative", channel="nps",
                    url=_href(answer.get("href")))
    placed = None
    try:
        async with session.begin_nested():
            [placed] = await place(session, [item], user_id=getattr(principal, "user_id", None))
            if placed.joined:  # the answer's case is there after all (its topic is the answer's): no second message
                raise _Exists()
            case = await session.get(Case, placed.case_id)
            if case is None:
                raise NotFound()
            case.source_kind, case.source_ref = KIND, answer_id
            await session.flush()
    except (IntegrityError, _Exists):  # made at the same moment by another request or the event: that one stands
        existing = await case_of_answer(session, answer_id)
        if existing is None and placed is not None and placed.joined:
            existing = await session.get(Case, placed.case_id)
        if existing is None:
            raise
        return existing, False
    await record_audit(session, principal, "webcare.case_created", subject=case, summary=f"#{case.number} nps",
                       data={"channel": "nps", "source_kind": KIND, "answer_id": answer_id,
                             "score": answer.get("score")})
    return case, True


async def case_for_answer_id(session: AsyncSession, pm: Any, principal: Any, raw_id: Any,
                             lang: str = "nl") -> tuple[Case, bool]:
    """A person's request (form or API) names only the answer's id: the answer is asked of its owner, so another
    organisation's or a made-up id is `NotFound` and a malformed one a `DomainError` on `answer_id`."""
    answer_id = clean_uuid(raw_id, "answer_id")
    answer = await find_item(session, pm, KIND, answer_id, lang)
    if answer is None or answer_id_of(answer) != str(answer_id):
        raise NotFound()
    return await case_from_answer(session, principal, answer)


async def on_case_requests(ctx: HookContext, events: list[Any]) -> int:
    """`nps.case_requested`: the tenant's rule (or a person) asked for a case; returns how many were made now.
    An answer that is not a detractor's is left alone: the event is the owner's word, not a form to refuse."""
    made = 0
    for event in events:
        if event.payload.get("category") != DETRACTOR or not answer_id_of(event.payload):
            continue
        _case, new = await case_from_answer(ctx.session, None, event.payload)
        made += new
    return made
