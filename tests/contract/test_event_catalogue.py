"""One event path, one catalogue: every emitted event is declared, with the payload it carries.

`fire_events` checks each event against the catalogue: in tests (and with `REGIE_DEBUG=1`) a mismatch raises,
in production it is logged and the event still reaches its listeners. A static pass finds every event name
the code emits and checks it is declared.
"""

from __future__ import annotations

import ast
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.activation.models import PluginActivation
from core.activation.service import fire_events
from core.audit.models import AuditEntry
from core.plugins.api import DomainEvent, EventSpec, PayloadField, PluginInfo, hookimpl
from core.plugins.events import CORE_EVENTS, EventContractError, catalogue, payload_problems
from core.plugins.manager import build_plugin_manager
from core.tenancy.scope import tenant_scope

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = {"plugin": "monitoring", "department": "Communicatie"}


class Hearer:
    """A plugin that hears every event and writes a row for each batch (to see what a savepoint keeps)."""

    def __init__(self) -> None:
        self.heard: list[str] = []

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="hearer", groundswell_function="talking", default_owner="marketing",
                          events=(EventSpec("hearer.heard", "it heard something",
                                            (PayloadField("count", "int", "how many"),
                                             PayloadField("note", "str | None", "a note, if any"))),))

    @hookimpl
    async def regie_events(self, ctx: Any, events: list[DomainEvent]) -> None:
        self.heard += [e.name for e in events]
        ctx.session.add(AuditEntry(action="hearer.heard", actor_label="plugin", summary=str(len(events))))
        await ctx.session.flush()


@pytest.fixture
async def hearer(world: Any, sessionmaker: Any) -> Any:
    plugin = Hearer()
    pm = build_plugin_manager([plugin])
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="hearer", department_id=world.a.departments["marketing"].id,
                                         status="active", activated_at=datetime.now(UTC)))
    return plugin, pm


async def _fire(sessionmaker: Any, world: Any, pm: Any, events: list[DomainEvent]) -> int:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            return await fire_events(session, world.a.tenant, pm, events)


async def _audit(sessionmaker: Any, world: Any) -> list[str]:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry.action))).all())


@pytest.mark.parametrize("event, reason", [
    (DomainEvent("thing.happened", {}), "thing.happened: not in the event catalogue"),
    (DomainEvent("plugin.paused", {"plugin": "monitoring"}), "missing field 'department'"),
    (DomainEvent("plugin.paused", {**PLUGIN, "by": "x"}), "undeclared field 'by'"),
    (DomainEvent("phase.changed", {"old": "listening", "new": 2}), "field 'new' is int, declared str"),
    (DomainEvent("hearer.heard", {"count": True, "note": None}), "field 'count' is bool, declared int"),
])
async def test_an_event_that_differs_from_the_catalogue_fails_loudly_and_reaches_nobody(
        hearer, world, sessionmaker, event, reason):
    plugin, pm = hearer
    with pytest.raises(EventContractError, match=reason):
        await _fire(sessionmaker, world, pm, [DomainEvent("plugin.resumed", PLUGIN), event])
    assert plugin.heard == [] and await _audit(sessionmaker, world) == []


async def test_a_declared_event_reaches_its_listeners_in_a_savepoint(hearer, world, sessionmaker):
    plugin, pm = hearer
    assert await _fire(sessionmaker, world, pm, [DomainEvent("hearer.heard", {"count": 2, "note": None}),
                                                 DomainEvent("plugin.resumed", PLUGIN)]) == 1
    assert plugin.heard == ["hearer.heard", "plugin.resumed"] and await _audit(sessionmaker, world) == ["hearer.heard"]


async def test_in_production_a_mismatch_is_logged_and_the_event_still_delivered(
        hearer, world, sessionmaker, monkeypatch, caplog):
    plugin, pm = hearer
    monkeypatch.setenv("REGIE_STRICT_EVENTS", "0")
    monkeypatch.delenv("REGIE_DEBUG", raising=False)
    with caplog.at_level(logging.WARNING, logger="regie.events"):
        assert await _fire(sessionmaker, world, pm, [DomainEvent("plugin.paused", {"plugin": "x"})]) == 1
    assert plugin.heard == ["plugin.paused"]
    assert "missing field 'department'" in caplog.text


def test_optional_fields_and_numbers():
    spec = EventSpec("a.b", "", (PayloadField("n", "float", ""), PayloadField("t", "str | None", ""),
                                 PayloadField("ids", "list[str]", "")))
    assert payload_problems(spec, {"n": 3, "t": None, "ids": ["x"]}) == []
    assert payload_problems(spec, {"n": 3.5, "t": "x", "ids": []}) == []
    assert payload_problems(spec, {"n": "3", "t": 1, "ids": [1]}) == [
        "a.b: field 'n' is str, declared float", "a.b: field 't' is int, declared str | None",
        "a.b: field 'ids' is list, declared list[str]"]


def _emitted_names() -> dict[str, str]:
    """Every event name the code writes literally in `DomainEvent("<name>", ...)`, with where it is."""
    found: dict[str, str] = {}
    for folder in (ROOT / "core", ROOT / "plugins", ROOT / "tests" / "example_plugin"):
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
                        == "DomainEvent" and node.args and isinstance(node.args[0], ast.Constant):
                    found[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_event_the_code_emits_is_in_the_catalogue():
    from tests.example_plugin import plugin as example

    emitted = _emitted_names()
    assert {"mention.received", "alert.raised", "phase.changed", "plugin.requested"} <= set(emitted)
    known = catalogue(build_plugin_manager([example]))
    missing = {name: where for name, where in emitted.items() if name not in known}
    assert missing == {}
    emitters = {name: spec.emitter for name, spec in known.items()}
    assert emitters["mention.received"] == "monitoring" and emitters["crisis.started"] == "webcare"
    assert {spec.name for spec in CORE_EVENTS} <= {n for n, e in emitters.items() if e == "core"}
