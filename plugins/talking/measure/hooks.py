"""Talking's KPIs and widget.

KPIs, each over whole UTC days:
- `talking.posts_published`: posts that went out in the period;
- `talking.objective_share`: of the content of the period (posts not cancelled that went out or are planned in
  it), the share tied to an objective of the starting points; None without content;
- `talking.links_placed`: short links in the variants of the posts that went out in the period;
- `talking.clicks`: clicks on talking's short links in the period (counted per day by the redirect);
- `talking.interactions`, `talking.engagement_rate`, `talking.followers`: from what the network says back
  (`publishing/figures.py` defines them exactly).

The widget lists the coming week's planned posts: one indexed read of at most a few rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import HookContext, KpiDefinition, Widget, gettext_for, short_link_clicks, utcnow
from plugins.talking.content.service import ORIGIN
from plugins.talking.models import STATES, Post, PostVariant
from plugins.talking.moments import utc_days
from plugins.talking.publishing import figures

KPIS = [
    KpiDefinition("talking.posts_published", {"nl": "Gepubliceerde berichten", "en": "Posts published"}, "count",
                  {"nl": "Berichten die in de periode zijn geplaatst.", "en": "Posts that went out in the period."}),
    KpiDefinition("talking.objective_share", {"nl": "Content gekoppeld aan doelen", "en": "Content tied to objectives"},
                  "percent",
                  {"nl": "Aandeel van de geplande en geplaatste berichten dat aan een doel uit de vertrekpunten is "
                         "gekoppeld.",
                   "en": "Share of the posts planned or published that serve an objective of the starting points."}),
    KpiDefinition("talking.links_placed", {"nl": "Geplaatste links", "en": "Links placed"}, "count",
                  {"nl": "Korte links in de berichten die in de periode zijn geplaatst.",
                   "en": "Short links in the posts that went out in the period."}),
    KpiDefinition("talking.clicks", {"nl": "Kliks op links", "en": "Clicks on links"}, "count",
                  {"nl": "Kliks op de korte links van de berichten in de periode.",
                   "en": "Clicks on the posts' short links in the period."}),
    KpiDefinition("talking.interactions", {"nl": "Interacties", "en": "Interactions"}, "count",
                  {"nl": "Likes, reposts, antwoorden en citaten op de berichten die in de periode zijn geplaatst.",
                   "en": "Likes, reposts, replies and quotes on the posts that went out in the period."}),
    KpiDefinition("talking.engagement_rate", {"nl": "Betrokkenheid", "en": "Engagement rate"}, "percent",
                  {"nl": "Interacties op de berichten van de periode, gedeeld door de volgers (aan het eind van de "
                         "periode) van de accounts waarop ze zijn geplaatst.",
                   "en": "Interactions on the period's posts divided by the followers (at the period's end) of the "
                         "accounts they went out on."}),
    KpiDefinition("talking.followers", {"nl": "Omvang van het netwerk", "en": "Network size"}, "count",
                  {"nl": "Volgers van de eigen accounts aan het eind van de periode.",
                   "en": "Followers of the organisation's own accounts at the period's end."}),
]
WIDGET_ROWS = 6
PLANNED = ("in_review", "approved", "scheduled")


async def measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    session: AsyncSession = ctx.session
    start, end = utc_days(*period)
    if kpi == "talking.posts_published":
        return float(await session.scalar(select(func.count()).select_from(Post).where(
            Post.published_at >= start, Post.published_at < end)) or 0)
    if kpi == "talking.objective_share":
        moment = func.coalesce(Post.published_at, Post.publish_at)
        total, tied = (await session.execute(select(func.count(), func.sum(case((Post.objective != "", 1), else_=0)))
                                             .where(moment >= start, moment < end, Post.state != "cancelled"))).one()
        return 100.0 * float(tied or 0) / total if total else None
    if kpi == "talking.links_placed":
        rows = await session.scalars(select(PostVariant.links).join(Post, Post.id == PostVariant.post_id)
                                     .where(Post.published_at >= start, Post.published_at < end))
        return float(sum(len(links or []) for links in rows.all()))
    if kpi == "talking.clicks":
        return float(await short_link_clicks(session, ORIGIN, period))
    return await figures.measure(session, kpi, period)


async def widgets(ctx: HookContext) -> list[Widget]:
    """Two statements whatever is planned: the week's first posts, then their platforms."""
    now = utcnow()
    posts = (await ctx.session.execute(
        select(Post.id, Post.title, Post.publish_at, Post.state)
        .where(Post.state.in_(PLANNED), Post.publish_at >= now, Post.publish_at < now + timedelta(days=7))
        .order_by(Post.publish_at).limit(WIDGET_ROWS + 1))).all()
    shown = posts[:WIDGET_ROWS]
    platforms: dict[Any, set[str]] = {}
    for post_id, platform in (await ctx.session.execute(select(PostVariant.post_id, PostVariant.platform).where(
            PostVariant.post_id.in_([p.id for p in shown])))).all():
        platforms.setdefault(post_id, set()).add(platform)
    base = f"/t/{ctx.tenant_slug}/p/talking"
    rows: list[dict[str, Any]] = [
        {"title": p.title, "at": p.publish_at, "state": STATES[p.state], "platforms": sorted(platforms.get(p.id, ())),
         "href": f"{base}/posts/{p.id}"} for p in shown]
    _ = gettext_for(ctx.lang)
    return [Widget(_("This week's posts"), "talking/measure/widget.html",
                   {"posts": rows, "more": len(posts) > WIDGET_ROWS, "calendar": f"{base}/?view=week"})]
