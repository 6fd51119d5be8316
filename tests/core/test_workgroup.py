"""Departments, workgroup seats and the regie holder: pages, API, permissions, bad input, tenant isolation."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from core.audit.models import AuditEntry
from core.auth.models import Membership, User
from core.auth.principal import tenant_roles
from core.notifications.models import Notification
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department, RegieAppointment, RegieProposal, WorkgroupSeat
from tests.support import api_headers, delivered_mails, login, login_as, post_form


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


# --- the regie holder: proposed by one person, confirmed by another ------------------------------------------

REASON = "Besluit werkgroep 12 maart"


async def holder_id(sessionmaker, tw):
    """The membership id of the open appointment (None without a holder)."""
    open_ones = await rows(sessionmaker, tw, RegieAppointment, RegieAppointment.ended_at.is_(None))
    assert len(open_ones) <= 1
    return open_ones[0].membership_id if open_ones else None


async def proposals(sessionmaker, tw, *where):
    return await rows(sessionmaker, tw, RegieProposal, *where, order=RegieProposal.created_at)


async def notified(sessionmaker, tw, kind):
    """E-mail addresses of the people who got an in-app notification of `kind`."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return set((await session.scalars(select(User.email).join(Notification, Notification.user_id == User.id)
                                              .where(Notification.kind == kind))).all())


async def regie_roles(sessionmaker, tw, who):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return (await tenant_roles(session, tw.users[who], tw.tenant)).roles


async def test_a_workgroup_member_cannot_make_themselves_regie_holder_alone(client, world, sessionmaker):
    """A seat holder proposes themself and confirms it: the holder stays, nothing the regie may do opens up."""
    await login_as(client, world.a, "marketer")
    marketer = world.a.memberships["marketer"]
    r = await post_form(client, "/t/acme/workgroup/regie", {"membership_id": str(marketer.id), "reason": "self"},
                        follow_redirects=False)
    assert r.status_code == 303  # a proposal, not an appointment
    [proposal] = await proposals(sessionmaker, world.a)
    assert proposal.status == "open" and proposal.membership_id == marketer.id
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    page = await client.get("/t/acme/workgroup/")
    assert "Voorstel wacht op bevestiging" in page.text
    assert f"/regie/proposals/{proposal.id}/confirm" not in page.text  # no confirm button for the proposer
    assert "Jij hebt dit voorstel gedaan: iemand anders bevestigt het." in page.text
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {"reason": "ok"},
                        follow_redirects=False)
    assert r.status_code == 403
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    assert "regie" not in await regie_roles(sessionmaker, world.a, "marketer")
    assert not await audit(sessionmaker, world.a, "regie.appointed")
    assert not await audit(sessionmaker, world.a, "regie.confirmed")
    # what the regie holder alone may do stays closed
    r = await post_form(client, "/t/acme/roadmap/override", {"reason": "Ik heb nu de regie, dus we gaan door."})
    assert r.status_code == 403
    async with sessionmaker() as session:
        assert (await session.get(Tenant, world.a.id)).phase == "listening"


