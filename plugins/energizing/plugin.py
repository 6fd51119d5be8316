"""The energizing plugin (energizing). Its features arrive in their own issue; now it declares itself."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="energizing",
    groundswell_function="energizing",
    default_owner="sales",
    min_phase="pilot",
    prerequisites=(),
    title={"nl": "Enthousiasmeren", "en": "Energizing"},
    description={
        "nl": "Enthousiasmeren: promotors en ambassadeurs, NPS, missies, beloningen en leads.",
        "en": "Energizing: promoters and ambassadors, NPS, missions, rewards and leads.",
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
