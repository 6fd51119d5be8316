"""Plugin catalogue and activation: core checks, the plugin's own check, regie decisions, pause and resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.activation import service
from core.activation.models import PluginActivation
from core.audit.service import OPERATOR
from core.errors import Refused
from core.measurement.models import KpiSnapshot, Target
from core.plugins.api import PluginInfo, hookimpl
from core.roadmap.models import PilotMeasurement
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from tests.core.test_gates import activation, audit, count, measured, rows, set_phase
from tests.core.test_roadmap import Recorder
from tests.support import api_headers, login_as, post_form

TODAY = datetime.now(UTC).date()


def dep(world, key):
    return str(world.a.departments[key].id)


async def the_row(sessionmaker, world, plugin) -> PluginActivation:
    [row] = await rows(sessionmaker, world.a, PluginActivation, PluginActivation.plugin == plugin)
    return row


async def test_catalogue_lists_installed_plugins_with_status(client, world, sessionmaker):
    await activation(sessionmaker, world.a, "monitoring", "comms")
    await login_as(client, world.a, "marketer")
    r = await client.get("/t/acme/plugins/")
    assert r.status_code == 200
    for title in ("Monitoring", "Cocreatie", "Webcare"):
        assert title in r.text
    assert "Groundswell-functie" in r.text and "omarmen" in r.text
    assert "actief" in r.text  # monitoring's status
    assert "Talking kan vanaf de fase pilot worden geactiveerd" in r.text or "vanaf de fase pilot" in r.text
    # the marketer may request only for Marketing
    assert f'value="{dep(world, "marketing")}"' in r.text and f'value="{dep(world, "service")}"' not in r.text


async def test_min_phase_refuses_a_request_and_stores_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "agent")
    r = await post_form(client, "/t/acme/plugins/webcare/request", {"department_id": dep(world, "service")})
    assert r.status_code == 409
    assert "kan vanaf de fase pilot worden geactiveerd; de organisatie zit in de fase luisteren" in r.text
    assert await count(sessionmaker, world.a, PluginActivation) == 0
    headers = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post("/api/v1/t/acme/plugins/webcare/request?lang=en",
                          json={"department_id": dep(world, "service")}, headers=headers)
    assert r.status_code == 409
    assert "can be activated from the pilot phase on" in r.json()["errors"][0]["reason"]
    assert await count(sessionmaker, world.a, PluginActivation) == 0


async def test_webcare_needs_monitoring_first(client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await login_as(client, world.a, "agent")
    r = await post_form(client, "/t/acme/plugins/webcare/request", {"department_id": dep(world, "service")})
    assert r.status_code == 409 and "Webcare vraagt eerst een actieve Monitoring." in r.text
    await activation(sessionmaker, world.a, "monitoring", "comms")
    r = await post_form(client, "/t/acme/plugins/webcare/request",
                        {"department_id": dep(world, "service"), "motivation": "Klachten sneller oppakken"},
                        follow_redirects=False)
    assert r.status_code == 303
    row = await the_row(sessionmaker, world, "webcare")
    assert row.status == "requested" and row.motivation == "Klachten sneller oppakken"
    assert row.requested_by_id == world.a.users["agent"].id
    assert len(await audit(sessionmaker, world.a, "plugin.requested")) == 1


class Checked:
    """A plugin whose own `regie_activation_check` blocks it until another plugin ran as a measured pilot."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="checked", groundswell_function="embracing", default_owner="development",
                          title={"nl": "Gecontroleerd", "en": "Checked"})

    @hookimpl
    async def regie_activation_check(self, ctx: Any, department: Any) -> list[str]:
        if await count_in(ctx.session, PilotMeasurement):
            return []
        return ["Gecontroleerd vraagt eerst een andere functie die als pilot draaide met een meting."]


