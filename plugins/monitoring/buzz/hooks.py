"""KPIs for the measurement core and the tenant-dashboard widget, both read from the rollups.

`measure(ctx, kpi, period)`: `period` is `(date_from, date_to)`, both dates INCLUSIVE, whole UTC days; all
mentions count once (every profile). Percentages are 0–100; the sentiment index runs from −100 to 100; both are
None for a period without mentions (counts are 0).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import (
    HookContext,
    KpiDefinition,
    KpiTiles,
    Widget,
    gettext_for,
    kpi_format,
    kpi_tiles,
    last_days,
)
from plugins.monitoring.buzz import service
from plugins.monitoring.buzz.charts import number_format, volume_chart
from plugins.monitoring.buzz.figures import DAY, Scope, dirty_days, midnight, volume_cells
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
FIELD_KPIS = {name: key for key, name in KPI_FIELDS.items()}
SHARES = frozenset({"monitoring.negative_share", "monitoring.sentiment_index"})
WIDGET_DAYS = 7


async def kpi_view(session: Any, first: date, last: date, today: date, dirty: set[date] | None = None) -> KpiTiles:
    """The buzz KPIs of `first`..`last` (inclusive, whole UTC days) as the widget, the digest and a whole-day
    dashboard period show them: over the days that are over; a KPI the methodology tracks as the core keeps it,
    the others from the rollups over the same days (`kpi_tiles`). `.own` holds the rollups' `Totals`. `dirty`:
    the queued days of at least `first`..`last` when the caller has read them already."""
    async def own(a: date, b: date) -> tuple[service.Totals, dict[str, float | None]]:
        found = await service.totals_for(session, midnight(a), midnight(b) + DAY, dirty=dirty)
        return found, {key: getattr(found, name) for key, name in KPI_FIELDS.items()}

    return await kpi_tiles(session, {k.key: k for k in KPIS}, first, last, own, today)


def totals_of(view: KpiTiles) -> service.Totals:
    """The view as the dashboard's `Totals`: the rollups' figures with the tracked KPIs as the core keeps them."""
    tracked: dict[str, Any] = {KPI_FIELDS[k]: view.value(k) for k in view.tracked}
    return replace(view.own or service.Totals(), **tracked)


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
    memo = ctx.memo  # one snapshot run's cache: the buzz KPIs share one computation per period
    key = ("monitoring.totals", first, last)
    totals = memo.get(key)
    if totals is None:
        totals = memo[key] = await service.totals_for(ctx.session, midnight(first),
                                                      midnight(last) + timedelta(days=1))
    value = getattr(totals, KPI_FIELDS[kpi])
    # a count of nothing is 0; a share or index of no mentions is nothing to measure (None), or a quiet day
    # would pull the period's average share down as if it had been a good one
    return 0.0 if value is None and kpi not in SHARES else value


async def widgets(ctx: HookContext) -> list[Widget]:
    """Buzz of the last 7 days (the seven whole days before today, as the dashboard's "last 7 days") on the
    tenant's overview, with today's mentions so far, open alerts and a sparkline."""
    _ = gettext_for(ctx.lang)
    session = ctx.session
    today = datetime.now(UTC).date()
    first, last = last_days(WIDGET_DAYS, today)
    dirty = await dirty_days(session, first, today)
    view = await kpi_view(session, first, last, today, dirty)
    start, end = midnight(first), midnight(today) + DAY
    keys = service.buckets(start, end, "day")
    cells = await volume_cells(session, start, end, Scope.of([ALL_PROFILES], {}), (), dirty, "day")
    per_day = dict.fromkeys(keys, 0)
    for c in cells:
        if c.at in per_day:
            per_day[c.at] += c.mentions
    today_so_far = per_day.pop(today, 0)
    keys = list(per_day)
    open_alerts = await session.scalar(select(func.count()).select_from(Alert).where(
        Alert.status.in_(("open", "acknowledged")))) or 0
    base = f"/t/{ctx.tenant_slug}/p/monitoring/"
    spark = volume_chart([k.isoformat() for k in keys], [(_("Mentions"), list(per_day.values()))],
                         _("Mentions per day"), height=90)
    return [Widget(_("Buzz, last 7 days"), "monitoring/buzz/widget.html",
                   {"totals": totals_of(view), "view": view, "today_so_far": today_so_far,
                    "open_alerts": int(open_alerts), "spark": spark, "href": base,
                    "alerts_href": base + "alerts/", "num": number_format(ctx.lang), "fmt": kpi_format(ctx.lang)})]
