"""The energizing plugin (Groundswell: energizing). Hook implementations only; each slice lives in its package.

- `surveys`: NPS surveys (contact lists with consent, invitations and one reminder, the public survey page,
  results with a confidence interval and trend, the "why" texts with their sentiment, a detractor → a case);
- `ambassadors`: the roster with consent, tiers and opt-out, the portal (e-mail link sign-in, missions, points,
  leaderboard, rewards), invitations from a promoter or a candidate;
- `listening`: promoters found in monitoring's mentions, a review queue and the decision recorded;
- `leads`: referral codes per ambassador and campaign, the public lead form and the signed CRM webhook,
  qualification by sales.

A slice takes part in a per-tenant hook by defining the function of the same role in its `hooks.py`
(`nav`, `widgets`, `digest`, `policy_sections`, `item_actions`, `find_item`, `on_events`, `seed_demo`,
`retention`, `erase_subject`) and `KPIS` with `measure` for its KPIs; `routes.py`, `api.py` and `jobs.py` give
its pages, API routes and jobs. The hooks below gather them in slice order.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugins.api import (
    DemoKpi,
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
from plugins.energizing.events import EVENTS

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="energizing",
    groundswell_function="energizing",
    default_owner="sales",
    min_phase="pilot",
    prerequisites=(),
    version="0.2.0",
    contract_version=1,
    title={"nl": "Enthousiasmeren", "en": "Energizing"},
    description={
        "nl": "Enthousiasmeren: NPS-onderzoek, promotors en ambassadeurs, missies, beloningen en leads.",
        "en": "Energizing: NPS surveys, promoters and ambassadors, missions, rewards and leads.",
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    events=EVENTS,
)
SLICES = ("surveys", "ambassadors", "listening", "leads")
HOOKS = SliceHooks("plugins.energizing", SLICES)


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.energizing", SLICES, module, name)


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
    return ("energizing", HERE / "templates" / "energizing")


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
    """Asked of the slice that defines `kpi`."""
    return await HOOKS.measure(ctx, kpi, period)


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
    """Seeds the slices in order (a survey, then ambassadors, candidates, missions and leads)."""
    return await HOOKS.gather("seed_demo", ctx)


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await HOOKS.merge("retention", ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await HOOKS.merge("erase_subject", ctx, subject)