async def test_api_self_appointment_alone_is_refused(client, world, sessionmaker):
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    own = str(world.a.memberships["marketer"].id)
    r = await client.post("/api/v1/t/acme/regie", headers=marketer, json={"membership_id": own, "reason": "self"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["holder"]["email"] == world.a.email("regie")
    assert body["proposal"]["email"] == world.a.email("marketer") and body["proposal"]["status"] == "open"
    assert body["proposal"]["proposed_by"] == world.a.email("marketer")
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{body['proposal']['id']}/confirm", headers=marketer,
                          json={})
    assert r.status_code == 403
    assert r.json()["errors"][0]["field"] == "__all__"
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    assert not await audit(sessionmaker, world.a, "regie.appointed")
    # and the proposed person cannot confirm a proposal about themself made by someone else either
    await client.post(f"/api/v1/t/acme/regie/proposals/{body['proposal']['id']}/withdraw", headers=marketer)
    admin = await api_headers(sessionmaker, world.a, "admin")
    r = await client.post("/api/v1/t/acme/regie", headers=admin, json={"membership_id": own, "reason": "rotatie"})
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{r.json()['proposal']['id']}/confirm", headers=marketer)
    assert r.status_code == 403
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id


async def test_two_people_propose_and_confirm_the_regie_holder(client, world, sessionmaker, app):
    await login_as(client, world.a, "marketer")  # holds a seat
    agent = world.a.memberships["agent"]
    r = await post_form(client, "/t/acme/workgroup/regie", {"membership_id": str(agent.id), "reason": REASON},
                        follow_redirects=False)
    assert r.status_code == 303
    [proposal] = await proposals(sessionmaker, world.a)
    assert proposal.proposed_by_id == world.a.users["marketer"].id and proposal.reason == REASON
    [entry] = await audit(sessionmaker, world.a, "regie.proposed")
    assert entry.summary == world.a.email("agent") and entry.data["current"] == world.a.email("regie")
    # the outgoing holder, the admins and the proposed person hear of it; the proposer does not need to
    assert await notified(sessionmaker, world.a, "regie.proposed") == {
        world.a.email("admin"), world.a.email("regie"), world.a.email("agent")}
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id  # nothing changed yet

    client.cookies.clear()
    await login_as(client, world.a, "admin")
    page = await client.get("/t/acme/workgroup/")
    assert "Marketer Acme BV stelt Agent Acme BV voor als regiehouder" in page.text
    assert f"/regie/proposals/{proposal.id}/confirm" in page.text and f"/regie/proposals/{proposal.id}/reject" in \
        page.text
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm",
                        {"reason": "Namens de directie"}, follow_redirects=False)
    assert r.status_code == 303
    assert await holder_id(sessionmaker, world.a) == agent.id
    appointments = await rows(sessionmaker, world.a, RegieAppointment, order=RegieAppointment.started_at)
    assert len(appointments) == 2 and appointments[0].ended_at is not None
    assert appointments[1].reason == REASON and appointments[1].appointed_by_id == world.a.users["admin"].id
    [proposal] = await proposals(sessionmaker, world.a)
    assert (proposal.status, proposal.decided_by_id, proposal.decision_reason, proposal.appointment_id) == (
        "confirmed", world.a.users["admin"].id, "Namens de directie", appointments[1].id)
    [confirmed] = await audit(sessionmaker, world.a, "regie.confirmed")
    assert confirmed.actor_label == world.a.email("admin") and confirmed.reason == "Namens de directie"
    [appointed] = await audit(sessionmaker, world.a, "regie.appointed")
    assert appointed.data["previous"] == world.a.email("regie")
    assert appointed.data["proposed_by_id"] == str(world.a.users["marketer"].id)
    assert appointed.data["confirmed_by_id"] == str(world.a.users["admin"].id)
    assert await notified(sessionmaker, world.a, "regie.confirmed") == {
        world.a.email("regie"), world.a.email("agent"), world.a.email("marketer")}
    assert "regie" in await regie_roles(sessionmaker, world.a, "agent")
    assert "regie" not in await regie_roles(sessionmaker, world.a, "regie")
    page = await client.get("/t/acme/workgroup/")
    assert "Agent Acme BV heeft de regie sinds" in page.text
    assert "Voorstel wacht op bevestiging" not in page.text and "Een regiehouder voorstellen" in page.text
    assert page.text.index(REASON) < page.text.index("test world")  # newest first
    history = page.text[page.text.index(REASON):]
    assert history.index("Marketer Acme BV") < history.index("Admin Acme BV")  # proposed by, confirmed by
    # the outgoing holder and the admin got an e-mail too, in Dutch
    mails = await delivered_mails(app)
    subjects = {(m["to"], m["subject"]) for m in mails}
    assert (world.a.email("regie"), "Marketer Acme BV stelt Agent Acme BV voor als regiehouder") in subjects
    assert (world.a.email("admin"), "Marketer Acme BV stelt Agent Acme BV voor als regiehouder") in subjects
    assert (world.a.email("regie"), "Agent Acme BV is nu de regiehouder") in subjects
    # tenant b is untouched
    b = await rows(sessionmaker, world.b, RegieAppointment)
    assert len(b) == 1 and b[0].ended_at is None
    assert not await proposals(sessionmaker, world.b)


async def test_the_proposer_cannot_confirm_their_own_proposal(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/workgroup/regie",
                        {"membership_id": str(world.a.memberships["member"].id), "reason": REASON})
    [proposal] = await proposals(sessionmaker, world.a)
    page = await client.get("/t/acme/workgroup/")
    assert f"/regie/proposals/{proposal.id}/withdraw" in page.text
    assert f"/regie/proposals/{proposal.id}/confirm" not in page.text
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {})
    assert r.status_code == 403
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/reject", {"reason": "toch niet"})
    assert r.status_code == 403  # the proposer withdraws instead
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    # the proposed person may not confirm it either; someone else may
    client.cookies.clear()
    await login_as(client, world.a, "marketer")
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {},
                        follow_redirects=False)
    assert r.status_code == 303
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["member"].id


async def test_the_appointee_cannot_confirm_a_proposal_about_themself(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    await post_form(client, "/t/acme/workgroup/regie",
                    {"membership_id": str(world.a.memberships["agent"].id), "reason": REASON})
    [proposal] = await proposals(sessionmaker, world.a)
    client.cookies.clear()
    await login_as(client, world.a, "agent")
    page = await client.get("/t/acme/workgroup/")
    assert f"/regie/proposals/{proposal.id}/confirm" not in page.text
    assert "Jij bent de voorgestelde persoon: iemand anders bevestigt het." in page.text
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {})
    assert r.status_code == 403
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    assert not await audit(sessionmaker, world.a, "regie.appointed")


