"""Measurement methodology data the gates read now; the measurement issue builds on these."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class MethodologyVersion(TenantScoped, Base):
    """Which KPIs the tenant measures; every change is a new version with a reason."""

    __tablename__ = "methodology_version"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)

    number: Mapped[int] = mapped_column(Integer)
    kpis: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """[{key, name, definition, source, owner_department_id}]"""
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)


class Target(TenantScoped, Base):
    __tablename__ = "kpi_target"

    kpi: Mapped[str] = mapped_column(String(80))
    department_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("department.id"), nullable=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    rationale: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)


class ManagementPresentation(TenantScoped, Base):
    """The presentation to management (learning → implementation gate): produced, then approved."""

    __tablename__ = "management_presentation"

    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    """results, goals, strategy, way_of_work, resources."""
    produced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    approval_note: Mapped[str] = mapped_column(Text, default="")
