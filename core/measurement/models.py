"""Measurement: the versioned methodology, targets, daily KPI snapshots, manual measurements, the weekly digest's
subscriptions and deliveries, and the quarterly management report."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
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


class KpiSnapshot(TenantScoped, Base):
    """One KPI's value for one whole UTC day: written by the daily snapshot job (source "plugin") or copied
    from the latest manual entry (source "manual"). One row per tenant, KPI and day; a re-run overwrites the
    same row, so the job is idempotent. `methodology_number` is the version in force when the day was measured,
    so a later methodology never rewrites the past."""

    __tablename__ = "kpi_snapshot"
    __table_args__ = (UniqueConstraint("tenant_id", "kpi", "day"),
                      Index("ix_kpi_snapshot_tenant_day", "tenant_id", "day"))

    kpi: Mapped[str] = mapped_column(String(120))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    """None: the plugin had nothing to measure that day (a median of no cases)."""
    methodology_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="plugin")
    """plugin or manual."""
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ManualMeasurement(TenantScoped, Base):
    """A manual KPI value (leads from the CRM, FTE spent) entered by the KPI's owner. Never edited in place: a
    correction is a new row, the newest row for a KPI and day counts."""

    __tablename__ = "manual_measurement"
    __table_args__ = (Index("ix_manual_measurement_kpi_day", "tenant_id", "kpi", "day"),)

    kpi: Mapped[str] = mapped_column(String(120))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    methodology_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entered_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class DigestSubscription(TenantScoped, Base):
    """Whether a person gets the weekly digest of a tenant. No row: on for workgroup members, off for others.
    `token` is the unsubscribe link's secret (works without signing in)."""

    __tablename__ = "digest_subscription"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"), UniqueConstraint("token"))

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    token: Mapped[str] = mapped_column(String(64))


class DigestDelivery(TenantScoped, Base):
    """One weekly digest sent to one person: the unique key makes a second send for the same ISO week
    impossible, whatever the scheduler does."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "week"),)

    user_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    """ISO week, "2026-W49"."""
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lang: Mapped[str] = mapped_column(String(5), default="nl")


class QuarterlyReport(TenantScoped, Base):
    """A generated management report for a period: HTML and PDF, kept as produced (a later methodology or
    data never changes a report that was handed to management)."""

    __tablename__ = "quarterly_report"

    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    """queued, running, done or failed."""
    lang: Mapped[str] = mapped_column(String(5), default="nl")
    methodology_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    """What people wrote for the report: strategy, way of work, resources (FTE, budget), growth scenarios."""
    html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    progress_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("job_progress.id", ondelete="SET NULL"),
                                                     nullable=True)
    presentation_id: Mapped[UUID | None] = mapped_column(
        GUID, ForeignKey("management_presentation.id", ondelete="SET NULL"), nullable=True)
    """The management presentation this report produced (the learning → implementation gate reads that)."""
    requested_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         nullable=True)
    generated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
