"""A department's plugin: requested, decided by the regie holder, paused and resumed; never deleted."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
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


class PrerequisiteOverride(TenantScoped, Base):
    """The regie holder set a plugin's own prerequisite aside (co-creation's "another function ran well first"),
    with a reason; withdrawn, it stops counting and stays as history. Like a phase override: the reason and what
    failed at the time are kept, and both the override and its withdrawal are audited."""

    __tablename__ = "prerequisite_override"
    __table_args__ = (Index("ix_prerequisite_override_plugin", "tenant_id", "plugin", "withdrawn_at"),)

    plugin: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    failing: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The plugin's blocking reasons when it was overridden (in the regie holder's language)."""
    by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                               nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    withdrawn_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         nullable=True)
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
