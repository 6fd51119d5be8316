"""Privacy (AVG/GDPR): a tenant's retention setting and the record of every retention run and erasure.

A record keeps what happened, never the erased data: the kind, who asked, when, a non-reversible
reference to the subject (a keyed SHA-256) and the counts each plugin reported.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped

DEFAULT_RETENTION_MONTHS = 24
MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 120
MODES = ("pseudonymise", "delete")


class PrivacySetting(TenantScoped, Base):
    """One row per tenant; a tenant without one gets the defaults."""

    __tablename__ = "privacy_setting"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_privacy_setting_tenant"),)

    retention_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_RETENTION_MONTHS)
    retention_mode: Mapped[str] = mapped_column(String(20), default="pseudonymise")
    """pseudonymise (keep the counts, blank the person) or delete (remove the rows)."""


class PrivacyRecord(TenantScoped, Base):
    """A retention run ("retention") or an erasure ("erase_author", "erase_user")."""

    __tablename__ = "privacy_record"

    kind: Mapped[str] = mapped_column(String(20), index=True)
    requested_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         nullable=True)
    requested_by_label: Mapped[str] = mapped_column(String(254), default="")
    subject_ref: Mapped[str] = mapped_column(String(64), default="")
    """sha256 of the subject (platform:handle, or the user's id), keyed with the tenant id: not reversible."""
    platform: Mapped[str] = mapped_column(String(40), default="")
    cutoff: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    mode: Mapped[str] = mapped_column(String(20), default="")
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    """{"<plugin or core>": {"<what>": n}}."""
    reason: Mapped[str] = mapped_column(Text, default="")
