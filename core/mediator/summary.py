"""Each tenant's summary for the mediator's pages: worked out per tenant in its own scope, read many at once.

Working out what the console shows of a tenant (its gate, open overrides, KPIs against targets, alerts) takes
a dozen queries, all inside `tenant_scope` so the tenancy guard and row-level security filter each to that
tenant. Doing that for every tenant on every view made the console, the comparison and the benchmark slower
with every tenant. So the job `core.mediator.summary` (`core.mediator.jobs`) does it per tenant, in the
tenant's own scope, and stores the result as one `TenantSummary` row; the pages read the rows of all the
tenants they show in one query, inside `cross_tenant()`.

Freshness: the job runs every five minutes for every tenant (`core.mediator.jobs`), and right after a phase
changes (an advance or an override, `core.roadmap.service.phase_changed`) or a tenant is created; the pages say
as of when. A row worked out for another phase than the tenant's current one is not shown ("being computed"),
so a tenant's gate never reads against the wrong phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.bulk import bulk_insert
from core.i18n import LANGUAGES
from core.measurement.figures import KpiFigure
from core.mediator.insights import Alerts, KpiRow
from core.mediator.models import TenantSummary
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant


@dataclass
class GateStatus:
    holding: int
    total: int
    failing: list[str] = field(default_factory=list)
    """The keys of the items that fail."""

    @property
    def ok(self) -> bool:
        return not self.failing


@dataclass
class OpenOverride:
    """An override into the current phase whose skipped items still fail."""

    from_phase: str
    to_phase: str
    reason: str
    failing_items: list[str]


@dataclass
class Summary:
    """A tenant's summary as a page reads it."""

    phase: str
    gate: GateStatus
    overrides: list[OpenOverride]
    kpis: list[KpiRow]
    alerts: Alerts
    computed_at: datetime


# -- working it out: per tenant, in its own scope (the job) -------------------------------------------------------

def _figure_data(figure: KpiFigure) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(figure).items()}


def _kpi_data(row: KpiRow, names: dict[str, str]) -> dict[str, Any]:
    data = {k: v for k, v in asdict(row).items() if k not in ("figure", "name")}
    return {**data, "names": names, "figure": _figure_data(row.figure)}


async def _names(session: AsyncSession, pm: Any, keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """KPI → its name in every language (a plugin's KPI the methodology does not name has a title per language)."""
    from core.measurement.snapshots import kpi_catalogue

    active = (await pm.for_tenant(session)).names if pm is not None else frozenset()
    catalogues = {lang: await kpi_catalogue(session, pm, active, lang) for lang in LANGUAGES}
    return {key: {lang: info.title if (info := catalogues[lang].get(key)) else key for lang in LANGUAGES}
            for key in keys}


async def compute(session: AsyncSession, pm: Any, tenant: Tenant) -> dict[str, Any]:
    """The values of the tenant's summary row; the tenant must be in scope."""
    from core.mediator.insights import alerts, kpi_rows, recent_values
    from core.roadmap.gates import evaluate
    from core.roadmap.service import open_overrides

    report = await evaluate(session, tenant, pm)
    overrides = await open_overrides(session, tenant, report)
    kpis = await kpi_rows(session, pm)
    names = await _names(session, pm, [k.kpi for k in kpis])
    recent, first, last = await recent_values(session)
    waiting = await alerts(session)
    return {
        "phase": tenant.phase, "gate_holding": report.holding, "gate_total": report.total,
        "gate_failing": report.failing_keys,
        "overrides": [{"from_phase": o.from_phase, "to_phase": o.to_phase, "reason": o.reason,
                       "failing_items": list(o.failing_items or []), "at": o.created_at.isoformat()}
                      for o in overrides],
        "kpis": [_kpi_data(k, names[k.kpi]) for k in kpis],
        "recent": recent, "recent_first": first, "recent_last": last,
        "alerts_unread": waiting.unread, "alerts_latest_kind": waiting.latest_kind,
    }


async def refresh(session: AsyncSession, pm: Any, tenant: Tenant) -> None:
    """Work the tenant's summary out again and store it (idempotent: one row per tenant, overwritten; a run at
    the same moment as another overwrites the same row)."""
    values = {**await compute(session, pm, tenant), "computed_at": datetime.now(UTC)}
    await bulk_insert(session, TenantSummary, [values], conflict=["tenant_id"],
                      overwrite=[k for k in values if k != "tenant_id"])


# -- reading it: many tenants in one query ------------------------------------------------------------------------

def _kpi_row(data: dict[str, Any], lang: str) -> KpiRow:
    stored = {k: v for k, v in data["figure"].items() if k in KpiFigure.__dataclass_fields__}
    for key in ("first", "last", "latest_day"):
        stored[key] = date.fromisoformat(stored[key]) if stored.get(key) else None
    names = data.get("names") or {}
    fields = {k: v for k, v in data.items() if k in KpiRow.__dataclass_fields__ and k not in ("figure", "name")}
    return KpiRow(**fields, name=names.get(lang) or data["kpi"], figure=KpiFigure(**stored))


def summary_of(row: TenantSummary, lang: str) -> Summary:
    return Summary(
        phase=row.phase, gate=GateStatus(row.gate_holding, row.gate_total, list(row.gate_failing or [])),
        overrides=[OpenOverride(o["from_phase"], o["to_phase"], o["reason"], list(o.get("failing_items") or []))
                   for o in row.overrides or []],
        kpis=[_kpi_row(k, lang) for k in row.kpis or []],
        alerts=Alerts(unread=row.alerts_unread, latest_kind=row.alerts_latest_kind), computed_at=row.computed_at)


async def summaries(session: AsyncSession, tenants: Sequence[Tenant], lang: str) -> dict[UUID, Summary]:
    """tenant id → its summary, for the tenants that have one worked out for their current phase (one query)."""
    if not tenants:
        return {}
    phase_of = {t.id: t.phase for t in tenants}
    with cross_tenant():
        rows = (await session.scalars(select(TenantSummary).where(TenantSummary.tenant_id.in_(phase_of)))).all()
    found = {}
    for row in rows:
        if row.phase != phase_of.get(row.tenant_id):
            continue
        try:
            found[row.tenant_id] = summary_of(row, lang)
        except (KeyError, TypeError, ValueError):  # stored by an older release: shown once the job ran again
            continue
    return found


def oldest(moments: Iterable[datetime | None]) -> datetime | None:
    """What a page of several summaries is "as of": the oldest of them."""
    return min((m for m in moments if m is not None), default=None)
