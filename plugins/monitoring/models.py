"""The monitoring plugin's tables. Every one is tenant-owned (`TenantScoped`): the core filters and stamps them.

Mentions keep title, lead and body apart because they read differently (a neutral headline over an
angry body). Dashboards read the pre-aggregated `HourStat` / `DayStat` rows, not a million mentions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

ALL_PROFILES = UUID(int=0)
"""`profile_key` of aggregate rows that count every mention once, whatever profiles it matched."""


SOURCE_TYPES: dict[str, str] = {
    "news": N_("news"), "blog": N_("blog"), "forum": N_("forum"), "microblog": N_("microblog"),
    "social": N_("social network"), "review": N_("review site"), "video": N_("video"), "other": N_("other"),
}
"""Stored value → msgid to show."""

SOURCE_KINDS: dict[str, str] = {"feed": N_("RSS/Atom feed"), "import": N_("platform export"), "api": N_("API")}
"""The kinds a person can make."""
NETWORK_KIND = "network"
"""The kind of the source the network job makes itself: posts read through the tenant's connected accounts."""
KIND_LABELS: dict[str, str] = {**SOURCE_KINDS, NETWORK_KIND: N_("connected accounts (AT Protocol)")}

SENTIMENTS: dict[str, str] = {"negative": N_("negative"), "neutral": N_("neutral"), "positive": N_("positive")}


class SearchProfile(TenantScoped, Base):
    __tablename__ = "monitoring_profile"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_monitoring_profile_name"),)

    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(Text)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    """Empty: every language."""
    source_types: Mapped[list] = mapped_column(JSON, default=list)
    """Empty: every source type."""
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Goes up when the query or filters change (a re-tag job brings past mentions in line)."""
    # spike and issue alerts, against the profile's own recent baseline
    alert_window_minutes: Mapped[int] = mapped_column(Integer, default=60)
    volume_factor: Mapped[float] = mapped_column(Float, default=3.0)
    """Alert when a window holds this many times the baseline's mean volume per window..."""
    volume_min_mentions: Mapped[int] = mapped_column(Integer, default=10)
    """...and at least this many mentions (no alert for 3 mentions instead of 1)."""
    negative_rise: Mapped[float] = mapped_column(Float, default=0.20)
    """Alert when the window's negative share exceeds the baseline's by this much (0.20 = 20 points)."""
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Source(TenantScoped, Base):
    __tablename__ = "monitoring_source"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", name="uq_monitoring_source_name"),
        Index("ix_monitoring_source_due", "kind", "is_active", "next_poll_at"),
    )

    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    """feed, import or api (see `SOURCE_KINDS`)."""
    source_type: Mapped[str] = mapped_column(String(20), default="other")
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    poll_minutes: Mapped[int] = mapped_column(Integer, default=15)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    """Consecutive failures; the next poll backs off exponentially with it."""
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Mention(TenantScoped, Base):
    __tablename__ = "monitoring_mention"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source_id", "external_id", name="uq_monitoring_mention_external"),
        Index("ix_monitoring_mention_published", "tenant_id", "published_at"),
        Index("ix_monitoring_mention_hash", "tenant_id", "content_hash"),
        Index("ix_monitoring_mention_author", "tenant_id", "author_handle"),
        UniqueConstraint("tenant_id", "uri", name="uq_monitoring_mention_uri"),
    )

    source_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_source.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(2000), default="")
    place: Mapped[str] = mapped_column(String(255), default="")
    """Where it was said (site, forum, channel): the 'number of places' counts distinct values."""
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_reach: Mapped[int] = mapped_column(BigInteger, default=0)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="und")
    sentiment: Mapped[str] = mapped_column(String(10), default="neutral")
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_by: Mapped[str] = mapped_column(String(10), default="model")
    """'model' or 'person' (a correction); a person's label is never overwritten by the model."""
    sentiment_parts: Mapped[dict] = mapped_column(JSON, default=dict)
    """{"title": {"label", "score", "by"}, "lead": ..., "body": ...} for the parts that have text."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """Hash of the normalised text: equal hashes are exact duplicates or re-posts."""
    duplicate_of_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("monitoring_mention.id", ondelete="SET NULL"), nullable=True, index=True)
    """Set on a duplicate or re-post: it is folded into the original and not counted again."""
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    """On an original: how many duplicates / re-posts were folded into it."""
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # a post read from a network through a connected account (the network source, `sources/network.py`)
    uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    """The network's address of the post (AT Protocol: at://did/app.bsky.feed.post/rkey); one mention per
    address in a tenant. None for mentions from feeds, imports and the API."""
    parent_uri: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """The post this one answers (its thread parent); "" when it starts a thread."""
    root_uri: Mapped[str] = mapped_column(String(500), default="", server_default="")
    """The first post of its thread; "" when it starts one."""
    social_account_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("social_account.id", ondelete="SET NULL"), nullable=True)
    """The organisation's registered account whose connection read it (the account that was mentioned or
    answered, or whose connection ran the search): webcare answers from this account."""


class MentionProfile(TenantScoped, Base):
    """A mention matched by a search profile (many to many), with the mention's time for per-profile queries."""

    __tablename__ = "monitoring_mention_profile"
    __table_args__ = (
        UniqueConstraint("mention_id", "profile_id", name="uq_monitoring_mention_profile"),
        Index("ix_monitoring_mention_profile_time", "tenant_id", "profile_id", "published_at"),
    )

    mention_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_mention.id", ondelete="CASCADE"))
    profile_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_profile.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SentimentCorrection(TenantScoped, Base):
    """A person's sentiment label for a mention (or one part): the tenant's classifier learns from it."""

    __tablename__ = "monitoring_correction"

    mention_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_mention.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    part: Mapped[str] = mapped_column(String(10), default="overall")
    """overall, title, lead or body."""
    old_label: Mapped[str] = mapped_column(String(10))
    new_label: Mapped[str] = mapped_column(String(10))
    predicted_label: Mapped[str] = mapped_column(String(10))
    """What the tenant's classifier predicted just before learning this (test-then-train accuracy)."""
    language: Mapped[str] = mapped_column(String(5), default="und")
    text: Mapped[str] = mapped_column(Text, default="")
    """The text learned from, so the classifier can be rebuilt from the corrections alone."""


