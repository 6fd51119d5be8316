"""A plugin that fails while reacting to a core decision cannot undo that decision or half-write its own."""

from __future__ import annotations

from sqlalchemy import select

from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.plugins.api import PluginInfo, hookimpl
from core.roadmap.service import phase_changed
from core.tenancy.scope import tenant_scope


class BrokenPlugin:
    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="broken", groundswell_function="talking", default_owner="marketing")

    @hookimpl
    async def regie_events(self, ctx, events):  # type: ignore[no-untyped-def]
        ctx.session.add(AuditEntry(action="broken.half_written", actor_label="plugin"))
        await ctx.session.flush()
        raise RuntimeError("the plugin fell over")


async def test_failing_hook_rolls_back_only_its_own_writes(app, sessionmaker, world):
    pm = app.state.pm
    plugin = BrokenPlugin()
    pm.register(plugin)
    try:
        with tenant_scope(world.a.id):
            async with sessionmaker() as session, session.begin():
                session.add(PluginActivation(plugin="broken", department_id=world.a.departments["marketing"].id,
                                             status="active"))
                session.add(AuditEntry(action="core.decided", actor_label="regie"))
                await session.flush()
                await phase_changed(session, world.a.tenant, pm, "listening", "pilot", "en")
            async with sessionmaker() as session:
                actions = set((await session.scalars(select(AuditEntry.action))).all())
    finally:
        pm.unregister(plugin)
    assert "core.decided" in actions
    assert "broken.half_written" not in actions
