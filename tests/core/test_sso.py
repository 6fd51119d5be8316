"""Single sign-on with OpenID Connect against a real provider on localhost (oidc-provider-mock).

The full redirect flow runs through the app's test client: start → the provider's authorize form →
callback (code exchange, ID-token validation). Rejections that need a token the provider would never
issue (wrong issuer or audience, expired, another nonce, a bad signature) sign their own with joserfc and
serve its key as the provider's JWKS; everything else is the provider's own answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import flask
import httpx
import pytest
import werkzeug.serving
from authlib import jose
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from oidc_provider_mock import User as ProviderUser
from oidc_provider_mock import app as provider_app
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import Membership, User
from core.auth.sealing import seal
from core.sso import oidc
from core.sso.models import SECRET_PURPOSE, OidcProvider
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.support import PASSWORD, login, login_as, post_form

CLIENT_ID = "regie-acme"
BROWSER = httpx.Client(timeout=10)
"""The person's browser at the provider (plain http on localhost)."""
PREDEFINED = [
    ProviderUser(sub="ann", claims={"email": "ann@acme.test", "name": "Ann Admin", "groups": ["regie-admins"],
                                    "department": "mkt"}),
    ProviderUser(sub="vic", claims={"email": "vic@acme.test", "groups": ["staff", "readers"]}),
]


class Provider:
    """The mock provider in a thread, plus a way to rotate its signing key."""

    def __init__(self) -> None:
        app = provider_app(user_claims=PREDEFINED, require_nonce=True)

        @app.post("/test/rotate")
        def rotate() -> tuple[str, int]:
            flask.g.oidc_provider_mock_storage.jwk = jose.RSAKey.generate_key(is_private=True)
            return "", 204

        self.server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    def rotate(self) -> None:
        assert BROWSER.post(self.issuer + "/test/rotate").status_code == 204


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    p.thread.start()
    yield p
    p.server.shutdown()
    p.thread.join(5)


@pytest.fixture(scope="module")
def keys() -> tuple[RSAKey, RSAKey]:
    """Our forger's key (served as the provider's JWKS) and another one (a bad signature)."""
    ours, other = RSAKey.generate_key(2048), RSAKey.generate_key(2048)
    ours.ensure_kid()
    return ours, other


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    oidc.clear_caches()
    yield
    oidc.clear_caches()


def anonymous(client: Any) -> None:
    """A fresh browser that reads English (the pages' reasons are asserted in English)."""
    client.cookies.clear()
    client.cookies.set("regie_lang", "en")


async def configure(sessionmaker: Any, tw: Any, issuer: str, **changes: Any) -> None:
    """Store the tenant's provider directly (the admin form has its own test)."""
    values: dict[str, Any] = {
        "name": "Acme ID", "issuer": issuer, "client_id": CLIENT_ID,
        "client_secret_sealed": seal("test-secret-key-" + "x" * 32, SECRET_PURPOSE, "s3cret"),
        "allowed_domains": ["acme.test"], "role_claim": "groups",
        "role_map": {"regie-admins": "admin", "staff": "member", "readers": "viewer"}, "default_role": "viewer",
        "department_claim": "department", "department_map": {"mkt": str(tw.departments["marketing"].id)},
        "jit_enabled": True, "enabled": True, "local_passwords_enabled": True,
    }
    values.update(changes)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(OidcProvider(**values))


