"""Plugin activation: a department requests, the core checks, the regie holder decides; paused, never deleted.

One row per (tenant, plugin): a declined plugin can be requested again and reuses its row. Status moves
requested → active | declined, active ⇄ paused. Every decision is audited and announced to the active
plugins through `regie_event` (`plugin.requested`, `plugin.activated`, `plugin.declined`, `plugin.paused`,
`plugin.resumed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import ActivationStatus, PluginActivation
from core.audit.service import OPERATOR, record
from core.errors import DomainError, NotFound, PermissionDenied, Refused
from core.i18n import gettext_for
from core.plugins.context import hook_context
from core.plugins.info import DomainEvent, PluginInfo
from core.plugins.manager import call, hook_for, notify, notify_batch, plugin_infos
from core.tenancy.models import Phase, Tenant
from core.trainings.events import on_events
from core.validation import clean_text, clean_uuid
from core.workgroup.models import Department

log = logging.getLogger("regie.activation")


@dataclass
class CatalogueEntry:
    info: PluginInfo
    activation: PluginActivation | None
    suggested_department: Department | None

    @property
    def status(self) -> str:
        return self.activation.status if self.activation else "available"


def info_of(pm: Any, plugin: str) -> PluginInfo:
    for info in plugin_infos(pm):
        if info.name == plugin:
            return info
    raise NotFound(plugin)


async def active_plugins(session: AsyncSession) -> set[str]:
    rows = await session.scalars(select(PluginActivation.plugin).where(
        PluginActivation.status == ActivationStatus.active.value))
    return set(rows.all())


async def fire_event(session: AsyncSession, tenant: Tenant, pm: Any, name: str, payload: dict[str, Any],
                     lang: str = "nl", user_id: UUID | None = None) -> None:
    """Announce a domain event to the tenant's active plugins; a failing plugin does not undo the decision."""
    await on_events(session, [DomainEvent(name, payload)])  # the core's own listener (training suggestions)
    names = await active_plugins(session)
    if not names or pm is None:
        return
    await notify(session, hook_for(pm, "regie_event", names), f"event {name}",
                 ctx=hook_context(session, tenant, lang, user_id), event=DomainEvent(name, payload))


async def owning_department(session: AsyncSession, plugin: str) -> UUID | None:
    """The department a plugin is activated for (it owns the plugin's work and gets its notifications)."""
    return await session.scalar(select(PluginActivation.department_id).where(PluginActivation.plugin == plugin))


async def fire_events(session: AsyncSession, tenant: Tenant, pm: Any, events: list[DomainEvent],
                      lang: str = "nl", exclude: str = "") -> int:
    """Announce many events at once (ingestion): one savepoint and one context for the whole batch.

    Only active plugins other than `exclude` (the emitter) are asked: those implementing `regie_events` get
    the batch in one call, the others `regie_event` per event. A batch costs nothing when no plugin listens.
    Returns the number of listeners.
    """
    await on_events(session, events)  # the core's own listener (training suggestions), whoever emitted
    names = (await active_plugins(session)) - {exclude}
    if not events or not names or pm is None:
        return 0
    batch_hook = hook_for(pm, "regie_events", names)
    batched = {_name_of(impl.plugin) for impl in batch_hook.get_hookimpls()}
    hook = hook_for(pm, "regie_event", names - batched)
    if not hook.get_hookimpls() and not batched:
        return 0
    ctx = hook_context(session, tenant, lang)
    what = f"{len(events)} x {events[0].name}"
    for name in sorted(batched):  # a savepoint per plugin: one failing never undoes another's writes
        one = hook_for(pm, "regie_events", {name})
        await notify(session, one, f"{what} ({name})", ctx=ctx, events=events)
    if hook.get_hookimpls():
        async def deliver_all() -> None:
            for event in events:
                await call(hook, ctx=ctx, event=event)

        await notify_batch(session, deliver_all, what)
    return len(hook.get_hookimpls()) + len(batched)


def _name_of(plugin: Any) -> str:
    info = plugin.regie_plugin() if hasattr(plugin, "regie_plugin") else None
    return info.name if info is not None else ""