async def test_reject_withdraw_and_one_open_proposal_at_a_time(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    await post_form(client, "/t/acme/workgroup/regie",
                    {"membership_id": str(world.a.memberships["agent"].id), "reason": REASON})
    [first] = await proposals(sessionmaker, world.a)
    # a second proposal while one is open is refused and stores nothing
    r = await post_form(client, "/t/acme/workgroup/regie",
                        {"membership_id": str(world.a.memberships["member"].id), "reason": "een ander"})
    assert r.status_code == 409
    assert "Er wacht al een voorstel voor Agent Acme BV" in r.text
    assert len(await proposals(sessionmaker, world.a)) == 1
    # someone else cannot withdraw it; the outgoing holder may reject it, with a reason
    client.cookies.clear()
    await login_as(client, world.a, "regie")
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{first.id}/withdraw", {})
    assert r.status_code == 403
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{first.id}/reject", {"reason": "  "})
    assert r.status_code == 422 and "Dit veld is verplicht." in r.text
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{first.id}/reject",
                        {"reason": "Eerst de pilot afronden"}, follow_redirects=False)
    assert r.status_code == 303
    [first] = await proposals(sessionmaker, world.a)
    assert (first.status, first.decided_by_id, first.decision_reason) == (
        "rejected", world.a.users["regie"].id, "Eerst de pilot afronden")
    [entry] = await audit(sessionmaker, world.a, "regie.rejected")
    assert entry.reason == "Eerst de pilot afronden"
    assert world.a.email("marketer") in await notified(sessionmaker, world.a, "regie.rejected")
    # a decided proposal stays decided
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{first.id}/confirm", {})
    assert r.status_code == 409 and "Over dit voorstel is al besloten" in r.text
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    # a new proposal is possible now; its proposer withdraws it
    client.cookies.clear()
    await login_as(client, world.a, "marketer")
    await post_form(client, "/t/acme/workgroup/regie",
                    {"membership_id": str(world.a.memberships["member"].id), "reason": "een ander"})
    second = (await proposals(sessionmaker, world.a, RegieProposal.status == "open"))[0]
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{second.id}/withdraw", {},
                        follow_redirects=False)
    assert r.status_code == 303
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["rejected", "withdrawn"]
    assert len(await audit(sessionmaker, world.a, "regie.withdrawn")) == 1
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    assert not await audit(sessionmaker, world.a, "regie.appointed")


async def test_the_first_regie_holder_is_proposed_and_confirmed_too(client, world, sessionmaker):
    """A tenant without a holder (a new organisation): the mediator proposes, the admin confirms."""
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(delete(RegieAppointment))
    assert await holder_id(sessionmaker, world.a) is None
    await login(client, world.mediator.email)
    page = await client.get("/t/acme/workgroup/")
    assert "Er is nog geen regiehouder benoemd." in page.text and "Een regiehouder voorstellen" in page.text
    r = await post_form(client, "/t/acme/workgroup/regie",
                        {"membership_id": str(world.a.memberships["regie"].id), "reason": "Startbijeenkomst"},
                        follow_redirects=False)
    assert r.status_code == 303
    [proposal] = await proposals(sessionmaker, world.a)
    assert await holder_id(sessionmaker, world.a) is None
    assert await notified(sessionmaker, world.a, "regie.proposed") == {world.a.email("admin"), world.a.email("regie")}
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {})
    assert r.status_code == 403  # the mediator proposed it
    client.cookies.clear()
    await login_as(client, world.a, "admin")
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {},
                        follow_redirects=False)
    assert r.status_code == 303
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id
    [appointed] = await audit(sessionmaker, world.a, "regie.appointed")
    assert appointed.data["previous"] is None


async def test_a_proposal_for_someone_who_left_cannot_be_confirmed(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    await post_form(client, "/t/acme/workgroup/regie",
                    {"membership_id": str(world.a.memberships["member"].id), "reason": REASON})
    [proposal] = await proposals(sessionmaker, world.a)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            (await session.get(Membership, world.a.memberships["member"].id)).is_active = False
    client.cookies.clear()
    await login_as(client, world.a, "marketer")
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/confirm", {})
    assert r.status_code == 409 and "Deze persoon is geen actief lid." in r.text
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]
    assert await holder_id(sessionmaker, world.a) == world.a.memberships["regie"].id


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
    assert not await proposals(sessionmaker, world.a)
    assert not await audit(sessionmaker, world.a, "regie.proposed")
    # another tenant's proposal is not found under acme
    globex = await api_headers(sessionmaker, world.b, "admin")
    r = await client.post("/api/v1/t/globex/regie", headers=globex,
                          json={"membership_id": str(world.b.memberships["member"].id), "reason": "rotatie"})
    foreign = r.json()["proposal"]["id"]
    r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{foreign}/confirm", {})
    assert r.status_code == 404
    assert [p.status for p in await proposals(sessionmaker, world.b)] == ["open"]