class ClassifierState(TenantScoped, Base):
    """The tenant's learned sentiment classifier (one row per tenant)."""

    __tablename__ = "monitoring_classifier"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_monitoring_classifier_tenant"),)

    state: Mapped[bytes] = mapped_column(LargeBinary)
    learned: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """Goes up with every learning step; processes cache the classifier per (tenant, revision)."""


class NetworkCursor(TenantScoped, Base):
    """Where reading one stream of a connected account stopped: its mentions and replies ("inbound", query "")
    or one search term ("search"). Moved in the same transaction as the mentions it read were stored."""

    __tablename__ = "monitoring_network_cursor"
    __table_args__ = (UniqueConstraint("tenant_id", "social_account_id", "stream", "query",
                                       name="uq_monitoring_network_cursor"),)

    social_account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(10))
    """inbound or search."""
    query: Mapped[str] = mapped_column(String(300), default="")
    cursor: Mapped[str] = mapped_column(Text, default="")
    last_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    """Why the last read failed, as the network said it ("" after a success)."""


class Alert(TenantScoped, Base):
    """One spike/issue episode for a profile: opened once, updated while it lasts, closed when it subsides."""

    __tablename__ = "monitoring_alert"
    __table_args__ = (Index("ix_monitoring_alert_open", "tenant_id", "profile_id", "kind", "status"),)

    profile_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_profile.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    """volume or negative."""
    status: Mapped[str] = mapped_column(String(20), default="open")
    """open, acknowledged or closed."""
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    observed: Mapped[float] = mapped_column(Float, default=0.0)
    baseline: Mapped[float] = mapped_column(Float, default=0.0)
    peak: Mapped[float] = mapped_column(Float, default=0.0)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    acknowledged_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                            nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HourStat(TenantScoped, Base):
    """Mentions and reach per hour and dimension; kept up to date by ingestion and corrections."""

    __tablename__ = "monitoring_hour_stat"
    __table_args__ = (
        UniqueConstraint("tenant_id", "hour", "profile_key", "source_type", "language", "sentiment",
                         name="uq_monitoring_hour_stat"),
        Index("ix_monitoring_hour_stat_q", "tenant_id", "profile_key", "hour"),
    )

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    profile_key: Mapped[UUID] = mapped_column(GUID)
    """A profile's id, or `ALL_PROFILES`."""
    source_type: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    sentiment: Mapped[str] = mapped_column(String(10))
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)


