"""Starting points: versioning, approval by the regie holder, acknowledgement per represented department."""

from __future__ import annotations

from sqlalchemy import func, select

from core.roadmap.models import StartingPointsAck, StartingPointsVersion
from core.startingpoints.service import approved_and_acknowledged
from core.tenancy.scope import tenant_scope
from core.workgroup.models import WorkgroupSeat
from tests.support import api_headers, login_as, post_form

URL = "/t/acme/starting-points/"




async def _versions(sessionmaker, tw) -> list[StartingPointsVersion]:
    async with sessionmaker() as session:
        with tenant_scope(tw.id):
            return list((await session.scalars(
                select(StartingPointsVersion).order_by(StartingPointsVersion.number))).all())


async def _write(client, data: dict[str, str]):
    return await post_form(client, URL, data, follow_redirects=False)


async def test_writing_creates_numbered_versions_prefilled_and_immutable(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    marketing = world.a.departments["marketing"].id
    r = await _write(client, {"organisation_analysis": "Wij zijn een bakkerij.", "people": "Jongeren",
                              f"wish_{marketing}": "Meer bereik", "note": "eerste opzet"})
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/starting-points/1"
    form = await client.get(URL + "new")
    assert "Wij zijn een bakkerij." in form.text and "Meer bereik" in form.text  # prefilled from v1
    r = await _write(client, {"organisation_analysis": "Wij zijn een grote bakkerij.", "people": "Jongeren",
                              f"wish_{marketing}": "Meer bereik", "note": "aangevuld"})
    assert r.headers["location"] == "/t/acme/starting-points/2"
    versions = await _versions(sessionmaker, world.a)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].organisation_analysis == "Wij zijn een bakkerij."  # v1 unchanged
    assert versions[1].organisation_analysis == "Wij zijn een grote bakkerij."
    assert versions[1].wishes[0].wish == "Meer bereik"
    page = await client.get(URL)
    assert "Versie 2" in page.text and "concept" in page.text


