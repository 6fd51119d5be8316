"""Invitations: single-use, expiring, and never a way to sign in as someone who already has an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.auth.models import Invitation, Membership
from core.auth.routes import _safe_next
from core.auth.tokens import digest
from core.tenancy.scope import tenant_scope
from tests.support import PASSWORD, post_form

NEW_PASSWORD = "Nieuw-wachtwoord-9"


async def _invite(sessionmaker, tw, email, token="uitnodiging-123", days=7, role="member"):
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            s.add(Invitation(email=email, role=role, token_hash=digest(token),
                             expires_at=datetime.now(UTC) + timedelta(days=days)))


async def _members(sessionmaker, tw):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return {m.user.email for m in (await s.scalars(select(Membership))).unique().all()}


async def test_new_person_accepts_once(client, world, sessionmaker):
    await _invite(sessionmaker, world.a, "nieuw@acme.test")
    form = await client.get("/t/acme/invitation/uitnodiging-123")
    assert form.status_code == 200 and "nieuw@acme.test" in form.text
    r = await post_form(client, "/t/acme/invitation/uitnodiging-123",
                        {"name": "Nina Nieuw", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
                        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/"
    assert "nieuw@acme.test" in await _members(sessionmaker, world.a)
    again = await client.get("/t/acme/invitation/uitnodiging-123")
    assert again.status_code == 404


async def test_expired_invitation_is_refused(client, world, sessionmaker):
    await _invite(sessionmaker, world.a, "laat@acme.test", days=-1)
    r = await post_form(client, "/t/acme/invitation/uitnodiging-123",
                        {"name": "Laat", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert r.status_code == 404
    assert "laat@acme.test" not in await _members(sessionmaker, world.a)


async def test_weak_or_mismatched_password_changes_nothing(client, world, sessionmaker):
    await _invite(sessionmaker, world.a, "zwak@acme.test")
    r = await post_form(client, "/t/acme/invitation/uitnodiging-123",
                        {"name": "", "password": "kort", "password_repeat": "kort"})
    assert r.status_code == 400
    assert "Gebruik minstens 12 tekens" in r.text
    r = await post_form(client, "/t/acme/invitation/uitnodiging-123",
                        {"name": "Z", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD + "x"})
    assert r.status_code == 400
    assert "zwak@acme.test" not in await _members(sessionmaker, world.a)


async def test_an_existing_account_must_prove_its_password(client, world, sessionmaker):
    """Tenant b's admin invites tenant a's regie holder: the link alone must not sign anyone in as them."""
    victim = world.a.email("regie")
    await _invite(sessionmaker, world.b, victim, role="admin")
    form = await client.get("/t/globex/invitation/uitnodiging-123")
    assert "bestaande" in form.text.lower() or "al een regie-account" in form.text.lower()
    r = await post_form(client, "/t/globex/invitation/uitnodiging-123",
                        {"name": "Overgenomen", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
                        follow_redirects=False)
    assert r.status_code == 400
    assert (await client.get("/t/acme/", follow_redirects=False)).status_code == 303  # not signed in
    assert victim not in await _members(sessionmaker, world.b)
    r = await post_form(client, "/t/globex/invitation/uitnodiging-123", {"password": PASSWORD},
                        follow_redirects=False)
    assert r.status_code == 303
    assert victim in await _members(sessionmaker, world.b)
    async with sessionmaker() as s:
        from core.auth.service import user_by_email

        assert (await user_by_email(s, victim)).name == world.a.users["regie"].name  # not renamed


def test_next_parameter_never_leaves_the_site():
    for bad in ("//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example", "/\n/evil",
                "http:/evil", ""):
        assert _safe_next(bad, "/fallback") == "/fallback", bad
    assert _safe_next("/t/acme/roadmap/", "/x") == "/t/acme/roadmap/"


async def test_a_viewer_in_a_hub_department_gets_no_hub_rights(sessionmaker, world):
    from core.auth.principal import tenant_roles

    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            viewer = await s.get(Membership, world.a.memberships["viewer"].id)
            viewer.department_id = world.a.departments["comms"].id
        async with sessionmaker() as s:
            principal = await tenant_roles(s, world.a.users["viewer"], world.a.tenant)
            regie = await tenant_roles(s, world.a.users["regie"], world.a.tenant)
    assert "hub" not in principal.roles
    assert "hub" in regie.roles
