"""Plugins built of slices (`<plugin>/<slice>/routes.py`, `api.py`, `jobs.py`) collect their parts here."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.demo.kpis import DemoKpi
    from core.plugins.info import DomainEvent, ErasureSubject, HookContext, JobSpec, KpiDefinition, PluginInfo
    from core.plugins.records import DigestLine, Item, ItemAction, NavEntry, PolicySection, Widget


def collect(package: str, slices: tuple[str, ...], module: str, name: str) -> list[Any]:
    """`name` (e.g. ROUTES) of every slice's `module` (e.g. "routes") that has one, in slice order."""
    found: list[Any] = []
    for slice_ in slices:
        qualified = f"{package}.{slice_}.{module}"
        try:
            found += getattr(import_module(qualified), name)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:  # a slice without this module; any other missing import is a real error
                raise
    return found


class SliceHooks:
    """A plugin's per-tenant hooks gathered from its slices' `hooks` modules.

    A slice takes part in a hook by defining a function named for its role (`nav`, `widgets`, `digest`,
    `policy_sections`, `item_actions`, `find_item`, `on_events`, `seed_demo`, `retention`, `erase_subject`, ...)
    and `KPIS` with `measure` for its KPIs. `hookimpls` gives the plugin's hook implementations that call
    `gather`, `merge`, `first` or `measure` with the role, so a new slice needs no change to `plugin.py`, and a
    plugin's `plugin.py` declares only what is its own.
    """

    def __init__(self, package: str, slices: tuple[str, ...]) -> None:
        self.package = package
        self.slices = slices
        self._modules: list[ModuleType] | None = None

    def modules(self) -> list[ModuleType]:
        """Each slice's `hooks` module, where it has one (imported once)."""
        if self._modules is None:
            found = []
            for slice_ in self.slices:
                qualified = f"{self.package}.{slice_}.hooks"
                try:
                    found.append(import_module(qualified))
                except ModuleNotFoundError as exc:
                    if exc.name != qualified:
                        raise
            self._modules = found
        return self._modules

    async def gather(self, role: str, *args: Any) -> list[Any]:
        """Every slice's `role` results, flattened in slice order (awaited when async)."""
        found: list[Any] = []
        for module in self.modules():
            function = getattr(module, role, None)
            if function is not None:
                found += (await _awaited(function(*args))) or []
        return found

    async def merge(self, role: str, *args: Any) -> dict[str, int]:
        """Counts per kind of row (retention, erasure), added up over the slices."""
        merged: dict[str, int] = {}
        for module in self.modules():
            function = getattr(module, role, None)
            if function is not None:
                for key, value in ((await _awaited(function(*args))) or {}).items():
                    merged[key] = merged.get(key, 0) + value
        return merged

    async def first(self, role: str, *args: Any) -> Any:
        """The first slice's answer that is not None (`find_item`)."""
        for module in self.modules():
            function = getattr(module, role, None)
            if function is not None and (found := await _awaited(function(*args))) is not None:
                return found
        return None

    def kpis(self) -> list[Any]:
        return [kpi for module in self.modules() for kpi in getattr(module, "KPIS", [])]

    async def measure(self, ctx: Any, kpi: str, period: Any) -> float | None:
        """Asked of the slice that defines `kpi`."""
        for module in self.modules():
            if any(definition.key == kpi for definition in getattr(module, "KPIS", [])):
                return await module.measure(ctx, kpi, period)
        return None


    def hookimpls(self, info: PluginInfo) -> dict[str, Callable[..., Any]]:
        """The hook implementations every sliced plugin has, by hook name, for its `plugin.py` to take in
        (`globals().update(HOOKS.hookimpls(INFO))`): its `PluginInfo`, the slices' routes, API routes and jobs,
        its templates (`<package>/templates/<name>`) and the per-tenant hooks gathered by role. A hook that only
        one plugin has (cocreation's `regie_activation_check`) stays a `hookimpl` of that plugin."""
        from core.plugins.api import hookimpl  # the api module imports this one

        package, slices = self.package, self.slices
        templates = Path(str(import_module(package).__file__)).resolve().parent / "templates" / info.name

        def regie_plugin() -> PluginInfo:
            return info

        def regie_routes() -> list[Any]:
            return collect(package, slices, "routes", "ROUTES")

        def regie_api_routes() -> list[Any]:
            return collect(package, slices, "api", "ROUTES")

        def regie_jobs() -> list[JobSpec]:
            return collect(package, slices, "jobs", "JOBS")

        def regie_templates() -> tuple[str, Path]:
            return (info.name, templates)

        async def regie_nav(ctx: HookContext) -> list[NavEntry]:
            return await self.gather("nav", ctx)

        async def regie_widgets(ctx: HookContext) -> list[Widget]:
            return await self.gather("widgets", ctx)

        async def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
            return await self.gather("digest", ctx, week_start, week_end)

        async def regie_policy_sections(ctx: HookContext) -> list[PolicySection]:
            return await self.gather("policy_sections", ctx)

        async def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
            return await self.gather("item_actions", ctx, kind, item)

        async def regie_find_item(ctx: HookContext, kind: str, item_id: Any) -> Item | None:
            return await self.first("find_item", ctx, kind, item_id)

        async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
            await self.gather("on_events", ctx, events)

        def regie_kpis() -> list[KpiDefinition]:
            return self.kpis()

        async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
            return await self.measure(ctx, kpi, period)

        async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
            """Seeds the slices in order."""
            return await self.gather("seed_demo", ctx)

        async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
            return await self.merge("retention", ctx, cutoff, mode)

        async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
            return await self.merge("erase_subject", ctx, subject)

        functions = (regie_plugin, regie_routes, regie_api_routes, regie_jobs, regie_templates, regie_nav,
                     regie_widgets, regie_digest, regie_policy_sections, regie_item_actions, regie_find_item,
                     regie_events, regie_kpis, regie_measure, regie_demo, regie_retention, regie_erase_subject)
        return {function.__name__: hookimpl(function) for function in functions}


async def _awaited(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result
