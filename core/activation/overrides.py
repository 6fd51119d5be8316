"""A plugin's own prerequisite, set aside by the regie holder, and the track records such prerequisites read.

Some plugins ask more than a phase before they may start: co-creation wants another Groundswell function to
have run well for weeks first. Such a plugin reads `ctx.track_records()` (every other active plugin: since when
it is active, whether its KPIs met their targets in the last target period that ended) in its
`regie_activation_check`, and honours `ctx.prerequisite_override(plugin)`: the regie holder may set the
prerequisite aside with a reason, like a failing phase gate (`core.roadmap.service.override`). The override is a
row of its own, audited when recorded and when withdrawn; a withdrawn one stays as history. It never lifts the
core's own checks (phase, required plugins).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import PluginActivation, PrerequisiteOverride
from core.audit.service import record
from core.errors import DomainError, Refused
from core.measurement.models import Target
from core.plugins.info import TrackRecord
from core.roadmap.service import MIN_REASON
from core.tenancy.models import Tenant


async def track_records(session: AsyncSession, pm: Any = None, exclude: str = "",
                        today: date | None = None) -> list[TrackRecord]:
    """Every active plugin but `exclude`, with the outcome of its KPIs' last target period that is over.

    A plugin's KPIs are those it declares (`regie_kpis`; without `pm`, the keys named `<plugin>.…`). Of their
    targets (the newest per KPI, department and period) the ones whose period ended before `today` count; the
    latest end date among them is "the last complete period", and each target ending then is compared with the
    stored daily snapshots as the dashboard does (`core.measurement.targets.compute`)."""
    from core.measurement.snapshots import plugin_kpis, series
    from core.measurement.targets import aggregation_for, compute, direction_for, newest_targets

    today = today or datetime.now(UTC).date()
    from core.plugins.host import activations

    active = sorted(name for name in (await activations(session)).departments if name != exclude)
    if not active:  # which plugins are active is the request's one answer; only their moments are read here
        return []
    rows = (await session.scalars(select(PluginActivation).where(PluginActivation.plugin.in_(active))
                                  .order_by(PluginActivation.plugin))).all()
    declared = plugin_kpis(pm)
    infos = {info.name: info for info in pm.infos} if pm is not None else {}

    def owner(kpi: str) -> str:
        return declared[kpi][0] if kpi in declared else kpi.split(".", 1)[0]

    names = {row.plugin for row in rows}
    targets = [t for t in (await session.scalars(select(Target).where(Target.period_end < today))).all()
               if owner(t.kpi) in names]
    ended: dict[str, list[Target]] = defaultdict(list)
    for target, _history in newest_targets(targets):
        ended[owner(target.kpi)].append(target)
    last: dict[str, list[Target]] = {}
    for plugin, found in ended.items():
        end = max(t.period_end for t in found)
        last[plugin] = [t for t in found if t.period_end == end]
    chosen = [t for found in last.values() for t in found]
    values = await series(session, {t.kpi for t in chosen}, min(t.period_start for t in chosen),
                          max(t.period_end for t in chosen)) if chosen else {}
    records = []
    for row in rows:
        group = last.get(row.plugin, [])
        missed = set()
        for target in group:
            definition = declared.get(target.kpi, ("", None))[1]
            unit = definition.unit if definition is not None else "count"
            figures = compute(target.value, target.period_start, target.period_end, values.get(target.kpi, {}),
                              today, aggregation_for(unit), direction_for(target.kpi, unit))
            if figures.status != "ended_met":
                missed.add(target.kpi)
        info = infos.get(row.plugin)
        records.append(TrackRecord(
            plugin=row.plugin, groundswell_function=info.groundswell_function if info is not None else "",
            active_since=row.activated_at,
            period=(min(t.period_start for t in group), group[0].period_end) if group else None,
            targets=len(group), missed=tuple(sorted(missed))))
    return records


async def standing(session: AsyncSession, plugin: str) -> PrerequisiteOverride | None:
    """The override of `plugin`'s prerequisite that stands now (None: none, or withdrawn)."""
    return await session.scalar(select(PrerequisiteOverride).where(
        PrerequisiteOverride.plugin == plugin, PrerequisiteOverride.withdrawn_at.is_(None))
        .order_by(PrerequisiteOverride.created_at.desc()).limit(1))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError(field="reason", msgid="Write a reason of at least {n} characters.", n=MIN_REASON)
    if len(reason) > 4000:
        raise DomainError(field="reason", msgid="Use at most {max} characters.", max=4000)
    return reason


async def override(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, plugin: str, reason: str,
                   lang: str) -> PrerequisiteOverride:
    """The regie holder sets `plugin`'s own prerequisite aside; what it said at this moment is kept with it."""
    from core.activation.service import blocking, info_of

    label = info_of(pm, plugin).label(lang)
    reason = _reason(reason)
    if await standing(session, plugin) is not None:
        raise Refused(field="__all__", msgid="The prerequisite of {plugin} is already overridden.", plugin=label)
    activation = await session.scalar(select(PluginActivation).where(PluginActivation.plugin == plugin))
    found = await blocking(session, tenant, pm, plugin, activation.department if activation is not None else None,
                           lang, principal.user_id)
    failing = [b.reason for b in found if b.own]
    row = PrerequisiteOverride(plugin=plugin, reason=reason, failing=list(failing), by_id=principal.user_id)
    session.add(row)
    await session.flush()
    await record(session, principal, "plugin.prerequisite_overridden", subject=row, summary=plugin, reason=reason,
                 data={"plugin": plugin, "failing": list(failing)})
    return row


async def withdraw(session: AsyncSession, principal: Any, pm: Any, plugin: str, reason: str,
                   lang: str) -> PrerequisiteOverride:
    """The override stops counting (a request or approval is checked against the prerequisite again)."""
    from core.activation.service import info_of

    label = info_of(pm, plugin).label(lang)
    reason = _reason(reason)
    row = await standing(session, plugin)
    if row is None:
        raise Refused(field="__all__", msgid="The prerequisite of {plugin} is not overridden.", plugin=label)
    # every standing one: two overrides made at the same moment must not leave one standing after this
    await session.execute(update(PrerequisiteOverride).where(
        PrerequisiteOverride.plugin == plugin, PrerequisiteOverride.withdrawn_at.is_(None))
        .values(withdrawn_at=datetime.now(UTC), withdrawn_by_id=principal.user_id, withdraw_reason=reason)
        .execution_options(synchronize_session=False))
    await session.refresh(row)
    await record(session, principal, "plugin.prerequisite_override_withdrawn", subject=row, summary=plugin,
                 reason=reason, data={"plugin": plugin})
    return row
