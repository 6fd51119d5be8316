"""Starting points (versioned), phase transitions and the evidence the gates read."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db.base import Base, TenantScoped

STARTING_POINT_SECTIONS = (
    "organisation_analysis",
    "people",
    "objectives",
    "strategy",
    "technology",
    "listening_results",
)
"""Organisation analysis, POST (people, objectives, strategy, technology), listening study results."""


class StartingPointsVersion(TenantScoped, Base):
    __tablename__ = "starting_points_version"
    __table_args__ = (Unique("tenant_id", "number"),)

    number: Mapped[int] = mapped_column(Integer)
    organisation_analysis: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    strategy: Mapped[str] = mapped_column(Text, default="")
    technology: Mapped[str] = mapped_column(Text, default="")
    listening_results: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)

    wishes: Mapped[list[StartingPointsWish]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StartingPointsWish.created_at"
    )
    acknowledgements: Mapped[list[StartingPointsAck]] = relationship(lazy="selectin")


class StartingPointsWish(TenantScoped, Base):
    """A department's wishes for the function social media should have (part of the starting points)."""

    __tablename__ = "starting_points_wish"
    __table_args__ = (Unique("version_id", "department_id"),)

    version_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("starting_points_version.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id", ondelete="CASCADE"))
    wish: Mapped[str] = mapped_column(Text, default="")


class StartingPointsAck(TenantScoped, Base):
    """A represented department's acknowledgement of an approved version."""

    __tablename__ = "starting_points_ack"
    __table_args__ = (Unique("version_id", "department_id"),)

    version_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("starting_points_version.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("department.id", ondelete="CASCADE"))
    acknowledged_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)


class PhaseTransition(TenantScoped, Base):
    """A move to the next phase; `overridden` when the regie holder advanced past a failing gate."""

    __tablename__ = "phase_transition"

    from_phase: Mapped[str] = mapped_column(String(20))
    to_phase: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    failing_items: Mapped[list[str]] = mapped_column(JSON, default=list)


class BaselineStudy(TenantScoped, Base):
    """A nulmeting: frozen by the monitoring plugin or uploaded from an external listening study."""

    __tablename__ = "baseline_study"

    source: Mapped[str] = mapped_column(String(20))
    """'monitoring' or 'external'."""
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    file_data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)


class PilotMeasurement(TenantScoped, Base):
    """A measurement recorded for a plugin running as a pilot (pilot → learning gate)."""

    __tablename__ = "pilot_measurement"

    activation_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("plugin_activation.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    hand_entered: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The keys of `values` someone typed in; the others come from the plugin's own daily snapshots."""
    recorded_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
