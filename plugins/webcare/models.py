"""The webcare plugin's tables. Every one is tenant-owned (`TenantScoped`): the core filters and stamps them.

A `Case` gathers what one customer said about one topic (mentions, direct messages, community questions) and
what the organisation did about it (`CaseMessage` timeline, `Reply`s, `Escalation`s). SLA deadlines are stored
on the case when its priority or clock changes, so the inbox sorts and filters on plain columns. Mentions
live in the monitoring plugin: a case keeps the mention's id and a copy of what it needs, never a foreign key
into another plugin's table.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.plugins.api import N_, Base, Customer, TenantScoped

PRIORITIES: dict[str, str] = {"urgent": N_("urgent"), "high": N_("high"), "normal": N_("normal"), "low": N_("low")}
"""Highest first; stored value → msgid to show."""

STATUSES: dict[str, str] = {
    "new": N_("new"), "open": N_("open"), "waiting": N_("waiting for customer"), "reopened": N_("reopened"),
    "resolved": N_("resolved"), "closed": N_("closed"),
}
OPEN_STATUSES = ("new", "open", "waiting", "reopened")
"""A case in one of these is open: a new message joins it, its SLA clocks run (except while waiting)."""

CHANNELS: dict[str, str] = {
    "mention": N_("public mention"), "dm": N_("direct message"), "community": N_("community question"),
    "manual": N_("added by hand"), "nps": N_("survey answer"),
}

EVENT_LABELS: dict[str, str] = {
    "reply_pending_approval": N_("Reply waits for approval"), "reply_approved": N_("Reply approved"),
    "reply_rejected": N_("Reply rejected"), "reply_failed": N_("Reply could not be delivered"),
    "reply_retried": N_("Delivery of the reply tried again"), "escalated": N_("Handed to another department"),
    "returned": N_("Back from the other department"), "sla_warning": N_("SLA deadline close"),
    "sla_breach": N_("SLA deadline missed"),
}
"""Timeline events without a sentence of their own in `inbox/_timeline.html` (status, priority, assigned)."""

MESSAGE_KINDS: dict[str, str] = {
    "inbound": N_("message from the customer"), "reply": N_("reply"), "note": N_("internal note"),
    "event": N_("event"),
}

REPLY_STATUSES: dict[str, str] = {
    "pending_approval": N_("awaiting approval"), "approved": N_("approved"), "rejected": N_("rejected"),
    "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed"),
}

CONNECTORS: dict[str, str] = {"posted_elsewhere": N_("posted elsewhere"), "webhook": N_("webhook"),
                              "atproto": N_("in the thread on the network")}
"""How a reply leaves: "atproto" answers in the thread of the case's post on the network (AT Protocol)."""

ESCALATION_REASONS: dict[str, str] = {
    "press": N_("press question"), "product_idea": N_("product idea"), "sales_lead": N_("sales lead"),
    "complaint": N_("complaint"), "legal": N_("legal question"), "other": N_("other"),
}

MODERATION_MODES: dict[str, str] = {
    "all": N_("every post waits for a moderator"),
    "first_post": N_("a customer's posts wait until one was approved"),
    "none": N_("posts appear at once (spam signals still hold a post back)"),
}

DEFAULT_SLA: dict[str, dict[str, int]] = {
    "urgent": {"first_response": 30, "resolution": 240},
    "high": {"first_response": 60, "resolution": 480},
    "normal": {"first_response": 120, "resolution": 1440},
    "low": {"first_response": 480, "resolution": 2880},
}
"""Minutes of business time per priority."""

DEFAULT_HOURS: dict[str, list[list[str]]] = {
    "0": [["09:00", "17:00"]], "1": [["09:00", "17:00"]], "2": [["09:00", "17:00"]], "3": [["09:00", "17:00"]],
    "4": [["09:00", "17:00"]], "5": [], "6": [],
}
"""Weekday (Monday = "0") → opening intervals in the tenant's time zone."""


