"""What one weekly digest says: the week's KPI movements, target progress, the plugins' highlights (alerts,
buzz, cases, SLA) and the open items of the current phase gate.

- *KPIs* are those of the tenant's latest methodology version (`kpi_catalogue`); the digest names that version.
  A week's value aggregates its daily snapshots the way targets do (`aggregation_for`): flows such as mentions
  are summed over the seven days, levels such as a response time are averaged. It is compared with the
  previous ISO week; `direction_for` says whether the movement is good news.
- *Targets*: `progress_for` as of the day after the week (only whole days that are over count).
- *Highlights* come from the active plugins through the `regie_digest(ctx, week_start, week_end)` hook: the
  core never reads a plugin's tables.
- *Gate items*: what still fails in the current phase's gate (`core.roadmap.gates.evaluate`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement.snapshots import kpi_catalogue, series
from core.measurement.targets import Progress, aggregate, aggregation_for, direction_for, progress_for
from core.plugins.context import hook_context
from core.plugins.host import PluginHost, TenantPlugins
from core.plugins.records import DIGEST_LEVELS, DigestLine
from core.roadmap.gates import evaluate
from core.tenancy.models import Tenant

log = logging.getLogger("regie.digest")

LEVELS = DIGEST_LEVELS


@dataclass
class KpiMove:
    key: str
    title: str
    unit: str
    current: float | None
    previous: float | None
    direction: str
    """higher or lower: which way is better for this KPI."""
    progress: list[Progress] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def change_pct(self) -> float | None:
        change = self.change
        return None if change is None or not self.previous else change / abs(self.previous) * 100

    @property
    def trend(self) -> str:
        """up, down, flat, new (no value the week before) or none (no value this week)."""
        if self.current is None:
            return "none"
        change = self.change
        if change is None:
            return "new"
        return "flat" if abs(change) < 1e-9 else ("up" if change > 0 else "down")

    @property
    def good(self) -> bool | None:
        """True when the movement is the better way, False when worse, None when flat or unknown."""
        if self.trend not in ("up", "down"):
            return None
        return (self.trend == "up") == (self.direction == "higher")


@dataclass
class Highlight:
    text: str
    href: str = ""
    level: str = "info"
    plugin: str = ""


@dataclass
class GateLine:
    heading: str
    text: str
    href: str


@dataclass
class Digest:
    tenant_name: str
    tenant_slug: str
    week: str
    week_start: date
    week_end: date
    lang: str
    phase: str
    next_phase: str | None
    methodology_number: int | None
    kpis: list[KpiMove]
    highlights: list[Highlight]
    gate_open: list[GateLine]
    gate_total: int


def week_value(values: dict[date, float | None], start: date, end: date, aggregation: str) -> float | None:
    return aggregate([v for d, v in sorted(values.items()) if start <= d <= end], aggregation)


async def kpi_moves(session: AsyncSession, pm: Any, active: set[str], week_start: date,
                    lang: str) -> tuple[list[KpiMove], int | None]:
    """Every KPI of the latest methodology, this week against the week before; and the methodology number."""
    catalogue = await kpi_catalogue(session, pm, active, lang)
    if not catalogue:
        return [], None
    week_end = week_start + timedelta(days=6)
    previous_start = week_start - timedelta(days=7)
    values = await series(session, list(catalogue), previous_start, week_end)
    # the catalogue carries each KPI's unit, aggregation and direction as the methodology sets them
    progress = await progress_for(session, catalogue, today=week_end + timedelta(days=1))
    moves = []
    for key, info in catalogue.items():
        aggregation = aggregation_for(info.unit, info.aggregation)
        moves.append(KpiMove(
            key=key, title=info.title, unit=info.unit,
            current=week_value(values[key], week_start, week_end, aggregation),
            previous=week_value(values[key], previous_start, week_start - timedelta(days=1), aggregation),
            direction=direction_for(key, info.unit, info.direction),
            progress=[p for p in progress.get(key, []) if p.target.department_id is None
                      and p.target.period_start <= week_end and p.target.period_end >= week_start]))
    number = next(iter(catalogue.values())).methodology_number
    return moves, number


async def highlights(session: AsyncSession, plugins: TenantPlugins, tenant: Tenant, week_start: date,
                     lang: str) -> list[Highlight]:
    """The active plugins' lines for the week (`regie_digest`), alerts first."""
    ctx = hook_context(session, tenant, lang)
    week_end = week_start + timedelta(days=6)
    found: list[Highlight] = []
    # one at a time: a plugin that fails costs only its own lines, not the digest
    for plugin in plugins.host.implementers("regie_digest", plugins.names):
        try:
            async with session.begin_nested():
                lines = await plugins.collect("regie_digest", DigestLine, only={plugin}, ctx=ctx,
                                              week_start=week_start, week_end=week_end)
        except Exception:  # noqa: BLE001
            log.exception("regie_digest of %s failed for tenant %s; its lines are left out", plugin, tenant.slug)
            continue
        found += [Highlight(text=line.text, href=line.href, level=line.level, plugin=plugin)
                  for _plugin, line in lines if line.text]
    return sorted(found, key=lambda h: LEVELS.index(h.level))


async def build_digest(session: AsyncSession, pm: PluginHost, tenant: Tenant, week_start: date, lang: str) -> Digest:
    """The digest of one tenant for the ISO week starting `week_start` (a Monday), in `lang`."""
    from core.digest.schedule import week_label

    plugins = await pm.for_tenant(session)
    moves, number = await kpi_moves(session, pm, plugins.names, week_start, lang)
    report = await evaluate(session, tenant, pm, lang)
    gate_open = [GateLine(heading=i.heading, text=i.text, href=i.href) for i in report.failing]
    return Digest(tenant_name=tenant.name, tenant_slug=tenant.slug, week=week_label(week_start),
                  week_start=week_start, week_end=week_start + timedelta(days=6), lang=lang, phase=report.phase,
                  next_phase=report.next_phase, methodology_number=number, kpis=moves,
                  highlights=await highlights(session, plugins, tenant, week_start, lang), gate_open=gate_open,
                  gate_total=report.total)