async def test_who_may_propose_and_confirm(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    await post_form(client, "/t/acme/workgroup/regie",
                    {"membership_id": str(world.a.memberships["agent"].id), "reason": REASON})
    [proposal] = await proposals(sessionmaker, world.a)
    for who in ("viewer", "member"):  # plain member has no seat
        client.cookies.clear()
        await login_as(client, world.a, who)
        r = await post_form(client, "/t/acme/workgroup/regie",
                            {"membership_id": str(world.a.memberships["agent"].id), "reason": "x"})
        assert r.status_code == 403, who
        for decision in ("confirm", "reject", "withdraw"):
            r = await post_form(client, f"/t/acme/workgroup/regie/proposals/{proposal.id}/{decision}",
                                {"reason": "x"})
            assert r.status_code == 403, (who, decision)
        page = await client.get("/t/acme/workgroup/")
        assert "Voorstel wacht op bevestiging" in page.text and "/confirm" not in page.text
    assert len(await rows(sessionmaker, world.a, RegieAppointment)) == 1
    assert [p.status for p in await proposals(sessionmaker, world.a)] == ["open"]


async def test_api_regie(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.get("/api/v1/t/acme/regie", headers=headers)
    assert r.status_code == 200
    assert r.json()["holder"]["email"] == world.a.email("regie") and len(r.json()["history"]) == 1
    assert r.json()["proposal"] is None
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.a.memberships["marketer"].id), "reason": "rotatie"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["holder"]["email"] == world.a.email("regie")  # not yet
    proposal = body["proposal"]
    assert (proposal["email"], proposal["status"], proposal["proposed_by"]) == (
        world.a.email("marketer"), "open", world.a.email("admin"))
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.a.memberships["agent"].id), "reason": "weer"})
    assert r.status_code == 409
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.b.memberships["admin"].id), "reason": ""})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"membership_id", "reason"}
    r = await client.post("/api/v1/t/acme/regie", headers=headers, json={"reason": "x"})
    assert r.status_code == 400
    # the admin proposed it: a workgroup member confirms
    agent = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{proposal['id']}/reject", headers=agent, json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{proposal['id']}/confirm", headers=agent,
                          json={"reason": "akkoord"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["holder"]["email"] == world.a.email("marketer") and body["proposal"] is None
    assert body["holder"]["appointed_by"] == world.a.email("agent")
    assert body["holder"]["proposed_by"] == world.a.email("admin")
    assert [h["email"] for h in body["history"]] == [world.a.email("marketer"), world.a.email("regie")]
    assert body["history"][1]["ended_at"] is not None and body["history"][1]["proposed_by"] is None
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{proposal['id']}/confirm", headers=agent)
    assert r.status_code == 409
    r = await client.post("/api/v1/t/acme/regie", headers=headers,
                          json={"membership_id": str(world.a.memberships["marketer"].id), "reason": "weer"})
    assert r.status_code == 422
    assert r.json() == {"status": 422, "errors": [{"field": "membership_id",
                                                   "reason": "Deze persoon heeft de regie al."}]}
    # the new holder's token now carries the regie role
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.get("/api/v1/t/acme/regie", headers=marketer)
    assert r.json()["holder"]["email"] == world.a.email("marketer")
    viewer = await api_headers(sessionmaker, world.a, "viewer")
    r = await client.post("/api/v1/t/acme/regie", headers=viewer,
                          json={"membership_id": str(world.a.memberships["agent"].id), "reason": "x"})
    assert r.status_code == 403
    # reject and withdraw through the API
    r = await client.post("/api/v1/t/acme/regie", headers=agent,
                          json={"membership_id": str(world.a.memberships["member"].id), "reason": "wissel"})
    second = r.json()["proposal"]["id"]
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{second}/reject", headers=headers,
                          json={"reason": "niet nu"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["decided_by"] == world.a.email(
        "admin")
    r = await client.post("/api/v1/t/acme/regie", headers=agent,
                          json={"membership_id": str(world.a.memberships["member"].id), "reason": "wissel"})
    third = r.json()["proposal"]["id"]
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{third}/withdraw", headers=headers)
    assert r.status_code == 403
    r = await client.post(f"/api/v1/t/acme/regie/proposals/{third}/withdraw", headers=agent)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    open_ones = await rows(sessionmaker, world.a, RegieAppointment, RegieAppointment.ended_at.is_(None))
    assert [a.membership_id for a in open_ones] == [world.a.memberships["marketer"].id]