class WebcareConfig(TenantScoped, Base):
    """The tenant's webcare settings: business hours, SLA targets, assignment, the webhook connector."""

    __tablename__ = "webcare_config"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_webcare_config_tenant"),)

    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    business_hours: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_HOURS))
    sla: Mapped[dict] = mapped_column(JSON, default=lambda: {k: dict(v) for k, v in DEFAULT_SLA.items()})
    warn_before_minutes: Mapped[int] = mapped_column(Integer, default=15)
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=True)
    join_window_hours: Mapped[int] = mapped_column(Integer, default=72)
    """A later message by the same author on the same topic joins an open case this recent."""
    webhook_url: Mapped[str] = mapped_column(String(2000), default="")
    webhook_secret: Mapped[str] = mapped_column(String(200), default="")
    """HMAC-SHA256 key for the `X-Regie-Signature` header of webhook deliveries."""
    next_case_number: Mapped[int] = mapped_column(Integer, default=1)
    """Case numbers are taken from here (`UPDATE ... RETURNING`), so concurrent intakes never collide."""
    inbox_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised in the same transaction as any change to a case, so an open inbox knows cheaply when to reload."""
    community_moderation: Mapped[str] = mapped_column(String(12), default="first_post", server_default="first_post")
    lead_user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                      nullable=True)
    """The webcare lead (a member of the owning department): switches crisis mode on and off, as the regie
    holder does."""
    """Which community posts wait for a moderator: every post, a customer's posts until one was approved, none."""


class Holiday(TenantScoped, Base):
    """A day the SLA clocks stand still (on top of the weekly business hours)."""

    __tablename__ = "webcare_holiday"
    __table_args__ = (UniqueConstraint("tenant_id", "day", name="uq_webcare_holiday_day"),)

    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")


class CaseQueue(TenantScoped, Base):
    """A queue of cases, owned by a department (escalations land in the receiving department's queue)."""

    __tablename__ = "webcare_queue"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_webcare_queue_name"),)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id", ondelete="CASCADE"))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class RoutingRule(TenantScoped, Base):
    """Turns a `mention.received` event into a case when all its conditions hold (first match by position).

    `conditions`: {"sentiments": ["negative"], "question": true, "keywords": ["storing"], "own_accounts": true,
    "profile_ids": ["<uuid>"], "source_types": ["review"]}; an absent key does not restrict.
    """

    __tablename__ = "webcare_rule"

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    queue_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_queue.id", ondelete="SET NULL"),
                                                  nullable=True)
    priority: Mapped[str | None] = mapped_column(String(10), nullable=True)
    """None: derived from reach, sentiment and keywords."""


