"""People: member list, invitations (mailed through the outbox), member changes, API tokens."""

from __future__ import annotations

from sqlalchemy import select

from core.auth.models import ApiToken, Invitation, Membership, User
from core.auth.passwords import hash_password
from core.jobs.models import OutboxMessage
from core.tenancy.scope import cross_tenant, tenant_scope
from core.workgroup.models import WorkgroupSeat
from tests.core.test_workgroup import audit, rows
from tests.support import api_headers, delivered_mails, login_as, post_form


async def outbox(sessionmaker) -> list[OutboxMessage]:
    with cross_tenant():
        async with sessionmaker() as session:
            return list((await session.scalars(select(OutboxMessage))).all())


async def membership(sessionmaker, tw, who: str) -> Membership:
    [m] = await rows(sessionmaker, tw, Membership, Membership.id == tw.memberships[who].id)
    return m


# --- the member list ----------------------------------------------------------------------------------

async def test_people_page_lists_members_with_role_department_seat_and_regie(client, world):
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/people/")
    assert r.status_code == 200
    for text in ("Regie Acme BV", "regie@acme.test", "beheerder", "kijker", "Communicatie", "regiehouder"):
        assert text in r.text, text
    assert "globex" not in r.text.lower()
    assert "Iemand uitnodigen" not in r.text  # a viewer sees no invitation form
    assert "/people/members/" not in r.text  # nor edit links


