"""`regie_banners`: an active plugin's banners show on every page of its tenant for its signed-in users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from core.activation.models import PluginActivation
from core.plugins.api import Banner, HookContext, PluginInfo, gettext_for, hookimpl
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from tests.support import login_as

CALLS: list[str] = []


class FlagPlugin:
    """Shows banners in the wrong order, plus a dict where a `Banner` belongs (left out, logged)."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="flag", groundswell_function="talking", default_owner="marketing",
                          title={"nl": "Vlag", "en": "Flag"})

    @hookimpl
    async def regie_banners(self, ctx: HookContext) -> list[Any]:
        CALLS.append(ctx.tenant_slug)
        _ = gettext_for(ctx.lang)
        return [Banner(f"Info for {ctx.tenant_slug}"),
                Banner(_("Sign out") + " <b>!</b>", "crisis", f"/t/{ctx.tenant_slug}/policy/"),
                {"level": "warning", "text": "Not a banner", "href": ""}]


@pytest.fixture
async def flag_client(settings, restore_broker):
    app = create_app(settings, extra_plugins=[FlagPlugin()], start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


async def _activate(sessionmaker, tw, status="active"):
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="flag", department_id=tw.departments["marketing"].id, status=status,
                                         activated_at=datetime.now(UTC)))


def _banners(html: str) -> list[str]:
    import re

    return re.findall(r'<div class="banner banner-(\w+)"', html)


async def test_no_banner_until_the_plugin_is_active(flag_client, world, sessionmaker):
    await login_as(flag_client, world.a, "member")
    CALLS.clear()
    response = await flag_client.get("/t/acme/")
    assert response.status_code == 200
    assert _banners(response.text) == [] and CALLS == []


async def test_banners_show_on_core_pages_most_severe_first_for_every_member(flag_client, world, sessionmaker):
    await _activate(sessionmaker, world.a)
    for who in ("member", "viewer", "regie"):
        flag_client.cookies.clear()
        await login_as(flag_client, world.a, who)
        CALLS.clear()
        response = await flag_client.get("/t/acme/policy/")
        assert response.status_code == 200
        assert _banners(response.text) == ["crisis", "info"]  # most severe first; the dict is left out
        assert "Info for acme" in response.text and "Not a banner" not in response.text
        assert '<a href="/t/acme/policy/">' in response.text
        assert "&lt;b&gt;!&lt;/b&gt;" in response.text  # banner text is escaped
        assert CALLS == ["acme"]  # one hook call per page
    # the text came in the user's language (nl)
    assert 'banner-crisis" role="alert"><a href="/t/acme/policy/">Uitloggen' in response.text


async def test_no_banners_elsewhere(flag_client, world, sessionmaker):
    await _activate(sessionmaker, world.a)
    await login_as(flag_client, world.b, "member")
    CALLS.clear()
    response = await flag_client.get("/t/globex/")
    assert response.status_code == 200 and _banners(response.text) == []  # not active for globex
    assert CALLS == []
    # an htmx fragment (a poll) costs no hook call; a boosted navigation does
    flag_client.cookies.clear()
    await login_as(flag_client, world.a, "member")
    CALLS.clear()
    await flag_client.get("/t/acme/notifications/", headers={"HX-Request": "true"})
    assert CALLS == []
    response = await flag_client.get("/t/acme/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert CALLS == ["acme"] and _banners(response.text) == ["crisis", "info"]
    CALLS.clear()
    # nobody signed in: the login page has no banner
    flag_client.cookies.clear()
    response = await flag_client.get("/t/acme/login")
    assert _banners(response.text) == [] and CALLS == []
