"""Development's work on the board: the triage queue and its fields, deciding, merging and moderation.

Every decision is audited in the transaction that makes it; bad input raises DomainError per field before
anything is written."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.plugins.api import (
    N_,
    Customer,
    DomainError,
    FieldErrors,
    Msg,
    NotFound,
    Refused,
    check_outward,
    clean_choice,
    clean_text,
    gettext_for,
    member_choices,
    owning_department,
    record_audit,
    send_mail,
    utcnow,
)
from plugins.cocreation import ideas
from plugins.cocreation.approval import Waiting, approval_view, check_may_approve
from plugins.cocreation.models import OPEN_STATUSES, Comment, Flag, Follower, Idea, IdeaLink, Vote
from plugins.cocreation.settings import board_settings

QUEUES: dict[str, str] = {"new": N_("new ideas"), "threshold": N_("over the vote threshold"),
                          "linked": N_("linked from elsewhere"), "all": N_("all ideas")}
SORTS: dict[str, str] = {"votes": N_("most votes"), "age": N_("oldest first"), "recent": N_("newest first")}
SCORE = range(1, 6)
NOTE_MAX = 1000


async def idea_of(session: AsyncSession, number: int) -> Idea:
    """The idea with this number; a number no idea can have (beyond the column's range) is simply not found."""
    return await ideas.idea_by_number(session, number)


async def target_of(session: AsyncSession, value: Any) -> Idea:
    """The idea to merge into, by its number as typed ("12" or "#12")."""
    text = str(value if value is not None else "").strip().lstrip("#")
    if not (text.isascii() and text.isdecimal()) or len(text) > 9:  # "²" is a digit int() refuses
        raise DomainError(field="target", msgid="Give the number of the idea to merge into.")
    found = await session.scalar(select(Idea).where(Idea.number == int(text)))
    if found is None:
        raise DomainError(field="target", msgid="There is no idea with this number.")
    return found


async def queue_query(session: AsyncSession, tab: str, sort: str) -> Select[Any]:
    """The triage queue's ideas for a tab, in the chosen order (indexed: triage, top and link indexes)."""
    query = select(Idea).where(Idea.status.in_(OPEN_STATUSES))
    if tab == "new":
        query = query.where(Idea.triaged_at.is_(None), Idea.status == "published")
    elif tab == "threshold":
        threshold = (await board_settings(session)).vote_threshold
        query = query.where(Idea.vote_count >= threshold)
    elif tab == "linked":
        query = query.where(exists().where(IdeaLink.idea_id == Idea.id))
    order = {"votes": (Idea.vote_count.desc(), Idea.created_at), "age": (Idea.created_at, Idea.number),
             "recent": (Idea.created_at.desc(), Idea.number.desc())}[sort]
    return query.order_by(*order, Idea.id)


def _score(value: Any, field: str) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if text not in {str(n) for n in SCORE}:
        raise DomainError(field=field, msgid="Choose a number from 1 to 5.")
    return int(text)


async def _owner(session: AsyncSession, value: Any) -> UUID | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    members = {str(i): i for i, _name in await member_choices(session)}
    if text not in members:
        raise DomainError(field="owner_id", msgid="Choose a member of the organisation.")
    return members[text]


async def set_triage(session: AsyncSession, principal: Any, idea: Idea, values: dict[str, Any]) -> Idea:
    """Owner, effort and value; `triaged` true marks the idea triaged (it leaves the "new" tab)."""
    if idea.status not in OPEN_STATUSES:
        raise Refused(field="__all__", msgid="A merged or rejected idea is not triaged.")
    errors = FieldErrors()
    owner = await errors.aclean(_owner, session, values.get("owner_id"))
    effort = errors.clean(_score, values.get("effort"), "effort")
    value = errors.clean(_score, values.get("value"), "value")
    errors.raise_if_any()
    before = {"owner_id": str(idea.owner_id or ""), "effort": idea.effort, "value": idea.value}
    idea.owner_id, idea.effort, idea.value = owner, effort, value
    triaged = str(values.get("triaged", "")).lower() in ("1", "true", "on", "yes")
    if triaged and idea.triaged_at is None:
        idea.triaged_at = utcnow()
    await record_audit(session, principal, "cocreation.idea_triaged", subject=idea,
                       summary=Msg("Idea #{number} triaged", number=idea.number),
                       data={"number": idea.number, "before": before, "owner_id": str(owner or ""),
                             "effort": effort, "value": value, "triaged": idea.triaged_at is not None})
    return idea


async def merge(session: AsyncSession, principal: Any, source: Idea, target: Idea, *, board_url: str,
                lang: str = "nl") -> Idea:
    """Fold `source` into `target`: votes (a customer who voted both keeps one), followers, comments and links
    move; `target`'s counts are recounted once; `source` becomes "merged" and points at `target`. Each follower
    of `source` gets one mail (`board_url`: the board's address, ending in /board/)."""
    if source.id == target.id:
        raise Refused(field="target", msgid="An idea cannot be merged into itself.")
    await _lock(session, source, target)
    if target.status not in OPEN_STATUSES:
        raise Refused(field="target", msgid="Merge into an idea that is not merged or rejected itself.")
    if source.status not in OPEN_STATUSES:
        raise Refused(field="target", msgid="This idea was already merged or rejected.")
    followers = list((await session.execute(
        select(Customer.email).join(Follower, Follower.customer_id == Customer.id)
        .where(Follower.idea_id == source.id, Customer.is_blocked.is_(False)))).scalars().all())
    for model in (Vote, Follower):
        on_target = select(model.customer_id).where(model.idea_id == target.id).scalar_subquery()
        await session.execute(update(model).where(model.idea_id == source.id, model.customer_id.not_in(on_target))
                              .values(idea_id=target.id).execution_options(synchronize_session=False))
        await session.execute(delete(model).where(model.idea_id == source.id)
                              .execution_options(synchronize_session=False))
    on_target = aliased(IdeaLink)
    await session.execute(update(IdeaLink).where(IdeaLink.idea_id == source.id, ~exists().where(
        on_target.idea_id == target.id, on_target.kind == IdeaLink.kind, on_target.ref_id == IdeaLink.ref_id))
        .values(idea_id=target.id).execution_options(synchronize_session=False))
    await session.execute(update(Comment).where(Comment.idea_id == source.id).values(idea_id=target.id)
                          .execution_options(synchronize_session=False))
    await recount(session, target)
    source.status, source.merged_into_id = "merged", target.id
    source.vote_count = source.follower_count = source.comment_count = 0
    await record_audit(session, principal, "cocreation.idea_merged", subject=source,
                       summary=Msg("Idea #{number} merged into #{target}", number=source.number,
                                   target=target.number),
                       data={"number": source.number, "target": target.number, "target_id": str(target.id),
                             "followers_told": len(set(followers))})
    _ = gettext_for(lang)
    url = f"{board_url}ideas/{target.number}"
    subject = _("An idea you follow was merged: #{number}", number=source.number)
    text = _("The idea \"{title}\" you follow was merged into \"{target}\", which gathers the votes, comments "
             "and followers of both. You now follow that idea:\n\n{url}",
             title=source.title, target=target.title, url=url)
    for email in sorted(set(followers)):
        send_mail(session, email, subject, text)
    await session.flush()
    return target


async def _lock(session: AsyncSession, *both: Idea) -> None:
    """Hold both ideas (in id order, so two merges never wait on each other in a circle) and read them afresh:
    a vote cast while the merge runs either counted before it (and is moved) or waits and counts after it,
    never lost between the recount and its write."""
    await session.execute(select(Idea.id).where(Idea.id.in_([idea.id for idea in both])).order_by(Idea.id)
                          .with_for_update())
    for idea in both:
        await session.refresh(idea)


async def recount(session: AsyncSession, idea: Idea) -> None:
    """Votes, followers and published comments of an idea counted afresh (after rows moved in bulk)."""
    idea.vote_count = await session.scalar(select(func.count()).select_from(Vote).where(Vote.idea_id == idea.id)) or 0
    idea.follower_count = await session.scalar(select(func.count()).select_from(Follower)
                                               .where(Follower.idea_id == idea.id)) or 0
    idea.comment_count = await session.scalar(select(func.count()).select_from(Comment).where(
        Comment.idea_id == idea.id, Comment.status == "published")) or 0


# --- moderation ---------------------------------------------------------------------------------------------

def _note(values: dict[str, Any]) -> str:
    return clean_text(values.get("note"), "note", required=False, max_length=NOTE_MAX)


async def moderate_idea(session: AsyncSession, principal: Any, idea: Idea, decision: str,
                        values: dict[str, Any]) -> Idea:
    """Publish or reject a waiting idea (rejecting keeps the note for the record)."""
    decision = clean_choice(decision, "decision", ("approve", "reject"))
    note = _note(values)
    if idea.status != "pending":
        raise Refused(field="__all__", msgid="This is no longer waiting for moderation.")
    if decision == "approve":
        idea.status, idea.published_at = "published", utcnow()
    else:
        idea.status = "rejected"
    idea.moderation_note = note
    await record_audit(session, principal,
                       "cocreation.idea_approved" if decision == "approve" else "cocreation.idea_rejected",
                       subject=idea, reason=note, summary=Msg("Idea #{number} moderated", number=idea.number),
                       data={"number": idea.number, "decision": decision})
    return idea


async def comment_approvals(session: AsyncSession, principal: Any,
                            comments: list[Comment]) -> tuple[set[UUID], dict[UUID, Waiting]]:
    """Which waiting official comments this person may publish or reject, and for the others who must: the rule
    of `moderate_comment`, decided for the page. The approving department depends on the author (the org model's
    rules), not on the text, so the check runs once per author on the page, not once per comment."""
    official = [c for c in comments if c.user_id is not None and c.status == "pending"]
    if not official:
        return set(), {}
    department_id = await owning_department(session, "cocreation")
    approver: dict[UUID, UUID | None] = {}
    for author_id in {c.user_id for c in official if c.user_id is not None}:
        check = await check_outward(session, "", channel="board", department_id=department_id,
                                    author_id=author_id, with_signoff=False)
        approver[author_id] = check.approver_department_id
    return await approval_view(session, principal, [(c.id, c.user_id, approver.get(c.user_id) if c.user_id
                                                     else None) for c in official])


async def moderate_comment(session: AsyncSession, principal: Any, comment_id: UUID, decision: str,
                           values: dict[str, Any]) -> Comment:
    """Publish or reject a waiting comment. An official one (by staff, `user_id`) waits for a colleague's
    approval: never its author, only the approving department the policy names or who configures the plugin;
    once published it is the idea's first response if none came before."""
    decision = clean_choice(decision, "decision", ("approve", "reject"))
    note = _note(values)
    comment = await session.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    if comment.status != "pending":
        raise Refused(field="__all__", msgid="This is no longer waiting for moderation.")
    if comment.user_id is not None:
        check = await check_outward(session, comment.body, channel="board",
                                    department_id=await owning_department(session, "cocreation"),
                                    author_id=comment.user_id, with_signoff=False)
        check_may_approve(principal, comment.user_id, check.approver_department_id)
    status = "published" if decision == "approve" else "rejected"
    decided = await session.scalar(update(Comment).where(Comment.id == comment.id, Comment.status == "pending")
                                   .values(status=status).returning(Comment.id)
                                   .execution_options(synchronize_session=False))
    if decided is None:  # a colleague decided at the same moment: theirs stands, and the count moves once
        raise Refused(field="__all__", msgid="This is no longer waiting for moderation.")
    set_committed_value(comment, "status", status)
    if decision == "approve":
        await session.execute(update(Idea).where(Idea.id == comment.idea_id)
                              .values(comment_count=Idea.comment_count + 1)
                              .execution_options(synchronize_session=False))
        if comment.user_id is not None:
            await session.execute(update(Idea).where(Idea.id == comment.idea_id, Idea.first_response_at.is_(None))
                                  .values(first_response_at=utcnow()).execution_options(synchronize_session=False))
    await record_audit(session, principal, "cocreation.comment_approved" if decision == "approve"
                       else "cocreation.comment_rejected",
                       subject=comment, reason=note, summary=Msg("Comment moderated"),
                       data={"idea_id": str(comment.idea_id), "decision": decision})
    return comment


async def resolve_flag(session: AsyncSession, principal: Any, flag_id: UUID, values: dict[str, Any]) -> Flag:
    """Close a report; `remove` also takes what was reported off the board (status rejected)."""
    outcome = clean_choice(values.get("outcome") or "keep", "outcome", ("keep", "remove"))
    note = _note(values)
    flag = await session.get(Flag, flag_id)
    if flag is None:
        raise NotFound()
    if flag.resolved_at is not None:
        raise Refused(field="__all__", msgid="This report was already resolved.")
    flag.resolved_at = utcnow()
    flag.resolved_by_id = getattr(getattr(principal, "user", None), "id", None)
    if outcome == "remove":
        model = Idea if flag.target_kind == "idea" else Comment
        target = await session.get(model, flag.target_id)
        if target is not None and target.status in OPEN_STATUSES:
            if isinstance(target, Comment) and target.status == "published":
                await session.execute(update(Idea).where(Idea.id == target.idea_id)
                                      .values(comment_count=Idea.comment_count - 1)
                                      .execution_options(synchronize_session=False))
            target.status = "rejected"
    await record_audit(session, principal, "cocreation.flag_resolved", subject=flag, reason=note,
                       summary=Msg("Report resolved"),
                       data={"target_kind": flag.target_kind, "target_id": str(flag.target_id), "outcome": outcome})
    return flag


async def block_customer(session: AsyncSession, principal: Any, customer_id: UUID, *, blocked: bool = True,
                         values: dict[str, Any] | None = None) -> Customer:
    """Block (or unblock) a customer on every public page of the tenant (the core's customer identity). Blocking
    rejects the ideas and comments the customer still has waiting for moderation (nothing of theirs is published
    afterwards by accident)."""
    note = _note(values or {})
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound()
    customer.is_blocked = blocked
    rejected = {"ideas": 0, "comments": 0}
    if blocked:
        for key, model in (("ideas", Idea), ("comments", Comment)):
            result: Any = await session.execute(
                update(model).where(model.customer_id == customer.id, model.status == "pending")
                .values(status="rejected").execution_options(synchronize_session="fetch"))
            rejected[key] = int(result.rowcount or 0)
    await record_audit(session, principal, "cocreation.customer_blocked" if blocked else
                       "cocreation.customer_unblocked", subject=customer, reason=note,
                       summary=Msg("Customer blocked") if blocked else Msg("Customer unblocked"),
                       data={"customer_id": str(customer.id), "ideas_rejected": rejected["ideas"],
                             "comments_rejected": rejected["comments"]})
    return customer
