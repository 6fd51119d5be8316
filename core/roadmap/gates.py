"""The phase gates: what must hold before a tenant moves to the next phase, item by item, with reasons.

Every item says WHY it holds or fails, in the reader's language (`GateItem.explanation` is a `Msg`,
`GateItem.text` the same rendered for the `lang` passed in). The gate of a phase is what must hold to
LEAVE it:

listening → pilot
  - `departments`: at least two departments have a workgroup seat.
  - `plugin_departments`: every department that owns or requests a plugin (activation requested, active
    or paused) has a workgroup seat.
  - `regie`: a regie holder is appointed (an open `RegieAppointment`).
  - `starting_points`: a starting points version is approved by the regie holder and acknowledged by every
    represented department (`core.startingpoints.service.approved_and_acknowledged`).
  - `baseline`: a baseline measurement exists (a `BaselineStudy` from monitoring or an external study).
pilot → learning
  - `pilot_measured`: a plugin activation ran as a pilot with a `PilotMeasurement` recorded. A measurement
    counts when its period starts on or after the day the plugin was switched on, the plugin has pages
    (`PluginInfo.available`), and, for a plugin that measures itself (it declares KPIs), at least one value
    comes from its own daily snapshots. Values typed in are marked "entered by hand" in the explanation.
  - `methodology`: a first `MethodologyVersion` exists.
learning → implementation
  - `targets`: at least one `Target` is set.
  - `presentation_produced`: a `ManagementPresentation` was produced.
  - `presentation_approved`: a produced presentation was approved by an admin.
implementation (the last phase: a health checklist, nothing to advance to)
  - `policy_published`: a policy version is published.
  - `governance`: the organisation follows its org model:
      hub_and_spoke / multiple_hub_and_spoke → at least one department is a hub;
      centralized → the regie holder's department is a hub (the centre approves);
      decentralized / holistic → no hub needed, always holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import ActivationStatus, PluginActivation
from core.auth.models import Membership
from core.i18n import N_, Msg, Plural, gettext_for
from core.measurement.models import ManagementPresentation, MethodologyVersion, Target
from core.policy.models import PolicyVersion
from core.roadmap.models import BaselineStudy, PilotMeasurement
from core.startingpoints.service import approved_and_acknowledged, represented_departments
from core.tenancy.models import OrgModel, Phase, Tenant
from core.workgroup.models import Department, RegieAppointment

log = logging.getLogger("regie.gates")

ITEM_TITLES = {
    "departments": N_("At least two departments in the workgroup"),
    "plugin_departments": N_("Every department with a plugin is represented"),
    "regie": N_("A regie holder is appointed"),
    "starting_points": N_("Starting points approved and acknowledged"),
    "baseline": N_("A baseline measurement exists"),
    "pilot_measured": N_("A plugin ran as a pilot with a measurement"),
    "methodology": N_("A first methodology version exists"),
    "targets": N_("Targets are set"),
    "presentation_produced": N_("A management presentation was produced"),
    "presentation_approved": N_("Management approved the presentation"),
    "policy_published": N_("A policy version is published"),
    "governance": N_("Governance follows the organisation model"),
}
"""Each gate item's title by its key: a stored list of failing items (an override) is shown by these."""

MIN_DEPARTMENTS = 2
LIVE = (ActivationStatus.requested.value, ActivationStatus.active.value, ActivationStatus.paused.value)


class Joined:
    """Several messages shown as one explanation (e.g. one line per unrepresented department)."""

    def __init__(self, parts: Iterable[Msg], sep: str = "; ") -> None:
        self.parts = list(parts)
        self.sep = sep

    def render(self, lang: str) -> str:
        return self.sep.join(p.render(lang) for p in self.parts)

    def __str__(self) -> str:
        return self.render("en")


@dataclass
class GateItem:
    key: str
    ok: bool
    explanation: Msg | Joined
    title: Msg
    text: str = ""
    """The explanation rendered in the report's language."""
    heading: str = ""
    """The title rendered in the report's language."""
    href: str = ""
    """Where to add the evidence for this item (relative to /t/<slug>/)."""


