"""People and credentials. A `User` is a platform identity; a `Membership` is that person in a tenant."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, TenantScoped


class Role(enum.StrEnum):
    admin = "admin"
    """Management: composes the workgroup, approves the move to implementation."""
    member = "member"
    viewer = "viewer"


class User(Base):
    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    is_mediator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # account security: failed sign-ins (see core.auth.lockout), session invalidation, password reset, unlock
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Failed sign-ins from all addresses together since the account was last quiet (the account-wide back-off)."""
    failed_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """The latest of those failures."""
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """The back-off: no attempt is checked before this moment, from any address. The lock of one address is a
    `LoginFailure` row."""
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Stored in every session at sign-in; bumping it ends all of the user's sessions."""
    reset_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reset_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unlock_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    """The digest of the single-use link mailed when the account was locked; unlocking clears every count."""
    unlock_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class LoginFailure(Base):
    """Failed sign-ins of one account from one client address (an IPv6 address counts per /64).

    Platform-level like `User`. A row is deleted once it no longer matters (`expires_at`), when that address
    signs in, and when the account is unlocked or its password reset."""

    __tablename__ = "login_failure"
    __table_args__ = (UniqueConstraint("user_id", "address"),)

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Membership(TenantScoped, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.member.value)
    department_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("department.id", ondelete="SET NULL"), nullable=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    user: Mapped[User] = relationship(lazy="joined")


class Invitation(TenantScoped, Base):
    """A single-use, expiring invitation; only the token's hash is stored."""

    __tablename__ = "invitation"

    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20), default=Role.member.value)
    department_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("department.id", ondelete="SET NULL"), nullable=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    invited_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )


ALL_TOKEN_SCOPES = "read write admin"
"""Tokens made before scopes existed (and rows a test adds directly) keep reaching what their creator may."""
TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


def default_token_expiry() -> datetime:
    return datetime.now(UTC) + timedelta(days=TOKEN_DEFAULT_DAYS)


class ApiToken(TenantScoped, Base):
    """A per-tenant API token acting as one member; stored as a SHA-256 hash with a visible prefix."""

    __tablename__ = "api_token"

    membership_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("membership.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """Moved at most once a minute (with one `token.used` audit row), not on every request."""
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    scopes: Mapped[str] = mapped_column(String(60), default=ALL_TOKEN_SCOPES, server_default=ALL_TOKEN_SCOPES)
    """Space-separated scopes (`core.auth.permissions.TOKEN_SCOPES`); the web and CLI always set them."""
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=default_token_expiry)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
