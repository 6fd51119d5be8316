"""Trainings and workshops (the 5P model's "People"): a platform catalogue the mediator keeps, suggestions a
tenant gets when something happens, and each person's enrolment and completion."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class Training(Base):
    """A course or workshop in the consultancy's catalogue (platform-wide, not a tenant's)."""

    __tablename__ = "training"
    __table_args__ = (UniqueConstraint("key"),)

    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    """Per language code."""
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    topic: Mapped[str] = mapped_column(String(40), default="general")
    """What triggers a suggestion: webcare, publishing, crisis, monitoring, general, ..."""
    duration_hours: Mapped[int] = mapped_column(Integer, default=4)
    qualifies_publisher: Mapped[bool] = mapped_column(Boolean, default=False)
    """Completing it makes an employee a "trained employee" for the holistic org model."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    history: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """Who changed what and when ({at, by, action, changes}): the catalogue is platform data, outside every
    tenant's audit log, so its own audit trail lives here."""


class TrainingSuggestion(TenantScoped, Base):
    """A training suggested to a tenant because of an event; one open suggestion per training and reason."""

    __tablename__ = "training_suggestion"
    __table_args__ = (UniqueConstraint("tenant_id", "training_id", "reason"),)

    training_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("training.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(80))
    """The event: "plugin.activated:webcare", "org_model:holistic", "crisis", ..."""
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id", ondelete="SET NULL"),
                                                       nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Enrolment(TenantScoped, Base):
    """A person enrolled in a training; `completed_at` once done."""

    __tablename__ = "training_enrolment"
    __table_args__ = (UniqueConstraint("tenant_id", "training_id", "user_id"),)

    training_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("training.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    enrolled_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                        nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
