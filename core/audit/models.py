"""The audit log: every decision with who, when, what and why."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class AuditEntry(TenantScoped, Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_tenant_created", "tenant_id", "created_at"),
                      Index("ix_audit_subject", "tenant_id", "subject_type", "subject_id"))

    actor_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    """E-mail of the actor, or 'operator (CLI)' / 'system' when no person acted, or the English text of a party
    recorded as a message (then also in `data["actor_message"]`, shown in the reader's language)."""
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(60), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
