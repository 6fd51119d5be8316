"""What customers do on the board besides raising ideas: vote, comment, follow and flag; and what the board shows.

Each count on the idea (votes, comments, followers, flags) changes in the statement's own transaction as the row
it counts is inserted or deleted: an insert that finds the row there already (`ON CONFLICT DO NOTHING`) changes
nothing, so a double click counts once and the count is never recounted. The vote threshold moves a `new` idea
to the first `review` stage through the stage service, as a person would, with a reason that says why.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.plugins.api import (
    Customer,
    FieldErrors,
    NotFound,
    Refused,
    check_outward,
    clean_choice,
    clean_text,
    ngettext_for,
    owning_department,
    public_names,
    published_tone_rules,
    utcnow,
)
from plugins.cocreation import ideas
from plugins.cocreation.models import Campaign, Comment, Flag, Follower, Idea, Stage, StageChange, Vote
from plugins.cocreation.settings import board_settings, first_stage

COMMENTS_PER_HOUR = 20
COMMENTS_PER_ADDRESS = 60
COMMENT_MAX = 3000
FLAG_KINDS = ("idea", "comment")
RECENT_CHANGES = 6
BOARD_LANGUAGE = "nl"
"""The language of reasons the board writes itself (the threshold's): the product's default language."""


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


async def _insert_once(session: AsyncSession, model: Any, row: dict[str, Any], keys: list[str]) -> bool:
    """Insert `row` unless its key is there already; True when inserted. One statement, no savepoint (on
    PostgreSQL a unique violation would end the transaction; ON CONFLICT leaves it usable)."""
    statement = _insert(session, model).on_conflict_do_nothing(index_elements=["tenant_id", *keys]) \
        .returning(model.id)
    return (await session.execute(statement, [row])).first() is not None


async def _add_to(session: AsyncSession, model: Any, row_id: UUID, column: Any, by: int) -> int:
    """Raise or lower a kept count by `by` in one statement; the new count."""
    result = await session.scalar(update(model).where(model.id == row_id).values({column: column + by})
                                  .returning(column).execution_options(synchronize_session=False))
    return int(result or 0)


async def open_idea(session: AsyncSession, number: int) -> Idea:
    """A published idea (the only kind customers act on)."""
    idea = await ideas.idea_by_number(session, number)
    if idea.status != "published":
        raise NotFound()
    return idea


# -- votes and following ---------------------------------------------------------------------------------------

async def vote(session: AsyncSession, idea: Idea, customer: Customer | None) -> int:
    """One vote per customer (a second one changes nothing); the voter follows the idea. The new count; at the
    tenant's threshold a `new` idea moves to review."""
    customer = ideas.may_post(customer)
    if idea.status != "published":
        raise NotFound()
    if not await _insert_once(session, Vote, {"idea_id": idea.id, "customer_id": customer.id},
                              ["idea_id", "customer_id"]):
        return idea.vote_count
    row = (await session.execute(update(Idea).where(Idea.id == idea.id)
                                 .values(vote_count=Idea.vote_count + 1)
                                 .returning(Idea.vote_count, Idea.stage_key)
                                 .execution_options(synchronize_session=False))).one()
    # the stage as it is now, after any vote that committed first (that one may have moved it already)
    set_committed_value(idea, "vote_count", row.vote_count)
    set_committed_value(idea, "stage_key", row.stage_key)
    count = int(row.vote_count)
    await follow(session, idea, customer)
    await _threshold(session, idea)
    return count


async def unvote(session: AsyncSession, idea: Idea, customer: Customer | None) -> int:
    """Withdraw the customer's vote (nothing when there was none); the new count."""
    customer = ideas.may_post(customer)
    gone = await session.execute(delete(Vote).where(Vote.idea_id == idea.id, Vote.customer_id == customer.id)
                                 .execution_options(synchronize_session=False))
    if not gone.rowcount:
        return idea.vote_count
    set_committed_value(idea, "vote_count", await _add_to(session, Idea, idea.id, Idea.vote_count, -1))
    return idea.vote_count


async def _threshold(session: AsyncSession, idea: Idea) -> None:
    settings = await board_settings(session)
    if settings.vote_threshold <= 0 or idea.vote_count < settings.vote_threshold:
        return
    current = await session.scalar(select(Stage).where(Stage.key == idea.stage_key))
    if current is None or current.meaning != "new":
        return
    review = await first_stage(session, "review")
    if review is None:
        return
    from plugins.cocreation import stages  # the shared stage service; imported here as it reaches the loop

    reason = ngettext_for(BOARD_LANGUAGE)("Reached {n} vote.", "Reached {n} votes.", idea.vote_count)
    try:
        await stages.change_stage(session, idea, review.key, reason, user_id=None, lang=BOARD_LANGUAGE)
    except Refused:
        return  # development decided on it meanwhile: their decision stands, the vote counts all the same


async def follow(session: AsyncSession, idea: Idea, customer: Customer | None) -> None:
    customer = ideas.may_post(customer)
    if await _insert_once(session, Follower, {"idea_id": idea.id, "customer_id": customer.id},
                          ["idea_id", "customer_id"]):
        set_committed_value(idea, "follower_count", await _add_to(session, Idea, idea.id, Idea.follower_count, 1))


async def unfollow(session: AsyncSession, idea: Idea, customer: Customer | None) -> None:
    if customer is None:
        raise Refused(field="__all__", msgid="Sign in to take part on the idea board.")
    gone = await session.execute(delete(Follower).where(Follower.idea_id == idea.id,
                                                        Follower.customer_id == customer.id)
                                 .execution_options(synchronize_session=False))
    if gone.rowcount:
        set_committed_value(idea, "follower_count", await _add_to(session, Idea, idea.id, Idea.follower_count, -1))


async def standing(session: AsyncSession, idea: Idea, customer: Customer | None) -> dict[str, bool]:
    """Whether the customer voted for and follows the idea (for its buttons)."""
    if customer is None:
        return {"voted": False, "follows": False}
    voted = await session.scalar(select(Vote.id).where(Vote.idea_id == idea.id, Vote.customer_id == customer.id))
    follows = await session.scalar(select(Follower.id).where(Follower.idea_id == idea.id,
                                                             Follower.customer_id == customer.id))
    return {"voted": voted is not None, "follows": follows is not None}


async def voted_among(session: AsyncSession, customer: Customer | None, idea_ids: list[UUID]) -> set[UUID]:
    """Which of a page's ideas the customer voted for (one query for the page)."""
    if customer is None or not idea_ids:
        return set()
    rows = await session.scalars(select(Vote.idea_id).where(Vote.customer_id == customer.id,
                                                            Vote.idea_id.in_(idea_ids)))
    return set(rows)


# -- comments --------------------------------------------------------------------------------------------------

async def comment(session: AsyncSession, idea: Idea, values: dict[str, Any], *, customer: Customer | None = None,
                  staff: Any = None, client_ip: str = "") -> Comment:
    """A customer's comment (moderated by the tenant's mode, spam signals, rate limits) or an official one by
    staff (`staff`: the principal), which speaks for the organisation: the policy's check holds, and where the
    org model wants a colleague's approval it waits."""
    if idea.status != "published":
        raise NotFound()
    if staff is not None and getattr(staff, "user", None) is not None:
        body = clean_text(values.get("body"), "body", max_length=COMMENT_MAX)
        user = staff.user
        check = await check_outward(session, body, channel="board",
                                    department_id=await owning_department(session, "cocreation"),
                                    author_id=user.id, with_signoff=False)
        if check.problems:
            errors = FieldErrors()
            errors.errors["body"] = check.problems[0][1]
            errors.raise_if_any()
        status = "pending" if check.needs_approval else "published"
        names = await public_names(session, {user.id})  # never an e-mail address on the public board
        row = Comment(idea_id=idea.id, user_id=user.id, author_name=names.get(user.id, "")[:120], body=body,
                      status=status)
        if status == "published" and idea.first_response_at is None:
            idea.first_response_at = utcnow()
    else:
        customer = ideas.may_post(customer)
        ideas.check_honeypot(values)
        body = clean_text(values.get("body"), "body", max_length=COMMENT_MAX)
        await ideas.check_rate(session, Comment, customer_id=customer.id, client_ip=client_ip,
                               per_customer=COMMENTS_PER_HOUR, per_address=COMMENTS_PER_ADDRESS)
        rules = await published_tone_rules(session)
        reasons = ideas.spam_signals([body], rules.get("forbidden_words", []),
                                     await ideas.recent_texts(session, customer.id))
        row = Comment(idea_id=idea.id, customer_id=customer.id, author_name=customer.display_name[:120], body=body,
                      status=await ideas.initial_status(session, customer, reasons), spam_reasons=reasons,
                      client_ip=client_ip[:45])
    session.add(row)
    await session.flush()
    if row.status == "published":
        set_committed_value(idea, "comment_count", await _add_to(session, Idea, idea.id, Idea.comment_count, 1))
    return row


async def comments_of(session: AsyncSession, idea: Idea, customer: Customer | None, staff: bool) -> list[Comment]:
    """The idea's published comments, oldest first, plus the viewer's own waiting ones (staff see those too)."""
    shown = Comment.status == "published"
    query = select(Comment).where(Comment.idea_id == idea.id)
    if staff:
        query = query.where(Comment.status.in_(("published", "pending")))
    elif customer is not None:
        query = query.where(shown | ((Comment.customer_id == customer.id) & (Comment.status == "pending")))
    else:
        query = query.where(shown)
    return list((await session.scalars(query.order_by(Comment.created_at, Comment.id).limit(500))).all())


# -- flags -----------------------------------------------------------------------------------------------------

async def flag(session: AsyncSession, idea: Idea, kind: str, target_id: UUID, customer: Customer | None,
               values: dict[str, Any]) -> bool:
    """A reader's report of `idea` or one of its comments, once per reader; True when it is new."""
    customer = ideas.may_post(customer)
    errors = FieldErrors()
    kind = errors.clean(clean_choice, kind, "kind", FLAG_KINDS) or ""
    reason = errors.clean(clean_text, values.get("reason"), "reason", required=False, max_length=500) or ""
    errors.raise_if_any()
    model: Any = Idea if kind == "idea" else Comment
    target = await session.get(model, target_id)
    if target is None or target.status != "published" or (target.id if kind == "idea" else target.idea_id) != idea.id:
        raise NotFound()
    if not await _insert_once(session, Flag, {"target_kind": kind, "target_id": target_id,
                                              "customer_id": customer.id, "reason": reason},
                              ["target_kind", "target_id", "customer_id"]):
        return False
    set_committed_value(target, "flag_count", await _add_to(session, model, target_id, model.flag_count, 1))
    return True


# -- what the board shows --------------------------------------------------------------------------------------

async def recent_changes(session: AsyncSession, limit: int = RECENT_CHANGES) -> list[tuple[StageChange, Idea]]:
    """The latest stage changes of published ideas with their public reasons (one query)."""
    rows = await session.execute(select(StageChange, Idea).join(Idea, Idea.id == StageChange.idea_id)
                                 .where(Idea.status == "published")
                                 .order_by(StageChange.created_at.desc(), StageChange.id.desc()).limit(limit))
    return [(change, idea) for change, idea in rows.all()]


async def history_of(session: AsyncSession, idea: Idea) -> list[StageChange]:
    rows = await session.scalars(select(StageChange).where(StageChange.idea_id == idea.id)
                                 .order_by(StageChange.created_at, StageChange.id).limit(200))
    return list(rows)


async def running_campaigns(session: AsyncSession) -> list[Campaign]:
    now = utcnow()
    rows = await session.scalars(select(Campaign).where(Campaign.starts_at <= now, Campaign.ends_at > now)
                                 .order_by(Campaign.ends_at).limit(20))
    return list(rows)


async def campaign_by_slug(session: AsyncSession, slug: str) -> Campaign:
    """A campaign that has started (one still to come is not shown yet)."""
    found = await session.scalar(select(Campaign).where(Campaign.slug == str(slug)[:60]))
    if found is None or found.starts_at > utcnow():
        raise NotFound()
    return found


def clean_filters(params: Any, stage_keys: list[str], category_ids: list[UUID]) -> dict[str, Any]:
    """The board's filters from the query string, or every bad one's reason."""
    errors = FieldErrors()
    search = errors.clean(clean_text, params.get("q"), "q", required=False, max_length=100) or ""
    order = params.get("order") or "top"
    if order not in ideas.ORDERS:
        errors.add("order", "Choose one of: {choices}.", choices=", ".join(ideas.ORDERS))
    stage = params.get("stage") or ""
    if stage and stage not in stage_keys:
        errors.add("stage", "Choose one of the stages.")
    category = params.get("category") or ""
    category_id = None
    if category:
        try:
            category_id = UUID(str(category))
        except ValueError:
            category_id = None
        if category_id not in category_ids:
            errors.add("category", "Choose one of the categories.")
    tag = errors.clean(clean_text, params.get("tag"), "tag", required=False, max_length=ideas.TAG_MAX) or ""
    errors.raise_if_any()
    return {"q": search, "order": order, "stage": stage, "category": category, "category_id": category_id,
            "tag": tag.lower()}
