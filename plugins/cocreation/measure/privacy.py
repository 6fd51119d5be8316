"""The board's personal data and how it ages or goes (docs/security.md, "Privacy").

What is personal: the name shown with a customer's idea or comment and the client address it came from; who
voted, followed or flagged (the customer link of those rows); the recipient of a loop message (an address or a
handle); the author of a linked mention or case (handle and name, copied when linked).

Retention (older than the cutoff): ideas and comments of customers lose their name and client address (staff's
keep theirs: they speak for the organisation); loop messages lose their recipient. In delete mode the comments,
flags and votes of customers go as well, and the ideas they were on are counted afresh, so the counts on the
board stay true; the ideas themselves stay (their author blanked): they are what the organisation works on.

Erasure of a customer (by e-mail address): their votes and follows go and the ideas' counts are lowered with
them; their ideas and comments stay without name, address or link to them; their flags go; loop messages to
their address, and the community's answers to their questions, lose the recipient. Erasure of an author by
handle blanks the handle and name on the links to their posts and the recipient of loop replies to them. The
customer record itself is the core's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Customer, ErasureSubject, normal_handle
from plugins.cocreation.models import Comment, Flag, Follower, Idea, IdeaLink, LoopMessage, Vote

SYNC = {"synchronize_session": False}
CHUNK = 1000


def erased_recipient(message_id: UUID) -> str:
    """A loop message's recipient once erased: unique per message (the table's key includes it), names nobody."""
    return f"erased-{message_id.hex[:16]}"


async def _count(session: AsyncSession, statement: Any) -> int:
    return int((await session.execute(statement.execution_options(**SYNC))).rowcount or 0)


async def _ids(session: AsyncSession, statement: Any) -> set[UUID]:
    return set((await session.scalars(statement)).all())


async def recount(session: AsyncSession, idea_ids: Iterable[UUID]) -> None:
    """Votes, followers and published comments of these ideas counted afresh, one statement per chunk."""
    ids = list(idea_ids)
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at:at + CHUNK]
        await session.execute(update(Idea).where(Idea.id.in_(chunk)).values(
            vote_count=select(func.count()).select_from(Vote).where(Vote.idea_id == Idea.id).scalar_subquery(),
            follower_count=select(func.count()).select_from(Follower).where(
                Follower.idea_id == Idea.id).scalar_subquery(),
            comment_count=select(func.count()).select_from(Comment).where(
                Comment.idea_id == Idea.id, Comment.status == "published").scalar_subquery(),
        ).execution_options(**SYNC))


async def _unflag(session: AsyncSession, where: ColumnElement[bool]) -> int:
    """Delete the flags matching `where` and lower their targets' flag counts by as many (never below zero)."""
    rows = (await session.execute(select(Flag.target_kind, Flag.target_id, func.count()).where(where)
                                  .group_by(Flag.target_kind, Flag.target_id))).all()
    if not rows:
        return 0
    removed = await _count(session, delete(Flag).where(where))
    for kind, target_id, n in rows:
        model: Any = Idea if kind == "idea" else Comment
        await session.execute(update(model).where(model.id == target_id).values(
            flag_count=func.max(model.flag_count - n, 0) if session.bind.dialect.name == "sqlite"
            else func.greatest(model.flag_count - n, 0)).execution_options(**SYNC))
    return removed


async def _blank_recipients(session: AsyncSession, where: ColumnElement[bool]) -> int:
    """Loop messages matching `where` get a recipient that names nobody (per row: it is part of a unique key)."""
    done = 0
    while True:
        ids = list((await session.scalars(select(LoopMessage.id).where(
            where, ~LoopMessage.recipient.like("erased-%")).limit(CHUNK))).all())
        if not ids:
            return done
        for message_id in ids:
            await session.execute(update(LoopMessage).where(LoopMessage.id == message_id).values(
                recipient=erased_recipient(message_id)).execution_options(**SYNC))
        done += len(ids)


