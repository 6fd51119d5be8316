"""Promoter candidates found by listening: authors who speak well of the organisation, often and to many.

Only what the review queue needs is kept, and only from positive mentions: the author (handle, name, reach), their
positive mentions as evidence (the mention's id and address, when it was published) and the counts. Nothing is
stored of an author's neutral or negative mentions, and nobody is contacted before a person decides.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

STATES: dict[str, str] = {
    "watching": N_("below the thresholds"), "open": N_("to review"), "taken_up": N_("taken up"),
    "dismissed": N_("dismissed"),
}
"""watching → open once over the thresholds; open → taken_up or dismissed by a person. A candidate once open stays
in the queue until decided, even when their evidence ages."""
BASES: dict[str, str] = {"consent": N_("consent"), "legitimate_interest": N_("legitimate interest")}
"""The lawful basis for contacting the person (AVG article 6)."""
CONTACTS: dict[str, str] = {
    "public_reply": N_("a public reply"), "direct_message": N_("a direct message by hand"),
    "email": N_("an e-mail invitation"),
}
"""How the person will be, or was, contacted; only an e-mail invitation sends anything from Regie."""
PSEUDONYM = "pseudonym:"


class ListeningSettings(TenantScoped, Base):
    """The tenant's thresholds (one row; absent means the defaults)."""

    __tablename__ = "energizing_listening_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_energizing_listening_settings_tenant"),)

    min_positive: Mapped[int] = mapped_column(Integer, default=3)
    window_days: Mapped[int] = mapped_column(Integer, default=90)
    min_reach: Mapped[int] = mapped_column(Integer, default=500)


class Candidate(TenantScoped, Base):
    """An author with positive mentions; in the review queue once over the thresholds."""

    __tablename__ = "energizing_candidate"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "handle_key", name="uq_energizing_candidate_handle"),
        Index("ix_energizing_candidate_state", "tenant_id", "state", "last_seen_at"),
    )

    source: Mapped[str] = mapped_column(String(40), default="")
    """Where the author writes: the mention's `source_type` (microblog, social, forum, ...), casefolded; "" when
    the mention did not say. With the handle it is the key per author, so the same handle in two kinds of source
    (two different people, as often as not) makes two candidates. The event names no platform, so two platforms of
    the same kind (two microblogs) still share a key."""
    handle_key: Mapped[str] = mapped_column(String(120))
    """The handle as handles are compared (`normal_handle`)."""
    handle: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")
    reach: Mapped[int] = mapped_column(Integer, default=0)
    """The largest reach the latest batch reported for them."""
    positive_count: Mapped[int] = mapped_column(Integer, default=0)
    """Positive mentions within the window, recounted from the evidence after every batch."""
    state: Mapped[str] = mapped_column(String(12), default="watching")
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When they first crossed the thresholds (the digest counts new candidates by it)."""


class Evidence(TenantScoped, Base):
    """One positive mention of a candidate: where to read it."""

    __tablename__ = "energizing_candidate_evidence"
    __table_args__ = (
        UniqueConstraint("tenant_id", "mention_id", name="uq_energizing_candidate_evidence_mention"),
        Index("ix_energizing_candidate_evidence_candidate", "tenant_id", "candidate_id", "published_at"),
    )

    candidate_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_candidate.id", ondelete="CASCADE"))
    mention_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """Monitoring's mention (its page: /t/<slug>/p/monitoring/mentions/<id>); None for evidence without one."""
    url: Mapped[str] = mapped_column(String(2000), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Decision(TenantScoped, Base):
    """A person's decision on a candidate. Outlives the candidate: once the candidate is forgotten, it keeps only
    what the AVG needs (the decision, the basis, when and by whom) and a pseudonym for the handle."""

    __tablename__ = "energizing_candidate_decision"
    __table_args__ = (Index("ix_energizing_candidate_decision_candidate", "tenant_id", "candidate_id"),)

    candidate_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("energizing_candidate.id", ondelete="SET NULL"), nullable=True)
    handle: Mapped[str] = mapped_column(String(120))
    decision: Mapped[str] = mapped_column(String(12))
    """taken_up or dismissed."""
    basis: Mapped[str] = mapped_column(String(24), default="")
    contact: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ambassador_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("energizing_ambassador.id", ondelete="SET NULL"), nullable=True)
    """The ambassador invited by e-mail, when one was."""
