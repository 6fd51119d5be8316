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

import inspect
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from types import ModuleType
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


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.energizing", SLICES, module, name)


def _slice_hooks() -> list[ModuleType]:
    """Each slice's `hooks` module, where it has one."""
    found = []
    for slice_ in SLICES:
        qualified = f"plugins.energizing.{slice_}.hooks"
        try:
            found.append(import_module(qualified))
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
    return found


async def _gather(role: str, *args: Any) -> list[Any]:
    """The results of every slice's `role` function, flattened in slice order (awaited when async)."""
    found: list[Any] = []
    for module in _slice_hooks():
        function = getattr(module, role, None)
        if function is None:
            continue
        result = function(*args)
        if inspect.isawaitable(result):
            result = await result
        found += result or []
    return found


async def _merge(role: str, *args: Any) -> dict[str, int]:
    """Counts per kind of row (retention, erasure), added up over the slices."""
    merged: dict[str, int] = {}
    for module in _slice_hooks():
        function = getattr(module, role, None)
        if function is not None:
            for key, value in (await function(*args) or {}).items():
                merged[key] = merged.get(key, 0) + value
    return merged


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
    return await _gather("nav", ctx)


@hookimpl
async def regie_widgets(ctx: HookContext) -> list[Widget]:
    return await _gather("widgets", ctx)


@hookimpl
async def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    return await _gather("digest", ctx, week_start, week_end)


@hookimpl
async def regie_policy_sections(ctx: HookContext) -> list[PolicySection]:
    return await _gather("policy_sections", ctx)


@hookimpl
async def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    return await _gather("item_actions", ctx, kind, item)


@hookimpl
async def regie_find_item(ctx: HookContext, kind: str, item_id: Any) -> Item | None:
    for module in _slice_hooks():
        function = getattr(module, "find_item", None)
        if function is not None and (found := await function(ctx, kind, item_id)) is not None:
            return found
    return None


@hookimpl
async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    await _gather("on_events", ctx, events)


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    return [kpi for module in _slice_hooks() for kpi in getattr(module, "KPIS", [])]


@hookimpl
async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    """Asked of the slice that defines `kpi`."""
    for module in _slice_hooks():
        if any(definition.key == kpi for definition in getattr(module, "KPIS", [])):
            return await module.measure(ctx, kpi, period)
    return None


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
    """Seeds the slices in order (a survey, then ambassadors, candidates, missions and leads)."""
    return await _gather("seed_demo", ctx)


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await _merge("retention", ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await _merge("erase_subject", ctx, subject)
