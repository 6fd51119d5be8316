"""The cocreation plugin's tables: the idea board, its votes and comments, stages, campaigns, links and the loop.

An idea is raised by a customer on the public board (signed in with the core's customer identity, the same one
the webcare community uses), by staff, or from something another plugin shows (a mention, a webcare case, a
community question), which stays linked (`IdeaLink`). Development triages it and moves it through the tenant's
stages; every move is a `StageChange` with a public reason, and when the move matters to people (planned, done,
declined) everyone connected to the idea is told in the channel they came from (`LoopMessage`).

Counts shown on busy pages (votes, comments, followers) live on the idea and are kept current in the statement
that changes them, so the board never counts a million votes per view. All tables are tenant-owned.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

MEANINGS: dict[str, str] = {
    "new": N_("new"), "review": N_("under review"), "planned": N_("planned"), "progress": N_("in development"),
    "done": N_("done"), "declined": N_("declined"),
}
"""What a stage means, whatever the tenant calls it: the threshold moves `new` ideas to the first `review` stage,
the loop tells people about `planned`, `done` and `declined`, and `planned`/`done` count as adopted."""
OPEN_STATUSES = ("pending", "published")
"""An idea that is still itself: waiting for moderation or on the board (not merged into another, not rejected)."""
LOOP_MEANINGS = ("planned", "done", "declined")
ADOPTED_MEANINGS = ("planned", "progress", "done")
DEFAULT_STAGES: tuple[tuple[str, str, str, str], ...] = (
    ("new", "new", "nieuw", "new"),
    ("under-review", "review", "in behandeling", "under review"),
    ("planned", "planned", "gepland", "planned"),
    ("in-development", "progress", "in ontwikkeling", "in development"),
    ("done", "done", "gerealiseerd", "done"),
    ("declined", "declined", "afgewezen", "declined"),
)
"""(key, meaning, Dutch name, English name) of the stages a tenant starts with."""

MODERATION_MODES: dict[str, str] = {
    "all": N_("everything waits for a moderator"),
    "first_post": N_("a new customer's first post waits"),
    "none": N_("publish at once"),
}
STATUSES: dict[str, str] = {
    "pending": N_("waiting for moderation"), "published": N_("published"), "rejected": N_("rejected"),
    "merged": N_("merged"),
}
"""An idea's or comment's place in moderation; `merged` only for an idea folded into another."""
SOURCES: dict[str, str] = {
    "board": N_("the board"), "staff": N_("staff"), "mention": N_("social media"), "case": N_("webcare"),
    "question": N_("the community"),
}
"""Where an idea was first raised; `mention`, `case` and `question` count as ideas from social media and webcare."""
LINK_KINDS: dict[str, str] = {"mention": N_("mention"), "case": N_("webcare case"),
                              "question": N_("community question")}
LOOP_CHANNELS: dict[str, str] = {"email": N_("e-mail"), "network": N_("reply on the network"),
                                 "case": N_("reply in the webcare case"),
                                 "community": N_("answer in the community question")}
LOOP_STATES: dict[str, str] = {
    "sent": N_("sent"), "waiting": N_("waiting for approval"), "failed": N_("failed"), "skipped": N_("not sent"),
}


class CocreationSettings(TenantScoped, Base):
    """The tenant's board settings (one row, created on first use)."""

    __tablename__ = "cocreation_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_cocreation_settings_tenant"),)

    board_title: Mapped[str] = mapped_column(String(120), default="")
    board_intro: Mapped[str] = mapped_column(Text, default="")
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    """Private: reading the board needs a signed-in customer too."""
    moderation: Mapped[str] = mapped_column(String(12), default="first_post")
    vote_threshold: Mapped[int] = mapped_column(Integer, default=25)
    """At this many votes a `new` idea moves to the first `review` stage by itself."""
    prerequisite_weeks: Mapped[int] = mapped_column(Integer, default=8)
    """How long another Groundswell function must have been active before cocreation may start."""
    idea_counter: Mapped[int] = mapped_column(Integer, default=0)
    """The last idea number given out (raised by one `UPDATE ... RETURNING`, so two posts never share one)."""
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    """What the dashboard widgets show (ideas this month, ideas per stage, top ideas), stored by the job
    `cocreation.figures` so a view of the dashboard counts nothing."""
    figures_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Stage(TenantScoped, Base):
    """One of the tenant's stages, in board order."""

    __tablename__ = "cocreation_stage"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_cocreation_stage_key"),)

    key: Mapped[str] = mapped_column(String(40))
    meaning: Mapped[str] = mapped_column(String(12))
    name_nl: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    """A stage no longer offered keeps its ideas (and their history) but takes no new ones."""