async def count_in(session: Any, model: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_plugins_own_activation_check_blocks_it(app, client, world, sessionmaker):
    app.state.pm.register(Checked(), name="checked")
    try:
        await login_as(client, world.a, "admin")
        data = {"department_id": dep(world, "comms")}
        r = await post_form(client, "/t/acme/plugins/checked/request", data)
        assert r.status_code == 409
        assert "Gecontroleerd vraagt eerst een andere functie die als pilot draaide" in r.text
        assert await count(sessionmaker, world.a, PluginActivation) == 0
        await measured(sessionmaker, world.a, "monitoring")
        r = await post_form(client, "/t/acme/plugins/checked/request", data, follow_redirects=False)
        assert r.status_code == 303
        assert (await the_row(sessionmaker, world, "checked")).status == "requested"
    finally:
        app.state.pm.unregister(name="checked")


async def met_targets(sessionmaker, tw, kpi="monitoring.volume", value=100.0) -> None:
    """A target on `kpi` for two weeks that ended last week, measured at 10 a day (140 in all)."""
    first, last = TODAY - timedelta(days=21), TODAY - timedelta(days=8)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(Target(kpi=kpi, period_start=first, period_end=last, value=value))
            session.add_all(KpiSnapshot(kpi=kpi, day=first + timedelta(days=n), value=10.0,
                                        measured_at=datetime.now(UTC)) for n in range(14))


async def test_cocreation_waits_for_the_pilot_phase_and_another_function_that_met_its_targets(
        client, world, sessionmaker):
    """Co-creation has pages and can be requested: from the pilot phase on, once another function has been
    active for eight weeks and met its KPI targets in its last period that ended (its own check)."""
    data = {"department_id": dep(world, "comms"), "motivation": "Ideeën van klanten voor de nieuwe app"}
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data)
    assert r.status_code == 409
    assert "Cocreatie kan vanaf de fase pilot worden geactiveerd; de organisatie zit in de fase luisteren." \
        in unescape(r.text)
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring", "comms")  # on for months, without targets yet
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data)
    assert r.status_code == 409 and "Monitoring heeft nog geen afgelopen meetperiode met KPI-doelen." \
        in unescape(r.text)
    await met_targets(sessionmaker, world.a, value=500)  # 140 measured: missed
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data)
    assert r.status_code == 409 and "Monitoring haalde zijn KPI-doelen niet" in unescape(r.text), \
        unescape(r.text)[:2000]
    assert await count(sessionmaker, world.a, PluginActivation) == 1  # monitoring's only
    await met_targets(sessionmaker, world.b, value=100)  # the other tenant's record counts only there
    assert (await post_form(client, "/t/acme/plugins/cocreation/request", data)).status_code == 409
    with tenant_scope(world.a.id):  # the workgroup lowers the target to what was measured: met
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Target).where(Target.kpi == "monitoring.volume").values(value=140))
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data, follow_redirects=False)
    assert r.status_code == 303
    row = await the_row(sessionmaker, world, "cocreation")
    assert row.status == "requested" and row.requested_by_id == world.a.users["admin"].id


async def test_the_regie_holders_override_lets_cocreation_through_its_prerequisite(app, client, world,
                                                                                     sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await login_as(client, world.a, "regie")
    data = {"department_id": dep(world, "comms")}
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data)
    assert r.status_code == 409 and "nog geen andere functie actief" in unescape(r.text), unescape(r.text)[:2000]
    reason = "Development starts the idea board now with the pilot group of the new app."
    r = await post_form(client, "/t/acme/plugins/cocreation/override", {"reason": reason})
    assert r.status_code in (200, 303)
    r = await post_form(client, "/t/acme/plugins/cocreation/request", data, follow_redirects=False)
    assert r.status_code == 303
    assert (await the_row(sessionmaker, world, "cocreation")).status == "requested"
    # the override lifts the plugin's own prerequisite only, never the phase
    await set_phase(sessionmaker, world.a, "listening")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            tenant = await session.get(Tenant, world.a.id)
            reasons = await service.blockers(session, tenant, app.state.pm, "cocreation", None, "en")
    assert reasons == ["Co-creation can be activated from the pilot phase on; the organisation is in the "
                       "listening phase."]


