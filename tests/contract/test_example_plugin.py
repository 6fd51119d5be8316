"""A plugin written from docs/hooks.md alone works: every hook is called where the page says it is.

`tests/example_plugin` implements every hook; it is registered the way an installed package would be
(`create_app(extra_plugins=...)`) and used by the people of the test world through the core's own pages,
services and jobs. The same plugin declaring another contract version is refused at start-up.
"""

from __future__ import annotations

import inspect
import types
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pluggy
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.activation.models import PluginActivation
from core.activation.service import fire_events
from core.audit.models import AuditEntry
from core.audit.service import OPERATOR
from core.digest.content import build_digest
from core.measurement.models import KpiSnapshot, MethodologyVersion
from core.measurement.snapshots import snapshot_tenant
from core.plugins import hookspecs
from core.plugins.actions import find_item
from core.plugins.api import CONTRACT_VERSION, DomainEvent, ItemAction, classify_sentiment, hookimpl
from core.plugins.context import hook_context
from core.plugins.events import EventContractError
from core.plugins.host import PluginContractError
from core.plugins.manager import build_plugin_manager
from core.privacy.service import erase_author, run_retention
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from tests.example_plugin import plugin as example
from tests.support import api_headers, login_as, post_form

HOOKS = {name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("regie_")}


