"""The roadmap: the page, advancing (refused while the gate fails), overriding (regie only, with a reason)."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl
from core.roadmap.models import PhaseTransition
from tests.core.test_gates import activation, audit, count, phase_of, rows, satisfy_listening
from tests.support import api_headers, login, login_as, post_form

REASON = "De directie wil snel starten met een pilot."


async def test_roadmap_page_shows_phases_checklist_and_evidence_links(client, world):
    await login_as(client, world.a, "member")
    r = await client.get("/t/acme/roadmap/")
    assert r.status_code == 200
    assert "luisteren" in r.text and "implementatie" in r.text
    assert "Poort: van luisteren naar pilot" in r.text
    assert "3 van 5 punten voldoen" in r.text
    assert "Vertegenwoordigd: Communicatie, Klantenservice, Marketing" in r.text
    assert 'href="/t/acme/evidence/baseline"' in r.text
    # a member may not advance: no button
    assert "/roadmap/advance" not in r.text


async def test_advance_is_refused_while_the_gate_fails(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/roadmap/advance", {})
    assert r.status_code == 409
    assert "De poort voldoet nog niet: 2 van 5 punten voldoen niet" in r.text
    assert await phase_of(sessionmaker, world.a) == "listening"
    assert await count(sessionmaker, world.a, PhaseTransition) == 0
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.post("/api/v1/t/acme/roadmap/advance?lang=en", headers=headers)
    assert r.status_code == 409
    assert "The gate does not hold yet" in r.json()["errors"][0]["reason"]
    assert await phase_of(sessionmaker, world.a) == "listening"


async def test_advance_when_the_gate_holds_records_transition_and_audit(client, world, sessionmaker):
    await satisfy_listening(sessionmaker, world.a)
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/roadmap/advance", {}, follow_redirects=False)
    assert r.status_code == 303
    assert await phase_of(sessionmaker, world.a) == "pilot"
    [t] = await rows(sessionmaker, world.a, PhaseTransition)
    assert (t.from_phase, t.to_phase, t.overridden, t.failing_items) == ("listening", "pilot", False, [])
    assert t.by_id == world.a.users["admin"].id
    [entry] = await audit(sessionmaker, world.a, "phase.advanced")
    assert entry.actor_label == world.a.email("admin")
    page = await client.get("/t/acme/roadmap/")
    assert "Poort: van pilot naar leren" in page.text and "poort voldeed" in page.text
    assert await phase_of(sessionmaker, world.b) == "listening"


async def test_members_and_viewers_cannot_advance(client, world, sessionmaker):
    await satisfy_listening(sessionmaker, world.a)
    for who in ("member", "viewer", "marketer"):
        await login_as(client, world.a, who)
        assert (await post_form(client, "/t/acme/roadmap/advance", {})).status_code == 403
    assert await phase_of(sessionmaker, world.a) == "listening"


async def test_override_is_for_the_regie_holder_only(client, world, sessionmaker):
    for who in ("admin", "member", "marketer"):
        await login_as(client, world.a, who)
        r = await post_form(client, "/t/acme/roadmap/override", {"reason": REASON})
        assert r.status_code == 403
    r = await client.post("/api/v1/t/acme/roadmap/override", json={"reason": REASON},
                          headers=await api_headers(sessionmaker, world.a, "admin"))
    assert r.status_code == 403
    await login(client, world.mediator.email)
    assert (await post_form(client, "/t/acme/roadmap/override", {"reason": REASON})).status_code == 403
    assert await phase_of(sessionmaker, world.a) == "listening"
    assert await count(sessionmaker, world.a, PhaseTransition) == 0


async def test_override_needs_a_written_reason(client, world, sessionmaker):
    """At least 20 characters after trimming, on the page and in the API: "x" or padding is no reason."""
    await login_as(client, world.a, "regie")
    for reason in ("x", "  kort  ", "   " + "a" * 19 + "   ", "\n\t Te kort voor dit. \n"):
        r = await post_form(client, "/t/acme/roadmap/override", {"reason": reason})
        assert r.status_code == 422, reason
        assert "Schrijf een reden van minstens 20 tekens." in r.text
        assert 'class="field has-error"' in r.text and 'id="f-reason"' in r.text  # on the reason field
    assert "kort" in (await post_form(client, "/t/acme/roadmap/override", {"reason": "kort"})).text  # kept
    headers = await api_headers(sessionmaker, world.a, "regie")
    for reason in ("x", "short", " " * 30, "  " + "b" * 19 + " "):
        r = await client.post("/api/v1/t/acme/roadmap/override?lang=en", json={"reason": reason}, headers=headers)
        assert r.status_code == 422, reason
        assert r.json()["errors"] == [{"field": "reason", "reason": "Write a reason of at least 20 characters."}]
    r = await client.post("/api/v1/t/acme/roadmap/override", json={}, headers=headers)
    assert r.status_code == 400 and "reason" in r.text
    assert await phase_of(sessionmaker, world.a) == "listening"
    assert await count(sessionmaker, world.a, PhaseTransition) == 0
    assert not await audit(sessionmaker, world.a, "phase.overridden")


async def test_an_override_reason_of_twenty_characters_is_enough(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    page = await client.get("/t/acme/roadmap/")
    assert "Reden (minstens 20 tekens)" in page.text
    r = await post_form(client, "/t/acme/roadmap/override", {"reason": "  " + "a" * 20 + "  "},
                        follow_redirects=False)
    assert r.status_code == 303
    [t] = await rows(sessionmaker, world.a, PhaseTransition)
    assert t.overridden and t.reason == "a" * 20  # stored trimmed
    assert await phase_of(sessionmaker, world.a) == "pilot"


async def test_override_is_recorded_with_failing_items_and_reason(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/roadmap/override", {"reason": REASON}, follow_redirects=False)
    assert r.status_code == 303
    assert await phase_of(sessionmaker, world.a) == "pilot"
    [t] = await rows(sessionmaker, world.a, PhaseTransition)
    assert t.overridden and t.reason == REASON and t.failing_items == ["starting_points", "baseline"]
    [entry] = await audit(sessionmaker, world.a, "phase.overridden")
    assert entry.reason == REASON and entry.data["failing_items"] == ["starting_points", "baseline"]
    page = await client.get("/t/acme/roadmap/")
    assert "overschreven" in page.text and REASON in page.text
    assert "Open overschrijving" in page.text


async def test_roadmap_api_explains_items_in_the_requested_language(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "viewer")
    r = await client.get("/api/v1/t/acme/roadmap?lang=en", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["phase"] == "listening" and body["next_phase"] == "pilot" and body["gate_holds"] is False
    items = {i["key"]: i for i in body["items"]}
    assert items["baseline"]["ok"] is False and items["baseline"]["explanation"].startswith("No baseline")
    assert items["departments"]["ok"] is True
    nl = (await client.get("/api/v1/t/acme/roadmap?lang=nl", headers=headers)).json()
    assert {i["key"]: i for i in nl["items"]}["baseline"]["explanation"].startswith("Nog geen nulmeting")
    r = await client.post("/api/v1/t/acme/roadmap/override", json={"reason": REASON},
                          headers=await api_headers(sessionmaker, world.a, "regie"))
    assert r.status_code == 200 and r.json()["phase"] == "pilot"
    assert r.json()["history"][0]["overridden"] is True
    # another tenant's token does not reach acme
    other = await api_headers(sessionmaker, world.b, "admin")
    assert (await client.get("/api/v1/t/acme/roadmap", headers=other)).status_code in (401, 403)


class Recorder:
    """A test plugin that records phase changes and events."""

    def __init__(self) -> None:
        self.changes: list[tuple[str, str]] = []
        self.events: list[str] = []

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="recorder", groundswell_function="listening", default_owner="research",
                          title={"nl": "Recorder", "en": "Recorder"}, description={"nl": "x", "en": "x"})

    @hookimpl
    def regie_events(self, ctx, events):
        self.changes += [(e.payload["old"], e.payload["new"]) for e in events if e.name == "phase.changed"]
        self.events += [e.name for e in events]


async def test_phase_change_calls_the_hook_of_active_plugins(app, client, world, sessionmaker):
    recorder = Recorder()
    app.state.pm.register(recorder)
    try:
        await activation(sessionmaker, world.a, "recorder", "comms")
        await login_as(client, world.a, "regie")
        r = await post_form(client, "/t/acme/roadmap/override", {"reason": REASON}, follow_redirects=False)
        assert r.status_code == 303
        assert recorder.changes == [("listening", "pilot")]
        assert recorder.events == ["phase.changed"]
    finally:
        app.state.pm.unregister(recorder)


async def test_members_of_another_tenant_reach_none_of_these_pages(client, world, sessionmaker):
    await login_as(client, world.b, "admin")
    for path in ("/t/acme/", "/t/acme/roadmap/", "/t/acme/plugins/", "/t/acme/evidence/",
                 "/t/acme/evidence/targets"):
        r = await client.get(path)
        assert r.status_code == 403 and "Communicatie, Klantenservice" not in r.text, path
    for path in ("/t/acme/roadmap/advance", "/t/acme/evidence/methodology", "/t/acme/plugins/monitoring/request"):
        assert (await post_form(client, path, {"reason": REASON})).status_code == 403, path
    headers = await api_headers(sessionmaker, world.b, "regie")
    for path in ("/api/v1/t/acme/roadmap", "/api/v1/t/acme/plugins"):
        assert (await client.get(path, headers=headers)).status_code in (401, 403)
    r = await client.post("/api/v1/t/acme/roadmap/override", json={"reason": REASON}, headers=headers)
    assert r.status_code in (401, 403)
    assert await phase_of(sessionmaker, world.a) == "listening"
