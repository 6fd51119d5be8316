"""Plugin activation: a department requests, the core checks, the regie holder decides; paused, never deleted.

One row per (tenant, plugin): a declined plugin can be requested again and reuses its row. Status moves
requested → active | declined, active ⇄ paused. Every decision is audited and announced to the active
plugins through `fire_events` (`plugin.requested`, `plugin.activated`, `plugin.declined`, `plugin.paused`,
`plugin.resumed`; see the event catalogue, `core.plugins.events`).

A plugin that declares itself unavailable (`PluginInfo.available=False`: it has no pages yet) is "coming": it
cannot be requested or approved, and only the operator's `--force` activates it. The regie holder decides on
requests, except on their own: that one is approved by a second person, another workgroup member or an admin
(the two-person rule of the regie appointment, docs/decisions.md).
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
from core.plugins.events import check_events
from core.plugins.host import PluginHost, call
from core.plugins.info import DomainEvent, PluginInfo
from core.plugins.manager import notify
from core.tenancy.models import Phase, Tenant
from core.trainings.events import on_events
from core.validation import clean_text, clean_uuid
from core.workgroup.models import Department, RegieAppointment

log = logging.getLogger("regie.activation")


@dataclass
class CatalogueEntry:
    info: PluginInfo
    activation: PluginActivation | None
    suggested_department: Department | None

    @property
    def status(self) -> str:
        return self.activation.status if self.activation else "available"


@dataclass(frozen=True)
class Blocker:
    """One reason a plugin cannot be activated now, and what would lift it."""

    reason: str
    remedy: str = ""
    """What would unblock it, in the reader's language ("" when the reason itself says so)."""
    href: str = ""
    """Where to do that, relative to /t/<slug>/."""
    own: bool = False
    """The plugin's own prerequisite said it (`regie_activation_check`): the regie holder may override that."""


@dataclass
class Card:
    """What the catalogue says about one plugin: exactly one state, with the reasons behind it."""

    entry: CatalogueEntry
    state: str
    """available, blocked, requested, active, paused or coming."""
    blockers: list[Blocker]
    """Why it cannot be activated now (for available, declined and requested plugins)."""
    may_approve: bool = False
    may_decline: bool = False
    own_request: bool = False
    """The open request is the regie holder's own: a second person approves it."""


def info_of(pm: PluginHost, plugin: str) -> PluginInfo:
    info = pm.info(plugin)
    if info is None:
        raise NotFound(plugin)
    return info


async def owning_department(session: AsyncSession, plugin: str) -> UUID | None:
    """The department a plugin is activated for (it owns the plugin's work and gets its notifications)."""
    return await session.scalar(select(PluginActivation.department_id).where(PluginActivation.plugin == plugin))


async def fire_events(session: AsyncSession, tenant: Tenant, pm: Any, events: list[DomainEvent],
                      lang: str = "nl", exclude: str = "", user_id: UUID | None = None) -> int:
    """The one way to announce domain events, core decisions and a plugin's news alike, one or a thousand.

    Each event must match the catalogue (`core.plugins.events`; a mismatch raises in tests). The core's own
    listener (training suggestions) hears every event; then each active plugin other than `exclude` (the
    emitter) that implements `regie_events` gets the whole batch in one call, in a savepoint of its own: a
    failing plugin's writes are rolled back and logged, and neither the decision that fired the events nor
    another plugin's reaction is undone. Costs nothing when no plugin listens. Returns the number of listeners.
    """
    if not events:
        return 0
    check_events(pm, events)
    await on_events(session, pm, events)
    if pm is None:
        return 0
    names = (await pm.for_tenant(session)).names - {exclude}
    if not names:
        return 0
    listeners = sorted({pm.name_of(impl.plugin) for impl in pm.hook("regie_events", names).get_hookimpls()})
    if not listeners:
        return 0
    # a listener may announce what it did in turn, and write links with the site's address
    ctx = hook_context(session, tenant, lang, user_id, pm=pm, settings=getattr(pm, "settings", None))
    what = f"{len(events)} x {events[0].name}"
    for name in listeners:  # "": the listeners that are no plugin (tests), together
        await notify(session, pm.hook("regie_events", {name}), f"{what} ({name})", ctx=ctx, events=events)
    return len(listeners)