async def test_withdrawing_ends_every_standing_override_of_the_plugin(client, world, sessionmaker):
    """Two overrides made at the same moment (a double submit) both stand; one withdrawal ends both."""
    from core.activation.models import PrerequisiteOverride

    await set_phase(sessionmaker, world.a, "pilot")
    await login_as(client, world.a, "regie")
    reason = "Development starts the idea board now with the pilot group of the new app."
    assert (await post_form(client, "/t/acme/plugins/cocreation/override", {"reason": reason})).status_code \
        in (200, 303)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(PrerequisiteOverride(plugin="cocreation", reason=reason, failing=[],
                                             by_id=world.a.users["regie"].id))
    r = await post_form(client, "/t/acme/plugins/cocreation/override/withdraw",
                        {"reason": "The pilot group is not ready yet."})
    assert r.status_code in (200, 303)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            rows_now = (await session.scalars(select(PrerequisiteOverride))).all()
    assert len(rows_now) == 2 and all(row.withdrawn_at is not None for row in rows_now)


async def test_requester_must_belong_to_the_department(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "service")})
    assert r.status_code == 403
    await login_as(client, world.a, "viewer")
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "marketing")})
    assert r.status_code == 403
    # bad and foreign department ids give the field and the reason
    await login_as(client, world.a, "admin")
    for bad in ("nonsense", str(world.b.departments["comms"].id), ""):
        r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": bad})
        assert r.status_code == 422 and "Kies een geldige optie" in r.text
    assert (await client.get("/t/acme/plugins/unknown/request")).status_code in (404, 405)
    r = await post_form(client, "/t/acme/plugins/unknown/request", {"department_id": dep(world, "comms")})
    assert r.status_code == 404
    assert await count(sessionmaker, world.a, PluginActivation) == 0


async def test_regie_decides_decline_needs_reason_and_declined_can_be_requested_again(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "marketing")},
                        follow_redirects=False)
    assert r.status_code == 303
    await login_as(client, world.a, "regie")
    overview = await client.get("/t/acme/")
    assert "Marketing vraagt Monitoring aan: wacht op jouw besluit" in overview.text
    for who in ("admin", "marketer", "agent"):  # not the regie holder's own request: only the regie holder decides
        await login_as(client, world.a, who)
        r = await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "approve"})
        assert r.status_code == 403
    assert (await client.post("/api/v1/t/acme/plugins/monitoring/decision", json={"approve": True},
                              headers=await api_headers(sessionmaker, world.a, "admin"))).status_code == 403
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "decline", "reason": " "})
    assert r.status_code == 422 and "Dit veld is verplicht" in r.text
    assert (await the_row(sessionmaker, world, "monitoring")).status == "requested"
    r = await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "maybe"})
    assert r.status_code == 422
    r = await post_form(client, "/t/acme/plugins/monitoring/decision",
                        {"decision": "decline", "reason": "Eerst de werkgroep compleet"}, follow_redirects=False)
    assert r.status_code == 303
    row = await the_row(sessionmaker, world, "monitoring")
    assert row.status == "declined" and row.decision_reason == "Eerst de werkgroep compleet"
    [entry] = await audit(sessionmaker, world.a, "plugin.declined")
    assert entry.reason == "Eerst de werkgroep compleet"
    # requested again: the same row is reused
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "marketing")},
                        follow_redirects=False)
    assert r.status_code == 303
    assert await count(sessionmaker, world.a, PluginActivation) == 1
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "approve"},
                        follow_redirects=False)
    assert r.status_code == 303
    row = await the_row(sessionmaker, world, "monitoring")
    assert row.status == "active" and row.activated_in_phase == "listening" and row.activated_at is not None
    assert len(await audit(sessionmaker, world.a, "plugin.activated")) == 1
    # already active: a new request is refused
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "marketing")})
    assert r.status_code == 409