@pytest.fixture
async def ex(settings: Any, restore_broker: None, world: Any) -> Any:
    """An app with the example plugin installed, and a client of it."""
    example.NOTES.clear()
    example.CALLS.clear()
    app = create_app(settings, extra_plugins=[example], start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield types.SimpleNamespace(app=app, client=client, pm=app.state.pm, sessionmaker=app.state.sessionmaker)


async def _activate(ex: Any, world: Any) -> None:
    """Through the core's pages: the marketer requests it for marketing, the regie holder approves."""
    await login_as(ex.client, world.a, "marketer")
    r = await post_form(ex.client, "/t/acme/plugins/example/request",
                        {"department_id": str(world.a.departments["marketing"].id), "motivation": "Notities"})
    assert r.status_code == 200, r.text[:500]
    await login_as(ex.client, world.a, "regie")
    r = await post_form(ex.client, "/t/acme/plugins/example/decision", {"decision": "approve", "reason": "Goed"})
    assert r.status_code == 200, r.text[:500]


def _events() -> list[tuple[str, dict[str, Any]]]:
    return [event for hook, got in example.CALLS if hook == "events" for event in got]


def test_the_example_plugin_implements_every_hook_and_nothing_else():
    implemented = {name for name in vars(example) if name.startswith("regie_")}
    assert implemented == HOOKS
    pm = pluggy.PluginManager("regie")
    pm.add_hookspecs(hookspecs)
    pm.register(example)
    pm.check_pending()  # every implementation matches a spec (no stale hook, no misspelt argument)


async def test_its_activation_check_blocks_where_it_says_and_it_hears_its_activation(ex, world):
    await login_as(ex.client, world.a, "regie")
    r = await post_form(ex.client, "/t/acme/plugins/example/request",
                        {"department_id": str(world.a.departments["service"].id), "motivation": "Notities"})
    assert r.status_code == 409 and "De voorbeeldplugin is niet voor de klantenservice." in r.text
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session:
            assert (await session.scalars(select(PluginActivation.id))).all() == []  # nothing requested
    await _activate(ex, world)
    assert ("plugin.activated", {"plugin": "example", "department": "Marketing"}) in _events()


async def test_its_pages_nav_banner_widget_and_api_show(ex, world, sessionmaker):
    await _activate(ex, world)
    await login_as(ex.client, world.a, "marketer")
    home = await ex.client.get("/t/acme/")
    assert 'href="/t/acme/p/example/"' in home.text and "Voorbeeldnotities" in home.text  # nav
    assert 'data-widget="example"' in home.text and "Aantal notities: 0" in home.text  # widget
    assert "Er staan voorbeeldnotities open" not in home.text
    r = await post_form(ex.client, "/t/acme/p/example/notes", {"note": "Bel de wethouder", "author": "@lisa_b"},
                        follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    index = await ex.client.get("/t/acme/p/example/")
    assert index.status_code == 200 and "Bel de wethouder" in index.text and "@lisa_b" in index.text
    assert "<title>Voorbeeldnotities · Regie</title>" in index.text  # the layout's title block
    assert "Er staan voorbeeldnotities open" in index.text  # the banner, on every page
    dashboard = await ex.client.get("/t/acme/dashboard/")
    assert "Aantal notities: 1" in dashboard.text
    bad = await post_form(ex.client, "/t/acme/p/example/notes", {"note": ""})
    assert bad.status_code == 422 and 'id="e-note"' in bad.text  # the field macro shows the reason
    assert example.notes_of(world.a.id).keys() == {"1"}
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await ex.client.get("/api/v1/t/acme/example/notes", headers=headers)
    assert r.status_code == 200 and r.json() == ["Bel de wethouder"]
    await login_as(ex.client, world.b, "marketer")  # not active in the other tenant: not there at all
    assert (await ex.client.get("/t/globex/p/example/")).status_code == 404
    assert 'href="/t/globex/p/example/"' not in (await ex.client.get("/t/globex/")).text


async def test_it_receives_events_and_its_own_are_checked_against_the_catalogue(ex, world):
    await _activate(ex, world)
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, world.a.id)
            # its own event reaches the core's listener, not itself
            assert await fire_events(session, tenant, ex.pm, [DomainEvent("example.noted", {
                "note": "x", "author": ""})], exclude="example") == 0
            with pytest.raises(EventContractError, match="undeclared field 'extra'"):
                await fire_events(session, tenant, ex.pm, [DomainEvent("example.noted", {
                    "note": "x", "author": "", "extra": 1})], exclude="example")
    await login_as(ex.client, world.a, "regie")
    r = await post_form(ex.client, "/t/acme/roadmap/override", {"reason": "De pilot begint nu, met de notities."},
                        follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert ("phase.changed", {"old": "listening", "new": "pilot"}) in _events()
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session:
            summaries = (await session.scalars(select(AuditEntry.summary)
                                               .where(AuditEntry.action == "example.saw_phase"))).all()
    assert summaries == ["listening → pilot"]  # its write in its own savepoint was committed


async def test_its_kpi_is_measured_and_its_digest_line_item_and_action_are_offered(ex, world):
    await _activate(ex, world)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    for text in ("een", "twee"):
        example.notes_of(world.a.id)[example.add(world.a.id, text, "@jan")].noted_at = \
            datetime.combine(yesterday, datetime.min.time(), UTC) + timedelta(hours=9)
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session, session.begin():
            session.add(MethodologyVersion(number=1, reason="Eerste keuze", kpis=[{
                "key": "example.notes", "name": "Notities", "definition": "Notities per dag", "source": "example",
                "kind": "plugin", "unit": "count", "owner_department_id": None}],
                created_at=datetime.combine(yesterday, datetime.min.time(), UTC)))
        async with ex.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, world.a.id)
            assert await snapshot_tenant(session, ex.pm, tenant) >= 1
            week_start = date.today() - timedelta(days=date.today().weekday())
            digest = await build_digest(session, ex.pm, tenant, week_start, "nl")
            item = await find_item(session, ex.pm, "example-note", "2")
            actions = await (await ex.pm.for_tenant(session)).collect(
                "regie_item_actions", ItemAction, ctx=hook_context(session, tenant, "nl"), kind="mention",
                item={"mention_id": "m1", "title": "Storing", "author_handle": "piet"})
        async with ex.sessionmaker() as session:
            value = await session.scalar(select(KpiSnapshot.value).where(KpiSnapshot.kpi == "example.notes",
                                                                         KpiSnapshot.day == yesterday))
    assert value == 2.0
    assert "2 voorbeeldnotities" in [h.text for h in digest.highlights]
    assert item == {"note_id": "2", "text": "twee", "author": "@jan"}
    assert [(plugin, a.label, dict(a.fields)) for plugin, a in actions] == [
        ("example", "Noteer het in de voorbeeldplugin", {"note": "Storing", "author": "piet"})]


async def test_it_classifies_sentiment_for_other_plugins_once_active(ex, world):
    texts = ["Ik ben blij", "Wat jammer", "", "Gewoon een zin"]
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session:
            assert await classify_sentiment(session, ex.pm, texts) is None  # not active yet: nobody classifies
    await _activate(ex, world)
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session:
            labels = await classify_sentiment(session, ex.pm, texts)
    assert labels == [("positive", 0.5), ("negative", -0.5), ("neutral", 0.0), ("neutral", 0.0)]
    assert ("classify_sentiment", 4) in example.CALLS


async def test_its_policy_section_and_demo_kpis_come_through(ex, world):
    await _activate(ex, world)
    page = await ex.client.get("/t/acme/policy/new")
    assert page.status_code == 200 and "Wie noteert wat, en wanneer." in page.text
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, world.a.id)
            active = await ex.pm.for_tenant(session)
            answers = await active.call("regie_demo", ctx=hook_context(session, tenant, "nl"))
    assert [k.key for answer in answers for k in answer] == ["example.notes"]
    assert [n.text for n in example.notes_of(world.a.id).values()] == ["Eerste notitie"]