class DayStat(TenantScoped, Base):
    """Per day and dimension, the leading keys of one kind (term, hashtag, author, place) with counts."""

    __tablename__ = "monitoring_day_stat"
    __table_args__ = (Index("ix_monitoring_day_stat_q", "tenant_id", "kind", "profile_key", "day"),)

    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    profile_key: Mapped[UUID] = mapped_column(GUID)
    source_type: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    sentiment: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(300), default="")
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0)


class DirtyDay(TenantScoped, Base):
    """A day whose `DayStat` rows must be recomputed (new mentions, corrections, a re-tag)."""

    __tablename__ = "monitoring_dirty_day"
    __table_args__ = (UniqueConstraint("tenant_id", "day", name="uq_monitoring_dirty_day"),)

    day: Mapped[date] = mapped_column(Date)


class IndexFigure(TenantScoped, Base):
    """The Conversation Index of the overview widget's window (the 30 whole days before today), one row per
    tenant. The rollup job computes it when the window moves on or a day it reads changed; the widget shows
    this row and when it was computed, so no page view reads a month of mentions."""

    __tablename__ = "monitoring_index_figure"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_monitoring_index_figure_tenant"),)

    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    components: Mapped[dict[str, float | None]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IndexBoard(TenantScoped, Base):
    """The Conversation Index page of one period preset (30d, 13w, 26w, 52w): the trend and the breakdown per
    search profile and the tenant's score, as the board job computed them. A page view reads one row; a year
    of mentions is read by the job, once for the four presets."""

    __tablename__ = "monitoring_index_board"
    __table_args__ = (UniqueConstraint("tenant_id", "period", name="uq_monitoring_index_board_period"),)

    period: Mapped[str] = mapped_column(String(4))
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    board: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{"tenant": score, "profiles": {profile id: {"period": score, "trend": [score per bucket]}}}, a score
    being {"mentions", "components", "value"}."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the job started reading: a change after it makes the board due again."""
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the rollup last recomputed a day this board reads."""


class ImportRun(TenantScoped, Base):
    """An uploaded platform export: validated and ingested by a job with progress and a rejected-rows report."""

    __tablename__ = "monitoring_import"

    source_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("monitoring_source.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))
    """csv or json."""
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    """Our field → the file's column name."""
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    """The upload, until the job has processed it (then cleared)."""
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    resume_after: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The file's row number up to which rows were ingested (committed with `imported` and `duplicates`): a job
    delivered again after a crash continues after it instead of meeting its own rows as duplicates."""
    rejected: Mapped[list] = mapped_column(JSON, default=list)
    """[{"row": n, "field": ..., "reason": ...}] — the report of rows left out and why."""
    error: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class BaselineReport(TenantScoped, Base):
    """A frozen nulmeting: the report for a period, never recomputed; it satisfies the baseline gate item."""

    __tablename__ = "monitoring_baseline"

    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    profile_ids: Mapped[list] = mapped_column(JSON, default=list)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    study_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """The core's BaselineStudy this report created (the gate's evidence)."""
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class SeenAccount(TenantScoped, Base):
    """An author of mentions whose handle or name uses the organisation's names, and who is not in its account
    registry: what the sprawl report lists (`regie_account_candidates`). The daily job `monitoring.seen_accounts`
    writes them all again from the mentions of its window, so the report never reads mentions."""

    __tablename__ = "monitoring_seen_account"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "handle_key", name="uq_monitoring_seen_account"),)

    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(200))
    handle_key: Mapped[str] = mapped_column(String(200))
    """The handle as handles are compared (`normal_handle`)."""
    name: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    """The author's latest mention in the window."""
    seen_count: Mapped[int] = mapped_column(Integer, default=0)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
