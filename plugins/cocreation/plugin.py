"""The cocreation plugin (Groundswell: embracing). Hook implementations only; each slice lives in its package.

- `board`: the tenant's public idea board (reading without sign-in unless private; customers sign in by e-mail
  link with the core's customer identity): ideas, similar ideas while typing, votes, comments, following,
  flags, moderation, campaigns' public pages;
- `triage`: development's side: the triage queue, owner, effort and value, stage changes with a public reason,
  merging, moderation queue, stages, categories, campaigns and board settings;
- `loop`: links to what led to an idea (mentions, webcare cases, community questions; "create or link an idea"
  on them) and the closed loop: voters and followers by e-mail, authors by a reply in their channel;
- `measure`: the activation prerequisite, KPIs, widgets, digest lines, the policy section, privacy and demo data.

A slice takes part in a per-tenant hook by defining the function of the same role in its `hooks.py` (see
`SliceHooks`); `routes.py`, `api.py` and `jobs.py` give its pages, API routes and jobs.
"""

from __future__ import annotations

from pathlib import Path

from core.plugins.api import Department, HookContext, PluginInfo, SliceHooks, hookimpl
from plugins.cocreation.events import EVENTS

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="cocreation",
    groundswell_function="embracing",
    default_owner="development",
    min_phase="pilot",  # the prerequisite (another function ran well for weeks) is the real gate
    prerequisites=(),
    version="0.2.0",
    contract_version=1,
    title={"nl": "Cocreatie", "en": "Co-creation"},
    description={
        "nl": (
            "Omarmen: publiek ideeënbord, stemmen, reacties, triage door ontwikkeling en de cirkel terug naar "
            "wie het idee aandroeg; vraagt eerst een andere functie die succesvol draait."
        ),
        "en": (
            "Embracing: public idea board, votes, comments, triage by development and the loop back to whoever "
            "raised the idea; needs another function running successfully first."
        ),
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    events=EVENTS,
)
SLICES = ("board", "triage", "loop", "measure")
HOOKS = SliceHooks("plugins.cocreation", SLICES)
globals().update(HOOKS.hookimpls(INFO))  # regie_plugin, regie_routes, ..., the per-tenant hooks by role


@hookimpl
async def regie_activation_check(ctx: HookContext, department: Department | None) -> list[str]:
    return await HOOKS.gather("activation_check", ctx, department)
