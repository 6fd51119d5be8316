"""The talking plugin's tables, all tenant-owned (`TenantScoped`): the core filters and stamps them.

A `Post` is one content item: what it is about (title, theme, an objective of the starting points), where it
belongs (a time-boxed `Campaign` or an always-on `Stream`), who owns it (a department) and wrote it, its state
and when it goes out (`publish_at`). It goes out as one `PostVariant` per registered social account, each with
its own text (within the policy's length for that platform), images with alternative text, and the short links
that replaced the addresses in its text. Mentions and cases live in other plugins: a post started from one keeps
its kind, id and address, never a foreign key into another plugin's table.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugins.api import N_, Base, TenantScoped

STATES: dict[str, str] = {
    "draft": N_("draft"), "in_review": N_("in review"), "approved": N_("approved"), "scheduled": N_("scheduled"),
    "published": N_("published"), "failed": N_("failed"), "paused": N_("paused"), "cancelled": N_("cancelled"),
}
"""Stored value → msgid to show. draft → in_review (the org model wants an approval) or scheduled → published;
approved, failed and paused are set by the approval, publishing and crisis work; cancelled ends a post."""
STATE_REASONS: dict[str, str] = {
    "edited": N_("Changed after the policy check: submit it again."),
    "crisis": N_("Paused because crisis mode is on: resume it deliberately once the crisis is over."),
    "approval_expired": N_("Its approval ran out before it went out: it waits for approval again."),
    "by_hand": N_("Its time has come, but its accounts cannot be sent to from here: post it by hand and record "
                  "where."),
}
"""`Post.state_reason` values the system sets; anything else there was written by a person (a cancellation)."""
FINAL_STATES = ("published", "cancelled")
"""A post in one of these no longer moves on the calendar and its content no longer changes."""
CHECKED_STATES = ("in_review", "approved", "scheduled", "failed", "paused")
"""A post in one of these passed the policy check (and its approval): editing its content sends it back to draft
(a failed or paused post too: what goes out again must be what was checked)."""

OBJECTIVES: dict[str, str] = {
    "awareness": N_("awareness"), "engagement": N_("engagement"), "traffic": N_("traffic"),
    "conversion": N_("conversion"), "service": N_("service"), "reputation": N_("reputation"),
}
"""A campaign's marketing objective (what it is meant to do), next to the starting points' objective it serves."""

MAX_IMAGES = 4
"""Images per variant (the AT Protocol's limit per post)."""


class Campaign(TenantScoped, Base):
    """A time-boxed effort: from `starts_on` to `ends_on`, with a goal and a budget; its posts fall in between."""

    __tablename__ = "talking_campaign"
    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_talking_campaign_slug"),
                      Index("ix_talking_campaign_period", "tenant_id", "starts_on"))

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(63))
    """utm_campaign of the campaign's short links."""
    goal: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), nullable=True)
    """In euros."""
    objective: Mapped[str] = mapped_column(String(20), default="awareness")
    starting_point: Mapped[str] = mapped_column(String(300), default="")
    """The objective of the starting points it serves (its text)."""
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                       nullable=True)
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class Stream(TenantScoped, Base):
    """Always-on content (tips every week, service updates): no end date."""

    __tablename__ = "talking_stream"
    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_talking_stream_slug"),)

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(63))
    description: Mapped[str] = mapped_column(Text, default="")
    starting_point: Mapped[str] = mapped_column(String(300), default="")
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                       nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Post(TenantScoped, Base):
    __tablename__ = "talking_post"
    __table_args__ = (
        Index("ix_talking_post_publish", "tenant_id", "publish_at"),  # the calendar: a month of posts
        Index("ix_talking_post_state", "tenant_id", "state", "publish_at"),  # due posts; the widget
        Index("ix_talking_post_published", "tenant_id", "published_at"),  # the KPIs
        Index("ix_talking_post_campaign", "tenant_id", "campaign_id"),
        Index("ix_talking_post_stream", "tenant_id", "stream_id"),
        Index("ix_talking_post_approval_expiry", "tenant_id", "approval_expires_at"),  # the expiry job
    )

    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(String(120), default="")
    objective: Mapped[str] = mapped_column(String(300), default="")
    """The objective of the starting points it serves (its text; empty: none)."""
    campaign_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("talking_campaign.id", ondelete="SET NULL"),
                                                     nullable=True)
    stream_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("talking_stream.id", ondelete="SET NULL"),
                                                   nullable=True)
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                       nullable=True)
    """The department that owns it."""
    author_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                   nullable=True)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    state_reason: Mapped[str] = mapped_column(Text, default="")
    """Why it is in its state, when that needs saying (sent back to draft after an edit, paused by a crisis)."""
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When it is to go out (its place on the calendar); None for a draft without a date."""
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approval_reason: Mapped[str] = mapped_column(String(20), default="")
    """Why the policy check asked for an approval ("org_model", "training", "crisis"); empty: it did not."""
    approver_department_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("department.id", ondelete="SET NULL"), nullable=True)
    """Who approves (the hub the check named); None with an approval reason: the regie holder."""
    approval_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When its approval runs out; a scheduled post whose approval ran out is not published (None: no approval
    was needed, or it never runs out)."""
    approval_round: Mapped[int] = mapped_column(Integer, default=0)
    """Goes up every time the post enters review; decisions of an earlier round no longer count."""
    approval_step: Mapped[int] = mapped_column(Integer, default=0)
    """The step of the approval chain that decides now (1-based); 0 while nothing is asked."""
    approval_chain: Mapped[list] = mapped_column(JSON, default=list)
    """The steps asked when it entered review: [{"users": [ids], "departments": [ids], "hub": bool}]."""
    source_kind: Mapped[str] = mapped_column(String(20), default="")
    """"mention" or "case" when it was started from another plugin's item (a public response)."""
    source_id: Mapped[str] = mapped_column(String(64), default="")
    source_url: Mapped[str] = mapped_column(String(2000), default="")
    source_author: Mapped[str] = mapped_column(String(200), default="")
    reply_to_uri: Mapped[str] = mapped_column(String(500), default="")
    """The network URI of the post this one answers in its thread (at://...); empty: a post of its own."""
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """Goes up on every change; a form that sends an older one gets a 409 (two people editing at once)."""

    variants: Mapped[list[PostVariant]] = relationship(lazy="raise", cascade="all, delete-orphan",
                                                       order_by="PostVariant.platform, PostVariant.created_at")


