"""The Conversation Index as a KPI (`monitoring.conversation_index`, stored daily by the core) and a widget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.plugins.api import HookContext, KpiDefinition, gettext_for
from plugins.monitoring.buzz.charts import number_format
from plugins.monitoring.buzz.hooks import _dates
from plugins.monitoring.conversation_index.components import COMPONENTS
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
WIDGET_DAYS = 30


async def measure(ctx: HookContext, kpi: str, period: Any) -> float | None:
    """The tenant-wide index over `(date_from, date_to)` (inclusive); None without mentions or for another KPI."""
    if kpi != KPI:
        return None
    first, last = _dates(period)
    return (await tenant_score(ctx.session, first, last)).value


async def widgets(ctx: HookContext) -> list[dict[str, Any]]:
    """The index of the last 30 days with its components, linking to the page."""
    _ = gettext_for(ctx.lang)
    today = datetime.now(UTC).date()
    score = await tenant_score(ctx.session, today - timedelta(days=WIDGET_DAYS - 1), today)
    return [{"title": _("Conversation Index, last 30 days"), "template": "monitoring/conversation_index/widget.html",
             "context": {"score": score, "labels": COMPONENTS, "num": number_format(ctx.lang),
                         "href": f"/t/{ctx.tenant_slug}/p/monitoring/conversation-index/"}}]
