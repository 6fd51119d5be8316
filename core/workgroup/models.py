"""Departments, the cross-department workgroup and the regie holder."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import Membership
from core.db.base import Base, TenantScoped


class BusinessFunction(enum.StrEnum):
    """What a department does; plugins name the function that owns them by default."""

    research = "research"
    corporate_communication = "corporate_communication"
    marketing = "marketing"
    sales = "sales"
    customer_service = "customer_service"
    development = "development"
    hr = "hr"
    it = "it"
    management = "management"
    other = "other"


class Department(TenantScoped, Base):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    business_function: Mapped[str] = mapped_column(String(40))
    is_hub: Mapped[bool] = mapped_column(Boolean, default=False)
    """In a (multiple) hub-and-spoke organisation, a hub approves its spokes' accounts and messages."""


class WorkgroupSeat(TenantScoped, Base):
    """A department's representative in the workgroup (one seat per department)."""

    __tablename__ = "workgroup_seat"
    __table_args__ = (UniqueConstraint("tenant_id", "department_id"),)

    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id", ondelete="CASCADE"))
    membership_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("membership.id", ondelete="CASCADE"))

    department: Mapped[Department] = relationship(lazy="joined")
    membership: Mapped[Membership] = relationship(lazy="joined")


class RegieAppointment(TenantScoped, Base):
    """Who holds the regie, and since when. Exactly one open appointment per tenant."""

    __tablename__ = "regie_appointment"
    __table_args__ = (
        Index(
            "uq_regie_one_holder",
            "tenant_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    membership_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("membership.id", ondelete="CASCADE"))
    appointed_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    membership: Mapped[Membership] = relationship(lazy="joined")


class ProposalStatus(enum.StrEnum):
    """Where a proposal for the regie holder stands; only `open` ones can still be decided."""

    open = "open"
    confirmed = "confirmed"
    rejected = "rejected"
    withdrawn = "withdrawn"


class RegieProposal(TenantScoped, Base):
    """A proposed regie holder, waiting for a second person's confirmation (at most one open per tenant).

    The workgroup agrees on the regie holder jointly: one person proposes, a different person who is not the
    appointee confirms. Nothing about the current holder changes until then (`core.workgroup.service`)."""

    __tablename__ = "regie_proposal"
    __table_args__ = (
        Index(
            "uq_regie_one_open_proposal",
            "tenant_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    membership_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("membership.id", ondelete="CASCADE"))
    """The proposed regie holder."""
    proposed_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ProposalStatus.open.value)
    decided_by_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    appointment_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("regie_appointment.id", ondelete="SET NULL"), nullable=True)
    """The appointment a confirmation opened."""

    membership: Mapped[Membership] = relationship(lazy="joined")
