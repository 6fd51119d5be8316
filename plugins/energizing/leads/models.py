"""Leads and where they came from: an ambassador's referral code, a campaign's link, or neither (direct).

A campaign link has a code of its own (unique per tenant) and a short link through the core (origin
"energizing"), so its clicks are counted. A lead names the ambassador or campaign whose code brought it; an unknown
code is stored as direct, never refused. Sales qualifies leads: new → qualified → won or lost (lost with a reason).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

SOURCES: dict[str, str] = {"ambassador": N_("ambassador"), "campaign": N_("campaign"), "direct": N_("direct")}
CHANNELS: dict[str, str] = {"form": N_("lead form"), "crm": N_("CRM")}
STATES: dict[str, str] = {"new": N_("new"), "qualified": N_("qualified"), "won": N_("won"), "lost": N_("lost")}
TRANSITIONS: dict[str, tuple[str, ...]] = {"new": ("qualified", "lost"), "qualified": ("won", "lost"),
                                            "won": (), "lost": ()}
"""The moves sales may make in Regie. The CRM (the webhook's `status`) may set any state, a won or lost lead back
to new or qualified included: sales works the deal in the CRM, and a deal reopened there must be reopened here too,
or the two disagree for good. Such a move is audited like any other (`by: crm`) and never counts a lead as
qualified twice (`qualified_at` stays). A captured call cannot be used to undo a decision: the webhook refuses a
signature it has already seen (`CrmReceipt`) and any older than five minutes."""
ERASED = "erased"


class LeadsSettings(TenantScoped, Base):
    """The tenant's CRM webhook secret, sealed (one row; created on first view of the settings)."""

    __tablename__ = "energizing_leads_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_energizing_leads_settings_tenant"),)

    webhook_secret_sealed: Mapped[str] = mapped_column(Text, default="")
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CampaignLink(TenantScoped, Base):
    """A campaign's referral link: its code rides on the target address (`ref=`) and its short link."""

    __tablename__ = "energizing_campaign_link"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_energizing_campaign_link_code"),)

    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(16))
    target_url: Mapped[str] = mapped_column(String(2000))
    """Where the link leads, `ref=<code>` added (the tenant's lead form when none was given)."""
    short_url: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class Lead(TenantScoped, Base):
    """A prospective customer who asked to be contacted (the form) or whom the CRM reported (the webhook)."""

    __tablename__ = "energizing_lead"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id", name="uq_energizing_lead_external"),
        Index("ix_energizing_lead_created", "tenant_id", "created_at"),
        Index("ix_energizing_lead_qualified", "tenant_id", "qualified_at"),
        Index("ix_energizing_lead_state", "tenant_id", "state", "created_at"),
        Index("ix_energizing_lead_client", "tenant_id", "client_ip", "created_at"),
        Index("ix_energizing_lead_ambassador", "tenant_id", "ambassador_id", "created_at"),
        Index("ix_energizing_lead_campaign", "tenant_id", "campaign_id", "created_at"),
    )

    source: Mapped[str] = mapped_column(String(12), default="direct")
    channel: Mapped[str] = mapped_column(String(8), default="form")
    ref_code: Mapped[str] = mapped_column(String(16), default="")
    """The code as it came (kept for a direct lead too: an unknown code tells sales something)."""
    ambassador_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("energizing_ambassador.id", ondelete="SET NULL"), nullable=True)
    campaign_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("energizing_campaign_link.id", ondelete="SET NULL"), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The CRM's id: a second call with it updates this lead."""
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When they agreed to be contacted (the form's required box)."""
    client_ip: Mapped[str] = mapped_column(String(45), default="")
    """The form's client address, for the rate limit; blanked by retention."""
    state: Mapped[str] = mapped_column(String(12), default="new")
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When it was first qualified (stays when won or lost later): the qualified-leads KPI counts by it."""
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lost_reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class LeadWeek(TenantScoped, Base):
    """Leads per ISO week (Monday) and source: new leads by the week they arrived, qualified by the week they were
    first qualified. Raised by every write that adds a lead or qualifies one, so the leads page's chart reads a few
    rows instead of counting leads."""

    __tablename__ = "energizing_lead_week"
    __table_args__ = (UniqueConstraint("tenant_id", "week_start", "source", name="uq_energizing_lead_week"),)

    week_start: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    leads: Mapped[int] = mapped_column(Integer, default=0)
    qualified: Mapped[int] = mapped_column(Integer, default=0)


class CrmReceipt(TenantScoped, Base):
    """A CRM call's signature, kept for a while after the call: the same signed request a second time is a replay
    and is refused. Only signatures younger than twice the allowed clock skew matter; older ones are removed on the
    next call (a request that old is refused by its timestamp anyway)."""

    __tablename__ = "energizing_crm_receipt"
    __table_args__ = (
        UniqueConstraint("tenant_id", "signature", name="uq_energizing_crm_receipt_signature"),
        Index("ix_energizing_crm_receipt_received", "tenant_id", "received_at"),
    )

    signature: Mapped[str] = mapped_column(String(64))
    """The HMAC's hex digest."""
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