async def catalogue(session: AsyncSession, pm: Any) -> list[CatalogueEntry]:
    rows = {a.plugin: a for a in (await session.scalars(select(PluginActivation))).all()}
    departments = (await session.scalars(select(Department).order_by(Department.name))).all()
    entries = []
    for info in plugin_infos(pm):
        suggested = next((d for d in departments if d.business_function == info.default_owner), None)
        entries.append(CatalogueEntry(info=info, activation=rows.get(info.name), suggested_department=suggested))
    return entries


async def blockers(session: AsyncSession, tenant: Tenant, pm: Any, plugin: str, department: Department | None,
                   lang: str, user_id: UUID | None = None) -> list[str]:
    """Translated reasons that block activating `plugin` for `department` now; empty when allowed."""
    info = info_of(pm, plugin)
    _ = gettext_for(lang)
    reasons: list[str] = []
    if Phase(tenant.phase).rank < Phase(info.min_phase).rank:
        reasons.append(_("{plugin} can be activated from the {min} phase on; the organisation is in the "
                         "{phase} phase.", plugin=info.label(lang), min=_(info.min_phase), phase=_(tenant.phase)))
    active = await active_plugins(session)
    labels = {i.name: i.label(lang) for i in plugin_infos(pm)}
    for prereq in info.prerequisites:
        if prereq not in active:
            reasons.append(_("{plugin} needs {prerequisite} to be active first.", plugin=info.label(lang),
                             prerequisite=labels.get(prereq, prereq)))
    results = await call(hook_for(pm, "regie_activation_check", {plugin}),
                         ctx=hook_context(session, tenant, lang, user_id), department=department)
    for result in results:
        if isinstance(result, str):
            reasons.append(result)
        elif result:
            reasons.extend(str(r) for r in result)
    return reasons


def _refuse_with(reasons: list[str], label: str) -> Refused:
    return Refused(field="__all__", msgid="{plugin} cannot be activated now: {reasons}", plugin=label,
                   reasons=" ".join(reasons))


async def _department(session: AsyncSession, department_id: Any) -> Department:
    dep_id = clean_uuid(department_id, "department_id")
    department = await session.get(Department, dep_id)
    if department is None:
        raise DomainError(field="department_id", msgid="Choose a valid option.")
    return department


async def _row(session: AsyncSession, plugin: str) -> PluginActivation | None:
    return await session.scalar(select(PluginActivation).where(PluginActivation.plugin == plugin))


async def request_plugin(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, plugin: str,
                         department_id: Any, motivation: str, lang: str) -> PluginActivation:
    info = info_of(pm, plugin)
    department = await _department(session, department_id)
    motivation = clean_text(motivation, "motivation", required=False, max_length=4000)
    own = {principal.membership.department_id} if getattr(principal, "membership", None) else set()
    own |= set(getattr(principal, "seat_department_ids", ()) or ())
    if department.id not in own and not ({"admin", "regie"} & set(principal.roles)):
        raise PermissionDenied("plugin.request")
    row = await _row(session, plugin)
    if row is not None and row.status != ActivationStatus.declined.value:
        raise Refused(field="__all__", msgid="{plugin} is already {status}.", plugin=info.label(lang),
                      status=gettext_for(lang)(row.status))
    reasons = await blockers(session, tenant, pm, plugin, department, lang, principal.user_id)
    if reasons:
        raise _refuse_with(reasons, info.label(lang))
    if row is None:
        row = PluginActivation(plugin=plugin, department_id=department.id)
        session.add(row)
    row.department_id = department.id
    row.status = ActivationStatus.requested.value
    row.motivation = motivation
    row.requested_by_id = principal.user_id
    row.decided_by_id, row.decision_reason = None, ""
    await session.flush()
    await record(session, principal, "plugin.requested", subject=row, summary=f"{plugin} for {department.name}",
                 reason=motivation, data={"plugin": plugin, "department": department.name})
    await fire_event(session, tenant, pm, "plugin.requested", {"plugin": plugin, "department": department.name},
                     lang, principal.user_id)
    return row


