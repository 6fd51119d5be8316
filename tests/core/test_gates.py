"""The gate engine: every item holds and fails with its explanation, in Dutch and English."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, select, update

from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.measurement.models import ManagementPresentation, MethodologyVersion, Target
from core.policy.models import PolicyVersion
from core.roadmap.gates import evaluate, evaluate_phase
from core.roadmap.models import BaselineStudy, PilotMeasurement, StartingPointsAck, StartingPointsVersion
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department, RegieAppointment, RegieProposal, WorkgroupSeat

# --- helpers shared by the roadmap, activation, evidence and mediator tests -------------------------------


async def report(sessionmaker, pm, tw, lang="en", phase=None):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            tenant = await session.get(Tenant, tw.id)
            if phase:
                return await evaluate_phase(session, tenant, phase, pm, lang)
            return await evaluate(session, tenant, pm, lang)


def item(rep, key):
    return next(i for i in rep.items if i.key == key)


async def add(sessionmaker, tw, *objs):
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add_all(objs)
    return objs


async def execute(sessionmaker, tw, *statements):
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for statement in statements:
                await session.execute(statement)


async def rows(sessionmaker, tw, model, *where):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.created_at))).unique())


async def count(sessionmaker, tw, model) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


async def audit(sessionmaker, tw, action):
    return await rows(sessionmaker, tw, AuditEntry, AuditEntry.action == action)


async def set_phase(sessionmaker, tw, phase):
    async with sessionmaker() as session, session.begin():
        (await session.get(Tenant, tw.id)).phase = phase


async def phase_of(sessionmaker, tw) -> str:
    async with sessionmaker() as session:
        return (await session.get(Tenant, tw.id)).phase




async def approve_starting_points(sessionmaker, tw, ack=("comms", "marketing", "service")):
    version = StartingPointsVersion(number=1, approved_at=datetime.now(UTC))
    await add(sessionmaker, tw, version)
    await add(sessionmaker, tw, *[StartingPointsAck(version_id=version.id, department_id=tw.departments[k].id)
                                  for k in ack])


async def baseline(sessionmaker, tw, title="Nulmeting 2025"):
    await add(sessionmaker, tw, BaselineStudy(source="external", title=title))


async def satisfy_listening(sessionmaker, tw):
    await approve_starting_points(sessionmaker, tw)
    await baseline(sessionmaker, tw)


SWITCHED_ON = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
"""When `activation` switched a plugin on: before every period the tests measure."""


async def activation(sessionmaker, tw, plugin, dep="comms", status="active"):
    on = SWITCHED_ON if status in ("active", "paused") else None
    row = PluginActivation(plugin=plugin, department_id=tw.departments[dep].id, status=status, activated_at=on)
    await add(sessionmaker, tw, row)
    return row


async def measured(sessionmaker, tw, plugin="monitoring", dep="comms"):
    """A pilot measurement of the plugin's own figures (monitoring measures itself)."""
    row = await activation(sessionmaker, tw, plugin, dep)
    await add(sessionmaker, tw, PilotMeasurement(activation_id=row.id, period_start=date(2026, 1, 1),
                                                 period_end=date(2026, 3, 31), values={"monitoring.volume": 10}))
    return row


# --- listening → pilot ------------------------------------------------------------------------------------


async def test_fresh_tenant_fails_the_listening_gate_on_starting_points_and_baseline(app, sessionmaker, world):
    rep = await report(sessionmaker, app.state.pm, world.a)
    assert rep.phase == "listening" and rep.next_phase == "pilot"
    assert [i.key for i in rep.items] == ["departments", "plugin_departments", "regie", "starting_points",
                                         "baseline"]
    assert rep.failing_keys == ["starting_points", "baseline"]
    assert (rep.holding, rep.total) == (3, 5)


async def test_departments_item(app, sessionmaker, world):
    pm = app.state.pm
    ok = item(await report(sessionmaker, pm, world.a), "departments")
    assert ok.ok and ok.text == "Represented: Communicatie, Klantenservice, Marketing (3 of at least 2)"
    nl = item(await report(sessionmaker, pm, world.a, "nl"), "departments")
    assert nl.text == "Vertegenwoordigd: Communicatie, Klantenservice, Marketing (3 van minstens 2)"
    await execute(sessionmaker, world.a, delete(WorkgroupSeat).where(WorkgroupSeat.department_id.in_(
        [world.a.departments["marketing"].id, world.a.departments["service"].id])))
    bad = item(await report(sessionmaker, pm, world.a), "departments")
    assert not bad.ok and bad.text == "Only 1 department represented (Communicatie); at least 2 are needed"
    nl = item(await report(sessionmaker, pm, world.a, "nl"), "departments")
    assert nl.text == "Slechts 1 afdeling vertegenwoordigd (Communicatie); er zijn er minstens 2 nodig"


