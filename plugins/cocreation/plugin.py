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

from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugins.api import (
    DemoKpi,
    Department,
    DigestLine,
    DomainEvent,
    ErasureSubject,
    HookContext,
    Item,
    ItemAction,
    JobSpec,
    KpiDefinition,
    NavEntry,
    PluginInfo,
    PolicySection,
    SliceHooks,
    Widget,
    collect_slices,
    hookimpl,
)
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


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.cocreation", SLICES, module, name)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO


@hookimpl
def regie_routes() -> list[Any]:
    return _collect("routes", "ROUTES")


@hookimpl
def regie_api_routes() -> list[Any]:
    return _collect("api", "ROUTES")


@hookimpl
def regie_jobs() -> list[JobSpec]:
    return _collect("jobs", "JOBS")


@hookimpl
def regie_templates() -> tuple[str, Path]:
    return ("cocreation", HERE / "templates" / "cocreation")


@hookimpl
async def regie_activation_check(ctx: HookContext, department: Department | None) -> list[str]:
    return await HOOKS.gather("activation_check", ctx, department)


@hookimpl
async def regie_nav(ctx: HookContext) -> list[NavEntry]:
    return await HOOKS.gather("nav", ctx)


@hookimpl
async def regie_widgets(ctx: HookContext) -> list[Widget]:
    return await HOOKS.gather("widgets", ctx)


@hookimpl
async def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    return await HOOKS.gather("digest", ctx, week_start, week_end)


@hookimpl
async def regie_policy_sections(ctx: HookContext) -> list[PolicySection]:
    return await HOOKS.gather("policy_sections", ctx)


@hookimpl
async def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    return await HOOKS.gather("item_actions", ctx, kind, item)


@hookimpl
async def regie_find_item(ctx: HookContext, kind: str, item_id: Any) -> Item | None:
    return await HOOKS.first("find_item", ctx, kind, item_id)


@hookimpl
async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    await HOOKS.gather("on_events", ctx, events)


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    return HOOKS.kpis()


@hookimpl
async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    return await HOOKS.measure(ctx, kpi, period)


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
    return await HOOKS.gather("seed_demo", ctx)


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await HOOKS.merge("retention", ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await HOOKS.merge("erase_subject", ctx, subject)