async def catalogue(session: AsyncSession, pm: Any) -> list[CatalogueEntry]:
    rows = {a.plugin: a for a in (await session.scalars(select(PluginActivation))).all()}
    departments = (await session.scalars(select(Department).order_by(Department.name))).all()
    entries = []
    for info in pm.infos:
        suggested = next((d for d in departments if d.business_function == info.default_owner), None)
        entries.append(CatalogueEntry(info=info, activation=rows.get(info.name), suggested_department=suggested))
    return entries


def coming(info: PluginInfo, lang: str) -> Blocker:
    """The one reason an unavailable plugin gives: it has no pages yet."""
    return Blocker(gettext_for(lang)("{plugin} is coming: it has no pages yet and cannot be requested.",
                                     plugin=info.label(lang)))


async def blocking(session: AsyncSession, tenant: Tenant, pm: Any, plugin: str, department: Department | None,
                   lang: str, user_id: UUID | None = None) -> list[Blocker]:
    """What blocks activating `plugin` for `department` now, each reason with its remedy; empty when allowed."""
    info = info_of(pm, plugin)
    if not info.available:
        return [coming(info, lang)]
    _ = gettext_for(lang)
    found: list[Blocker] = []
    if Phase(tenant.phase).rank < Phase(info.min_phase).rank:
        found.append(Blocker(
            _("{plugin} can be activated from the {min} phase on; the organisation is in the {phase} phase.",
              plugin=info.label(lang), min=_(info.min_phase), phase=_(tenant.phase)),
            _("Move to the {min} phase: the roadmap shows what its gate still needs.", min=_(info.min_phase)),
            "roadmap/"))
    active = await pm.for_tenant(session)
    for prereq in info.prerequisites:
        if prereq not in active:
            name = pm.label(prereq, lang)
            found.append(Blocker(
                _("{plugin} needs {prerequisite} to be active first.", plugin=info.label(lang), prerequisite=name),
                _("Request {prerequisite} for its department (or resume it when it is paused).", prerequisite=name),
                f"plugins/#plugin-{prereq}"))
    results = await call(pm.hook("regie_activation_check", only=plugin),
                         ctx=hook_context(session, tenant, lang, user_id, pm=pm), department=department)
    for result in results:  # the plugin's own reason says what it needs
        if isinstance(result, str):
            found.append(Blocker(result, own=True))
        elif result:
            found.extend(Blocker(str(r), own=True) for r in result)
    return found


async def blockers(session: AsyncSession, tenant: Tenant, pm: Any, plugin: str, department: Department | None,
                   lang: str, user_id: UUID | None = None) -> list[str]:
    """Translated reasons that block activating `plugin` for `department` now; empty when allowed."""
    return [b.reason for b in await blocking(session, tenant, pm, plugin, department, lang, user_id)]


async def regie_holder_id(session: AsyncSession) -> UUID | None:
    appointment = await session.scalar(select(RegieAppointment).where(RegieAppointment.ended_at.is_(None)))
    return appointment.membership.user_id if appointment is not None else None


DECIDE_RULE = ("the regie holder decides, but never approves their own request; another workgroup member or an "
               "admin approves that one (and decides nothing else)")
"""`decision_rights` in words, declared on the decision routes (`opt["rule"]`) for docs/authorisation.md."""


def decision_rights(principal: Any, row: PluginActivation, holder_id: UUID | None) -> tuple[bool, bool]:
    """(may approve, may decline) `row` for `principal`. The regie holder decides, but never approves their own
    request: a second person does, another workgroup member or an admin (who decide nothing else)."""
    roles = set(getattr(principal, "roles", ()) or ())
    own = row.requested_by_id is not None and row.requested_by_id == holder_id
    if "regie" in roles:
        return not own, True
    if own and roles & {"admin", "workgroup"}:
        return True, True
    return False, False


