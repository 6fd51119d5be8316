"""Typed records end to end: what a plugin returns from `regie_nav`, `regie_widgets`, `regie_banners`,
`regie_item_actions`, `regie_digest` and `regie_policy_sections` reaches the page, the digest and the policy;
anything that is not the promised record is left out and logged as the plugin's error."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Request, get
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import PluginActivation
from core.digest.content import build_digest
from core.plugins.api import (
    Banner,
    DigestLine,
    HookContext,
    Item,
    ItemAction,
    NavEntry,
    PluginInfo,
    PolicySection,
    Widget,
    hookimpl,
    item_actions,
)
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from tests.support import login_as

HERE = Path(__file__).resolve().parent


@get("/items", opt={"action": "plugin.work"})
async def items(request: Request[Any, Any, Any], db: AsyncSession) -> dict[str, Any]:
    """A plugin page showing an item: the actions other plugins offer on it."""
    return {"actions": [asdict(a) for a in await item_actions(request, db, "thing", {"id": "7"})]}


class TypedPlugin:
    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="typed", groundswell_function="talking", default_owner="marketing",
                          title={"nl": "Getypt", "en": "Typed"}, version="1.0.0", contract_version=1)

    @hookimpl
    def regie_routes(self) -> list[Any]:
        return [items]

    @hookimpl
    def regie_templates(self) -> tuple[str, Path]:
        return ("typed", HERE / "typed_templates")

    @hookimpl
    def regie_nav(self, ctx: HookContext) -> list[NavEntry]:
        return [NavEntry("Typed page", f"/t/{ctx.tenant_slug}/p/typed/items")]

    @hookimpl
    async def regie_widgets(self, ctx: HookContext) -> list[Any]:
        return [Widget("Typed widget", "typed/widget.html", {"answer": 42}), {"title": "a dict widget"}]

    @hookimpl
    def regie_banners(self, ctx: HookContext) -> list[Banner]:
        return [Banner("Typed banner", "warning", f"/t/{ctx.tenant_slug}/p/typed/items")]

    @hookimpl
    def regie_item_actions(self, ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
        if kind != "thing":
            return []
        return [ItemAction("Do the thing", f"/t/{ctx.tenant_slug}/p/typed/do", {"id": str(item["id"])})]

    @hookimpl
    async def regie_digest(self, ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
        return [DigestLine(f"Typed line {week_start:%d %b}", "p/typed/items", "alert"), DigestLine("")]

    @hookimpl
    def regie_policy_sections(self, ctx: HookContext) -> list[PolicySection]:
        return [PolicySection("typed_rules", "Typed rules", "When the typed plugin answers"),
                PolicySection("tone_of_voice", "Taken by the core")]


@pytest.fixture
async def typed(settings, restore_broker):
    app = create_app(settings, extra_plugins=[TypedPlugin()], start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield app, client


async def _activate(sessionmaker: Any, tw: Any) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="typed", department_id=tw.departments["marketing"].id,
                                         status="active", activated_at=datetime.now(UTC)))


async def test_nav_widgets_and_banners_reach_the_page(typed, world, sessionmaker, caplog):
    app, client = typed
    await _activate(sessionmaker, world.a)
    await login_as(client, world.a, "marketer")
    with caplog.at_level(logging.ERROR, logger="regie.plugins"):
        page = (await client.get("/t/acme/")).text
    assert 'href="/t/acme/p/typed/items"' in page and ">Typed page</a>" in page
    assert "Typed widget" in page and '<p class="typed-widget">42</p>' in page
    assert 'class="banner banner-warning"' in page and '<a href="/t/acme/p/typed/items">Typed banner</a>' in page
    assert "a dict widget" not in page  # not a Widget: left out, and the plugin's error is logged
    assert any("plugin typed returned {'title': 'a dict widget'} from regie_widgets, not a Widget" in r.getMessage()
               for r in caplog.records)


async def test_item_actions_reach_the_showing_page(typed, world, sessionmaker):
    _app, client = typed
    await _activate(sessionmaker, world.a)
    await login_as(client, world.a, "marketer")
    response = await client.get("/t/acme/p/typed/items")
    assert response.status_code == 200
    assert response.json() == {"actions": [{"label": "Do the thing", "action": "/t/acme/p/typed/do",
                                            "fields": {"id": "7"}}]}


async def test_digest_lines_and_policy_sections(typed, world, sessionmaker):
    app, client = typed
    await _activate(sessionmaker, world.a)
    monday = date(2026, 11, 23)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            digest = await build_digest(session, app.state.pm, await session.get(Tenant, world.a.id), monday, "en")
    assert [(h.text, h.href, h.level, h.plugin) for h in digest.highlights] == [
        ("Typed line 23 Nov", "p/typed/items", "alert", "typed")]  # an empty line is dropped
    await login_as(client, world.a, "member")
    page = (await client.get("/t/acme/policy/")).text
    assert "Typed rules" in page and "When the typed plugin answers" in page
    assert "Taken by the core" not in page  # a key the core's way of work already has


async def test_inactive_plugin_contributes_nothing(typed, world, sessionmaker):
    _app, client = typed
    await login_as(client, world.a, "marketer")
    page = (await client.get("/t/acme/")).text
    assert "Typed page" not in page and "Typed widget" not in page and "Typed banner" not in page
    assert (await client.get("/t/acme/p/typed/items")).status_code == 404


def test_records_refuse_a_level_they_do_not_know():
    with pytest.raises(ValueError, match="Banner.level must be one of crisis, warning, info"):
        Banner("x", "bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="DigestLine.level must be one of alert, info"):
        DigestLine("x", level="warning")  # type: ignore[arg-type]
