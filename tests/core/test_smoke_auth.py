"""Signing in, the language switch, and the fail-closed tenant context."""

from __future__ import annotations

from tests.support import PASSWORD, login, login_as, post_form


async def test_member_signs_in_and_sees_tenant(client, world):
    await login_as(client, world.a, "admin")
    response = await client.get("/t/acme/")
    assert response.status_code == 200
    assert "Acme BV" in response.text


async def test_wrong_password_is_refused_with_field_and_reason(client, world):
    response = await post_form(client, "/t/acme/login", {"email": world.a.email("admin"), "password": "nope"})
    assert response.status_code == 400
    assert "E-mailadres of wachtwoord is onjuist" in response.text


async def test_member_of_other_tenant_cannot_sign_in_here(client, world):
    response = await post_form(client, "/t/acme/login", {"email": world.b.email("admin"), "password": PASSWORD})
    assert response.status_code == 400


async def test_signed_in_member_of_other_tenant_gets_403(client, world):
    await login_as(client, world.b, "admin")
    response = await client.get("/t/acme/")
    assert response.status_code == 403
    assert "Acme BV</h1>" not in response.text


async def test_unknown_tenant_is_404(client, world):
    await login(client, world.mediator.email)
    assert (await client.get("/t/does-not-exist/")).status_code == 404


async def test_anonymous_is_sent_to_login(client, world):
    response = await client.get("/t/acme/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/t/acme/login")


async def test_language_switch_is_remembered_per_user(client, world):
    await login_as(client, world.a, "admin")
    assert 'lang="nl"' in (await client.get("/t/acme/")).text
    await post_form(client, "/lang", {"lang": "en", "next": "/t/acme/"})
    client.cookies.delete("regie_lang")
    assert 'lang="en"' in (await client.get("/t/acme/")).text


async def test_post_without_csrf_token_is_refused(client, world):
    await client.get("/login")
    response = await client.post("/t/acme/login", data={"email": "x@y.nl", "password": "z"})
    assert response.status_code == 403
