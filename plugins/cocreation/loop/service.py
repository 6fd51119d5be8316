"""Staff's side of the loop: replies that wait (a policy finding, a rule that needs sign-off) are approved,
edited or answered by hand; failed ones are tried again. The loop page and an idea's staff page list them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Msg,
    Page,
    Refused,
    check_outward,
    clean_text,
    get_or_404,
    owning_department,
    paginate,
    record_audit,
)
from plugins.cocreation.approval import Waiting, approval_of, approval_view, check_may_approve
from plugins.cocreation.loop.tell import NETWORK_CHANNEL, NETWORK_MAX, send
from plugins.cocreation.models import Idea, IdeaLink, LoopMessage, StageChange

OPEN_STATES = ("waiting", "failed", "skipped")
"""What the loop page lists for staff: replies to approve, to try again, or to answer by hand."""
BY_HAND = "by_hand"
APPROVABLE_CHANNELS = ("network", "case")
"""The replies staff may approve or try again: those the loop posts itself on the network."""


async def open_messages(session: AsyncSession, number: int, *, state: str = "", base_path: str = "") -> Page:
    states = (state,) if state in OPEN_STATES else ("waiting", "failed")
    query = (select(LoopMessage).where(LoopMessage.channel != "email", LoopMessage.state.in_(states),
                                       LoopMessage.detail != BY_HAND)
             .order_by(LoopMessage.created_at.desc(), LoopMessage.id))
    return await paginate(session, query, number, per_page=25, base_path=base_path,
                          params={"state": state} if state else None)


async def ideas_of(session: AsyncSession, messages: list[LoopMessage]) -> dict[UUID, Idea]:
    ids = {m.idea_id for m in messages}
    if not ids:
        return {}
    return {idea.id: idea for idea in (await session.scalars(select(Idea).where(Idea.id.in_(ids)))).all()}


async def links_by_id(session: AsyncSession, messages: list[LoopMessage]) -> dict[UUID, IdeaLink]:
    ids = {m.link_id for m in messages if m.link_id}
    if not ids:
        return {}
    return {row.id: row for row in (await session.scalars(select(IdeaLink).where(IdeaLink.id.in_(ids)))).all()}


async def approvals(session: AsyncSession, principal: Any,
                    messages: list[LoopMessage]) -> tuple[set[UUID], dict[UUID, Waiting]]:
    """Which of these replies this person may approve or try again (a form), and for the held ones they may not,
    who must (a line): the four-eyes rule of `approve`, decided for the page with one query for the changes'
    authors. A reply not held for approval is anyone's who works in the plugin (the POST checks the text again)."""
    open_ = [m for m in messages if m.channel in APPROVABLE_CHANNELS and m.state in ("waiting", "failed")]
    held = [(m, approval_of(m.detail)[1]) for m in open_ if approval_of(m.detail)[0]]
    change_ids = {m.stage_change_id for m, _department in held}
    authors = dict((await session.execute(select(StageChange.id, StageChange.user_id)
                                          .where(StageChange.id.in_(change_ids)))).tuples().all()) \
        if change_ids else {}
    approvable, waiting = await approval_view(
        session, principal, [(m.id, authors.get(m.stage_change_id), department) for m, department in held])
    held_ids = {m.id for m, _department in held}
    return approvable | {m.id for m in open_ if m.id not in held_ids}, waiting


async def messages_of_idea(session: AsyncSession, idea_id: UUID, number: int, base_path: str) -> Page:
    query = (select(LoopMessage).where(LoopMessage.idea_id == idea_id)
             .order_by(LoopMessage.created_at.desc(), LoopMessage.channel, LoopMessage.recipient))
    return await paginate(session, query, number, per_page=20, base_path=base_path, param="lpage")


async def told_counts(session: AsyncSession, idea_id: UUID) -> list[tuple[str, int]]:
    """(stage key, how many people were told) per change of the idea, newest first: the public page's line
    ("12 people were told when this was planned"), without anyone's name."""
    rows = await session.execute(
        select(StageChange.to_key, func.count(LoopMessage.id))
        .join(LoopMessage, LoopMessage.stage_change_id == StageChange.id)
        .where(StageChange.idea_id == idea_id, LoopMessage.state == "sent")
        .group_by(StageChange.id, StageChange.to_key, StageChange.created_at)
        .order_by(StageChange.created_at.desc()).limit(10))
    return [(key, int(n)) for key, n in rows.all()]


async def _message(session: AsyncSession, message_id: UUID) -> LoopMessage:
    message = await get_or_404(session, LoopMessage, message_id)
    if message.channel == "email":
        raise Refused(field="message", msgid="An e-mail of the loop is sent at once; there is nothing to approve.")
    if message.channel not in APPROVABLE_CHANNELS:
        raise Refused(field="message", msgid="The community posted this answer itself; there is nothing to approve.")
    return message


async def approve(session: AsyncSession, principal: Any, settings: Any, pm: Any, message_id: UUID,
                  text: Any) -> LoopMessage:
    """Send a waiting (or failed) reply, with the text as staff left it; the policy's tone rules still apply, the
    person approving is the sign-off the org model asked for: someone other than who changed the stage, from the
    approving department the check named (or who configures the plugin)."""
    message = await _message(session, message_id)
    if message.state not in ("waiting", "failed"):
        raise Refused(field="message", msgid="This reply is no longer waiting.")
    change = await session.get(StageChange, message.stage_change_id)
    idea = await session.get(Idea, message.idea_id)
    assert change is not None and idea is not None
    held, approver_department_id = approval_of(message.detail)
    if held:  # four eyes: not the one who changed the stage, and only the department the check named
        check_may_approve(principal, change.user_id, approver_department_id)
    body = clean_text(text if text is not None else message.text, "text", max_length=NETWORK_MAX)
    check = await check_outward(session, body, channel=NETWORK_CHANNEL,
                                department_id=await owning_department(session, "cocreation"),
                                author_id=change.user_id)
    if check.problems:
        raise DomainError({"text": check.problems[0][1]})
    if not held and check.needs_approval:  # a failed reply too: its failure replaced the hold in `detail`
        check_may_approve(principal, change.user_id, check.approver_department_id)
    link = await session.get(IdeaLink, message.link_id) if message.link_id else None
    if link is None or not (link.uri and link.account_id):
        raise Refused(field="message", msgid="This came from somewhere Regie cannot answer: answer the author by hand.")
    message.text = body
    await send(session, settings, pm, idea, change, link, message)
    await record_audit(session, principal, "cocreation.loop_reply_approved", subject=idea,
                       summary=Msg("Reply to {recipient} about idea #{number}", recipient=message.recipient,
                                   number=idea.number),
                       data={"number": idea.number, "state": message.state})
    return message


async def answered_by_hand(session: AsyncSession, principal: Any, message_id: UUID) -> LoopMessage:
    """Staff answered the author themselves: the reply leaves the list, marked as not sent by Regie."""
    message = await _message(session, message_id)
    if message.state == "sent":
        raise Refused(field="message", msgid="This reply is no longer waiting.")
    message.state, message.detail = "skipped", BY_HAND
    idea = await session.get(Idea, message.idea_id)
    await record_audit(session, principal, "cocreation.loop_answered_by_hand", subject=idea,
                       summary=Msg("Reply to {recipient} about idea #{number}", recipient=message.recipient,
                                   number=idea.number if idea else 0))
    await session.flush()
    return message
