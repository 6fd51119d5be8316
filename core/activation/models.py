"""A department's plugin: requested, decided by the regie holder, paused and resumed; never deleted."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, TenantScoped
from core.workgroup.models import Department


class ActivationStatus(enum.StrEnum):
    requested = "requested"
    active = "active"
    paused = "paused"
    declined = "declined"


class PluginActivation(TenantScoped, Base):
    __tablename__ = "plugin_activation"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    plugin: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id"))
    status: Mapped[str] = mapped_column(String(20), default=ActivationStatus.requested.value)
    motivation: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decided_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    activated_in_phase: Mapped[str | None] = mapped_column(String(20), nullable=True)

    department: Mapped[Department] = relationship(lazy="joined")

    @property
    def activated_on(self) -> date | None:
        """The (UTC) day it was switched on: a pilot measurement covers only days from then on."""
        at = self.activated_at
        if at is None:
            return None
        return (at.astimezone(UTC) if at.tzinfo else at).date()