async def test_approval_rechecks_blockers(client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring", "comms")
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/plugins/webcare/request",
                          json={"department_id": dep(world, "service"), "motivation": "x"},
                          headers=await api_headers(sessionmaker, world.a, "agent"))
    assert r.status_code == 201 and r.json()["status"] == "requested"
    r = await client.post("/api/v1/t/acme/plugins/monitoring/pause", json={"reason": "even stil"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "paused"
    r = await client.post("/api/v1/t/acme/plugins/webcare/decision?lang=en", json={"approve": True},
                          headers=headers)
    assert r.status_code == 409 and "needs Monitoring to be active first" in r.json()["errors"][0]["reason"]
    assert (await the_row(sessionmaker, world, "webcare")).status == "requested"


async def test_pause_and_resume_keep_the_row_and_fire_events(app, client, world, sessionmaker):
    recorder = Recorder()
    app.state.pm.register(recorder)
    try:
        await activation(sessionmaker, world.a, "recorder", "comms")
        await activation(sessionmaker, world.a, "monitoring", "comms")
        await login_as(client, world.a, "regie")
        r = await post_form(client, "/t/acme/plugins/monitoring/pause", {"reason": ""})
        assert r.status_code == 422 and "Dit veld is verplicht" in r.text
        assert (await the_row(sessionmaker, world, "monitoring")).status == "active"
        r = await post_form(client, "/t/acme/plugins/monitoring/pause", {"reason": "Zomerstop"},
                            follow_redirects=False)
        assert r.status_code == 303 and (await the_row(sessionmaker, world, "monitoring")).status == "paused"
        r = await post_form(client, "/t/acme/plugins/monitoring/pause", {"reason": "Zomerstop"})
        assert r.status_code == 409
        r = await post_form(client, "/t/acme/plugins/monitoring/resume", {"reason": "Weer aan"},
                            follow_redirects=False)
        assert r.status_code == 303
        row = await the_row(sessionmaker, world, "monitoring")
        assert row.status == "active" and row.decision_reason == "Weer aan"
        assert await count(sessionmaker, world.a, PluginActivation) == 2
        assert [e.reason for e in await audit(sessionmaker, world.a, "plugin.paused")] == ["Zomerstop"]
        assert len(await audit(sessionmaker, world.a, "plugin.resumed")) == 1
        assert recorder.events == ["plugin.paused", "plugin.resumed"]
        await login_as(client, world.a, "admin")
        assert (await post_form(client, "/t/acme/plugins/monitoring/pause", {"reason": "x"})).status_code == 403
    finally:
        app.state.pm.unregister(recorder)


async def test_catalogue_api(client, world, sessionmaker):
    await activation(sessionmaker, world.a, "monitoring", "comms")
    r = await client.get("/api/v1/t/acme/plugins?lang=en", headers=await api_headers(sessionmaker, world.a, "viewer"))
    assert r.status_code == 200
    plugins = {p["name"]: p for p in r.json()}
    assert plugins["monitoring"]["status"] == "active" and plugins["monitoring"]["department"] == "Communicatie"
    assert plugins["webcare"]["prerequisites"] == ["monitoring"] and plugins["webcare"]["status"] == "available"
    assert plugins["cocreation"]["title"] == "Co-creation"
    assert (plugins["cocreation"]["state"], plugins["cocreation"]["available"]) == ("blocked", True)
    assert plugins["cocreation"]["blockers"] == [
        "Co-creation can be activated from the pilot phase on; the organisation is in the listening phase.",
        "Monitoring has no measurement period with KPI targets that has ended yet."]  # on long enough
    assert plugins["webcare"]["state"] == "blocked"
    assert any("pilot phase" in b for b in plugins["webcare"]["blockers"])
    assert plugins["monitoring"]["state"] == "active" and plugins["monitoring"]["blockers"] == []


async def test_operator_activation_refuses_blockers_unless_forced(app, sessionmaker, world):
    pm = app.state.pm
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            tenant = await session.get(Tenant, world.a.id)
            with pytest.raises(Refused):
                await service.activate_as_operator(session, tenant, pm, "webcare", "Klantenservice")
        async with sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, world.a.id)
            row = await service.activate_as_operator(session, tenant, pm, "webcare", "Klantenservice", force=True)
            assert row.status == "active"
    [entry] = await audit(sessionmaker, world.a, "plugin.activated_by_operator")
    assert entry.actor_label == OPERATOR and entry.data["forced"] is True
