"""The cocreation plugin (embracing). It has no pages yet, so it declares itself unavailable (listed as coming)."""

from __future__ import annotations

from core.plugins.api import Department, HookContext, PluginInfo, hookimpl

INFO = PluginInfo(
    name="cocreation",
    groundswell_function="embracing",
    default_owner="development",
    min_phase="learning",
    prerequisites=(),
    available=False,  # no pages yet: listed as coming, cannot be requested
    version="0.1.0",
    contract_version=1,
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
async def regie_activation_check(ctx: HookContext, department: Department | None) -> list[str]:
    """Embracing needs another Groundswell function that already ran successfully (with a measurement)."""
    if not await ctx.has_measured_activation(exclude="cocreation"):
        if ctx.lang == "nl":
            return ["Cocreatie vraagt eerst een andere functie die als pilot draaide met een vastgelegde meting."]
        return ["Co-creation first needs another function that ran as a pilot with a recorded measurement."]
    return []
