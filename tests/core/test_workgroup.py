"""Departments, workgroup seats and the regie holder: pages, API, permissions, bad input, tenant isolation."""

from __future__ import annotations

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat
from tests.support import api_headers, login_as, post_form


async def rows(sessionmaker, tw, model, *where, order=None):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            query = select(model).where(*where)
            if order is not None:
                query = query.order_by(order)
            return list((await session.scalars(query)).unique().all())


async def audit(sessionmaker, tw, action: str) -> list[AuditEntry]:
    return await rows(sessionmaker, tw, AuditEntry, AuditEntry.action == action, order=AuditEntry.created_at)


async def count(sessionmaker, tw, model) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


# --- departments (web) ----------------------------------------------------------------------------------

async def test_admin_creates_and_edits_department(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/people/departments/",
                        {"name": "Verkoop", "business_function": "sales", "is_hub": "1"}, follow_redirects=False)
    assert r.status_code == 303
    [dep] = await rows(sessionmaker, world.a, Department, Department.name == "Verkoop")
    assert dep.business_function == "sales" and dep.is_hub
    page = await client.get("/t/acme/people/departments/")
    assert "Verkoop" in page.text and "verkoop" in page.text  # business function in Dutch
    r = await post_form(client, f"/t/acme/people/departments/{dep.id}",
                        {"name": "Sales", "business_function": "sales"}, follow_redirects=False)
    assert r.status_code == 303
    [dep] = await rows(sessionmaker, world.a, Department, Department.id == dep.id)
    assert dep.name == "Sales" and not dep.is_hub
    assert [e.summary for e in await audit(sessionmaker, world.a, "department.created")] == ["Verkoop"]
    [updated] = await audit(sessionmaker, world.a, "department.updated")
    assert updated.data["before"]["name"] == "Verkoop" and updated.data["after"]["name"] == "Sales"