class PostVariant(TenantScoped, Base):
    """The post as it goes out on one registered account."""

    __tablename__ = "talking_variant"
    __table_args__ = (UniqueConstraint("tenant_id", "post_id", "account_id", name="uq_talking_variant_account"),
                      Index("ix_talking_variant_account", "tenant_id", "account_id"))

    post_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_post.id", ondelete="CASCADE"))
    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(40))
    """The account's platform when the variant was saved: its length rule and utm_source."""
    handle: Mapped[str] = mapped_column(String(120), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    """As it goes out: addresses replaced by the tenant's short links."""
    images: Mapped[list] = mapped_column(JSON, default=list)
    """[{"url": ..., "alt": ...}], at most MAX_IMAGES."""
    links: Mapped[list] = mapped_column(JSON, default=list)
    """[{"code", "target", "short"}]: the short links in `text` ("links placed")."""
    external_url: Mapped[str] = mapped_column(String(2000), default="")
    """Where it can be seen once it went out (posted elsewhere by hand, or the network's address)."""
    remote_key: Mapped[str] = mapped_column(String(64), default="")
    """The record key chosen before sending, so a retry after a crash finds the post instead of posting twice."""
    remote_uri: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    publish_state: Mapped[str] = mapped_column(String(12), default="")
    """Where publishing stands (`VARIANT_STATES`); empty: not tried yet."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the next try is due after a failed one (None: due with the post)."""
    last_error: Mapped[str] = mapped_column(Text, default="")
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When it was deleted from the network (it stays here for the record)."""


VARIANT_STATES: dict[str, str] = {
    "": N_("waiting"), "retrying": N_("trying again"), "published": N_("published"), "failed": N_("failed"),
    "by_hand": N_("post by hand"),
}
"""A variant's `publish_state` → msgid to show. `by_hand`: its account has no connection that sends (posted
elsewhere, or none), so a person posts it and records where."""
PUBLISH_OUTCOMES: dict[str, str] = {
    "published": N_("sent"), "found": N_("already out (found under its key)"), "retry": N_("failed, tried again later"),
    "failed": N_("failed for good"), "by_hand": N_("to be posted by hand"), "removed": N_("deleted from the network"),
}
"""`PublishAttempt.outcome` → msgid to show."""


class PublishAttempt(TenantScoped, Base):
    """One try to send a variant (the post's publish log)."""

    __tablename__ = "talking_publish_attempt"
    __table_args__ = (Index("ix_talking_publish_attempt_post", "tenant_id", "post_id", "at"),)

    post_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_post.id", ondelete="CASCADE"))
    variant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_variant.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(12))
    """"published", "found" (a retry found it already out), "retry", "failed", "by_hand", "removed"."""
    reason: Mapped[str] = mapped_column(Text, default="")
    remote_uri: Mapped[str] = mapped_column(String(500), default="")


