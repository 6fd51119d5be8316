"""The webcare plugin (supporting). Its features arrive in their own issue; now it declares itself."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="webcare",
    groundswell_function="supporting",
    default_owner="customer_service",
    min_phase="pilot",
    prerequisites=('monitoring',),
    title={"nl": "Webcare", "en": "Webcare"},
    description={
        "nl": (
            "Ondersteunen: inbox van cases uit vermeldingen, SLA, antwoorden "
            "in de eigen toon, crisismodus, klant-helpt-klant."
        ),
        "en": (
            "Supporting: case inbox from mentions, SLA, replies in your "
            "voice, crisis mode, customer-helps-customer."
        ),
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
