"""A tenant's customers and their sign-in links. Plugins keep what is theirs (a community profile, an idea
board's votes) in their own tables, pointing at `customer.id`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class Customer(TenantScoped, Base):
    """Someone outside the organisation who signs in to its public pages by an e-mail link (no password)."""

    __tablename__ = "customer"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_customer_email"),)

    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    """A blocked customer gets no sign-in mail and is signed out in effect, on every plugin's pages."""
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When a link sent to the address was first used: the address is the customer's."""


class CustomerLogin(TenantScoped, Base):
    """A single-use sign-in link; only the digest of its token is stored."""

    __tablename__ = "customer_login"
    __table_args__ = (UniqueConstraint("token_digest", name="uq_customer_login_token"),
                      Index("ix_customer_login_ip", "tenant_id", "client_ip", "created_at"))

    customer_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("customer.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(45), default="", server_default="")
    """Where the link was asked for: sign-in requests are rate-limited per address as well as per e-mail."""
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
