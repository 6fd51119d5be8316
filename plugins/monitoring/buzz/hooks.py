"""KPIs for the measurement core and the tenant-dashboard widget, both read from the rollups.

`measure(ctx, kpi, period)`: `period` is `(date_from, date_to)`, both dates INCLUSIVE, whole UTC days; all
mentions count once (every profile). Percentages are 0–100; the sentiment index runs from −100 to 100.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import HookContext, KpiDefinition, gettext_for
from plugins.monitoring.buzz import service
from plugins.monitoring.buzz.charts import number_format, volume_chart
from plugins.monitoring.buzz.figures import Scope, dirty_days, last_day, midnight, volume_cells
from plugins.monitoring.models import ALL_PROFILES, Alert

KPIS = [
    KpiDefinition("monitoring.volume", {"nl": "Vermeldingen", "en": "Mentions"}, "count",
                  {"nl": "Aantal vermeldingen van de organisatie in de periode (herposts niet dubbel).",
                   "en": "Number of mentions of the organisation in the period (re-posts not counted twice)."}),
    KpiDefinition("monitoring.negative_share", {"nl": "Aandeel negatief", "en": "Negative share"}, "percent",
                  {"nl": "Percentage van de vermeldingen met een negatief sentiment.",
                   "en": "Percentage of mentions with a negative sentiment."}),
    KpiDefinition("monitoring.reach", {"nl": "Bereik", "en": "Reach"}, "count",
                  {"nl": "Opgeteld bereik (volgers) van de auteurs per vermelding.",
                   "en": "Summed reach (followers) of the authors, per mention."}),
    KpiDefinition("monitoring.places", {"nl": "Plaatsen", "en": "Places"}, "count",
                  {"nl": "Aantal verschillende plaatsen (sites, fora, kanalen) waar over de organisatie wordt "
                         "gesproken.",
                   "en": "Number of distinct places (sites, forums, channels) where the organisation is discussed."}),
    KpiDefinition("monitoring.sentiment_index", {"nl": "Sentimentindex", "en": "Sentiment index"}, "index",
                  {"nl": "(positief − negatief) / totaal × 100, van −100 tot 100.",
                   "en": "(positive − negative) / total × 100, from −100 to 100."}),
]
KPI_FIELDS = {"monitoring.volume": "mentions", "monitoring.negative_share": "negative_share",
              "monitoring.reach": "reach", "monitoring.places": "places",
              "monitoring.sentiment_index": "sentiment_index"}


def _dates(period: Any) -> tuple[date, date]:
    """`(date_from, date_to)`; datetimes count by their date, and an object with `start`/`end` is taken too."""
    if hasattr(period, "start") and hasattr(period, "end"):
        period = (period.start, period.end)
    date_from, date_to = period
    return (date_from.date() if isinstance(date_from, datetime) else date_from,
            date_to.date() if isinstance(date_to, datetime) else date_to)


async def measure(ctx: HookContext, kpi: str, period: Any) -> float | int | None:
    """One KPI over `(date_from, date_to)` (inclusive); None for a KPI that is not the plugin's."""
    if kpi not in KPI_FIELDS:
        return None
    first, last = _dates(period)
    memo = ctx.extra.get("memo")  # one snapshot run's cache: the buzz KPIs share one computation per period
    key = ("monitoring.totals", first, last)
    totals = memo.get(key) if memo is not None else None
    if totals is None:
        totals = await service.totals_for(ctx.session, midnight(first), midnight(last) + timedelta(days=1))
        if memo is not None:
            memo[key] = totals
    value = getattr(totals, KPI_FIELDS[kpi])
    return 0.0 if value is None else value


async def widgets(ctx: HookContext) -> list[dict[str, Any]]:
    """Buzz of the last 7 days on the tenant's overview, with open alerts and a sparkline."""
    _ = gettext_for(ctx.lang)
    session = ctx.session
    filters = service.default_filters("7d")
    dirty = await dirty_days(session, filters.start.date(), last_day(filters.end))
    totals = await service.totals_for(session, filters.start, filters.end, dirty=dirty)
    keys = service.buckets(filters.start, filters.end, "day")
    cells = await volume_cells(session, filters.start, filters.end, Scope.of([ALL_PROFILES], {}), (), dirty, "day")
    per_day = dict.fromkeys(keys, 0)
    for c in cells:
        if c.at in per_day:
            per_day[c.at] += c.mentions
    open_alerts = await session.scalar(select(func.count()).select_from(Alert).where(
        Alert.status.in_(("open", "acknowledged")))) or 0
    base = f"/t/{ctx.tenant_slug}/p/monitoring/"
    spark = volume_chart([k.isoformat() for k in keys], [(_("Mentions"), list(per_day.values()))],
                         _("Mentions per day"), height=90)
    return [{"title": _("Buzz, last 7 days"), "template": "monitoring/buzz/widget.html",
             "context": {"totals": totals, "open_alerts": int(open_alerts), "spark": spark, "href": base,
                         "alerts_href": base + "alerts/", "num": number_format(ctx.lang)}}]
