"""The idea service every slice shares: raising an idea, finding it by number, similar ideas and search.

An idea raised by a customer on the board is checked for spam (cheap signals a moderator can read), counted
against rate limits kept in the database (per customer and per client address, so they hold across web
processes) and waits for moderation as the tenant's mode says. Staff, and ideas made from something another
plugin shows (a mention, a case, a community question), are published at once.

Search runs in the database: on PostgreSQL the trigram index on the title (`%`, `similarity()`) and the
full-text index on title and description; on SQLite the FTS5 table the triggers keep current (`MATCH`, `bm25`).
Lists read the counts kept on the idea; nothing is counted per view.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, column, func, literal, literal_column, or_, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    SPAM_SIGNALS,
    Customer,
    CustomerRateLimited,
    DomainError,
    FieldErrors,
    NotFound,
    Page,
    Refused,
    clean_text,
    clean_uuid,
    moderated_status,
    paginate,
    published_tone_rules,
    user_names,
    utcnow,
)
from core.plugins.api import recent_texts as recent_post_texts
from core.plugins.api import spam_signals as customer_spam_signals
from plugins.cocreation.models import Campaign, Category, Comment, Follower, Idea, IdeaTag
from plugins.cocreation.settings import board_settings, first_stage, next_idea_number

TITLE_MIN, TITLE_MAX = 3, 160
DESCRIPTION_MAX = 5000
MAX_TAGS, TAG_MAX = 5, 40
IDEAS_PER_HOUR = 5
"""Ideas one customer may post in an hour."""
IDEAS_PER_ADDRESS = 20
"""Ideas that may be posted from one client address in an hour (several customers behind one network)."""
SHOUT_MIN_LETTERS = 12
"""Mostly capitals is shouting from this many letters in a field on (a short title may be an acronym)."""
HONEYPOT = "website"
"""A form field people never see: a filled one is a robot, refused like bad input."""
ORDERS = ("top", "new", "recent")
SIMILAR_CANDIDATES = 200
LINKED_SOURCES = ("mention", "case", "question")
SPAM_REASONS = SPAM_SIGNALS
"""Signal → what a moderator reads (the core's names, translated on both moderation pages)."""
WORD = re.compile(r"\w+", re.UNICODE)
FTS = table("cocreation_idea_fts", column("idea_id"), column("title"), column("description"))
"""SQLite's FTS5 table over ideas (kept current by triggers; not tenant-owned: always joined to the idea)."""
FTS_ROW = table("cocreation_idea_fts_row", column("id"), column("idea_id"))
"""Each idea's row in the FTS table (its rowid): matches are read as rowids, never from the FTS table's stored
columns, which a broad search would read for thousands of rows."""


# -- spam and moderation ---------------------------------------------------------------------------------------

def spam_signals(parts: list[str], forbidden: list[str], recent_texts: list[str]) -> list[str]:
    """The core's spam signals for an idea or a comment; an idea's title is short, so shouting counts from
    `SHOUT_MIN_LETTERS` letters on."""
    return customer_spam_signals(parts, forbidden, recent_texts, shout_min_letters=SHOUT_MIN_LETTERS)


async def recent_texts(session: AsyncSession, customer_id: UUID) -> list[str]:
    """What the customer wrote in the last day (ideas and comments), to see a post repeated."""
    return await recent_post_texts(session, customer_id, (Idea.title, Idea.description), (Comment.body,))


async def initial_status(session: AsyncSession, customer: Customer, reasons: list[str]) -> str:
    """`pending` or `published` for a customer's post: a spam signal always waits; else the board's mode."""

    async def mode() -> str:
        return (await board_settings(session)).moderation

    return await moderated_status(session, customer.id, reasons, mode, (Idea, Comment))


def may_post(customer: Customer | None) -> Customer:
    """The customer, when they may post or vote on the board."""
    if customer is None:
        raise Refused(field="__all__", msgid="Sign in to take part on the idea board.")
    if customer.is_blocked:
        raise Refused(field="__all__", msgid="Your account may not take part on this idea board.")
    return customer


def check_honeypot(values: dict[str, Any]) -> None:
    if str(values.get(HONEYPOT) or "").strip():
        raise DomainError(field="__all__", msgid="Your post could not be accepted.")


async def check_rate(session: AsyncSession, model: Any, *, customer_id: UUID | None, client_ip: str,
                     per_customer: int, per_address: int) -> None:
    """At most `per_customer` rows of `model` per customer and `per_address` per client address in the last
    hour, counted in the database."""
    since = utcnow() - timedelta(hours=1)
    if customer_id is not None:
        count = await session.scalar(select(func.count()).select_from(model).where(
            model.customer_id == customer_id, model.created_at >= since)) or 0
        if count >= per_customer:
            raise CustomerRateLimited(field="__all__", msgid="You posted {count} times in the last hour. Try again "
                                      "later.", count=count)
    if client_ip:
        count = await session.scalar(select(func.count()).select_from(model).where(
            model.client_ip == client_ip[:45], model.created_at >= since)) or 0
        if count >= per_address:
            raise CustomerRateLimited(field="__all__", msgid="Too many posts from your network. Try again later.")


# -- raising an idea -------------------------------------------------------------------------------------------

def clean_tags(value: Any) -> list[str]:
    """Tags from a list or a comma-separated text: lowercase, each once, at most five of 40 characters."""
    raw = value if isinstance(value, list | tuple) else str(value or "").split(",")
    tags: list[str] = []
    for item in raw:
        tag = " ".join(str(item or "").strip().lower().lstrip("#").split())
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise DomainError(field="tags", msgid="A tag has at most {max} characters.", max=TAG_MAX)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise DomainError(field="tags", msgid="Use at most {max} tags.", max=MAX_TAGS)
    return tags


async def _category(session: AsyncSession, value: Any) -> UUID | None:
    category_id = clean_uuid(value, "category_id", required=False)
    if category_id is None:
        return None
    found = await session.get(Category, category_id)
    if found is None or not found.is_active:
        raise DomainError(field="category_id", msgid="Choose one of the categories.")
    return category_id


async def running_campaign(session: AsyncSession, value: Any) -> Campaign | None:
    campaign_id = clean_uuid(value, "campaign_id", required=False)
    if campaign_id is None:
        return None
    found = await session.get(Campaign, campaign_id)
    now = utcnow()
    if found is None or not found.starts_at <= now < found.ends_at:
        raise DomainError(field="campaign_id", msgid="This campaign does not take ideas now.")
    return found


async def clean_idea(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """The idea's fields, or every field's reason at once."""
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=TITLE_MAX)
    if title is not None and len(title) < TITLE_MIN:
        errors.add("title", "Use at least {min} characters.", min=TITLE_MIN)
    description = errors.clean(clean_text, values.get("description"), "description", required=False,
                               max_length=DESCRIPTION_MAX)
    tags = errors.clean(clean_tags, values.get("tags"))
    category_id = await errors.aclean(_category, session, values.get("category_id"))
    campaign = await errors.aclean(running_campaign, session, values.get("campaign_id"))
    errors.raise_if_any()
    return {"title": title or "", "description": description or "", "tags": tags or [],
            "category_id": category_id, "campaign_id": campaign.id if campaign else None}


async def create_idea(session: AsyncSession, values: dict[str, Any], *, lang: str, customer: Customer | None = None,
                      user_id: UUID | None = None, source: str = "board", client_ip: str = "") -> Idea:
    """A new idea, numbered and in the first `new` stage; its author follows it.

    A customer's idea waits for moderation as the tenant's mode says (and always with a spam signal); staff's
    (`user_id`) and ideas made from a linked item (`source` mention, case or question) are published at once.
    `lang` is the author's language (kept for texts this sends later)."""
    del lang  # the idea itself is stored as written
    if user_id is None and source == "board":
        customer = may_post(customer)
        check_honeypot(values)
    cleaned = await clean_idea(session, values)
    reasons: list[str] = []
    if customer is not None and user_id is None and source == "board":
        await check_rate(session, Idea, customer_id=customer.id, client_ip=client_ip,
                         per_customer=IDEAS_PER_HOUR, per_address=IDEAS_PER_ADDRESS)
        rules = await published_tone_rules(session)
        reasons = spam_signals([cleaned["title"], cleaned["description"]], rules.get("forbidden_words", []),
                               await recent_texts(session, customer.id))
        status = await initial_status(session, customer, reasons)
    else:
        status = "published"
    if user_id is not None:
        author = (await user_names(session, {user_id})).get(user_id, "")
    else:
        author = customer.display_name if customer is not None else ""
    stage = await first_stage(session, "new")
    now = utcnow()
    idea = Idea(number=await next_idea_number(session), title=cleaned["title"], description=cleaned["description"],
                category_id=cleaned["category_id"], tags=cleaned["tags"], campaign_id=cleaned["campaign_id"],
                status=status, stage_key=stage.key if stage else "new", source=source,
                customer_id=customer.id if customer is not None else None, author_user_id=user_id,
                author_name=str(author or "")[:120], spam_reasons=reasons, client_ip=client_ip[:45],
                published_at=now if status == "published" else None,
                follower_count=1 if customer is not None else 0)
    session.add(idea)
    await session.flush()
    for tag in cleaned["tags"]:
        session.add(IdeaTag(idea_id=idea.id, tag=tag))
    if customer is not None:
        session.add(Follower(idea_id=idea.id, customer_id=customer.id))
    await session.flush()
    return idea


MAX_NUMBER = 2**31 - 1
"""The largest idea number the column holds (a 32-bit integer on PostgreSQL)."""


async def idea_by_number(session: AsyncSession, number: int) -> Idea:
    """The tenant's idea with this number (any status: callers decide who may see it). A number outside the
    column's range is simply not found (PostgreSQL would refuse to compare it)."""
    if not 0 < number <= MAX_NUMBER:
        raise NotFound()
    found = await session.scalar(select(Idea).where(Idea.number == number))
    if found is None:
        raise NotFound()
    return found


# -- similar ideas and search ----------------------------------------------------------------------------------

def _words(value: str) -> list[str]:
    return [w for w in WORD.findall(value.lower()) if len(w) >= 2][:12]


def _fts_query(value: str, *, prefix_last: bool) -> str:
    """An FTS5 query matching any of the words (each quoted, so no word is read as an operator)."""
    words = _words(value)
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if prefix_last:
        quoted[-1] += "*"
    return " OR ".join(quoted)


def _pg_text_match(value: str) -> Any:
    document = func.to_tsvector(literal_column("'simple'"),
                                Idea.title.concat(literal_column("' '")).concat(Idea.description))
    return document.op("@@")(func.plainto_tsquery(literal_column("'simple'"), value))


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def similar_ideas(session: AsyncSession, value: str, *, limit: int = 5,
                        exclude_id: UUID | None = None) -> list[Idea]:
    """Published ideas like `value` (what someone is typing as a title), the most alike first."""
    value = " ".join(str(value or "").split())[:200]
    if len(value) < TITLE_MIN:
        return []
    query = select(Idea).where(Idea.status == "published")
    if exclude_id is not None:
        query = query.where(Idea.id != exclude_id)
    if _is_postgres(session):
        # word similarity: a half-typed title ("donkere mod") is like a longer one that contains its words;
        # `<%` is answered by the trigram index on the title. The best of the first SIMILAR_CANDIDATES alike
        # titles: a board where thousands of titles start alike reads a few pages, not all of them.
        alike = query.where(literal(value).op("<%")(Idea.title)).with_only_columns(Idea.id) \
            .limit(SIMILAR_CANDIDATES).subquery()
        query = select(Idea).join(alike, alike.c.id == Idea.id).order_by(
            func.word_similarity(value, Idea.title).desc(), Idea.vote_count.desc())
    else:
        match = _fts_query(value, prefix_last=True)
        if not match:
            return []
        query = (query.join(FTS, FTS.c.idea_id == Idea.id)
                 .where(text("cocreation_idea_fts MATCH :match").bindparams(match=match))
                 .order_by(func.bm25(literal_column("cocreation_idea_fts")), Idea.vote_count.desc()))
    return list((await session.scalars(query.limit(limit))).all())


def _ordered(query: Select[Any], order: str) -> Select[Any]:
    if order == "new":
        return query.order_by(Idea.created_at.desc(), Idea.id.desc())
    if order == "recent":
        return query.order_by(Idea.stage_changed_at.desc().nulls_last(), Idea.created_at.desc(), Idea.id.desc())
    return query.order_by(Idea.vote_count.desc(), Idea.created_at.desc(), Idea.id.desc())


def ideas_query(session: AsyncSession, search: str = "", *, stage: str | None = None,
                category_id: UUID | None = None, tag: str | None = None, campaign_id: UUID | None = None,
                order: str = "top") -> Select[Any]:
    """Published ideas matching the filters, in the board's order (one statement, read with its indexes)."""
    query = select(Idea).where(Idea.status == "published")
    if stage:
        query = query.where(Idea.stage_key == stage)
    if category_id is not None:
        query = query.where(Idea.category_id == category_id)
    if campaign_id is not None:
        query = query.where(Idea.campaign_id == campaign_id)
    if tag:
        query = query.where(Idea.id.in_(select(IdeaTag.idea_id).where(IdeaTag.tag == tag.lower())))
    search = " ".join(str(search or "").split())[:100]
    if search:
        if _is_postgres(session):
            query = query.where(or_(_pg_text_match(search), Idea.title.op("%")(search)))
        else:
            match = _fts_query(search, prefix_last=True)
            if match:
                rowids = select(literal_column("rowid")).select_from(FTS).where(
                    text("cocreation_idea_fts MATCH :search").bindparams(search=match))
                matching = select(FTS_ROW.c.idea_id).where(FTS_ROW.c.id.in_(rowids))
                query = query.where(Idea.id.in_(matching))
            else:
                query = query.where(Idea.id.is_(None))
    return _ordered(query, order if order in ORDERS else "top")


async def search_ideas(session: AsyncSession, query: str, *, stage: str | None = None,
                       category_id: UUID | None = None, tag: str | None = None, campaign_id: UUID | None = None,
                       order: str = "top", page: int = 1, per_page: int = 20, base_path: str = "",
                       params: dict[str, str] | None = None) -> Page:
    """A page of published ideas for the board. The whole board is counted up to the core's cap (so 50,000
    ideas stay fast); a search or a filtered list is not counted at all: counting every match costs as much as
    reading them all, so the page reads one row past itself to know whether another page follows."""
    statement = ideas_query(session, query, stage=stage, category_id=category_id, tag=tag,
                            campaign_id=campaign_id, order=order)
    narrowed = " ".join(str(query or "").split()) or stage or category_id or tag or campaign_id
    if not narrowed:
        return await paginate(session, statement, page, per_page=per_page, base_path=base_path, params=params,
                              capped=True)
    number = max(1, page)
    rows = list((await session.scalars(statement.limit(per_page + 1).offset((number - 1) * per_page))).all())
    if not rows and number > 1:  # past the end: the first page, which says what there is
        return await search_ideas(session, query, stage=stage, category_id=category_id, tag=tag,
                                  campaign_id=campaign_id, order=order, page=1, per_page=per_page,
                                  base_path=base_path, params=params)
    found = Page(items=rows[:per_page], total=0, number=number, per_page=per_page, base_path=base_path,
                 params=params, more=len(rows) > per_page)
    found.total_exact = not found.more
    found.total = (number - 1) * per_page + len(found.items)
    return found