async def test_plugin_departments_item(app, sessionmaker, world):
    pm = app.state.pm
    none = item(await report(sessionmaker, pm, world.a), "plugin_departments")
    assert none.ok and none.text == "No department owns or requests a plugin yet"
    await activation(sessionmaker, world.a, "webcare", "service", status="requested")
    ok = item(await report(sessionmaker, pm, world.a), "plugin_departments")
    assert ok.ok and "Klantenservice" in ok.text
    await execute(sessionmaker, world.a, delete(WorkgroupSeat).where(
        WorkgroupSeat.department_id == world.a.departments["service"].id))
    bad = item(await report(sessionmaker, pm, world.a), "plugin_departments")
    assert not bad.ok and bad.text == "Klantenservice requests Webcare but is not represented in the workgroup"
    nl = item(await report(sessionmaker, pm, world.a, "nl"), "plugin_departments")
    assert nl.text == "Klantenservice vraagt Webcare aan maar is niet vertegenwoordigd in de werkgroep"
    # a declined plugin no longer counts
    await execute(sessionmaker, world.a, update(PluginActivation).values(status="declined"))
    assert item(await report(sessionmaker, pm, world.a), "plugin_departments").ok


async def test_regie_item(app, sessionmaker, world):
    pm = app.state.pm
    ok = item(await report(sessionmaker, pm, world.a), "regie")
    assert ok.ok and ok.text.startswith("Regie Acme BV holds the regie since ")
    assert item(await report(sessionmaker, pm, world.a, "nl"), "regie").text.startswith("Regie Acme BV voert de regie")
    await execute(sessionmaker, world.a, update(RegieAppointment).values(ended_at=datetime.now(UTC)))
    bad = item(await report(sessionmaker, pm, world.a), "regie")
    assert not bad.ok and bad.text == "No regie holder is appointed"
    assert item(await report(sessionmaker, pm, world.a, "nl"), "regie").text == "Er is geen regiehouder benoemd"


async def test_a_proposed_regie_holder_does_not_hold_the_regie_item(app, sessionmaker, world):
    """Only a confirmed appointment counts: an open proposal leaves the gate item failing."""
    pm = app.state.pm
    await execute(sessionmaker, world.a, update(RegieAppointment).values(ended_at=datetime.now(UTC)))
    await add(sessionmaker, world.a, RegieProposal(membership_id=world.a.memberships["marketer"].id,
                                                   proposed_by_id=world.a.users["marketer"].id, reason="self"))
    bad = item(await report(sessionmaker, pm, world.a), "regie")
    assert not bad.ok and bad.text == "No regie holder is appointed"


async def test_starting_points_item(app, sessionmaker, world):
    pm = app.state.pm
    bad = item(await report(sessionmaker, pm, world.a), "starting_points")
    assert not bad.ok and "approved" in bad.text
    assert "goedgekeurd" in item(await report(sessionmaker, pm, world.a, "nl"), "starting_points").text
    await approve_starting_points(sessionmaker, world.a, ack=("comms", "marketing"))
    partial = item(await report(sessionmaker, pm, world.a), "starting_points")
    assert not partial.ok and "Klantenservice" in partial.text
    await add(sessionmaker, world.a, StartingPointsAck(
        version_id=(await rows(sessionmaker, world.a, StartingPointsVersion))[0].id,
        department_id=world.a.departments["service"].id))
    ok = item(await report(sessionmaker, pm, world.a), "starting_points")
    assert ok.ok and "acknowledged" in ok.text
    assert "onderschreven" in item(await report(sessionmaker, pm, world.a, "nl"), "starting_points").text \
        or "bevestigd" in item(await report(sessionmaker, pm, world.a, "nl"), "starting_points").text


async def test_baseline_item(app, sessionmaker, world):
    pm = app.state.pm
    bad = item(await report(sessionmaker, pm, world.a), "baseline")
    assert not bad.ok and bad.text.startswith("No baseline measurement yet")
    assert item(await report(sessionmaker, pm, world.a, "nl"), "baseline").text.startswith("Nog geen nulmeting")
    await baseline(sessionmaker, world.a)
    ok = item(await report(sessionmaker, pm, world.a), "baseline")
    assert ok.ok and ok.text == "Baseline: Nulmeting 2025 (external)"
    assert item(await report(sessionmaker, pm, world.a, "nl"), "baseline").text == \
        "Nulmeting: Nulmeting 2025 (extern onderzoek)"


async def test_all_listening_items_hold(app, sessionmaker, world):
    await satisfy_listening(sessionmaker, world.a)
    rep = await report(sessionmaker, app.state.pm, world.a)
    assert rep.ok, [i.text for i in rep.failing]
    # the other tenant is untouched
    assert not (await report(sessionmaker, app.state.pm, world.b)).ok


# --- pilot → learning -------------------------------------------------------------------------------------


