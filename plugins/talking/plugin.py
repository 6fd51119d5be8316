"""The talking plugin (talking). Its features arrive in their own issue; now it declares itself."""

from __future__ import annotations

from core.plugins.api import PluginInfo, hookimpl

INFO = PluginInfo(
    name="talking",
    groundswell_function="talking",
    default_owner="marketing",
    min_phase="pilot",
    prerequisites=(),
    title={"nl": "Praten", "en": "Talking"},
    description={
        "nl": "Praten: contentkalender, concepten, goedkeuring volgens het organisatiemodel, publiceren.",
        "en": "Talking: content calendar, drafts, approval by organisation model, publishing.",
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO
