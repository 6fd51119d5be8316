"""Policy: versions, tone rules, publication by the regie holder, comparison, plugin sections."""

from __future__ import annotations

from sqlalchemy import select

from core.activation.models import PluginActivation
from core.plugins.api import PluginInfo, PolicySection, hookimpl
from core.plugins.info import HookContext
from core.plugins.manager import build_plugin_manager
from core.policy.models import PolicyVersion
from core.policy.service import plugin_sections, published_policy
from core.tenancy.scope import tenant_scope
from tests.support import api_headers, login_as, post_form

URL = "/t/acme/policy/"




async def _versions(sessionmaker, tw) -> list[PolicyVersion]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(PolicyVersion).order_by(PolicyVersion.number))).all())


async def test_write_versions_with_tone_rules(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, URL, {"function": "Luisteren en helpen", "tone_of_voice": "Vriendelijk, je/jij",
                                      "forbidden_words": "goedkoop, gratis\nspam", "required_signoff": "^Team Acme",
                                      "max_length": "x=280\nLinkedIn = 3000"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/policy/1"
    form = await client.get(URL + "new")
    assert "Luisteren en helpen" in form.text and "x=280" in form.text
    await post_form(client, URL, {"function": "Luisteren, helpen en leren", "tone_of_voice": "Vriendelijk, je/jij",
                                  "forbidden_words": "goedkoop, gratis\nspam", "required_signoff": "^Team Acme",
                                  "max_length": "x=280\nlinkedin=3000"})
    v1, v2 = await _versions(sessionmaker, world.a)
    assert v1.strategy["function"] == "Luisteren en helpen" and v2.number == 2
    assert v1.tone_rules == {"forbidden_words": ["goedkoop", "gratis", "spam"], "required_signoff": "^Team Acme",
                             "max_length": {"x": 280, "linkedin": 3000}, "alt_text_required": False}
    overview = await client.get(URL)
    assert "Er is nog geen versie van het beleid gepubliceerd." in overview.text


async def test_bad_tone_rules_give_field_and_change_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, URL, {"function": "x", "max_length": "x: 280"})
    assert r.status_code == 422 and "Regel 1: gebruik kanaal=getal" in r.text
    r = await post_form(client, URL, {"function": "x", "max_length": "x=veel"})
    assert r.status_code == 422 and "moet een geheel getal zijn" in r.text
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/policy", json={"strategy": {"onzin": "x"}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "onzin"
    r = await client.post("/api/v1/t/acme/policy", json={"strategy": {"function": "x"},
                                                          "tone_rules": {"max_length": {"x": 0}}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "max_length"
    r = await client.post("/api/v1/t/acme/policy", json={"tone_rules": {"max_length": {"x": "veel"}}},
                          headers=headers)
    assert r.status_code == 400
    assert await _versions(sessionmaker, world.a) == []


async def test_only_regie_publishes_and_published_policy(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post("/api/v1/t/acme/policy", headers=headers, json={
        "strategy": {"function": "Luisteren"}, "way_of_work": {"account_conditions": "Alleen met twee beheerders"},
        "tone_rules": {"forbidden_words": ["gratis"], "max_length": {"x": 280}}})
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert (await client.post("/api/v1/t/acme/policy/1/publish", headers=headers)).status_code == 403
    await login_as(client, world.a, "admin")
    assert (await post_form(client, URL + "1/publish", {}, follow_redirects=False)).status_code == 403
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert await published_policy(session) is None
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/policy/1/publish", headers=regie, json={"reason": "akkoord"})
    assert r.status_code == 200 and r.json()["status"] == "in_force"
    assert (await client.post("/api/v1/t/acme/policy/1/publish", headers=regie)).status_code == 409
    # a newer published version takes over
    await client.post("/api/v1/t/acme/policy", headers=regie, json={"strategy": {"function": "Luisteren en praten"}})
    await client.post("/api/v1/t/acme/policy/2/publish", headers=regie)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await published_policy(session)).number == 2
    body = (await client.get("/api/v1/t/acme/policy", headers=regie)).json()
    assert body["in_force"] == 2 and [v["status"] for v in body["items"]] == ["in_force", "published"]
    assert body["items"][0]["tone_rules"]["max_length"] == {"x": 280}  # taken over from version 1
    overview = await client.get(URL)
    assert "Beleid van kracht: versie 2" in overview.text


async def test_compare_policy_versions(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    await post_form(client, URL, {"function": "Wij luisteren", "max_length": "x=280"})
    await post_form(client, URL, {"function": "Wij praten", "max_length": "x=500"})
    r = await client.get(URL + "compare?a=1&b=2&view=side")
    assert "<del>luisteren</del>" in r.text and "<ins>praten</ins>" in r.text
    assert "<del>x=280</del>" in r.text
    headers = await api_headers(sessionmaker, world.a, "viewer")
    body = (await client.get("/api/v1/t/acme/policy/compare?a=1&b=2", headers=headers)).json()
    function = next(s for s in body["sections"] if s["section"] == "function")
    assert function["deletions"] == ["luisteren"] and function["insertions"] == ["praten"]
    # asked the other way round, it still reads from the older version to the newer
    r = await client.get(URL + "compare?a=2&b=1")
    assert "<del>luisteren</del>" in r.text and "<ins>praten</ins>" in r.text
    body = (await client.get("/api/v1/t/acme/policy/compare?a=2&b=1", headers=headers)).json()
    function = next(s for s in body["sections"] if s["section"] == "function")
    assert (body["a"], body["b"]) == (1, 2) and function["insertions"] == ["praten"]


class _Sections:
    @hookimpl
    def regie_plugin(self):
        return PluginInfo(name="testsections", groundswell_function="talking", default_owner="marketing")

    @hookimpl
    def regie_policy_sections(self, ctx):
        return [PolicySection("escalation", "Escalatie", "Wanneer escaleren we?")]


async def test_plugin_sections_only_from_active_plugins(world, sessionmaker):
    pm = build_plugin_manager([_Sections()])
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            ctx = HookContext(tenant_id=world.a.id, tenant_slug="acme", session=session)
            assert await plugin_sections(session, pm, ctx) == []
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="testsections", department_id=world.a.departments["marketing"].id,
                                         status="active"))
        async with sessionmaker() as session:
            ctx = HookContext(tenant_id=world.a.id, tenant_slug="acme", session=session)
            sections = await plugin_sections(session, pm, ctx)
    assert sections == [PolicySection("escalation", "Escalatie", "Wanneer escaleren we?")]


async def test_other_tenant_cannot_reach_policy(client, world, sessionmaker):
    headers_b = await api_headers(sessionmaker, world.b, "regie")
    await client.post("/api/v1/t/globex/policy", headers=headers_b, json={"strategy": {"function": "Geheim"}})
    headers = await api_headers(sessionmaker, world.a, "regie")
    assert (await client.get("/api/v1/t/acme/policy/1", headers=headers)).status_code == 404
    assert (await client.post("/api/v1/t/acme/policy/1/publish", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/t/globex/policy/1", headers=headers)).status_code in (401, 403)
    await login_as(client, world.a, "regie")
    assert (await client.get(URL + "1")).status_code == 404
    assert (await _versions(sessionmaker, world.b))[0].published_at is None