class VariantInteractions(TenantScoped, Base):
    """The latest interaction counts of a published variant, and when they were read (its first week)."""

    __tablename__ = "talking_interactions"
    __table_args__ = (UniqueConstraint("tenant_id", "variant_id", name="uq_talking_interactions_variant"),)

    variant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_variant.id", ondelete="CASCADE"))
    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"))
    likes: Mapped[int] = mapped_column(Integer, default=0)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    quotes: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def total(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes


class AccountFollowers(TenantScoped, Base):
    """An account's followers as read from its network, one row per account per day (the network's size)."""

    __tablename__ = "talking_followers"
    __table_args__ = (UniqueConstraint("tenant_id", "account_id", "day", name="uq_talking_followers_day"),)

    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    followers: Mapped[int] = mapped_column(Integer, default=0)
    follows: Mapped[int] = mapped_column(Integer, default=0)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApprovalSettings(TenantScoped, Base):
    """The tenant's approval tiers on top of the org model: the steps, the rules that ask for an approval, how
    long an approval holds; and whether crisis mode is on (heard from `crisis.started` / `crisis.ended`)."""

    __tablename__ = "talking_approval_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_talking_approval_settings_tenant"),)

    expiry_days: Mapped[int] = mapped_column(Integer, default=14)
    steps: Mapped[list] = mapped_column(JSON, default=list)
    """Up to three: [{"users": [ids], "departments": [ids], "hub": bool}]; empty: one step, the hub."""
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    """Words or phrases in a variant's text that ask for an approval (whole words, case and accents ignored)."""
    platforms: Mapped[list] = mapped_column(JSON, default=list)
    account_ids: Mapped[list] = mapped_column(JSON, default=list)
    campaign_ids: Mapped[list] = mapped_column(JSON, default=list)
    untrained: Mapped[bool] = mapped_column(Boolean, default=False)
    """An author who has not completed a training that qualifies a publisher needs an approval."""
    crisis_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When crisis mode went on; None while it is off. A post submitted or resumed meanwhile needs approval."""


class Approver(TenantScoped, Base):
    """Who may decide a post's step in a round: resolved from the step's people, departments and hub when the
    step starts, without the author. "Awaiting my approval" reads these rows."""

    __tablename__ = "talking_approver"
    __table_args__ = (UniqueConstraint("tenant_id", "post_id", "round", "step", "user_id",
                                       name="uq_talking_approver"),
                      Index("ix_talking_approver_user", "tenant_id", "user_id"))

    post_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_post.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))


class ApprovalEvent(TenantScoped, Base):
    """A post's approval history: asked, approved, rejected, withdrawn (an edit), expired, paused, resumed."""

    __tablename__ = "talking_approval_event"
    __table_args__ = (Index("ix_talking_approval_event_post", "tenant_id", "post_id", "at"),)

    post_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("talking_post.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
