"""A plugin for the measurement tests: KPIs with known values, one that raises, one with nothing to measure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.plugins.api import KpiDefinition, PluginInfo, hookimpl

NAME = "kpitest"
CALLS: list[tuple[str, Any]] = []


class KpiTestPlugin:
    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name=NAME, groundswell_function="talking", default_owner="marketing",
                          title={"nl": "KPI-test", "en": "KPI test"})

    @hookimpl
    def regie_kpis(self) -> list[KpiDefinition]:
        return [KpiDefinition("kpitest.posts", {"nl": "Berichten", "en": "Posts"}, "count",
                              {"nl": "Gepubliceerde berichten.", "en": "Posts published."}),
                KpiDefinition("kpitest.share", {"nl": "Aandeel", "en": "Share"}, "percent"),
                KpiDefinition("kpitest.broken", {"nl": "Kapot", "en": "Broken"}, "count"),
                KpiDefinition("kpitest.empty", {"nl": "Leeg", "en": "Empty"}, "minutes"),
                KpiDefinition("kpitest.nan", {"nl": "Geen getal", "en": "Not a number"}, "index"),
                KpiDefinition("kpitest.word", {"nl": "Woord", "en": "Word"}, "count")]

    @hookimpl
    async def regie_measure(self, ctx: Any, kpi: str, period: Any) -> Any:
        CALLS.append((kpi, period))
        first, last = period
        if kpi == "kpitest.posts":
            return first.day * 10 + (last - first).days  # known per day
        if kpi == "kpitest.share":
            return 12.5
        if kpi == "kpitest.broken":
            if BROKEN:
                raise RuntimeError("the plugin's service is down")
            return 1
        if kpi == "kpitest.nan":
            return float("nan")
        if kpi == "kpitest.word":
            return "veel"
        return None


BROKEN = True


@contextmanager
def registered(pm: Any) -> Iterator[KpiTestPlugin]:
    plugin = KpiTestPlugin()
    pm.register(plugin, name=NAME)
    CALLS.clear()
    try:
        yield plugin
    finally:
        pm.unregister(plugin)