@dataclass
class GateReport:
    phase: str
    next_phase: str | None
    items: list[GateItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    @property
    def holding(self) -> int:
        return sum(1 for i in self.items if i.ok)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def failing(self) -> list[GateItem]:
        return [i for i in self.items if not i.ok]

    @property
    def failing_keys(self) -> list[str]:
        return [i.key for i in self.items if not i.ok]

    @property
    def is_final(self) -> bool:
        return self.next_phase is None


async def evaluate(session: AsyncSession, tenant: Tenant, pm: Any = None, lang: str = "nl") -> GateReport:
    """The gate of the tenant's current phase. The session must be scoped to the tenant."""
    return await evaluate_phase(session, tenant, tenant.phase, pm, lang)


async def evaluate_phase(session: AsyncSession, tenant: Tenant, phase: str, pm: Any = None,
                         lang: str = "nl") -> GateReport:
    current = Phase(phase)
    nxt = current.next
    label = _labeller(pm, lang)
    checks: dict[Phase, list[Callable[..., Any]]] = {
        Phase.listening: [_departments, _plugin_departments, _regie, _starting_points, _baseline],
        Phase.pilot: [partial(_pilot_measured, pm=pm), _methodology],
        Phase.learning: [_targets, _presentation_produced, _presentation_approved],
        Phase.implementation: [_policy_published, _governance],
    }
    report = GateReport(phase=current.value, next_phase=nxt.value if nxt else None)
    for check in checks[current]:
        item: GateItem = await check(session, tenant, label, lang)
        item.text = item.explanation.render(lang)
        item.heading = item.title.render(lang)
        report.items.append(item)
    return report


def _labeller(pm: Any, lang: str) -> Callable[[str], str]:
    labels: dict[str, str] = {}
    if pm is not None:
        labels = {i.name: i.label(lang) for i in pm.infos}
    return lambda name: labels.get(name, name)


def _names(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "—"


# --- listening → pilot ------------------------------------------------------------------------------
async def _departments(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    names = [d.name for d in await represented_departments(session)]
    n = len(names)
    ok = n >= MIN_DEPARTMENTS
    if ok:
        msg = Msg("Represented: {names} ({n} of at least {min})", names=_names(names), n=n, min=MIN_DEPARTMENTS)
    else:
        msg = Plural("Only {n} department represented ({names}); at least {min} are needed",
                     "Only {n} departments represented ({names}); at least {min} are needed",
                     n, names=_names(names), min=MIN_DEPARTMENTS)
    return GateItem("departments", ok, msg, Msg(ITEM_TITLES["departments"]), href="workgroup/")


async def _plugin_departments(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    represented = {d.id for d in await represented_departments(session)}
    rows = (await session.execute(
        select(PluginActivation.plugin, PluginActivation.status, Department.id, Department.name)
        .join(Department, Department.id == PluginActivation.department_id)
        .where(PluginActivation.status.in_(LIVE)).order_by(Department.name, PluginActivation.plugin))).all()
    missing = []
    for plugin, status, dep_id, dep_name in rows:
        if dep_id not in represented:
            msgid = "{department} requests {plugin} but is not represented in the workgroup" \
                if status == ActivationStatus.requested.value \
                else "{department} owns {plugin} but is not represented in the workgroup"
            missing.append(Msg(msgid, department=dep_name, plugin=label(plugin)))
    title = Msg(ITEM_TITLES["plugin_departments"])
    if missing:
        return GateItem("plugin_departments", False, Joined(missing), title, href="workgroup/")
    if not rows:
        return GateItem("plugin_departments", True, Msg("No department owns or requests a plugin yet"), title,
                        href="plugins/")
    owners = {r[3] for r in rows}
    return GateItem("plugin_departments", True,
                    Msg("Every department that owns or requests a plugin is represented: {names}",
                        names=_names(owners)), title, href="plugins/")


async def _regie(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    appointment = await session.scalar(select(RegieAppointment).where(RegieAppointment.ended_at.is_(None)))
    title = Msg(ITEM_TITLES["regie"])
    if appointment is None:
        return GateItem("regie", False, Msg("No regie holder is appointed"), title, href="workgroup/")
    who = appointment.membership.user.display_name
    return GateItem("regie", True, Msg("{name} holds the regie since {date}", name=who,
                                       date=appointment.started_at.date()), title, href="workgroup/")


async def _starting_points(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    ok, msgid, details = await approved_and_acknowledged(session)
    params = {k: (_names(v) if isinstance(v, list | tuple | set | frozenset) else v) for k, v in details.items()}
    return GateItem("starting_points", ok, Msg(msgid, **params), Msg(ITEM_TITLES["starting_points"]),
                    href="starting-points/")


async def _baseline(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    study = await session.scalar(select(BaselineStudy).order_by(BaselineStudy.created_at.desc()).limit(1))
    title = Msg(ITEM_TITLES["baseline"])
    if study is None:
        return GateItem("baseline", False, Msg(
            "No baseline measurement yet: freeze one in monitoring or upload an external listening study"),
            title, href="evidence/baseline")
    source = gettext_for(lang)(study.source)
    return GateItem("baseline", True, Msg("Baseline: {title} ({source})", title=study.title, source=source),
                    title, href="evidence/baseline")


# --- pilot → learning -------------------------------------------------------------------------------
@dataclass
class PilotEvidence:
    """Per plugin: whether its pilot measurements count, and how their values were obtained."""

    counted: dict[str, set[str]] = field(default_factory=dict)
    """plugin → {"own", "hand"}: values from its own snapshots, values entered by hand."""
    refused: dict[str, str] = field(default_factory=dict)
    """plugin → why its measurements do not count (a msgid taking {plugin})."""


async def pilot_evidence(session: AsyncSession, pm: Any = None) -> PilotEvidence:
    """Which pilot measurements show a plugin really ran as a pilot (see the module docstring). Without `pm`
    availability and self-measurement are unknown, and only the dates are checked."""
    from core.measurement.snapshots import plugin_kpis

    infos = {i.name: i for i in pm.infos} if pm is not None else {}
    measuring = {owner for owner, _definition in plugin_kpis(pm).values()} if pm is not None else set()
    rows = (await session.execute(
        select(PilotMeasurement, PluginActivation)
        .join(PluginActivation, PluginActivation.id == PilotMeasurement.activation_id)
        .where(PluginActivation.status.in_((ActivationStatus.active.value, ActivationStatus.paused.value)))
        .order_by(PluginActivation.plugin, PilotMeasurement.period_start))).all()
    found = PilotEvidence()
    for measurement, activation in rows:
        plugin = activation.plugin
        hand = set(measurement.hand_entered or ())
        own = set(measurement.values or {}) - hand
        info = infos.get(plugin)
        if info is not None and not info.available:
            why = N_("{plugin} has no pages yet, so it did not run as a pilot")
        elif activation.activated_on is None or measurement.period_start < activation.activated_on:
            why = N_("{plugin}: the measured period starts before it was switched on")
        elif plugin in measuring and not own:
            why = N_("{plugin} measures itself, but its measurement holds only values entered by hand")
        else:
            found.counted.setdefault(plugin, set()).update({"own"} if own else set(), {"hand"} if hand else set())
            continue
        found.refused.setdefault(plugin, why)
    for plugin in found.counted:
        found.refused.pop(plugin, None)
    return found


def _how(kinds: set[str], lang: str) -> str:
    """How a counted plugin's values were obtained, for the gate's explanation."""
    _ = gettext_for(lang)
    if kinds == {"own", "hand"}:
        return _("its own measurements; some values entered by hand")
    return _("its own measurements") if kinds == {"own"} else _("entered by hand")


async def _pilot_measured(session: AsyncSession, tenant: Tenant, label: Any, lang: str,
                          pm: Any = None) -> GateItem:
    evidence = await pilot_evidence(session, pm)
    title = Msg(ITEM_TITLES["pilot_measured"])
    if not evidence.counted:
        none = Msg("No plugin has run as a pilot with a recorded measurement yet")
        not_counted = [Msg(why, plugin=label(plugin)) for plugin, why in sorted(evidence.refused.items())]
        return GateItem("pilot_measured", False, Joined([none, *not_counted]) if not_counted else none, title,
                        href="evidence/pilot")
    plugins = sorted((label(p), kinds) for p, kinds in evidence.counted.items())
    return GateItem("pilot_measured", True, Msg("Pilot measured: {plugins}", plugins=", ".join(
        f"{name} ({_how(kinds, lang)})" for name, kinds in plugins)), title, href="evidence/pilot")


async def _methodology(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    version = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))
    title = Msg(ITEM_TITLES["methodology"])
    if version is None:
        return GateItem("methodology", False, Msg("No methodology version (chosen KPIs) exists yet"), title,
                        href="evidence/methodology")
    return GateItem("methodology", True, Plural("Methodology version {version} with {n} KPI",
                                                "Methodology version {version} with {n} KPIs",
                                                len(version.kpis or []), version=version.number),
                    title, href="evidence/methodology")


# --- learning → implementation ----------------------------------------------------------------------
async def _targets(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    n = await session.scalar(select(func.count(Target.id))) or 0
    title = Msg(ITEM_TITLES["targets"])
    if not n:
        return GateItem("targets", False, Msg("No targets are set yet"), title, href="evidence/targets")
    return GateItem("targets", True, Plural("{n} target set", "{n} targets set", n), title,
                    href="evidence/targets")


async def _presentation_produced(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    p = await session.scalar(select(ManagementPresentation).where(
        ManagementPresentation.produced_at.is_not(None)).order_by(ManagementPresentation.produced_at.desc()).limit(1))
    title = Msg(ITEM_TITLES["presentation_produced"])
    if p is None:
        return GateItem("presentation_produced", False, Msg("No management presentation has been produced yet"),
                        title, href="evidence/presentations")
    return GateItem("presentation_produced", True, Msg("Produced: {title} on {date}", title=p.title,
                                                       date=p.produced_at.date()),
                    title, href="evidence/presentations")


async def _presentation_approved(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    p = await session.scalar(select(ManagementPresentation).where(
        ManagementPresentation.produced_at.is_not(None), ManagementPresentation.approved_at.is_not(None))
        .order_by(ManagementPresentation.approved_at.desc()).limit(1))
    title = Msg(ITEM_TITLES["presentation_approved"])
    if p is None:
        return GateItem("presentation_approved", False,
                        Msg("Management (an admin) has not yet approved a management presentation"), title,
                        href="evidence/presentations")
    return GateItem("presentation_approved", True, Msg("Approved by management on {date}: {title}",
                                                       date=p.approved_at.date(), title=p.title),
                    title, href="evidence/presentations")


# --- implementation (health) ------------------------------------------------------------------------
async def _policy_published(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    v = await session.scalar(select(PolicyVersion).where(PolicyVersion.published_at.is_not(None))
                             .order_by(PolicyVersion.number.desc()).limit(1))
    title = Msg(ITEM_TITLES["policy_published"])
    if v is None:
        return GateItem("policy_published", False, Msg("No policy version is published yet"), title, href="policy/")
    return GateItem("policy_published", True, Msg("Policy version {n} is published", n=v.number), title,
                    href="policy/")


async def _governance(session: AsyncSession, tenant: Tenant, label: Any, lang: str) -> GateItem:
    model = tenant.org_model
    model_label = gettext_for(lang)(model)
    title = Msg(ITEM_TITLES["governance"])
    if model in (OrgModel.hub_and_spoke.value, OrgModel.multiple_hub_and_spoke.value):
        hubs = (await session.scalars(select(Department.name).where(Department.is_hub.is_(True)))).all()
        if not hubs:
            return GateItem("governance", False, Msg("{model} needs at least one hub department; there is none",
                                                     model=model_label), title, href="people/")
        return GateItem("governance", True, Plural("{model}: hub department {names}",
                                                   "{model}: hub departments {names}", len(hubs),
                                                   model=model_label, names=_names(hubs)), title, href="people/")
    if model == OrgModel.centralized.value:
        row = (await session.execute(
            select(Department.name, Department.is_hub)
            .join(Membership, Membership.department_id == Department.id)
            .join(RegieAppointment, RegieAppointment.membership_id == Membership.id)
            .where(RegieAppointment.ended_at.is_(None)))).first()
        if row is None:
            return GateItem("governance", False, Msg(
                "{model}: the regie holder must belong to the central (hub) department; no regie holder with a "
                "department", model=model_label), title, href="workgroup/")
        if not row[1]:
            return GateItem("governance", False, Msg(
                "{model}: the regie holder's department {name} is not the central (hub) department",
                model=model_label, name=row[0]), title, href="people/")
        return GateItem("governance", True, Msg("{model}: the regie holder's department {name} is the hub",
                                                model=model_label, name=row[0]), title, href="people/")
    return GateItem("governance", True, Msg("{model}: no hub is needed; departments publish themselves",
                                            model=model_label), title, href="policy/")