async def start(client: Any, slug: str | None = "acme") -> dict[str, str]:
    """GET the start URL; the provider's authorize URL parameters."""
    response = await client.get(f"/t/{slug}/sso/start" if slug else "/sso/start", follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    location = response.headers["location"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    params["_url"] = location
    return params


def authorize(params: dict[str, str], sub: str) -> str:
    """The person picks an identity at the provider; the path + query the provider sends them back to."""
    answer = BROWSER.post(params["_url"], data={"sub": sub})
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["location"])
    return f"{back.path}?{back.query}"


async def sign_in(client: Any, sub: str, slug: str | None = "acme") -> Any:
    params = await start(client, slug)
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    return await client.get(authorize(params, sub), follow_redirects=False)


async def audits(sessionmaker: Any, action: str) -> list[AuditEntry]:
    with cross_tenant():
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


async def test_jit_provisioning_maps_role_and_department(client, world, sessionmaker, provider) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer)
    response = await sign_in(client, "ann")
    assert response.status_code == 303 and response.headers["location"] == "/t/acme/"
    assert (await client.get("/t/acme/")).status_code == 200
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            user = await session.scalar(select(User).where(User.email == "ann@acme.test"))
            membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert user.password_hash is None and user.name == "Ann Admin"
    assert membership.role == "admin" and membership.department_id == world.a.departments["marketing"].id
    signed_in = await audits(sessionmaker, "auth.signed_in")
    assert [e.data for e in signed_in] == [{"method": "oidc"}] and signed_in[0].tenant_id == world.a.id
    assert len(await audits(sessionmaker, "member.provisioned")) == 1
    anonymous(client)
    await sign_in(client, "vic")  # staff + readers: the strongest mapped role wins
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            vic = await session.scalar(select(Membership).join(User).where(User.email == "vic@acme.test"))
    assert vic.role == "member" and vic.department_id is None


async def test_existing_member_without_provisioning(client, world, sessionmaker, provider) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer, jit_enabled=False)
    response = await sign_in(client, "member@acme.test")
    assert response.status_code == 303
    assert (await client.get("/t/acme/")).status_code == 200
    anonymous(client)
    refused = await sign_in(client, "newcomer@acme.test")
    assert refused.status_code == 400 and "no account for you" in refused.text
    failures = await audits(sessionmaker, "auth.sign_in_failed")
    assert [f.data for f in failures] == [{"reason": "no_account", "method": "oidc"}]


async def test_domain_not_allowed_and_deactivated(client, world, sessionmaker, provider) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer)
    refused = await sign_in(client, "eve@evil.test")
    assert refused.status_code == 400 and "may not sign in to this organisation" in refused.text
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            (await session.get(Membership, world.a.memberships["member"].id)).is_active = False
    refused = await sign_in(client, "member@acme.test")
    assert refused.status_code == 400 and "deactivated" in refused.text
    assert sorted(f.data["reason"] for f in await audits(sessionmaker, "auth.sign_in_failed")) == \
        ["domain", "inactive"]
    with cross_tenant():
        async with sessionmaker() as session:
            assert await session.scalar(select(User).where(User.email == "eve@evil.test")) is None


async def test_state_mismatch_and_replay(client, world, sessionmaker, provider, monkeypatch) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer)
    exchanged: list[str] = []
    real_exchange = oidc.exchange_code

    async def counting(*args: Any, **kwargs: Any) -> Any:
        exchanged.append("x")
        return await real_exchange(*args, **kwargs)

    monkeypatch.setattr(oidc, "exchange_code", counting)
    back = authorize(await start(client), "ann")
    query = parse_qs(urlsplit(back).query)
    forged = "/t/acme/sso/callback?" + urlencode({"code": query["code"][0], "state": "attacker"})
    refused = await client.get(forged, follow_redirects=False)
    assert refused.status_code == 400 and "another window" in refused.text and not exchanged
    replay = await client.get(back, follow_redirects=False)  # the pending sign-in was used up by the refusal
    assert replay.status_code == 400 and not exchanged
    ok = await sign_in(client, "ann")
    assert ok.status_code == 303 and exchanged == ["x"]
    again = await client.get(back, follow_redirects=False)
    assert again.status_code == 400  # a callback URL works once


def _forge(key: RSAKey, issuer: str, pending_nonce: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "sub": "ann", "aud": CLIENT_ID, "exp": now + 300, "iat": now, "nonce": pending_nonce,
              "email": "ann@acme.test", "groups": ["regie-admins"]}
    claims.update(changes)
    kid = claims.pop("_kid", key.kid)
    return jwt.encode({"alg": "RS256", "kid": kid}, {k: v for k, v in claims.items() if v is not None}, key)