class Category(TenantScoped, Base):
    __tablename__ = "cocreation_category"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_cocreation_category_name"),)

    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Campaign(TenantScoped, Base):
    """A time-boxed challenge with its own page ("how should our new app work?") and its results."""

    __tablename__ = "cocreation_campaign"
    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_cocreation_campaign_slug"),
                      Index("ix_cocreation_campaign_dates", "tenant_id", "starts_at", "ends_at"))

    slug: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(160))
    question: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    results: Mapped[str] = mapped_column(Text, default="")
    """What came of it, published on the campaign's page once it ends."""
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class Idea(TenantScoped, Base):
    """An idea on the board."""

    __tablename__ = "cocreation_idea"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_cocreation_idea_number"),
        Index("ix_cocreation_idea_top", "tenant_id", "status", "vote_count", "created_at"),  # "most votes"
        Index("ix_cocreation_idea_recent", "tenant_id", "status", "created_at"),  # "newest"
        Index("ix_cocreation_idea_changed", "tenant_id", "status", "stage_changed_at", "created_at"),
        Index("ix_cocreation_idea_client", "tenant_id", "client_ip", "created_at"),  # rate limits
        Index("ix_cocreation_idea_stage", "tenant_id", "status", "stage_key", "vote_count", "created_at"),
        Index("ix_cocreation_idea_category", "tenant_id", "status", "category_id", "vote_count", "created_at"),
        Index("ix_cocreation_idea_campaign", "tenant_id", "campaign_id", "vote_count"),
        Index("ix_cocreation_idea_triage", "tenant_id", "triaged_at", "created_at"),
        Index("ix_cocreation_idea_customer", "tenant_id", "customer_id"),
        Index("ix_cocreation_idea_response", "tenant_id", "first_response_at"),  # the response-time KPI
    )

    number: Mapped[int] = mapped_column(Integer)
    """Per tenant, from 1: the idea's address on the board (`/ideas/<number>`)."""
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("cocreation_category.id", ondelete="SET NULL"), nullable=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    campaign_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("cocreation_campaign.id", ondelete="SET NULL"), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    stage_key: Mapped[str] = mapped_column(String(40), default="new")
    merged_into_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("cocreation_idea.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(12), default="board")
    customer_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("customer.id", ondelete="SET NULL"),
                                                     nullable=True)
    """The customer who raised it on the board (None when staff did, or once erased)."""
    author_user_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    author_name: Mapped[str] = mapped_column(String(120), default="")
    """As shown on the board (the customer's display name when raised); pseudonymised on erasure."""
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    follower_count: Mapped[int] = mapped_column(Integer, default=0)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    spam_reasons: Mapped[list] = mapped_column(JSON, default=list)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                  nullable=True)
    """Development's person who carries it."""
    effort: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """1 (small) to 5 (large), set in triage."""
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """1 (little) to 5 (much), set in triage."""
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """The first public word from staff (a stage change or an official comment): the response-time KPI."""
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    """Where it was posted from: rate limits per client address (kept only as long as the retention allows)."""


class IdeaTag(TenantScoped, Base):
    """One tag of an idea, a row of its own so the board filters by tag with an index (the idea keeps the list)."""

    __tablename__ = "cocreation_idea_tag"
    __table_args__ = (UniqueConstraint("tenant_id", "idea_id", "tag", name="uq_cocreation_idea_tag"),
                      Index("ix_cocreation_idea_tag_tag", "tenant_id", "tag"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))