class Case(TenantScoped, Base):
    __tablename__ = "webcare_case"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_webcare_case_number"),
        Index("uq_webcare_case_source", "tenant_id", "source_kind", "source_ref", unique=True),  # one case per item
        Index("ix_webcare_case_inbox", "tenant_id", "status", "last_message_at"),
        Index("ix_webcare_case_recent", "tenant_id", "last_message_at", "id"),
        Index("ix_webcare_case_author_lower", "tenant_id", text("lower(author_handle)")),
        # and on PostgreSQL trigram indexes on subject, author_handle, author_name for the search (0003_webcare)
        Index("ix_webcare_case_queue", "tenant_id", "queue_id", "status", "last_message_at"),
        Index("ix_webcare_case_assignee", "tenant_id", "assignee_id", "status"),
        Index("ix_webcare_case_author", "tenant_id", "author_handle", "status"),
        Index("ix_webcare_case_department", "tenant_id", "department_id", "status"),
        Index("ix_webcare_case_due", "tenant_id", "status", "first_response_due"),
        Index("ix_webcare_case_opened", "tenant_id", "opened_at"),  # the KPIs: cases opened in a period (0006)
    )

    number: Mapped[int] = mapped_column(Integer)
    """Shown as #1234; per tenant, in order of creation."""
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default="new")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    priority_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    """True: a person set the priority; new messages no longer re-derive it."""
    channel: Mapped[str] = mapped_column(String(12), default="mention")
    queue_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_queue.id", ondelete="SET NULL"),
                                                  nullable=True)
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                       nullable=True)
    """The department handling the case now (the receiving one while escalated)."""
    assignee_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                     nullable=True)
    rule_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_rule.id", ondelete="SET NULL"),
                                                 nullable=True)
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_reach: Mapped[int] = mapped_column(Integer, default=0)
    topic: Mapped[str] = mapped_column(String(200), default="")
    """What joins later messages: the matched profile ids (sorted, comma-separated) or the first keyword."""
    source_mention_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    source_uri: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """The network address (at://...) of the customer's latest post in the case that came from the network: a
    reply goes into its thread. "" when no message of the case came from a network."""
    source_account_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The organisation's registered account whose connection read that post (the account mentioned or
    answered): the reply is posted from it."""
    source_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    """The kind of another plugin's item the case was made from ("nps_answer"), None for the rest: with
    `source_ref` (the item's id) one case per item, however often it is asked for."""
    source_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sentiment_first: Mapped[str] = mapped_column(String(10), default="neutral")
    sentiment_last: Mapped[str] = mapped_column(String(10), default="neutral")
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    first_response_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolution_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    sla_warned: Mapped[list] = mapped_column(JSON, default=list)
    """Which warnings went out ("first_response", "resolution"): each once per deadline."""
    sla_breached: Mapped[list] = mapped_column(JSON, default=list)
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0)
    """Business minutes spent waiting for the customer (the resolution clock stands still then)."""
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    crisis_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_crisis.id", ondelete="SET NULL"),
                                                   nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    """Goes up on every change; a form that sends an older one gets a 409 (two agents at once)."""


class CaseMessage(TenantScoped, Base):
    """One line of a case's timeline: what the customer said, a reply, an internal note or an event."""

    __tablename__ = "webcare_message"
    __table_args__ = (Index("ix_webcare_message_case", "tenant_id", "case_id", "created_at"),
                      Index("ix_webcare_message_mention", "tenant_id", "mention_id"))

    case_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text, default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    mention_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    reply_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    url: Mapped[str] = mapped_column(String(2000), default="")
    sentiment: Mapped[str] = mapped_column(String(10), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    """For events: {"event": "assigned", "to": "<user id>", ...}."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When it happened (a mention's publication time, else when it was recorded)."""


class Reply(TenantScoped, Base):
    """An outward reply: checked against the policy's tone rules, approved where the org model or a crisis
    requires it, then sent through a connector (with a delivery log for the webhook)."""

    __tablename__ = "webcare_reply"
    __table_args__ = (Index("ix_webcare_reply_status", "tenant_id", "status", "created_at"),)

    case_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_case.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(40), default="")
    """The policy's channel name for the length rule (e.g. "twitter")."""
    connector: Mapped[str] = mapped_column(String(20), default="posted_elsewhere")
    status: Mapped[str] = mapped_column(String(20), default="approved")
    approval_reason: Mapped[str] = mapped_column(String(40), default="")
    """Why it needed approval: "org_model", "crisis" (empty: it did not)."""
    approver_department_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("department.id", ondelete="SET NULL"), nullable=True)
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    external_url: Mapped[str] = mapped_column(String(2000), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    canned_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    account_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """In the thread on the network: the registered social account it is posted from."""
    reply_to_uri: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """In the thread on the network: the post it answers."""
    remote_key: Mapped[str] = mapped_column(String(20), default="", server_default="")
    """In the thread on the network: the record key chosen and stored before the first attempt, so a retry
    finds the post instead of posting twice."""
    remote_uri: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """The reply's own network address once it is out."""


class Delivery(TenantScoped, Base):
    """One attempt to deliver a reply to the tenant's webhook."""

    __tablename__ = "webcare_delivery"
    __table_args__ = (Index("ix_webcare_delivery_reply", "tenant_id", "reply_id", "created_at"),)

    reply_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_reply.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(2000), default="")
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class CannedResponse(TenantScoped, Base):
    """A reply template with variables ({author}, {agent_initials}, {case_number}, {agent_name})."""

    __tablename__ = "webcare_canned"
    __table_args__ = (UniqueConstraint("tenant_id", "title", name="uq_webcare_canned_title"),)

    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_holding_statement: Mapped[bool] = mapped_column(Boolean, default=False)
    """A statement ready for a crisis (shown first while crisis mode is on)."""


