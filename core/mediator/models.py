"""The summary the mediator's pages read: one row per tenant, written in that tenant's scope by a job.

The console, the phase comparison and a tenant's benchmark show, per tenant, what takes a dozen queries to work
out (the gate, open overrides, KPIs against targets, alerts, the last 30 days' figures). Working that out per
tenant on every view made those pages slower with every tenant; the job (`core.mediator.jobs`) works it out per
tenant in the tenant's own scope, and the pages read the rows of all their tenants in one query
(`core.mediator.summary`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class TenantSummary(TenantScoped, Base):
    """What the mediator's pages show of one tenant, as of `computed_at`."""

    __tablename__ = "tenant_summary"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_tenant_summary_tenant"),)

    phase: Mapped[str] = mapped_column(String(20))
    """The phase the gate and the overrides were worked out for; a tenant in another phase now is recomputed."""
    gate_holding: Mapped[int] = mapped_column(Integer, default=0)
    gate_total: Mapped[int] = mapped_column(Integer, default=0)
    gate_failing: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The keys of the gate items that fail (what is missing to move on)."""
    overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Open overrides into the current phase: [{from_phase, to_phase, reason, failing_items, at}]."""
    kpis: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The console's KPIs against targets (`core.mediator.insights.KpiRow`, the name in every language)."""
    recent: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    """KPI → its figure over `recent_first`..`recent_last` (the comparison and the benchmark)."""
    recent_first: Mapped[date] = mapped_column(Date)
    recent_last: Mapped[date] = mapped_column(Date)
    alerts_unread: Mapped[int] = mapped_column(Integer, default=0)
    alerts_latest_kind: Mapped[str] = mapped_column(String(80), default="")
    """Only the count and the kind of unread notifications: a title can name a customer or a case."""
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
