"""The social media policy: a strategic part and a way-of-work part, versioned, published by regie."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped

STRATEGY_SECTIONS = ("function", "goals", "measurement_methods", "targets")
WAY_OF_WORK_SECTIONS = (
    "roles",
    "tone_of_voice",
    "discussions",
    "rules_of_engagement",
    "account_conditions",
    "longest_silence",
    "new_initiatives",
)


class PolicyVersion(TenantScoped, Base):
    __tablename__ = "policy_version"
    __table_args__ = (UniqueConstraint("tenant_id", "number"),)

    number: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[dict] = mapped_column(JSON, default=dict)
    """Section name → text, for STRATEGY_SECTIONS."""
    way_of_work: Mapped[dict] = mapped_column(JSON, default=dict)
    """Section name → text, for WAY_OF_WORK_SECTIONS (plugins add sections through a hook)."""
    tone_rules: Mapped[dict] = mapped_column(JSON, default=dict)
    """Machine-checkable tone of voice: forbidden_words, required_signoff, max_length per channel."""
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
