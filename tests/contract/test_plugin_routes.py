"""A plugin's routes are mounted under the tenant, guarded by the core, and inert until activated."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from core.activation.models import PluginActivation
from core.plugins.api import PluginInfo, hookimpl
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from tests.support import login_as


@get("/hello", opt={"action": "tenant.read"})
async def hello() -> dict[str, str]:
    return {"hello": "from the plugin"}


class EchoPlugin:
    """A third-party style plugin, registered the way an installed package would be."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="echo", groundswell_function="talking", default_owner="marketing",
                          title={"nl": "Echo", "en": "Echo"})

    @hookimpl
    def regie_routes(self) -> list:
        return [hello]

    @hookimpl
    def regie_api_routes(self) -> list:
        return [hello]


@pytest.fixture
async def echo_client(settings, restore_broker):
    app = create_app(settings, extra_plugins=[EchoPlugin()], start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


async def _activate(sessionmaker, tw, status="active"):
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="echo", department_id=tw.departments["marketing"].id, status=status,
                                         activated_at=datetime.now(UTC)))


async def test_plugin_route_is_not_enabled_until_activated(echo_client, world, sessionmaker):
    await login_as(echo_client, world.a, "marketer")
    assert (await echo_client.get("/t/acme/p/echo/hello")).status_code == 404
    await _activate(sessionmaker, world.a)
    response = await echo_client.get("/t/acme/p/echo/hello")
    assert response.status_code == 200
    assert response.json() == {"hello": "from the plugin"}


async def test_paused_plugin_is_inert(echo_client, world, sessionmaker):
    await _activate(sessionmaker, world.a, status="paused")
    await login_as(echo_client, world.a, "marketer")
    assert (await echo_client.get("/t/acme/p/echo/hello")).status_code == 404


async def test_activation_in_one_tenant_does_not_enable_another(echo_client, world, sessionmaker):
    await _activate(sessionmaker, world.a)
    await login_as(echo_client, world.b, "marketer")
    assert (await echo_client.get("/t/globex/p/echo/hello")).status_code == 404
    assert (await echo_client.get("/t/acme/p/echo/hello")).status_code in (403, 404)


async def test_plugin_routes_keep_the_core_guards(echo_client, world, sessionmaker):
    await _activate(sessionmaker, world.a)
    response = await echo_client.get("/t/acme/p/echo/hello", follow_redirects=False)
    assert response.status_code == 303
    assert (await echo_client.get("/api/v1/t/acme/echo/hello")).status_code == 401