class Escalation(TenantScoped, Base):
    """A case handed to another department with a reason, tracked until that department hands it back."""

    __tablename__ = "webcare_escalation"
    __table_args__ = (Index("ix_webcare_escalation_to", "tenant_id", "to_department_id", "status"),)

    case_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_case.id", ondelete="CASCADE"))
    from_department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                            nullable=True)
    to_department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    """open or returned."""
    return_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    returned_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                        nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SavedView(TenantScoped, Base):
    """A person's saved inbox filter."""

    __tablename__ = "webcare_view"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "name", name="uq_webcare_view_name"),)

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)


class AgentState(TenantScoped, Base):
    """Whether an agent takes new cases (round-robin assignment), and when they last got one."""

    __tablename__ = "webcare_agent"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_webcare_agent_user"),)

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    last_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CaseViewer(TenantScoped, Base):
    """Who has a case open right now (refreshed while the page polls): two agents see each other."""

    __tablename__ = "webcare_viewer"
    __table_args__ = (UniqueConstraint("tenant_id", "case_id", "user_id", name="uq_webcare_viewer"),)

    case_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_case.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Crisis(TenantScoped, Base):
    """A period of crisis mode: every outward reply needs approval, a banner shows for everyone."""

    __tablename__ = "webcare_crisis"
    __table_args__ = (Index("ix_webcare_crisis_open", "tenant_id", "ended_at"),)

    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                     nullable=True)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    """Frozen when crisis mode is switched off: cases, replies, timings, the timeline."""


class CrisisEntry(TenantScoped, Base):
    """A line of the crisis timeline (switched on, a statement used, a reply approved, a note)."""

    __tablename__ = "webcare_crisis_entry"
    __table_args__ = (Index("ix_webcare_crisis_entry", "tenant_id", "crisis_id", "at"),)

    crisis_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_crisis.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    case_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)


# -- customer-helps-customer community ------------------------------------------------------------------------

class CommunityProfile(TenantScoped, Base):
    """A customer's place in the community: the same id as the core's `Customer` (who signs in, by which
    address, blocked or not), made when the customer first posts or votes. Questions, answers and votes point
    here, so the community's own badge stays the community's."""

    __tablename__ = "webcare_customer"

    id: Mapped[UUID] = mapped_column(GUID, ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    is_ambassador: Mapped[bool] = mapped_column(Boolean, default=False)
    customer: Mapped[Customer] = relationship(Customer, lazy="joined", innerjoin=True)

    @property
    def display_name(self) -> str:
        return self.customer.display_name

    @property
    def email(self) -> str:
        return self.customer.email

    @property
    def is_blocked(self) -> bool:
        return self.customer.is_blocked


class Question(TenantScoped, Base):
    __tablename__ = "webcare_question"
    __table_args__ = (Index("ix_webcare_question_list", "tenant_id", "status", "created_at"),)

    customer_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_customer.id", ondelete="SET NULL"),
                                                     nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    """pending (moderation), published, rejected."""
    score: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_answer_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    case_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_case.id", ondelete="SET NULL"),
                                                 nullable=True)
    moderation_note: Mapped[str] = mapped_column(Text, default="")
    spam_reasons: Mapped[list] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Answer(TenantScoped, Base):
    __tablename__ = "webcare_answer"
    __table_args__ = (Index("ix_webcare_answer_question", "tenant_id", "question_id", "created_at"),)

    question_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_question.id", ondelete="CASCADE"))
    customer_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("webcare_customer.id", ondelete="SET NULL"),
                                                     nullable=True)
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    """Set when staff answered (shown with a staff badge)."""
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    score: Mapped[int] = mapped_column(Integer, default=0)
    is_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    spam_reasons: Mapped[list] = mapped_column(JSON, default=list)