async def test_api_write_takes_over_omitted_sections(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post("/api/v1/t/acme/starting-points", json={"people": "Klanten", "strategy": "Luisteren"},
                          headers=headers)
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/t/acme/starting-points", json={"strategy": "Eerst luisteren"}, headers=headers)
    body = r.json()
    assert body["number"] == 2 and body["people"] == "Klanten" and body["strategy"] == "Eerst luisteren"
    assert body["status"] == "draft"
    listing = (await client.get("/api/v1/t/acme/starting-points", headers=headers)).json()
    assert [v["number"] for v in listing["items"]] == [2, 1]
    assert listing["approved_and_acknowledged"] is False


async def test_bad_input_gives_field_and_reason_and_stores_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await _write(client, {"organisation_analysis": "x" * 20001})
    assert r.status_code == 422
    assert "Gebruik hoogstens 20000 tekens" in r.text or 'id="e-organisation_analysis"' in r.text \
        or "has-error" in r.text
    r = await _write(client, {"organisation_analysis": "", "people": ""})
    assert r.status_code == 422 and "Vul minstens één onderdeel in." in r.text
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/starting-points", json={"wishes": {"not-a-uuid": "x"}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "wish_not-a-uuid"
    foreign = str(world.b.departments["marketing"].id)
    r = await client.post("/api/v1/t/acme/starting-points", json={"people": "x", "wishes": {foreign: "y"}},
                          headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == f"wish_{foreign}"
    r = await client.post("/api/v1/t/acme/starting-points", json={"people": 5}, headers=headers)
    assert r.status_code == 400 and "people" in r.text
    assert await _versions(sessionmaker, world.a) == []
    # an unchanged copy of the latest version is refused
    await _write(client, {"people": "Iedereen"})
    r = await _write(client, {"people": "Iedereen"})
    assert r.status_code == 422 and "Er is niets veranderd ten opzichte van versie 1." in r.text
    assert len(await _versions(sessionmaker, world.a)) == 1


async def test_only_regie_approves(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    await _write(client, {"people": "Iedereen"})
    r = await post_form(client, URL + "1/approve", {}, follow_redirects=False)
    assert r.status_code == 403
    headers = await api_headers(sessionmaker, world.a, "admin")
    assert (await client.post("/api/v1/t/acme/starting-points/1/approve", json={}, headers=headers)).status_code \
        == 403
    assert (await _versions(sessionmaker, world.a))[0].approved_at is None
    await login_as(client, world.a, "regie")
    r = await post_form(client, URL + "1/approve", {"reason": "akkoord"}, follow_redirects=False)
    assert r.status_code == 303
    v = (await _versions(sessionmaker, world.a))[0]
    assert v.approved_at is not None and v.approved_by_id == world.a.users["regie"].id
    assert "goedgekeurd" in (await client.get(URL + "1")).text
    # approving twice is refused
    r = await post_form(client, URL + "1/approve", {}, follow_redirects=False)
    assert r.status_code == 409


async def test_acknowledgement_by_seat_holder_of_approved_version_only(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    await _write(client, {"people": "Iedereen"})
    marketing = str(world.a.departments["marketing"].id)
    # not approved yet: refused
    await login_as(client, world.a, "marketer")
    r = await post_form(client, URL + "1/acknowledge", {"department_id": marketing}, follow_redirects=False)
    assert r.status_code == 409 and "Alleen een goedgekeurde versie" in r.text
    await login_as(client, world.a, "regie")
    await post_form(client, URL + "1/approve", {})
    # the regie holder does not hold the marketing seat
    r = await post_form(client, URL + "1/acknowledge", {"department_id": marketing}, follow_redirects=False)
    assert r.status_code == 403
    # a member without a seat may not acknowledge at all
    await login_as(client, world.a, "member")
    r = await post_form(client, URL + "1/acknowledge", {"department_id": marketing}, follow_redirects=False)
    assert r.status_code == 403
    await login_as(client, world.a, "marketer")
    r = await post_form(client, URL + "1/acknowledge", {"department_id": marketing}, follow_redirects=False)
    assert r.status_code == 303
    r = await post_form(client, URL + "1/acknowledge", {"department_id": marketing}, follow_redirects=False)
    assert r.status_code == 409
    headers = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post("/api/v1/t/acme/starting-points/1/acknowledge",
                          json={"department_id": str(world.a.departments["service"].id)}, headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert sorted(d["name"] for d in body["acknowledged_by"]) == ["Klantenservice", "Marketing"]
    assert [d["name"] for d in body["missing"]] == ["Communicatie"]
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            assert await session.scalar(select(func.count()).select_from(StartingPointsAck)) == 2


async def test_approved_and_acknowledged_reasons(client, world, sessionmaker):
    async def check():
        async with sessionmaker() as session:
            with tenant_scope(world.a.id):
                return await approved_and_acknowledged(session)

    ok, reason, params = await check()
    assert not ok and "approved" in reason and params["version"] is None
    await login_as(client, world.a, "regie")
    await _write(client, {"people": "Iedereen"})
    await post_form(client, URL + "1/approve", {})
    await post_form(client, URL + "1/acknowledge", {"department_id": str(world.a.departments["comms"].id)})
    ok, reason, params = await check()
    assert not ok and params["version"] == 1 and params["missing"] == ["Klantenservice", "Marketing"]
    assert "Klantenservice, Marketing" in reason.format(**params)
    for who, dep in (("marketer", "marketing"), ("agent", "service")):
        await login_as(client, world.a, who)
        await post_form(client, URL + "1/acknowledge", {"department_id": str(world.a.departments[dep].id)})
    ok, reason, params = await check()
    assert ok and params["version"] == 1 and params["missing"] == []
    # a newly represented department must acknowledge too
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            seat = await session.scalar(select(WorkgroupSeat).where(
                WorkgroupSeat.department_id == world.a.departments["service"].id))
            await session.delete(seat)
    assert (await check())[0] is True
    page = await client.get(URL)
    assert "goedgekeurd" in page.text


async def test_compare_shows_differences(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    await _write(client, {"people": "Jongeren in de stad", "strategy": "Luisteren"})
    await _write(client, {"people": "Ouderen in de stad", "strategy": "Luisteren"})
    r = await client.get(URL + "compare?a=1&b=2")
    assert r.status_code == 200
    assert "<del>Jongeren</del>" in r.text and "<ins>Ouderen</ins>" in r.text
    r = await client.get(URL + "compare?a=1&b=2&view=side")
    assert "<del>Jongeren</del>" in r.text and "<ins>Ouderen</ins>" in r.text
    headers = await api_headers(sessionmaker, world.a, "viewer")
    body = (await client.get("/api/v1/t/acme/starting-points/compare?a=1&b=2", headers=headers)).json()
    people = next(s for s in body["sections"] if s["section"] == "people")
    assert people["changed"] and people["deletions"] == ["Jongeren"] and people["insertions"] == ["Ouderen"]
    assert not next(s for s in body["sections"] if s["section"] == "strategy")["changed"]
    assert (await client.get(URL + "compare?a=1&b=9")).status_code == 404


async def test_compare_reads_from_the_older_to_the_newer_whatever_the_order(client, world, sessionmaker):
    """Asked as a=2&b=1, version 2's additions are still shown as insertions (not as deletions)."""
    await login_as(client, world.a, "regie")
    await _write(client, {"people": "Jongeren", "strategy": "Luisteren"})
    await _write(client, {"people": "Jongeren en ouderen", "strategy": "Luisteren"})
    for query in ("a=2&b=1", "a=1&b=2"):
        r = await client.get(URL + "compare?" + query)
        assert r.status_code == 200
        assert "<ins> en ouderen</ins>" in r.text and "<del>" not in r.text.split("<h1>", 1)[1], query
        assert "wijzigingen van versie 1 naar versie 2" in r.text, query
        assert '<option value="1" selected>' in r.text.split('name="a"', 1)[1].split("</select>", 1)[0], query
    headers = await api_headers(sessionmaker, world.a, "viewer")
    body = (await client.get("/api/v1/t/acme/starting-points/compare?a=2&b=1", headers=headers)).json()
    people = next(s for s in body["sections"] if s["section"] == "people")
    assert (body["a"], body["b"]) == (1, 2)
    assert people["insertions"] == [" en ouderen"] and people["deletions"] == []
    assert people["unified"][:2] == ["--- v1/people", "+++ v2/people"]


async def test_other_tenant_cannot_reach_versions(client, world, sessionmaker):
    await login_as(client, world.b, "regie")
    await post_form(client, "/t/globex/starting-points/", {"people": "Geheim van Globex"})
    await login_as(client, world.a, "regie")
    assert (await client.get(URL + "1")).status_code == 404
    r = await post_form(client, URL + "1/approve", {}, follow_redirects=False)
    assert r.status_code == 404
    assert (await client.get("/t/globex/starting-points/1")).status_code == 403
    headers = await api_headers(sessionmaker, world.a, "regie")
    assert (await client.get("/api/v1/t/acme/starting-points/1", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/t/globex/starting-points/1", headers=headers)).status_code in (401, 403)
    assert (await _versions(sessionmaker, world.b))[0].approved_at is None
