"""The web shell: OpenAPI schema, login rate limiting, static htmx, the development mailbox."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from core.web.app import create_app
from tests.support import post_form


async def test_openapi_schema_is_served(client, world):
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Regie API"
    assert any(path.startswith("/api/v1/t/{slug}") for path in schema["paths"])
    assert not any(path.startswith("/t/") for path in schema["paths"]), "HTML pages stay out of the API schema"


async def test_login_is_rate_limited(settings, world, restore_broker):
    limited = dataclasses.replace(settings, login_attempts_per_minute=3)
    app = create_app(limited, start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        codes = [(await post_form(client, "/t/acme/login", {"email": "x@acme.test", "password": "wrong"})).status_code
                 for _ in range(5)]
    assert codes[:3] == [400, 400, 400]
    assert codes[-1] == 429


async def test_vendored_htmx_is_served_locally(client):
    response = await client.get("/static/vendor/htmx-2.0.7.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]


async def test_api_without_token_is_401_with_reason(client, world):
    response = await client.get("/api/v1/t/acme")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "authorization"


async def test_api_with_token_reads_own_tenant(client, world, sessionmaker):
    from core.auth.models import ApiToken
    from core.auth.tokens import digest
    from core.tenancy.scope import tenant_scope

    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            s.add(ApiToken(membership_id=world.a.memberships["admin"].id, name="t", prefix="rg_abcde",
                           token_hash=digest("rg_abcdefgh")))
    ok = await client.get("/api/v1/t/acme", headers={"authorization": "Bearer rg_abcdefgh"})
    assert ok.status_code == 200 and ok.json()["name"] == "Acme BV"
    other = await client.get("/api/v1/t/globex", headers={"authorization": "Bearer rg_abcdefgh"})
    assert other.status_code == 401


async def test_another_tenants_user_sees_no_plugin_navigation_of_the_tenant(client, world, sessionmaker):
    """The refusal page of /t/acme/... must not tell a globex user which plugins acme has active."""
    from tests.core.test_gates import activation
    from tests.support import login_as

    await activation(sessionmaker, world.a, "monitoring")
    await login_as(client, world.a, "admin")
    own = await client.get("/t/acme/")
    assert "/t/acme/p/monitoring/" in own.text
    await login_as(client, world.b, "admin")
    refused = await client.get("/t/acme/")
    assert refused.status_code in (403, 404)
    assert "/t/acme/p/monitoring/" not in refused.text
