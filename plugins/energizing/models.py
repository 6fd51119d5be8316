"""The energizing plugin's shared table: the ambassador, the person every slice leads to.

A survey's promoter, a candidate found by listening and a person added by hand all become an `Ambassador`
once invited; leads name the ambassador whose referral code brought them. Each slice keeps its own tables in
its own `models.py` (surveys, the programme's missions and rewards, listening candidates, leads); this module
holds only what more than one slice points at. All tables are tenant-owned (`TenantScoped`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import N_, Base, TenantScoped

KINDS: dict[str, str] = {"customer": N_("customer"), "employee": N_("employee")}
"""Customers who consented; employees as the organisation's trained voices (the holistic model)."""
STATES: dict[str, str] = {
    "invited": N_("invited"), "active": N_("active"), "declined": N_("declined"), "opted_out": N_("opted out"),
    "erased": N_("erased"),
}
"""invited → active (consent given by mail link) or declined; active → opted_out (the opt-out link). Nobody is
active without a recorded consent (date and the text version they agreed to). `erased`: pseudonymised on an
erasure request; the row stays so the programme's counts (missions completed, points) stay honest."""
SOURCES: dict[str, str] = {
    "manual": N_("added by hand"), "nps": N_("NPS promoter"), "listening": N_("found by listening"),
    "employee": N_("employee"),
}
"""How the person came to the programme; `source_ref` names the answer or candidate (its id), never a foreign
key into another slice's table, so either can be erased on its own."""


class Ambassador(TenantScoped, Base):
    """A customer or employee in the ambassador programme (or invited to it)."""

    __tablename__ = "energizing_ambassador"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_energizing_ambassador_email"),
        UniqueConstraint("tenant_id", "referral_code", name="uq_energizing_ambassador_referral"),
        Index("ix_energizing_ambassador_state", "tenant_id", "state", "points"),  # roster, leaderboard
    )

    kind: Mapped[str] = mapped_column(String(12), default="customer")
    state: Mapped[str] = mapped_column(String(12), default="invited")
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    """Lower-case; the address the consent link and the portal's sign-in links go to."""
    user_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                 nullable=True)
    """An employee's account in Regie, when they have one."""
    handle: Mapped[str] = mapped_column(String(120), default="")
    """Their handle on social media (optional), as the listening candidate was known."""
    source: Mapped[str] = mapped_column(String(12), default="manual")
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    invited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    invited_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    consent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The number of the consent text they agreed to."""
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    tier: Mapped[str] = mapped_column(String(40), default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    """Kept current by every completed mission and redemption (the leaderboard reads it, never sums)."""
    points_earned: Mapped[int] = mapped_column(Integer, default=0)
    """Points earned by missions, never lowered by a redemption: the tier follows it, so spending does not demote."""
    on_leaderboard: Mapped[bool] = mapped_column(Boolean, default=False)
    """Opt-in to appear by name; otherwise the leaderboard shows them without a name."""
    referral_code: Mapped[str] = mapped_column(String(16))
    """Their personal code: carried by their share links and named by a lead (form or CRM webhook)."""
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
