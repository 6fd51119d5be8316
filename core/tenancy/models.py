"""The tenant: a client organisation. Not itself tenant-scoped (the mediator lists them)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, String, true
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, utcnow


class OrgModel(enum.StrEnum):
    """Altimeter's organisation models; they decide who approves outward messages and accounts."""

    decentralized = "decentralized"
    centralized = "centralized"
    hub_and_spoke = "hub_and_spoke"
    multiple_hub_and_spoke = "multiple_hub_and_spoke"
    holistic = "holistic"


class Phase(enum.StrEnum):
    listening = "listening"
    pilot = "pilot"
    learning = "learning"
    implementation = "implementation"

    @property
    def next(self) -> Phase | None:
        order = list(Phase)
        i = order.index(self)
        return order[i + 1] if i + 1 < len(order) else None

    @property
    def rank(self) -> int:
        return list(Phase).index(self)


class Tenant(Base):
    __tablename__ = "tenant"

    slug: Mapped[str] = mapped_column(String(63), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    org_model: Mapped[str] = mapped_column(String(40), default=OrgModel.hub_and_spoke.value)
    phase: Mapped[str] = mapped_column(String(20), default=Phase.listening.value)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    mfa_required_for_admins: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """Admins of this tenant must sign in with a second factor (mediators always must)."""