async def test_duplicate_and_empty_department_names_are_field_errors(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    before = await count(sessionmaker, world.a, Department)
    r = await post_form(client, "/t/acme/people/departments/", {"name": "marketing", "business_function": "sales"})
    assert r.status_code == 422
    assert "Er bestaat al een afdeling met deze naam." in r.text
    r = await post_form(client, "/t/acme/people/departments/", {"name": "  ", "business_function": "nonsense"})
    assert r.status_code == 422
    assert "Dit veld is verplicht." in r.text and "Kies een van:" in r.text
    assert await count(sessionmaker, world.a, Department) == before
    # the same name in another tenant is fine: names are unique per tenant
    comms_b = world.b.departments["comms"]
    r = await post_form(client, f"/t/acme/people/departments/{world.a.departments['service'].id}",
                        {"name": "Communicatie", "business_function": "customer_service"})
    assert r.status_code == 422 and "Er bestaat al een afdeling met deze naam." in r.text
    r = await post_form(client, f"/t/acme/people/departments/{comms_b.id}",
                        {"name": "Gekaapt", "business_function": "other"})
    assert r.status_code == 404
    [b_dep] = await rows(sessionmaker, world.b, Department, Department.id == comms_b.id)
    assert b_dep.name == "Communicatie"


async def test_member_and_viewer_cannot_manage_departments(client, world, sessionmaker):
    for who in ("member", "regie", "viewer"):
        client.cookies.clear()
        await login_as(client, world.a, who)
        assert (await client.get("/t/acme/people/departments/")).status_code == 200
        r = await post_form(client, "/t/acme/people/departments/", {"name": "X", "business_function": "other"})
        assert r.status_code == 403, who
    headers = await api_headers(sessionmaker, world.a, "member")
    r = await client.post("/api/v1/t/acme/departments", json={"name": "X", "business_function": "other"},
                          headers=headers)
    assert r.status_code == 403
    assert not await rows(sessionmaker, world.a, Department, Department.name == "X")


# --- departments (API) ----------------------------------------------------------------------------------

async def test_api_departments_happy_path_and_422_shapes(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.get("/api/v1/t/acme/departments", headers=headers)
    assert r.status_code == 200
    assert sorted(d["name"] for d in r.json()) == ["Communicatie", "Klantenservice", "Marketing"]
    r = await client.post("/api/v1/t/acme/departments", headers=headers,
                          json={"name": "HR", "business_function": "hr"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == "HR" and created["is_hub"] is False
    r = await client.post("/api/v1/t/acme/departments", headers=headers,
                          json={"name": "hr", "business_function": "unknown"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"business_function"}
    assert r.json()["status"] == 422
    r = await client.post("/api/v1/t/acme/departments", headers=headers,
                          json={"name": "hr", "business_function": "hr"})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "name", "reason": "Er bestaat al een afdeling met deze naam."}]
    r = await client.post("/api/v1/t/acme/departments", headers=headers, json={"business_function": "hr"})
    assert r.status_code == 400
    r = await client.patch(f"/api/v1/t/acme/departments/{created['id']}", headers=headers,
                           json={"is_hub": True})
    assert r.status_code == 200 and r.json()["is_hub"] is True and r.json()["name"] == "HR"
    r = await client.patch(f"/api/v1/t/acme/departments/{created['id']}", headers=headers, json={"name": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    # another tenant's department is not found, and stays unchanged
    b_dep = world.b.departments["marketing"]
    r = await client.patch(f"/api/v1/t/acme/departments/{b_dep.id}", headers=headers, json={"name": "Weg"})
    assert r.status_code == 404
    [b_row] = await rows(sessionmaker, world.b, Department, Department.id == b_dep.id)
    assert b_row.name == "Marketing"
    assert await count(sessionmaker, world.a, Department) == 4


async def test_tenant_b_token_is_not_valid_for_tenant_a(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.b, "admin")
    assert (await client.get("/api/v1/t/acme/departments", headers=headers)).status_code == 401
    assert (await client.get("/api/v1/t/acme/workgroup", headers=headers)).status_code == 401
    r = await client.get("/api/v1/t/globex/departments", headers=headers)
    assert r.status_code == 200
    ids = {d["id"] for d in r.json()}
    assert ids == {str(d.id) for d in world.b.departments.values()}


# --- workgroup seats ----------------------------------------------------------------------------------

async def test_workgroup_page_shows_seats_regie_and_history(client, world):
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/workgroup/")
    assert r.status_code == 200
    assert "Werkgroep" in r.text and "Klantenservice" in r.text and "Agent Acme BV" in r.text
    assert "Regie Acme BV heeft de regie sinds" in r.text
    assert "test world" in r.text  # the reason in the history
    assert "Globex" not in r.text
    assert 'action="/t/acme/workgroup/regie"' not in r.text  # a viewer sees no forms


async def test_admin_sets_and_removes_a_seat(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    service = world.a.departments["service"]
    r = await post_form(client, f"/t/acme/workgroup/seats/{service.id}",
                        {"membership_id": str(world.a.memberships["member"].id)}, follow_redirects=False)
    assert r.status_code == 303
    seats = await rows(sessionmaker, world.a, WorkgroupSeat, WorkgroupSeat.department_id == service.id)
    assert [s.membership_id for s in seats] == [world.a.memberships["member"].id]
    [entry] = await audit(sessionmaker, world.a, "workgroup.seat_set")
    assert entry.data["previous"] == world.a.email("agent")
    assert entry.data["membership_id"] == str(world.a.memberships["member"].id)
    r = await post_form(client, f"/t/acme/workgroup/seats/{service.id}/remove", follow_redirects=False)
    assert r.status_code == 303
    assert not await rows(sessionmaker, world.a, WorkgroupSeat, WorkgroupSeat.department_id == service.id)
    [removed] = await audit(sessionmaker, world.a, "workgroup.seat_removed")
    assert removed.data["previous"] == world.a.email("member")
    page = await client.get("/t/acme/workgroup/")
    assert "Geen vertegenwoordiger" in page.text


async def test_seat_bad_input_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    service = world.a.departments["service"]
    url = f"/t/acme/workgroup/seats/{service.id}"
    for value, message in ((str(world.b.memberships["member"].id), "Kies een geldige optie."),
                           ("", "Kies een geldige optie."),
                           (str(world.a.memberships["viewer"].id), "Een kijker kan deze rol niet vervullen")):
        r = await post_form(client, url, {"membership_id": value})
        assert r.status_code == 422, value
        assert message in r.text
    r = await post_form(client, f"/t/acme/workgroup/seats/{world.b.departments['service'].id}",
                        {"membership_id": str(world.a.memberships["member"].id)})
    assert r.status_code == 404
    seats = await rows(sessionmaker, world.a, WorkgroupSeat, WorkgroupSeat.department_id == service.id)
    assert [s.membership_id for s in seats] == [world.a.memberships["agent"].id]
    assert not await audit(sessionmaker, world.a, "workgroup.seat_set")
    b_seats = await rows(sessionmaker, world.b, WorkgroupSeat)
    assert len(b_seats) == 3


async def test_only_admin_composes_the_workgroup(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, f"/t/acme/workgroup/seats/{world.a.departments['service'].id}",
                        {"membership_id": str(world.a.memberships["member"].id)})
    assert r.status_code == 403
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.delete(f"/api/v1/t/acme/workgroup/seats/{world.a.departments['service'].id}", headers=headers)
    assert r.status_code == 403
    assert len(await rows(sessionmaker, world.a, WorkgroupSeat)) == 3


async def test_api_workgroup_seats(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.get("/api/v1/t/acme/workgroup", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["regie"]["email"] == world.a.email("regie")
    assert {s["department"]: s["email"] for s in body["seats"]} == {
        "Communicatie": world.a.email("regie"), "Marketing": world.a.email("marketer"),
        "Klantenservice": world.a.email("agent")}
    service = world.a.departments["service"]
    url = f"/api/v1/t/acme/workgroup/seats/{service.id}"
    r = await client.put(url, headers=headers, json={"membership_id": str(world.a.memberships["member"].id)})
    assert r.status_code == 200, r.text
    assert {s["department"]: s["email"] for s in r.json()["seats"]}["Klantenservice"] == world.a.email("member")
    r = await client.put(url, headers=headers, json={"membership_id": str(world.b.memberships["admin"].id)})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "membership_id"
    r = await client.put(url, headers=headers, json={"membership_id": "not-a-uuid"})
    assert r.status_code == 400
    r = await client.put(f"/api/v1/t/acme/workgroup/seats/{world.b.departments['comms'].id}", headers=headers,
                         json={"membership_id": str(world.a.memberships["member"].id)})
    assert r.status_code == 404
    assert (await client.delete(url, headers=headers)).status_code == 204
    assert (await client.delete(url, headers=headers)).status_code == 404
    assert not await rows(sessionmaker, world.a, WorkgroupSeat, WorkgroupSeat.department_id == service.id)
    assert len(await rows(sessionmaker, world.b, WorkgroupSeat)) == 3


# --- the regie holder ------------------------------------------------------------------------------------

async def test_workgroup_member_appoints_regie_with_history(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")  # holds a seat: records the workgroup's decision
    r = await post_form(client, "/t/acme/workgroup/regie",
                        {"membership_id": str(world.a.memberships["agent"].id), "reason": "Besluit 12 maart"},
                        follow_redirects=False)
    assert r.status_code == 303
    appointments = await rows(sessionmaker, world.a, RegieAppointment, order=RegieAppointment.started_at)
    assert len(appointments) == 2
    assert [a.membership_id for a in appointments if a.ended_at is None] == [world.a.memberships["agent"].id]
    assert appointments[0].ended_at is not None and appointments[1].reason == "Besluit 12 maart"
    assert appointments[1].appointed_by_id == world.a.users["marketer"].id
    [entry] = await audit(sessionmaker, world.a, "regie.appointed")
    assert entry.data["previous"] == world.a.email("regie") and entry.reason == "Besluit 12 maart"
    page = await client.get("/t/acme/workgroup/")
    assert "Agent Acme BV heeft de regie sinds" in page.text and "Besluit 12 maart" in page.text
    assert page.text.index("Besluit 12 maart") < page.text.index("test world")  # newest first
    # tenant b is untouched
    b = await rows(sessionmaker, world.b, RegieAppointment)
    assert len(b) == 1 and b[0].ended_at is None


async def test_regie_bad_input_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    cases = [
        ({"membership_id": str(world.a.memberships["regie"].id), "reason": "nog eens"},
         "Deze persoon heeft de regie al."),
        ({"membership_id": str(world.a.memberships["member"].id), "reason": " "}, "Dit veld is verplicht."),
        ({"membership_id": str(world.b.memberships["member"].id), "reason": "x"}, "Kies een geldige optie."),
        ({"membership_id": str(world.a.memberships["viewer"].id), "reason": "x"}, "Een kijker kan"),
    ]
    for data, message in cases:
        r = await post_form(client, "/t/acme/workgroup/regie", data)
        assert r.status_code == 422, data
        assert message in r.text
    appointments = await rows(sessionmaker, world.a, RegieAppointment)
    assert len(appointments) == 1 and appointments[0].ended_at is None
    assert not await audit(sessionmaker, world.a, "regie.appointed")


async def test_who_may_appoint_the_regie(client, world, sessionmaker):
    for who in ("viewer", "member"):  # plain member has no seat
        client.cookies.clear()
        await login_as(client, world.a, who)
        r = await post_form(client, "/t/acme/workgroup/regie",
                            {"membership_id": str(world.a.memberships["agent"].id), "reason": "x"})
        assert r.status_code == 403, who
    assert len(await rows(sessionmaker, world.a, RegieAppointment)) == 1


async def test_api_regie(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.get("/api/v1/t/acme/regie", headers=headers)
    assert r.status_code == 200
    assert r.json()["holder"]["email"] == world.a.email("regie") and len(r.json()["history"]) == 1
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.a.memberships["marketer"].id), "reason": "rotatie"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["holder"]["email"] == world.a.email("marketer")
    assert body["holder"]["appointed_by"] == world.a.email("admin")
    assert [h["email"] for h in body["history"]] == [world.a.email("marketer"), world.a.email("regie")]
    assert body["history"][1]["ended_at"] is not None
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.a.memberships["marketer"].id), "reason": "weer"})
    assert r.status_code == 422
    assert r.json() == {"status": 422, "errors": [{"field": "membership_id",
                                                   "reason": "Deze persoon heeft de regie al."}]}
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.b.memberships["admin"].id), "reason": ""})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"membership_id", "reason"}
    r = await client.post("/api/v1/t/acme/regie", headers=headers, json={"reason": "x"})
    assert r.status_code == 400
    open_ones = await rows(sessionmaker, world.a, RegieAppointment, RegieAppointment.ended_at.is_(None))
    assert [a.membership_id for a in open_ones] == [world.a.memberships["marketer"].id]
    # the new holder's token now carries the regie role
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.get("/api/v1/t/acme/regie", headers=marketer)
    assert r.json()["holder"]["email"] == world.a.email("marketer")
    viewer = await api_headers(sessionmaker, world.a, "viewer")
    r = await client.post("/api/v1/t/acme/regie", headers=viewer,
                          json={"membership_id": str(world.a.memberships["agent"].id), "reason": "x"})
    assert r.status_code == 403
