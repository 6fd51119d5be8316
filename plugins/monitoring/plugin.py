"""The monitoring plugin (listening). Its features arrive in their own issue; now it declares itself."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="monitoring",
    groundswell_function="listening",
    default_owner="research",
    min_phase="listening",
    prerequisites=(),
    title={"nl": "Monitoring", "en": "Monitoring"},
    description={
        "nl": "Luisteren: zoekprofielen, bronnen, vermeldingen, sentiment dat leert, buzz en nulmeting.",
        "en": "Listening: search profiles, sources, mentions, sentiment that learns, buzz and baseline study.",
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