class Vote(TenantScoped, Base):
    """One customer's vote (+1 or -1) on a question or an answer."""

    __tablename__ = "webcare_vote"
    __table_args__ = (UniqueConstraint("tenant_id", "customer_id", "target_kind", "target_id",
                                       name="uq_webcare_vote"),)

    customer_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("webcare_customer.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[UUID] = mapped_column(GUID)
    value: Mapped[int] = mapped_column(Integer)


class WidgetFigure(TenantScoped, Base):
    """What the overview widget shows, one row per tenant: the open cases, the KPIs and cases per day of the
    window `first`..`last` (the seven whole days before the day of `computed_at`) and that day's cases so far.
    The job `webcare.widget_figures` computes it every minute (`measure.widget_figure.refresh`); the widget shows
    this row and when it was computed, so no page view aggregates the cases."""

    __tablename__ = "webcare_widget_figure"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_webcare_widget_figure_tenant"),)

    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    now: Mapped[dict] = mapped_column(JSON, default=dict)
    """`measure.service.Now` as a dict: by_status, by_priority, breached, at_risk."""
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    """`measure.service.Figures` of `first`..`last` as a dict (its fields)."""
    per_day: Mapped[dict] = mapped_column(JSON, default=dict)
    """ISO day → {"opened": n, "negative": n} for `first`..`last` and the day after (today, so far)."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DayFigure(TenantScoped, Base):
    """One UTC day of the KPI page's figures: what adds up over days (counts of the cases opened that day and of
    the answers created that day) and the day's own first-response median and p90 (its chart point; percentiles
    do not add up). Only days with a case or an answer have a row. The job `webcare.kpi_figures` keeps the rows
    current (`measure.kpi_figure`); `PeriodFigure.days_through` says up to which moment."""

    __tablename__ = "webcare_day_figure"
    __table_args__ = (UniqueConstraint("tenant_id", "day", name="uq_webcare_day_figure_day"),)

    day: Mapped[date] = mapped_column(Date)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    """Opened negative (the first sentiment)."""
    ended: Mapped[int] = mapped_column(Integer, default=0)
    """Resolved or closed by now."""
    within_sla: Mapped[int] = mapped_column(Integer, default=0)
    """Ended with both deadlines met."""
    negative_ended: Mapped[int] = mapped_column(Integer, default=0)
    turned: Mapped[int] = mapped_column(Integer, default=0)
    """Ended negative cases whose last sentiment is positive."""
    answers: Mapped[int] = mapped_column(Integer, default=0)
    """Published community answers by a customer or staff."""
    customer_answers: Mapped[int] = mapped_column(Integer, default=0)
    first_response_median: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_response_p90: Mapped[float | None] = mapped_column(Float, nullable=True)


class PeriodFigure(TenantScoped, Base):
    """The KPI page's stored figures, one row per tenant: the whole `Figures` of each preset period (last 7, 30
    and 90 days; their percentiles need every duration of the period, so days cannot give them) and how far the
    `DayFigure` rows are current. Written by the job `webcare.kpi_figures` (`measure.kpi_figure.refresh`)."""

    __tablename__ = "webcare_period_figure"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_webcare_period_figure_tenant"),)

    presets: Mapped[dict] = mapped_column(JSON, default=dict)
    """Preset ("7d", ...) → {"first", "last" (ISO days), "figures" (`measure.service.Figures` as a dict),
    "computed_at" (ISO)}."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """The moment of the run that stored the row: the day rows are current as of then."""
    days_through: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """Every case and answer changed before this moment is counted in the day rows (the next run recomputes
    the days of what changed since)."""
    full_on: Mapped[date] = mapped_column(Date)
    """The day of the last run that recomputed every day (the first run of each UTC day does)."""
    erased: Mapped[int] = mapped_column(Integer, default=0)
    """Raised when retention deletes cases: a deletion leaves no changed row to find, so the next run
    recomputes every day."""
    erased_seen: Mapped[int] = mapped_column(Integer, default=0)
    """`erased` as the last full recompute read it."""
