"""The cocreation plugin (embracing). Its features arrive in their own issue; now it declares itself."""

from __future__ import annotations

from core.plugins.api import HookContext, PluginInfo, hookimpl

INFO = PluginInfo(
    name="cocreation",
    groundswell_function="embracing",
    default_owner="development",
    min_phase="learning",
    prerequisites=(),
    title={"nl": "Cocreatie", "en": "Co-creation"},
    description={
        "nl": (
            "Omarmen: publiek ideeënbord, stemmen, reacties en triage; vraagt "
            "eerst een andere functie die succesvol draait."
        ),
        "en": (
            "Embracing: public idea board, votes, comments and triage; needs "
            "another function running successfully first."
        ),
    },
)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO


@hookimpl
async def regie_activation_check(ctx: HookContext, department: object) -> list[str]:
    """Embracing needs another Groundswell function that already ran successfully (with a measurement)."""
    if not await ctx.extra["has_measured_activation"](exclude="cocreation"):
        if ctx.lang == "nl":
            return ["Cocreatie vraagt eerst een andere functie die als pilot draaide met een vastgelegde meting."]
        return ["Co-creation first needs another function that ran as a pilot with a recorded measurement."]
    return []