class Vote(TenantScoped, Base):
    """One customer's vote on an idea; withdrawing deletes it."""

    __tablename__ = "cocreation_vote"
    __table_args__ = (UniqueConstraint("tenant_id", "idea_id", "customer_id", name="uq_cocreation_vote"),
                      Index("ix_cocreation_vote_customer", "tenant_id", "customer_id"),
                      Index("ix_cocreation_vote_created", "tenant_id", "created_at"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    customer_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("customer.id", ondelete="CASCADE"))


class Follower(TenantScoped, Base):
    """A customer who wants to hear about an idea (its author and voters follow it unless they stop)."""

    __tablename__ = "cocreation_follower"
    __table_args__ = (UniqueConstraint("tenant_id", "idea_id", "customer_id", name="uq_cocreation_follower"),
                      Index("ix_cocreation_follower_customer", "tenant_id", "customer_id"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    customer_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("customer.id", ondelete="CASCADE"))


class Comment(TenantScoped, Base):
    __tablename__ = "cocreation_comment"
    __table_args__ = (Index("ix_cocreation_comment_idea", "tenant_id", "idea_id", "created_at"),
                      Index("ix_cocreation_comment_status", "tenant_id", "status", "created_at"),
                      Index("ix_cocreation_comment_customer", "tenant_id", "customer_id", "created_at"),
                      Index("ix_cocreation_comment_client", "tenant_id", "client_ip", "created_at"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    customer_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("customer.id", ondelete="SET NULL"),
                                                     nullable=True)
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    """Set when staff wrote it (shown as an official answer)."""
    author_name: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    spam_reasons: Mapped[list] = mapped_column(JSON, default=list)
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    client_ip: Mapped[str] = mapped_column(String(45), default="")


class Flag(TenantScoped, Base):
    """A reader's report of an idea or comment; moderators resolve it."""

    __tablename__ = "cocreation_flag"
    __table_args__ = (UniqueConstraint("tenant_id", "target_kind", "target_id", "customer_id",
                                       name="uq_cocreation_flag"),
                      Index("ix_cocreation_flag_open", "tenant_id", "resolved_at", "created_at"))

    target_kind: Mapped[str] = mapped_column(String(8))
    """idea or comment."""
    target_id: Mapped[UUID] = mapped_column(GUID)
    customer_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("customer.id", ondelete="SET NULL"),
                                                     nullable=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)


class StageChange(TenantScoped, Base):
    """A move of an idea from one stage to another, with its public reason (the board's "recently changed")."""

    __tablename__ = "cocreation_stage_change"
    __table_args__ = (Index("ix_cocreation_stage_change_recent", "tenant_id", "created_at"),
                      Index("ix_cocreation_stage_change_idea", "tenant_id", "idea_id", "created_at"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    from_key: Mapped[str] = mapped_column(String(40), default="")
    to_key: Mapped[str] = mapped_column(String(40))
    to_meaning: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    """None when the vote threshold moved it."""


class IdeaLink(TenantScoped, Base):
    """What led to an idea elsewhere: a mention (monitoring), a webcare case, a community question.

    The linked item is named by kind and id (never a foreign key into another plugin's table) with what the loop
    needs to answer its author, copied when linked: their handle, the post's network address and the account
    that read it."""

    __tablename__ = "cocreation_link"
    __table_args__ = (UniqueConstraint("tenant_id", "idea_id", "kind", "ref_id", name="uq_cocreation_link"),
                      Index("ix_cocreation_link_ref", "tenant_id", "kind", "ref_id"))

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    ref_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300), default="")
    excerpt: Mapped[str] = mapped_column(Text, default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    uri: Mapped[str] = mapped_column(String(500), default="")
    """The post's network address (`at://...`) when it came from a network: the loop replies in its thread."""
    account_id: Mapped[str] = mapped_column(String(64), default="")
    """The organisation's registered account whose connection read it (the loop replies as that account)."""
    linked_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)


class LoopMessage(TenantScoped, Base):
    """Who was told what about an idea's stage change, when, and how: the idea page shows the loop from these."""

    __tablename__ = "cocreation_loop_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "stage_change_id", "channel", "recipient", name="uq_cocreation_loop_message"),
        Index("ix_cocreation_loop_idea", "tenant_id", "idea_id", "created_at"),
        Index("ix_cocreation_loop_state", "tenant_id", "state", "created_at"),
        Index("ix_cocreation_loop_sent", "tenant_id", "state", "sent_at"),  # people told, per period
    )

    idea_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("cocreation_idea.id", ondelete="CASCADE"))
    stage_change_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("cocreation_stage_change.id", ondelete="CASCADE"))
    link_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("cocreation_link.id", ondelete="SET NULL"),
                                                 nullable=True)
    channel: Mapped[str] = mapped_column(String(12))
    recipient: Mapped[str] = mapped_column(String(254))
    """An e-mail address, a handle on the network, a case's author or a community question's asker;
    pseudonymised on erasure."""
    text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(8), default="waiting")
    detail: Mapped[str] = mapped_column(Text, default="")
    """Why it waits, failed or was not sent (the policy's finding, the network's error)."""
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    post_uri: Mapped[str] = mapped_column(String(500), default="")
    post_url: Mapped[str] = mapped_column(String(2000), default="")
    """The sent reply's web address people can open (the loop panel links it); blanked with the recipient."""