async def test_member_list_is_paginated_in_page_and_api(client, world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            password = hash_password("Test-wachtwoord-1")
            for i in range(25):
                user = User(email=f"extra{i:02d}@acme.test", name=f"Zz Extra {i:02d}", password_hash=password)
                session.add(user)
                await session.flush()
                session.add(Membership(user_id=user.id, role="member"))
    await login_as(client, world.a, "admin")
    first = await client.get("/t/acme/people/")
    assert "Pagina 1 van 2" in first.text or "Page 1 of 2" in first.text
    second = await client.get("/t/acme/people/?page=2")
    assert "Zz Extra 24" in second.text and "Zz Extra 24" not in first.text
    headers = await api_headers(sessionmaker, world.a, "viewer")
    r = await client.get("/api/v1/t/acme/members?page=2", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert (body["page"], body["total"], body["pages"]) == (2, 31, 2)
    assert len(body["items"]) == 6
    r = await client.get("/api/v1/t/acme/members", headers=headers)
    regie = next(m for m in r.json()["items"] if m["email"] == world.a.email("regie"))
    assert regie["is_regie"] is True and regie["seats"] == ["Communicatie"] and regie["department"] == "Communicatie"


# --- invitations --------------------------------------------------------------------------------------

async def test_admin_invites_and_the_mail_goes_through_the_outbox(app, client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/people/invitations",
                        {"email": "Nieuw@Acme.test", "role": "member",
                         "department_id": str(world.a.departments["service"].id)}, follow_redirects=False)
    assert r.status_code == 303
    [invitation] = await rows(sessionmaker, world.a, Invitation)
    assert invitation.email == "nieuw@acme.test" and invitation.department_id == world.a.departments["service"].id
    mails = await delivered_mails(app)
    assert len(mails) == 1 and mails[0]["to"] == "nieuw@acme.test"
    assert "/t/acme/invitation/" in mails[0]["text"]
    [row] = [m for m in await outbox(sessionmaker) if m.actor == "core.send_mail"]
    assert row.dispatched_at is not None and row.payload == {"redacted": True}
    [entry] = await audit(sessionmaker, world.a, "member.invited")
    assert "nieuw@acme.test" in entry.summary
    page = await client.get("/t/acme/people/")
    assert "Openstaande uitnodigingen" in page.text and "nieuw@acme.test" in page.text


async def test_invitation_bad_input_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    cases = [
        ({"email": "geen-adres", "role": "member"}, "Dit is geen geldig e-mailadres."),
        ({"email": "x@acme.test", "role": "owner"}, "Kies een van: admin, member, viewer."),
        ({"email": "x@acme.test", "role": "member", "department_id": str(world.b.departments["comms"].id)},
         "Kies een geldige optie."),
        ({"email": world.a.email("member"), "role": "member"}, "Deze persoon is al lid."),
    ]
    for data, message in cases:
        r = await post_form(client, "/t/acme/people/invitations", data)
        assert r.status_code == 422, data
        assert message in r.text, data
    assert not await rows(sessionmaker, world.a, Invitation)
    assert not await outbox(sessionmaker)
    ok = await post_form(client, "/t/acme/people/invitations", {"email": "x@acme.test", "role": "viewer"},
                         follow_redirects=False)
    assert ok.status_code == 303
    again = await post_form(client, "/t/acme/people/invitations", {"email": "X@acme.test", "role": "member"})
    assert again.status_code == 422 and "Voor dit adres staat al een uitnodiging open." in again.text
    assert len(await rows(sessionmaker, world.a, Invitation)) == 1


async def test_viewer_and_member_cannot_invite(client, world, sessionmaker):
    for who in ("viewer", "member", "regie"):
        client.cookies.clear()
        await login_as(client, world.a, who)
        r = await post_form(client, "/t/acme/people/invitations", {"email": "y@acme.test", "role": "member"})
        assert r.status_code == 403, who
    headers = await api_headers(sessionmaker, world.a, "viewer")
    r = await client.post("/api/v1/t/acme/invitations", headers=headers, json={"email": "y@acme.test"})
    assert r.status_code == 403
    assert (await client.get("/api/v1/t/acme/invitations", headers=headers)).status_code == 403
    assert not await rows(sessionmaker, world.a, Invitation)


async def test_revoke_invitation_web_and_api(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.post("/api/v1/t/acme/invitations", headers=headers,
                          json={"email": "api@acme.test", "role": "viewer"})
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "api@acme.test" and r.json()["role"] == "viewer"
    r = await client.post("/api/v1/t/acme/invitations", headers=headers, json={"email": "", "role": "boss"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"email", "role"}
    listed = (await client.get("/api/v1/t/acme/invitations", headers=headers)).json()
    assert [i["email"] for i in listed] == ["api@acme.test"]
    inv_id = listed[0]["id"]
    # tenant b cannot see or revoke it
    b_headers = await api_headers(sessionmaker, world.b, "admin")
    assert (await client.get("/api/v1/t/globex/invitations", headers=b_headers)).json() == []
    assert (await client.delete(f"/api/v1/t/globex/invitations/{inv_id}", headers=b_headers)).status_code == 404
    assert (await client.delete(f"/api/v1/t/acme/invitations/{inv_id}", headers=headers)).status_code == 204
    assert (await client.delete(f"/api/v1/t/acme/invitations/{inv_id}", headers=headers)).status_code == 404
    assert not await rows(sessionmaker, world.a, Invitation)
    [entry] = await audit(sessionmaker, world.a, "member.invitation_revoked")
    assert "api@acme.test" in entry.summary
    # web
    await login_as(client, world.a, "admin")
    await post_form(client, "/t/acme/people/invitations", {"email": "web@acme.test", "role": "member"})
    [inv] = await rows(sessionmaker, world.a, Invitation)
    r = await post_form(client, f"/t/acme/people/invitations/{inv.id}/revoke", follow_redirects=False)
    assert r.status_code == 303
    assert not await rows(sessionmaker, world.a, Invitation)


# --- changing members -----------------------------------------------------------------------------------

async def test_admin_changes_role_and_department_with_audit(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    m = world.a.memberships["member"]
    form = await client.get(f"/t/acme/people/members/{m.id}")
    assert form.status_code == 200 and world.a.email("member") in form.text
    r = await post_form(client, f"/t/acme/people/members/{m.id}",
                        {"role": "admin", "department_id": str(world.a.departments["service"].id), "is_active": "1"},
                        follow_redirects=False)
    assert r.status_code == 303
    changed = await membership(sessionmaker, world.a, "member")
    assert changed.role == "admin" and changed.department_id == world.a.departments["service"].id
    [role] = await audit(sessionmaker, world.a, "member.role_changed")
    assert role.data == {"from": "member", "to": "admin"}
    assert len(await audit(sessionmaker, world.a, "member.department_changed")) == 1


async def test_last_admin_cannot_be_demoted_or_deactivated(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    m = world.a.memberships["admin"]
    r = await post_form(client, f"/t/acme/people/members/{m.id}", {"role": "member", "is_active": "1"})
    assert r.status_code == 422 and "Dit is de laatste beheerder" in r.text
    r = await post_form(client, f"/t/acme/people/members/{m.id}", {"role": "admin", "is_active": "0"})
    assert r.status_code == 422 and "Dit is de laatste beheerder" in r.text
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.patch(f"/api/v1/t/acme/members/{m.id}", headers=headers, json={"role": "viewer"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "role"
    still = await membership(sessionmaker, world.a, "admin")
    assert still.role == "admin" and still.is_active
    assert not await audit(sessionmaker, world.a, "member.role_changed")


async def test_deactivating_removes_seats_and_regie_holder_is_protected(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    agent = world.a.memberships["agent"]
    r = await client.patch(f"/api/v1/t/acme/members/{agent.id}", headers=headers, json={"is_active": False})
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False and r.json()["seats"] == []
    assert not await rows(sessionmaker, world.a, WorkgroupSeat, WorkgroupSeat.membership_id == agent.id)
    assert len(await audit(sessionmaker, world.a, "member.deactivated")) == 1
    assert len(await audit(sessionmaker, world.a, "workgroup.seat_removed")) == 1
    regie = world.a.memberships["regie"]
    r = await client.patch(f"/api/v1/t/acme/members/{regie.id}", headers=headers, json={"is_active": False})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "is_active"
    assert (await membership(sessionmaker, world.a, "regie")).is_active
    # department null clears it; omitted keeps it
    marketer = world.a.memberships["marketer"]
    r = await client.patch(f"/api/v1/t/acme/members/{marketer.id}", headers=headers, json={"role": "member"})
    assert r.json()["department"] == "Marketing"
    r = await client.patch(f"/api/v1/t/acme/members/{marketer.id}", headers=headers, json={"department_id": None})
    assert r.status_code == 200 and r.json()["department_id"] is None


async def test_member_changes_refuse_foreign_ids_and_non_admins(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "admin")
    b_member = world.b.memberships["member"]
    r = await client.patch(f"/api/v1/t/acme/members/{b_member.id}", headers=headers, json={"role": "admin"})
    assert r.status_code == 404
    r = await client.patch(f"/api/v1/t/acme/members/{world.a.memberships['member'].id}", headers=headers,
                           json={"department_id": str(world.b.departments["comms"].id)})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "department_id"
    r = await client.patch(f"/api/v1/t/acme/members/{world.a.memberships['member'].id}", headers=headers,
                           json={"role": "owner"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"
    assert (await membership(sessionmaker, world.b, "member")).role == "member"
    assert (await membership(sessionmaker, world.a, "member")).department_id == world.a.departments["marketing"].id
    regie_headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.patch(f"/api/v1/t/acme/members/{world.a.memberships['member'].id}", headers=regie_headers,
                           json={"role": "admin"})
    assert r.status_code == 403
    await login_as(client, world.a, "regie")
    assert (await client.get(f"/t/acme/people/members/{world.a.memberships['member'].id}")).status_code == 403


# --- API tokens ---------------------------------------------------------------------------------------

async def test_member_creates_own_token_shown_once_that_works_until_revoked(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/people/tokens/",
                        {"membership_id": str(world.a.memberships["regie"].id), "name": "rapportage"})
    assert r.status_code == 201
    [row] = await rows(sessionmaker, world.a, ApiToken)
    # the token acts as its creator, whatever membership a form smuggles in
    assert row.name == "rapportage" and row.membership_id == world.a.memberships["marketer"].id
    start = r.text.index("<code>rg_") + len("<code>")
    secret = r.text[start:r.text.index("</code>", start)]
    assert secret.startswith("rg_") and row.prefix == secret[:8] and row.token_hash != secret
    listing = await client.get("/t/acme/people/tokens/")
    assert row.prefix in listing.text and secret not in listing.text
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/t/acme/members", headers=headers)).status_code == 200
    r = await post_form(client, f"/t/acme/people/tokens/{row.id}/revoke", follow_redirects=False)
    assert r.status_code == 303
    assert (await client.get("/api/v1/t/acme/members", headers=headers)).status_code == 401
    assert [e.action for e in await audit(sessionmaker, world.a, "token.created")] == ["token.created"]
    assert len(await audit(sessionmaker, world.a, "token.revoked")) == 1


async def test_an_admin_cannot_mint_the_regie_holders_rights(client, world, sessionmaker):
    """Admins see and revoke every token, but a token they create acts as themselves, never as the regie."""
    await api_headers(sessionmaker, world.a, "regie")
    await login_as(client, world.a, "admin")
    listing = await client.get("/t/acme/people/tokens/")
    assert world.a.email("regie") in listing.text
    r = await post_form(client, "/t/acme/people/tokens/",
                        {"membership_id": str(world.a.memberships["regie"].id), "name": "sluiproute"})
    assert r.status_code == 201
    new = [t for t in await rows(sessionmaker, world.a, ApiToken) if t.name == "sluiproute"]
    assert [t.membership_id for t in new] == [world.a.memberships["admin"].id]
    start = r.text.index("<code>rg_") + len("<code>")
    secret = r.text[start:r.text.index("</code>", start)]
    response = await client.post("/api/v1/t/acme/roadmap/override", json={"reason": "x" * 20},
                                 headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


async def test_token_bad_input_and_permissions(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/people/tokens/", {"name": ""})
    assert r.status_code == 422
    assert "Dit veld is verplicht." in r.text
    await api_headers(sessionmaker, world.b, "admin")  # a row in tenant b
    [b_row] = await rows(sessionmaker, world.b, ApiToken)
    r = await post_form(client, f"/t/acme/people/tokens/{b_row.id}/revoke")
    assert r.status_code == 404
    [b_row] = await rows(sessionmaker, world.b, ApiToken)
    assert b_row.revoked_at is None
    assert not await rows(sessionmaker, world.a, ApiToken)
    # a member sees only their own tokens and cannot revoke someone else's
    await api_headers(sessionmaker, world.a, "regie")
    [regie_row] = await rows(sessionmaker, world.a, ApiToken)
    client.cookies.clear()
    await login_as(client, world.a, "member")
    listing = await client.get("/t/acme/people/tokens/")
    assert listing.status_code == 200 and regie_row.prefix not in listing.text
    assert (await post_form(client, f"/t/acme/people/tokens/{regie_row.id}/revoke")).status_code == 404
    # tokens cannot be created through the API
    headers = await api_headers(sessionmaker, world.a, "admin")
    r = await client.post("/api/v1/t/acme/tokens", headers=headers, json={"name": "x"})
    assert r.status_code in (404, 405)
