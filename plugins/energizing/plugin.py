"""The energizing plugin (energizing). It has no pages yet, so it declares itself unavailable (listed as coming)."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="energizing",
    groundswell_function="energizing",
    default_owner="sales",
    min_phase="pilot",
    prerequisites=(),
    available=False,  # no pages yet: listed as coming, cannot be requested
    version="0.1.0",
    contract_version=1,
    title={"nl": "Enthousiasmeren", "en": "Energizing"},
    description={
        "nl": "Enthousiasmeren: promotors en ambassadeurs, NPS, missies, beloningen en leads.",
        "en": "Energizing: promoters and ambassadors, NPS, missions, rewards and leads.",
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