async def awaiting_decision(session: AsyncSession, principal: Any) -> list[PluginActivation]:
    """The open requests `principal` may approve (the overview's "awaiting your decision")."""
    rows = (await session.scalars(select(PluginActivation).where(
        PluginActivation.status == ActivationStatus.requested.value).order_by(PluginActivation.created_at))).all()
    if not rows:
        return []
    holder = await regie_holder_id(session)
    return [row for row in rows if decision_rights(principal, row, holder)[0]]


async def cards(session: AsyncSession, tenant: Tenant, pm: Any, principal: Any, lang: str) -> list[Card]:
    """The catalogue as the reader sees it: one state per plugin, its blockers and the reader's decision rights."""
    holder = await regie_holder_id(session)
    out: list[Card] = []
    for entry in await catalogue(session, pm):
        act = entry.activation
        card = Card(entry=entry, state=entry.status, blockers=[])
        if not entry.info.available:
            card.state = "coming"
        elif entry.status in ("available", ActivationStatus.declined.value, ActivationStatus.requested.value):
            department = act.department if act else entry.suggested_department
            card.blockers = await blocking(session, tenant, pm, entry.info.name, department, lang,
                                           getattr(principal, "user_id", None))
            if entry.status != ActivationStatus.requested.value:
                card.state = "blocked" if card.blockers else "available"
        if act is not None and act.status == ActivationStatus.requested.value:
            card.own_request = act.requested_by_id is not None and act.requested_by_id == holder
            card.may_approve, card.may_decline = decision_rights(principal, act, holder)
        out.append(card)
    return out


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
    if not info.available:
        raise _refuse_with([coming(info, lang).reason], info.label(lang))
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
    await fire_events(session, tenant, pm, [DomainEvent("plugin.requested", {
        "plugin": plugin, "department": department.name})], lang, user_id=principal.user_id)
    return row


async def _existing(session: AsyncSession, pm: Any, plugin: str) -> PluginActivation:
    info_of(pm, plugin)
    row = await _row(session, plugin)
    if row is None:
        raise NotFound(plugin)
    return row


async def decide(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, plugin: str, approve: bool,
                 reason: str, lang: str) -> PluginActivation:
    """The regie holder's decision on a request; approval re-checks the blockers, a decline needs a reason.
    The regie holder's own request is approved by a second person (`decision_rights`)."""
    row = await _existing(session, pm, plugin)
    info = info_of(pm, plugin)
    may_approve, may_decline = decision_rights(principal, row, await regie_holder_id(session))
    if not may_decline:
        raise PermissionDenied("plugin.decide")
    reason = clean_text(reason, "reason", required=not approve, max_length=4000)
    if row.status != ActivationStatus.requested.value:
        raise Refused(field="__all__", msgid="There is no open request for {plugin}.", plugin=info.label(lang))
    if approve and not may_approve:
        raise Refused(field="__all__", msgid="You requested {plugin} yourself: another member of the workgroup or "
                      "an admin approves it.", plugin=info.label(lang))
    second_person = "regie" not in set(principal.roles)
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
                 reason=reason, data={"plugin": plugin, "requested_by": str(row.requested_by_id or ""),
                                      "second_person": second_person})
    await fire_events(session, tenant, pm, [DomainEvent(action, {"plugin": plugin, "department": row.department.name})],
                      lang, user_id=principal.user_id)
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
    await fire_events(session, tenant, pm, [DomainEvent(action, {"plugin": plugin, "department": row.department.name})],
                      lang, user_id=principal.user_id)
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
    await fire_events(session, tenant, pm, [DomainEvent("plugin.activated", {
        "plugin": plugin, "department": department.name})], lang)
    return row
