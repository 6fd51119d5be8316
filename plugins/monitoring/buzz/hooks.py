"""Widgets and KPIs of the monitoring plugin (placeholder until the buzz slice lands)."""

from __future__ import annotations

from typing import Any

KPIS: list[Any] = []


async def widgets(ctx: Any) -> list[dict[str, Any]]:
    return []


async def measure(ctx: Any, kpi: str, period: Any) -> Any:
    return None