FORGERIES = [
    ("wrong_issuer", {"iss": "http://127.0.0.1:9/other"}, "issuer", "did not come from"),
    ("wrong_audience", {"aud": "someone-else"}, "audience", "meant for another application"),
    ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired", "has expired"),
    ("nonce_mismatch", {"nonce": "another-nonce"}, "nonce", "does not belong to this sign-in"),
    ("bad_signature", {"_sign_with_other": True}, "signature", "could not be verified"),
    ("unknown_kid", {"_kid": "not-published"}, "signature", "could not be verified"),
]


async def test_forged_id_tokens_are_refused(client, world, sessionmaker, provider, monkeypatch, keys) -> None:
    """One sign-in per forgery; the same forger's token without a flaw is accepted (the control)."""
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer)
    ours, other = keys
    real_get = oidc.get_json
    token = ""

    async def jwks(url: str, settings: Any) -> dict[str, Any]:
        if url.endswith("/jwks"):
            return KeySet([ours]).as_dict()
        return await real_get(url, settings)

    async def exchange(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"id_token": token, "token_type": "Bearer"}

    monkeypatch.setattr(oidc, "get_json", jwks)
    monkeypatch.setattr(oidc, "exchange_code", exchange)
    expected: list[str] = []
    for case, changes, reason, text in FORGERIES:
        params = await start(client)
        changes = {"_kid": ours.kid, **changes}
        signer = other if changes.pop("_sign_with_other", False) else ours
        token = _forge(signer, provider.issuer, params["nonce"], **changes)
        refused = await client.get(authorize(params, "ann"), follow_redirects=False)
        assert refused.status_code == 400 and text in refused.text, case
        assert "Traceback" not in refused.text and provider.issuer not in refused.text, case
        expected.append(reason)
        failures = await audits(sessionmaker, "auth.sign_in_failed")
        assert sorted(f.data["reason"] for f in failures) == sorted(expected), case
        assert all(f.data["method"] == "oidc" for f in failures)
    assert (await client.get("/t/acme/", follow_redirects=False)).status_code in (302, 303, 401)
    params = await start(client)
    token = _forge(ours, provider.issuer, params["nonce"])
    assert (await client.get(authorize(params, "ann"), follow_redirects=False)).status_code == 303


async def test_key_rotation_refetches_jwks_once(client, world, sessionmaker, provider, monkeypatch) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer)
    fetched: list[str] = []
    real_get = oidc.get_json

    async def counting(url: str, settings: Any) -> dict[str, Any]:
        fetched.append(urlsplit(url).path)
        return await real_get(url, settings)

    monkeypatch.setattr(oidc, "get_json", counting)
    assert (await sign_in(client, "ann")).status_code == 303
    anonymous(client)
    assert (await sign_in(client, "ann")).status_code == 303  # cached: no new fetch
    assert fetched == ["/.well-known/openid-configuration", "/jwks"]
    provider.rotate()
    anonymous(client)
    assert (await sign_in(client, "ann")).status_code == 303  # unknown kid: the JWKS is fetched again
    assert fetched == ["/.well-known/openid-configuration", "/jwks", "/jwks"]


async def test_provider_unreachable_and_not_configured(client, world, sessionmaker) -> None:
    anonymous(client)
    response = await client.get("/t/acme/sso/start")
    assert response.status_code == 400 and "not set up here" in response.text
    await configure(sessionmaker, world.a, "http://127.0.0.1:9")
    response = await client.get("/t/acme/sso/start")
    assert response.status_code == 400 and "could not be reached" in response.text
    assert [f.data["reason"] for f in await audits(sessionmaker, "auth.sign_in_failed")] == \
        ["not_configured", "unreachable"]


async def test_local_passwords_off(client, world, sessionmaker, provider) -> None:
    anonymous(client)
    await configure(sessionmaker, world.a, provider.issuer, local_passwords_enabled=False)
    page = await client.get("/t/acme/login")
    assert "Sign in with Acme ID" in page.text and 'name="password"' not in page.text
    refused = await post_form(client, "/t/acme/login", {"email": world.a.email("admin"), "password": PASSWORD})
    assert refused.status_code == 400 and "Sign in with Acme ID" in refused.text
    refused = await post_form(client, "/login", {"email": world.a.email("admin"), "password": PASSWORD})
    assert refused.status_code == 400 and "own identity provider only" in refused.text
    assert {f.data["reason"] for f in await audits(sessionmaker, "auth.sign_in_failed")} == {"passwords_off"}
    await login(client, world.mediator.email)  # the mediator always signs in at /login
    anonymous(client)
    assert 'name="password"' in (await client.get("/t/globex/login")).text  # another tenant keeps passwords
    assert (await sign_in(client, "admin@acme.test")).status_code == 303


