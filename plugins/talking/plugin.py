"""The talking plugin (talking). It has no pages yet, so it declares itself unavailable (listed as coming)."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="talking",
    groundswell_function="talking",
    default_owner="marketing",
    min_phase="pilot",
    prerequisites=(),
    available=False,  # no pages yet: listed as coming, cannot be requested
    version="0.1.0",
    contract_version=1,
    title={"nl": "Praten", "en": "Talking"},
    description={
        "nl": "Praten: contentkalender, concepten, goedkeuring volgens het organisatiemodel, publiceren.",
        "en": "Talking: content calendar, drafts, approval by organisation model, publishing.",
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