async def test_pilot_gate_items(app, sessionmaker, world):
    pm = app.state.pm
    await set_phase(sessionmaker, world.a, "pilot")
    rep = await report(sessionmaker, pm, world.a)
    assert rep.failing_keys == ["pilot_measured", "methodology"]
    assert item(rep, "pilot_measured").text == "No plugin has run as a pilot with a recorded measurement yet"
    assert item(rep, "methodology").text == "No methodology version (chosen KPIs) exists yet"
    nl = await report(sessionmaker, pm, world.a, "nl")
    assert item(nl, "pilot_measured").text == "Nog geen plug-in draaide als pilot met een vastgelegde meting"
    assert item(nl, "methodology").text.startswith("Er is nog geen versie van de meetmethodiek")
    await activation(sessionmaker, world.a, "talking", "marketing")  # active without a measurement: not enough
    assert not item(await report(sessionmaker, pm, world.a), "pilot_measured").ok
    await measured(sessionmaker, world.a)
    await add(sessionmaker, world.a, MethodologyVersion(number=1, kpis=[{"key": "mentions"}], reason="start"))
    rep = await report(sessionmaker, pm, world.a)
    assert rep.ok
    assert item(rep, "pilot_measured").text == "Pilot measured: Monitoring (its own measurements)"
    assert item(rep, "methodology").text == "Methodology version 1 with 1 KPI"
    nl = await report(sessionmaker, pm, world.a, "nl")
    assert item(nl, "methodology").text == "Meetmethodiek versie 1 met 1 KPI"


# --- learning → implementation ----------------------------------------------------------------------------


async def test_learning_gate_items(app, sessionmaker, world):
    pm = app.state.pm
    rep = await report(sessionmaker, pm, world.a, phase="learning")
    assert rep.failing_keys == ["targets", "presentation_produced", "presentation_approved"]
    assert item(rep, "targets").text == "No targets are set yet"
    assert item(await report(sessionmaker, pm, world.a, "nl", "learning"), "targets").text == \
        "Er zijn nog geen streefwaarden vastgesteld"
    await add(sessionmaker, world.a, Target(kpi="mentions", period_start=date(2026, 1, 1),
                                            period_end=date(2026, 12, 31), value=100))
    presentation = ManagementPresentation(title="Q1", period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                                          produced_at=datetime.now(UTC))
    await add(sessionmaker, world.a, presentation)
    rep = await report(sessionmaker, pm, world.a, phase="learning")
    assert item(rep, "targets").text == "1 target set"
    assert item(rep, "presentation_produced").ok and item(rep, "presentation_produced").text.startswith("Produced: Q1")
    approved = item(rep, "presentation_approved")
    assert not approved.ok and approved.text == \
        "Management (an admin) has not yet approved a management presentation"
    await execute(sessionmaker, world.a, update(ManagementPresentation).values(approved_at=datetime.now(UTC)))
    rep = await report(sessionmaker, pm, world.a, "nl", phase="learning")
    assert rep.ok
    assert item(rep, "presentation_approved").text.startswith("Goedgekeurd door het management op")


# --- implementation (health) ------------------------------------------------------------------------------


async def test_implementation_policy_item_and_final_phase(app, sessionmaker, world):
    pm = app.state.pm
    rep = await report(sessionmaker, pm, world.a, phase="implementation")
    assert rep.is_final and rep.next_phase is None
    assert item(rep, "policy_published").text == "No policy version is published yet"
    assert item(await report(sessionmaker, pm, world.a, "nl", "implementation"), "policy_published").text == \
        "Er is nog geen beleidsversie gepubliceerd"
    await add(sessionmaker, world.a, PolicyVersion(number=1, published_at=datetime.now(UTC)))
    ok = item(await report(sessionmaker, pm, world.a, phase="implementation"), "policy_published")
    assert ok.ok and ok.text == "Policy version 1 is published"


async def test_governance_item_per_org_model(app, sessionmaker, world):
    pm = app.state.pm
    # hub and spoke: Communicatie is a hub
    ok = item(await report(sessionmaker, pm, world.a, phase="implementation"), "governance")
    assert ok.ok and ok.text == "hub_and_spoke: hub department Communicatie"
    assert item(await report(sessionmaker, pm, world.a, "nl", "implementation"), "governance").text == \
        "hub and spoke: hub-afdeling Communicatie"
    await execute(sessionmaker, world.a, update(Department).values(is_hub=False))
    bad = item(await report(sessionmaker, pm, world.a, phase="implementation"), "governance")
    assert not bad.ok and bad.text == "hub_and_spoke needs at least one hub department; there is none"
    # centralized: the regie holder's department must be the hub
    ok = item(await report(sessionmaker, pm, world.b, phase="implementation"), "governance")
    assert ok.ok and ok.text == "centralized: the regie holder's department Communicatie is the hub"
    await execute(sessionmaker, world.b, update(Department).values(is_hub=False))
    bad = item(await report(sessionmaker, pm, world.b, "nl", phase="implementation"), "governance")
    assert not bad.ok and "is niet de centrale (hub-)afdeling" in bad.text
    # decentralized: no hub needed
    async with sessionmaker() as session, session.begin():
        (await session.get(Tenant, world.b.id)).org_model = "decentralized"
    ok = item(await report(sessionmaker, pm, world.b, phase="implementation"), "governance")
    assert ok.ok and "no hub is needed" in ok.text


async def test_every_item_has_a_title_and_an_add_evidence_link(app, sessionmaker, world):
    for phase in ("listening", "pilot", "learning", "implementation"):
        for lang in ("nl", "en"):
            rep = await report(sessionmaker, app.state.pm, world.a, lang, phase)
            for i in rep.items:
                assert i.title.render(lang) and i.text and i.href
