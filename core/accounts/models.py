"""The registry of the organisation's social accounts (against a sprawl of accounts).

One lifecycle for every account, new or found (docs/accounts.md):

    requested ─ approve ─▶ active ◀─ activate ─ claimed ◀─ claim ─ to claim (found, not yet owned)
        │ reject              │ ▲ posts again                          │
        ▼                     ▼ │                                      │
    rejected               dormant (silent longer than the policy allows)
                              │
    to claim, claimed, active, dormant ─ mark to close ─▶ to close ─ close ─▶ closed
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db.base import Base, TenantScoped, utcnow
from core.workgroup.models import Department

PLATFORMS = ("x", "linkedin", "facebook", "instagram", "youtube", "tiktok", "mastodon", "bluesky", "other")


class AccountStatus(enum.StrEnum):
    """Where an account is in its lifecycle (the column is `status`)."""

    pending = "pending"
    """A new account was requested and waits for the approval the org model asks for."""
    rejected = "rejected"
    to_claim = "to_claim"
    """The account exists (registered by someone, or seen in monitoring) but no department owns it yet."""
    claimed = "claimed"
    """A department took ownership; it is not yet in use under the policy."""
    active = "active"
    dormant = "dormant"
    """Active, but silent for longer than the policy allows."""
    to_close = "to_close"
    closed = "closed"


OWN_STATES = (AccountStatus.claimed.value, AccountStatus.active.value, AccountStatus.dormant.value,
              AccountStatus.to_close.value)
"""The organisation holds these accounts: its own posts come from them (`registered_handles`)."""


class AccountOrigin(enum.StrEnum):
    """How an account came into the registry."""

    requested = "requested"
    found = "found"
    seen = "seen"
    """Seen by a plugin (the authors of mentions) and registered from the sprawl report."""


class SocialAccount(TenantScoped, Base):
    __tablename__ = "social_account"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "handle"),)

    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id"), nullable=True)
    """The owning department; empty only while the account is to be claimed."""
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.pending.value)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    """When the account entered its current state (an active account's silence counts from here at the most)."""
    origin: Mapped[str] = mapped_column(String(20), default=AccountOrigin.requested.value,
                                        server_default=AccountOrigin.requested.value)
    evidence_url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    """For an account seen by a plugin: a post where it was seen."""
    last_post_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the account last posted, as far as Regie knows. Written by the channel connections (reading the
    profile) and by whatever publishes through Regie, through `core.accounts.activity.record_post`."""
    requested_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department | None] = relationship(lazy="joined")
    owners: Mapped[list[AccountOwner]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                      order_by="AccountOwner.created_at")


class AccountOwner(TenantScoped, Base):
    """A named owner of an account: a member of its department who gets its notifications."""

    __tablename__ = "social_account_owner"
    __table_args__ = (UniqueConstraint("account_id", "user_id", name="uq_social_account_owner"),)

    account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(lazy="joined")


class AccountWatch(TenantScoped, Base):
    """The names the sprawl report looks for among accounts seen in monitoring (one row per tenant); the
    organisation's own name is always looked for."""

    __tablename__ = "account_watch"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_account_watch_tenant"),)

    brand_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