async def retention(session: AsyncSession, cutoff: datetime, mode: str) -> dict[str, int]:
    old_idea = (Idea.created_at < cutoff, Idea.author_user_id.is_(None))
    old_comment = (Comment.created_at < cutoff, Comment.user_id.is_(None))
    counts = {
        "ideas_pseudonymised": await _count(session, update(Idea).where(
            *old_idea, or_(Idea.author_name != "", Idea.client_ip != "")).values(author_name="", client_ip="")),
        "loop_messages_pseudonymised": await _blank_recipients(session, LoopMessage.created_at < cutoff),
    }
    if mode != "delete":
        counts["comments_pseudonymised"] = await _count(session, update(Comment).where(
            *old_comment, or_(Comment.author_name != "", Comment.client_ip != "")).values(
            author_name="", client_ip=""))
        return counts
    touched = await _ids(session, select(Comment.idea_id).where(*old_comment).distinct())
    touched |= await _ids(session, select(Vote.idea_id).where(Vote.created_at < cutoff).distinct())
    counts["flags_deleted"] = await _unflag(session, Flag.created_at < cutoff)
    counts["comments_deleted"] = await _count(session, delete(Comment).where(*old_comment))
    counts["votes_deleted"] = await _count(session, delete(Vote).where(Vote.created_at < cutoff))
    await recount(session, touched)
    return counts


async def erase_subject(session: AsyncSession, subject: ErasureSubject) -> dict[str, int]:
    if subject.kind != "author" or not (subject.handle or "").strip():
        return {}
    if subject.platform == "email":  # as the core's erasure: only an author named by e-mail is a customer
        return await _erase_customer(session, subject.handle.strip().casefold())
    counts: dict[str, int] = {}
    handle = normal_handle(subject.handle)
    if not handle:
        return counts
    same = func.lower(func.ltrim(IdeaLink.author_handle, "@ ")) == handle
    counts["links_pseudonymised"] = await _count(session, update(IdeaLink).where(
        same, or_(IdeaLink.author_handle != "", IdeaLink.author_name != "")).values(author_handle="", author_name=""))
    counts["loop_messages_pseudonymised"] = counts.get("loop_messages_pseudonymised", 0) + await _blank_recipients(
        session, (LoopMessage.channel != "email") & (func.lower(func.ltrim(LoopMessage.recipient, "@ ")) == handle))
    return counts


async def _erase_customer(session: AsyncSession, email: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    customer = await session.scalar(select(Customer).where(func.lower(Customer.email) == email))
    if customer is not None:
        mine = customer.id
        touched = await _ids(session, select(Vote.idea_id).where(Vote.customer_id == mine))
        touched |= await _ids(session, select(Follower.idea_id).where(Follower.customer_id == mine))
        touched |= await _ids(session, select(Comment.idea_id).where(Comment.customer_id == mine))
        counts["votes_deleted"] = await _count(session, delete(Vote).where(Vote.customer_id == mine))
        counts["follows_deleted"] = await _count(session, delete(Follower).where(Follower.customer_id == mine))
        counts["flags_deleted"] = await _unflag(session, Flag.customer_id == mine)
        counts["comments_pseudonymised"] = await _count(session, update(Comment).where(
            Comment.customer_id == mine).values(customer_id=None, author_name="", client_ip=""))
        counts["ideas_pseudonymised"] = await _count(session, update(Idea).where(Idea.customer_id == mine).values(
            customer_id=None, author_name="", client_ip=""))
        await recount(session, touched)
    mine_here = (LoopMessage.channel == "email") & (func.lower(LoopMessage.recipient) == email)
    if customer is not None:  # the community's answers to their questions name them too
        mine_here = mine_here | ((LoopMessage.channel == "community") & (LoopMessage.detail == f"asker:{customer.id}"))
    counts["loop_messages_pseudonymised"] = await _blank_recipients(session, mine_here)
    return counts