async def test_mediator_signs_in_with_the_consultancy_provider(client, world, sessionmaker, provider, app,
                                                             monkeypatch) -> None:
    anonymous(client)
    settings = app.state.settings
    monkeypatch.setattr(settings, "mediator_oidc_issuer", provider.issuer)
    monkeypatch.setattr(settings, "mediator_oidc_client_id", "regie-console")
    monkeypatch.setattr(settings, "mediator_oidc_client_secret", "console-secret")
    assert 'href="/sso/start"' in (await client.get("/login")).text
    response = await sign_in(client, world.mediator.email, slug=None)
    assert response.status_code == 303 and response.headers["location"] == "/mediator/"
    assert (await client.get("/mediator/")).status_code == 200
    anonymous(client)
    refused = await sign_in(client, world.a.email("admin"), slug=None)  # not a mediator: no JIT up here
    assert refused.status_code == 400 and "no account for you" in refused.text


async def test_admin_settings_form(client, world, sessionmaker, provider) -> None:
    anonymous(client)
    with cross_tenant():
        async with sessionmaker() as session, session.begin():
            (await session.get(User, world.a.users["admin"].id)).locale = "en"
    await login_as(client, world.a, "viewer")
    assert (await client.get("/t/acme/sso/", follow_redirects=False)).status_code == 403
    anonymous(client)
    await login_as(client, world.a, "admin")
    page = await client.get("/t/acme/sso/")
    assert page.status_code == 200 and "/t/acme/sso/callback" in page.text and "not set" in page.text
    bad = await post_form(client, "/t/acme/sso/", {
        "name": "", "issuer": "http://10.0.0.1/", "client_id": "x", "allowed_domains": "not a domain!",
        "role_map": "regie-admins = boss", "department_map": "mkt = Nowhere", "client_secret": "s3cret-value"})
    assert bad.status_code == 422
    for reason in ("This field is required.", "private network", "Not a domain name", "the role must be admin",
                   "no department named Nowhere", "Keep passwords on"):
        assert reason in bad.text, reason
    assert "s3cret-value" not in bad.text
    form = {"name": "Acme ID", "issuer": provider.issuer + "/", "client_id": CLIENT_ID,
            "client_secret": "s3cret-value", "allowed_domains": "acme.test, @Acme.example",
            "role_claim": "groups", "role_map": "regie-admins = admin\nstaff = member", "default_role": "viewer",
            "department_claim": "department", "department_map": "mkt = marketing", "jit_enabled": "1",
            "enabled": "1", "local_passwords_enabled": "1"}
    saved = await post_form(client, "/t/acme/sso/", form, follow_redirects=False)
    assert saved.status_code == 303
    page = await client.get("/t/acme/sso/?saved=1")
    assert "s3cret-value" not in page.text and "set" in page.text and "acme.example, acme.test" in page.text
    assert "mkt = Marketing" in page.text  # departments come back by name, so the form saves again as shown
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            row = await session.scalar(select(OidcProvider))
    assert row.issuer == provider.issuer and "s3cret" not in row.client_secret_sealed
    assert row.department_map == {"mkt": str(world.a.departments["marketing"].id)}
    form.pop("client_secret")  # empty: the stored secret stays
    assert (await post_form(client, "/t/acme/sso/", form, follow_redirects=False)).status_code == 303
    entries = await audits(sessionmaker, "sso.configured")
    assert [e.data["secret_changed"] for e in entries] == [True, False]
    assert all("s3cret" not in str(e.data) for e in entries)
    anonymous(client)
    assert "Sign in with Acme ID" in (await client.get("/t/acme/login")).text
    assert (await sign_in(client, "ann")).status_code == 303  # the sealed secret opens for the code exchange