async def _existing(session: AsyncSession, pm: Any, plugin: str) -> PluginActivation:
    info_of(pm, plugin)
    row = await _row(session, plugin)
    if row is None:
        raise NotFound(plugin)
    return row


async def decide(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, plugin: str, approve: bool,
                 reason: str, lang: str) -> PluginActivation:
    """The regie holder's decision on a request; approval re-checks the blockers, a decline needs a reason."""
    row = await _existing(session, pm, plugin)
    info = info_of(pm, plugin)
    reason = clean_text(reason, "reason", required=not approve, max_length=4000)
    if row.status != ActivationStatus.requested.value:
        raise Refused(field="__all__", msgid="There is no open request for {plugin}.", plugin=info.label(lang))
    if approve:
        reasons = await blockers(session, tenant, pm, plugin, row.department, lang, principal.user_id)
        if reasons:
            raise _refuse_with(reasons, info.label(lang))
        row.status = ActivationStatus.active.value
        row.activated_at = datetime.now(UTC)
        row.activated_in_phase = tenant.phase
    else:
        row.status = ActivationStatus.declined.value
    row.decided_by_id, row.decision_reason = principal.user_id, reason
    await session.flush()
    action = "plugin.activated" if approve else "plugin.declined"
    await record(session, principal, action, subject=row, summary=f"{plugin} for {row.department.name}",
                 reason=reason, data={"plugin": plugin})
    await fire_event(session, tenant, pm, action, {"plugin": plugin, "department": row.department.name}, lang,
                     principal.user_id)
    return row


async def pause(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, plugin: str, reason: str,
                lang: str, resume: bool = False) -> PluginActivation:
    """Pause an active plugin or resume a paused one; its data stays, the row stays."""
    row = await _existing(session, pm, plugin)
    info = info_of(pm, plugin)
    reason = clean_text(reason, "reason", max_length=4000)
    expected = ActivationStatus.paused if resume else ActivationStatus.active
    if row.status != expected.value:
        msgid = "{plugin} is not paused." if resume else "{plugin} is not active."
        raise Refused(field="__all__", msgid=msgid, plugin=info.label(lang))
    row.status = (ActivationStatus.active if resume else ActivationStatus.paused).value
    row.decision_reason = reason
    row.decided_by_id = principal.user_id
    await session.flush()
    action = "plugin.resumed" if resume else "plugin.paused"
    await record(session, principal, action, subject=row, summary=plugin, reason=reason, data={"plugin": plugin})
    await fire_event(session, tenant, pm, action, {"plugin": plugin}, lang, principal.user_id)
    return row


async def activate_as_operator(session: AsyncSession, tenant: Tenant, pm: Any, plugin: str, department_name: str,
                               force: bool = False, lang: str = "en") -> PluginActivation:
    """`regie plugin activate`: the operator activates directly; refused on blockers unless `force`."""
    info = info_of(pm, plugin)
    department = await session.scalar(select(Department).where(Department.name == department_name))
    if department is None:
        raise DomainError(field="department", msgid="There is no department named {name}.", name=department_name)
    reasons = await blockers(session, tenant, pm, plugin, department, lang)
    if reasons and not force:
        raise _refuse_with(reasons, info.label(lang))
    row = await _row(session, plugin)
    if row is None:
        row = PluginActivation(plugin=plugin, department_id=department.id)
        session.add(row)
    row.department_id = department.id
    row.status = ActivationStatus.active.value
    row.activated_at = datetime.now(UTC)
    row.activated_in_phase = tenant.phase
    row.decision_reason = "forced by the operator" if reasons else "activated by the operator"
    await session.flush()
    await record(session, OPERATOR, "plugin.activated_by_operator", subject=row,
                 summary=f"{plugin} for {department.name}", reason=row.decision_reason,
                 data={"plugin": plugin, "forced": bool(reasons), "blockers": reasons})
    await fire_event(session, tenant, pm, "plugin.activated", {"plugin": plugin, "department": department.name},
                     lang)
    return row
