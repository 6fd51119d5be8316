"""The plugin host: "which plugins are active here" is asked once per request or job, and a plugin written for
another contract version is refused at start-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, update

from core.activation.models import PluginActivation
from core.jobs.plugin_jobs import run_job
from core.plugins.api import CONTRACT_VERSION, JobContext, JobSpec, PluginInfo, hookimpl
from core.plugins.host import PluginContractError, PluginHost
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from tests.support import login_as


@contextmanager
def asking_which_are_active(app: Any) -> Iterator[list[str]]:
    """The statements that ask the database which plugins are active (status = 'active')."""
    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM plugin_activation" in statement and "plugin_activation.status = " in statement \
                and "'active'" in repr(parameters):
            seen.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


async def _activate(sessionmaker: Any, tw: Any, plugin: str, department: str) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin=plugin, department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC),
                                         activated_in_phase="listening"))


async def test_a_page_asks_which_plugins_are_active_once(app, client, world, sessionmaker):
    """The middleware asks (for the navigation and banners); the guard, the page and the services it calls
    (widgets, KPI catalogue, gate, policy sections, catalogue blockers) all take that answer."""
    await _activate(sessionmaker, world.a, "monitoring", "comms")
    await _activate(sessionmaker, world.a, "webcare", "service")
    await login_as(client, world.a, "regie")
    for url in ("/t/acme/", "/t/acme/dashboard/", "/t/acme/measurements/", "/t/acme/policy/", "/t/acme/plugins/",
                "/t/acme/p/monitoring/", "/t/acme/p/webcare/"):
        with asking_which_are_active(app) as seen:
            response = await client.get(url)
        assert response.status_code == 200, url
        assert len(seen) == 1, (url, seen)
    assert 'href="/t/acme/p/webcare/"' in response.text  # the answer was used: webcare's own navigation


async def test_one_answer_per_session_until_an_activation_changes(app, world, sessionmaker):
    pm: PluginHost = app.state.pm
    comms = world.a.departments["comms"].id
    with tenant_scope(world.a.id), asking_which_are_active(app) as seen:
        async with sessionmaker() as session, session.begin():
            assert (await pm.for_tenant(session)).names == frozenset()
            assert (await pm.for_tenant(session)).names == frozenset()
            assert len(seen) == 1
            session.add(PluginActivation(plugin="monitoring", department_id=comms, status="active"))
            await session.flush()  # a written activation: the next caller asks again
            plugins = await pm.for_tenant(session)
            assert plugins.names == {"monitoring"} and plugins.department_of("monitoring") == comms
            assert plugins.owned_by(comms) == {"monitoring"} and "webcare" not in plugins
            await session.execute(update(PluginActivation).values(status="paused"))  # a bulk write too
            assert "monitoring" not in await pm.for_tenant(session)
            assert len(seen) == 3
            await session.rollback()


async def test_a_job_asks_once_whatever_sessions_it_opens(app, world, sessionmaker):
    await _activate(sessionmaker, world.a, "monitoring", "comms")
    answers: list[frozenset[str]] = []

    async def run(ctx: JobContext) -> None:
        assert ctx.session is not None
        answers.append((await ctx.pm.for_tenant(ctx.session)).names)
        async with ctx.sessionmaker() as other:
            answers.append((await ctx.pm.for_tenant(other)).names)

    with asking_which_are_active(app) as seen:
        await run_job(sessionmaker, app.state.settings, app.state.pm, JobSpec("test.ask", run), world.a.id, {})
    assert answers == [frozenset({"monitoring"})] * 2
    assert len(seen) == 1


class FuturePlugin:
    """Written for a contract this core does not speak yet."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="future", groundswell_function="talking", default_owner="marketing",
                          version="2.0.0", contract_version=CONTRACT_VERSION + 1)


def test_a_plugin_of_another_contract_version_is_refused_at_start_up(settings, restore_broker):
    with pytest.raises(PluginContractError) as refused:
        create_app(settings, extra_plugins=[FuturePlugin()], start_jobs=False)
    message = str(refused.value)
    assert "'future' (version 2.0.0)" in message
    assert f"written for plugin contract version {CONTRACT_VERSION + 1}" in message
    assert f"this Regie core speaks contract version {CONTRACT_VERSION}" in message


def test_registering_one_later_is_refused_too_and_leaves_nothing_behind(app):
    pm: PluginHost = app.state.pm
    before = pm.infos
    with pytest.raises(PluginContractError, match="'future'"):
        pm.register(FuturePlugin())
    assert "future" not in pm and pm.infos == before
    assert {i.name for i in pm.hook("regie_plugin")()} == {i.name for i in before}  # unregistered again


def test_every_built_in_plugin_declares_its_version_and_contract():
    host = PluginHost()
    assert {i.name for i in host.infos} >= {"monitoring", "webcare", "talking", "energizing", "cocreation"}
    for info in host.infos:
        assert info.contract_version == CONTRACT_VERSION and info.version not in ("", "0"), info.name


def test_an_installed_package_that_does_not_declare_itself_is_refused(monkeypatch):
    import importlib.metadata
    from types import SimpleNamespace

    class Nameless:
        @hookimpl
        def regie_nav(self, ctx: Any) -> list[Any]:
            return []

    installed = importlib.metadata.distributions
    package = SimpleNamespace(entry_points=[SimpleNamespace(group="regie", name="nameless", load=Nameless)],
                              metadata={"name": "nameless"})
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: [*installed(), package])
    with pytest.raises(PluginContractError, match="entry point 'nameless' has no regie_plugin hook"):
        PluginHost()
