"""The registry of the organisation's social accounts (against a sprawl of accounts)."""

from __future__ import annotations

import enum
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, TenantScoped
from core.workgroup.models import Department


class AccountStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    retired = "retired"


class SocialAccount(TenantScoped, Base):
    __tablename__ = "social_account"
    __table_args__ = (UniqueConstraint("tenant_id", "platform", "handle"),)

    platform: Mapped[str] = mapped_column(String(40))
    handle: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.pending.value)
    requested_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department] = relationship(lazy="joined")
