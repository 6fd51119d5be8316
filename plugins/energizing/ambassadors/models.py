"""The ambassador programme's tables: consent texts, mail links, tiers, missions, completions, the points ledger,
rewards and redemptions. The person is the shared `Ambassador` (plugins/energizing/models.py)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

TOKEN_PURPOSES: dict[str, str] = {"consent": N_("consent"), "optout": N_("opt-out"), "signin": N_("sign-in")}
MISSION_KINDS: dict[str, str] = {
    "share": N_("share a piece of content"), "feedback": N_("give feedback"), "review": N_("write a review"),
    "community": N_("answer in the community"),
}
MISSION_STATES: dict[str, str] = {"open": N_("open"), "closed": N_("closed")}
COMPLETION_STATES: dict[str, str] = {
    "verified": N_("verified"), "self_reported": N_("self-reported"), "rejected": N_("rejected"),
}
POINT_REASONS: dict[str, str] = {"mission": N_("mission done"), "withdrawn": N_("completion rejected"),
                                 "redeemed": N_("reward redeemed"), "refunded": N_("redemption rejected")}
REDEMPTION_STATES: dict[str, str] = {"requested": N_("requested"), "approved": N_("approved"),
                                     "rejected": N_("rejected")}


class ConsentText(TenantScoped, Base):
    """One version of the text people agree to; editing adds a version, so what each person agreed to stays."""

    __tablename__ = "energizing_consent_text"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_energizing_consent_text_version"),)

    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class AmbassadorToken(TenantScoped, Base):
    """A mailed link (consent, opt-out or portal sign-in); only the digest of its token is stored.

    Sign-in requests are counted here per address and per client address, so the limits hold across processes."""

    __tablename__ = "energizing_ambassador_token"
    __table_args__ = (
        UniqueConstraint("tenant_id", "token_digest", name="uq_energizing_ambassador_token_digest"),
        Index("ix_energizing_ambassador_token_person", "tenant_id", "ambassador_id", "purpose", "created_at"),
        Index("ix_energizing_ambassador_token_ip", "tenant_id", "client_ip", "created_at"),
    )

    ambassador_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_ambassador.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(12))
    token_digest: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Tier(TenantScoped, Base):
    """A level of the programme, reached at `threshold` points earned (Brons 0, Zilver 100, Goud 300)."""

    __tablename__ = "energizing_tier"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_energizing_tier_name"),)

    name: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[int] = mapped_column(Integer, default=0)


class Mission(TenantScoped, Base):
    """Something ambassadors are asked to do for points, within a period."""

    __tablename__ = "energizing_mission"
    __table_args__ = (Index("ix_energizing_mission_state", "tenant_id", "state", "ends_on"),)

    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(12))
    instructions: Mapped[str] = mapped_column(Text, default="")
    suggested_text: Mapped[str] = mapped_column(Text, default="")
    """What ambassadors are asked to share; checked against the published way of work when saved."""
    policy_notes: Mapped[str] = mapped_column(Text, default="")
    """What the policy check said about `suggested_text` (empty when it passed)."""
    target_url: Mapped[str] = mapped_column(String(2000), default="")
    """The address shared (share missions), the review site or the community question."""
    points: Mapped[int] = mapped_column(Integer, default=10)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    repeatable: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), default="open")
    completions: Mapped[int] = mapped_column(Integer, default=0)
    """Completions not rejected, kept by every write (lists read it, never count)."""
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class ShareLink(TenantScoped, Base):
    """An ambassador's personal short link for a share mission; its id is the short link's `ref_id`."""

    __tablename__ = "energizing_share_link"
    __table_args__ = (UniqueConstraint("tenant_id", "mission_id", "ambassador_id", name="uq_energizing_share_link"),)

    mission_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_mission.id", ondelete="CASCADE"))
    ambassador_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_ambassador.id", ondelete="CASCADE"))
    short_url: Mapped[str] = mapped_column(String(200))


class Completion(TenantScoped, Base):
    """A mission done by an ambassador; `round` is 1 unless the mission allows repeats, so a double submit of a
    one-off mission hits the unique constraint instead of paying twice."""

    __tablename__ = "energizing_completion"
    __table_args__ = (
        UniqueConstraint("tenant_id", "mission_id", "ambassador_id", "round", name="uq_energizing_completion"),
        Index("ix_energizing_completion_when", "tenant_id", "completed_at"),
        Index("ix_energizing_completion_person", "tenant_id", "ambassador_id", "completed_at"),
    )

    mission_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_mission.id", ondelete="CASCADE"))
    ambassador_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_ambassador.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(16))
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    feedback: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class PointsEntry(TenantScoped, Base):
    """The points ledger: every change of `Ambassador.points`, for the history shown in the portal."""

    __tablename__ = "energizing_points_entry"
    __table_args__ = (Index("ix_energizing_points_entry_person", "tenant_id", "ambassador_id", "created_at"),)

    ambassador_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_ambassador.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    """mission, withdrawn (a rejected completion), redeemed, refunded (a rejected redemption)."""
    ref_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    label: Mapped[str] = mapped_column(String(200), default="")


class Reward(TenantScoped, Base):
    __tablename__ = "energizing_reward"

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    """On hand; lowered when a redemption is approved."""
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    """Held for redemptions awaiting a decision: a redemption needs `stock - reserved >= 1` (one conditional
    update), so two at once never promise the last one twice."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Redemption(TenantScoped, Base):
    __tablename__ = "energizing_redemption"
    __table_args__ = (Index("ix_energizing_redemption_state", "tenant_id", "state", "created_at"),)

    reward_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_reward.id", ondelete="CASCADE"))
    ambassador_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("energizing_ambassador.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="requested")
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class SigninAttempt(TenantScoped, Base):
    """One request for a portal sign-in link, whoever's address it named: the limits per address and per client
    address count these, so an unknown address counts as much as a known one and the answer never differs.
    Only the digest of the address is kept; retention removes rows older than a day."""

    __tablename__ = "energizing_signin_attempt"
    __table_args__ = (
        Index("ix_energizing_signin_attempt_email", "tenant_id", "email_digest", "created_at"),
        Index("ix_energizing_signin_attempt_ip", "tenant_id", "client_ip", "created_at"),
    )

    email_digest: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(45), default="")


class ProgrammeFigures(TenantScoped, Base):
    """The overview widget's figures, one row per tenant, stored by the job `energizing.ambassador_figures`:
    the widget reads them and never counts rows per view."""

    __tablename__ = "energizing_programme_figures"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_energizing_programme_figures_tenant"),)

    active: Mapped[int] = mapped_column(Integer, default=0)
    """Ambassadors taking part (state active) when the job ran."""
    month: Mapped[date] = mapped_column(Date)
    """The first day of the month `completed_month` counts."""
    completed_month: Mapped[int] = mapped_column(Integer, default=0)
    """Completions of that month, rejected ones left out."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