async def test_its_account_candidates_reach_the_sprawl_report(ex, world):
    await _activate(ex, world)
    example.add(world.a.id, "Vraag over de polis", "@AcmeBV_fans")  # uses the organisation's name
    example.add(world.a.id, "Nog een vraag", "acmebv_fans")
    example.add(world.a.id, "Los daarvan", "@lisa_b")
    await login_as(ex.client, world.a, "regie")
    page = await ex.client.get("/t/acme/accounts/sprawl")
    assert page.status_code == 200 and 'id="sprawl-candidates"' in page.text
    assert "@acmebv_fans" in page.text and "2 keer" in page.text and "lisa_b" not in page.text


async def test_its_privacy_hooks_are_asked_even_when_it_is_not_active(ex, world):
    example.add(world.a.id, "oud", "@lisa_b")
    example.notes_of(world.a.id)["1"].noted_at = datetime(2020, 1, 1, tzinfo=UTC)
    example.add(world.a.id, "nieuw", "@lisa_b")
    with tenant_scope(world.a.id):
        async with ex.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, world.a.id)
            retention = await run_retention(session, ex.pm, tenant)
            erasure = await erase_author(session, ex.pm, tenant, OPERATOR, {"handle": "LISA_B", "reason": "Verzoek"})
    # the old note went (or lost its author) by retention; the erasure took the new one, whatever the case
    assert retention.counts["example"] == {"notes": 1} and erasure.counts["example"] == {"notes": 1}
    assert [hook for hook, _ in example.CALLS] == ["retention", "erase_subject"]
    assert "2" not in example.notes_of(world.a.id)
    assert all(not note.author for note in example.notes_of(world.a.id).values())


async def test_its_job_is_declared_and_runs_in_the_tenant(ex, world):
    from core.jobs.plugin_jobs import run_named_job

    await run_named_job(ex.app, "example.tidy", world.a.id)
    assert ("job", "acme") in example.CALLS


def _other_contract() -> types.ModuleType:
    """The same plugin, declaring the contract version after this core's."""
    other = types.ModuleType("example_other_contract")
    other.__dict__.update({name: getattr(example, name) for name in HOOKS if name != "regie_plugin"})
    info = replace(example.INFO, contract_version=CONTRACT_VERSION + 1)
    other.regie_plugin = hookimpl(lambda: info)  # type: ignore[attr-defined]
    return other


def test_the_same_plugin_written_for_another_contract_version_is_refused_at_start_up(settings, restore_broker):
    with pytest.raises(PluginContractError, match=f"contract version {CONTRACT_VERSION + 1}"):
        build_plugin_manager([_other_contract()])
    with pytest.raises(PluginContractError, match="example"):
        create_app(settings, extra_plugins=[_other_contract()], start_jobs=False)
    assert "example" in build_plugin_manager([example])  # the plugin as written is admitted
