"""Plugins built of slices (`<plugin>/<slice>/routes.py`, `api.py`, `jobs.py`) collect their parts here."""

from __future__ import annotations

import inspect
from importlib import import_module
from types import ModuleType
from typing import Any


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
    and `KPIS` with `measure` for its KPIs. The plugin's `hookimpl`s call `gather`, `merge`, `first` or
    `measure` with the role, so a new slice needs no change to `plugin.py`.
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


async def _awaited(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result
