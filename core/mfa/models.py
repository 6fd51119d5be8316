"""A person's second factor. Platform-level like `User` (one person, many tenants), so not tenant-scoped."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class MfaFactor(Base):
    """The TOTP seed, sealed with the app's secret key (`core.auth.sealing`, purpose `mfa.totp`)."""

    __tablename__ = "mfa_factor"

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"), unique=True,
                                          index=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """The newest 30-second time step a code was accepted for: that step and older ones are refused (replay)."""


class MfaRecoveryCode(Base):
    """One single-use recovery code, kept as the SHA-256 digest of an 80-bit random code."""

    __tablename__ = "mfa_recovery_code"

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
