"""The Conversation Index as a KPI (`monitoring.conversation_index`, stored daily by the core) and a widget."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.plugins.api import (
    HookContext,
    KpiDefinition,
    Widget,
    gettext_for,
    kpi_figures,
    kpi_format,
)
from plugins.monitoring.buzz.charts import number_format
from plugins.monitoring.buzz.hooks import _dates
from plugins.monitoring.conversation_index import figure
from plugins.monitoring.conversation_index.components import COMPONENTS, Score
from plugins.monitoring.conversation_index.service import tenant_score

KPI = "monitoring.conversation_index"
KPIS = [
    KpiDefinition(KPI, {"nl": "Conversation Index", "en": "Conversation Index"}, "index",
                  {"nl": "Gemiddelde van zes onderdelen (0–100) over alle vermeldingen: status, perceptie, "
                         "autoriteit, zakelijke kansen, relatie met volgers en interactie. Leeg zonder vermeldingen.",
                   "en": "Mean of six components (0–100) over every mention: status, perception, authority, "
                         "business opportunities, relationship with followers and interaction. Empty without "
                         "mentions."}),
]

async def measure(ctx: HookContext, kpi: str, period: Any) -> float | None:
    """The tenant-wide index over `(date_from, date_to)` (inclusive); None without mentions or for another KPI."""
    if kpi != KPI:
        return None
    first, last = _dates(period)
    return (await tenant_score(ctx.session, first, last)).value


async def widgets(ctx: HookContext) -> list[Widget]:
    """The index of the last 30 days with its components, linking to the page. The figures are the ones the
    rollup job stored (`figure.refresh`), with the time they were computed: a page view reads one row, not a
    month of mentions. Where the methodology tracks the index, the figure is the core's (the dashboard's number
    for the same days)."""
    _ = gettext_for(ctx.lang)
    today = datetime.now(UTC).date()
    stored = await figure.stored(ctx.session)
    first, last = (stored.first, stored.last) if stored is not None else figure.window(today)
    kpi = (await kpi_figures(ctx.session, {KPI: KPIS[0]}, first, last, today))[KPI]
    score = Score(mentions=stored.mentions, components={k: stored.components.get(k) for k in COMPONENTS},
                  value=stored.value) if stored is not None else None
    value = kpi.value if kpi.tracked else (score.value if score else None)
    return [Widget(_("Conversation Index, last 30 days"), "monitoring/conversation_index/widget.html",
                   {"score": score, "value": value, "figure": kpi, "labels": COMPONENTS,
                    "num": number_format(ctx.lang), "fmt": kpi_format(ctx.lang),
                    "href": f"/t/{ctx.tenant_slug}/p/monitoring/conversation-index/"},
                   as_of=stored.computed_at if stored is not None else None)]
