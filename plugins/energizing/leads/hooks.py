"""Leads' part in the plugin's hooks: the KPIs, the widget (the weekly counts), digest lines, the navigation,
demo data and the privacy hooks.

KPIs, over whole UTC days: `energizing.leads`, leads that arrived in the period (form or CRM);
`energizing.qualified_leads`, leads first qualified in the period (a lead won later still counts where it was
qualified).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import (
    DemoKpi,
    DigestLine,
    ErasureSubject,
    HookContext,
    KpiDefinition,
    NavEntry,
    Widget,
    gettext_for,
    ngettext_for,
    utcnow,
)
from plugins.energizing.leads import demo, privacy
from plugins.energizing.leads.models import Lead, LeadWeek
from plugins.energizing.leads.weeks import monday

WIDGET_WEEKS = 4

KPIS = [
    KpiDefinition("energizing.leads", {"nl": "Leads", "en": "Leads"}, "count",
                  {"nl": "Leads die in de periode binnenkwamen, via het leadformulier of het CRM.",
                   "en": "Leads that arrived in the period, through the lead form or the CRM."}),
    KpiDefinition("energizing.qualified_leads", {"nl": "Gekwalificeerde leads", "en": "Qualified leads"}, "count",
                  {"nl": "Leads die in de periode door sales zijn gekwalificeerd (later gewonnen telt mee).",
                   "en": "Leads that sales qualified in the period (won later included)."}),
]


def _span(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time.min, UTC), datetime.combine(last + timedelta(days=1), time.min, UTC)


async def _count(ctx: HookContext, column: Any, first: date, last: date) -> int:
    start, end = _span(first, last)
    return await ctx.session.scalar(select(func.count()).select_from(Lead).where(column >= start, column < end)) or 0


async def measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    column = {"energizing.leads": Lead.created_at, "energizing.qualified_leads": Lead.qualified_at}.get(kpi)
    return None if column is None else float(await _count(ctx, column, *period))


def nav(ctx: HookContext) -> list[NavEntry]:
    base = f"/t/{ctx.tenant_slug}/p/energizing"
    return [NavEntry(gettext_for(ctx.lang)("Leads"), f"{base}/leads/")]


async def widgets(ctx: HookContext) -> list[Widget]:
    """New and qualified leads in this week and the three before, added up from the weekly counts (`LeadWeek`,
    raised by every write): at most `WIDGET_WEEKS` × 3 rows read, never the leads themselves."""
    since = monday(utcnow()) - timedelta(weeks=WIDGET_WEEKS - 1)
    leads, qualified = (await ctx.session.execute(
        select(func.coalesce(func.sum(LeadWeek.leads), 0), func.coalesce(func.sum(LeadWeek.qualified), 0))
        .where(LeadWeek.week_start >= since))).one()
    return [Widget(gettext_for(ctx.lang)("Leads in the last four weeks"), "energizing/leads/widget.html",
                   {"leads": int(leads), "qualified": int(qualified),
                    "href": f"/t/{ctx.tenant_slug}/p/energizing/leads/"})]


async def digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    new = await _count(ctx, Lead.created_at, week_start, week_end)
    qualified = await _count(ctx, Lead.qualified_at, week_start, week_end)
    if not new and not qualified:
        return []
    ngettext = ngettext_for(ctx.lang)
    text = ngettext("{n} new lead", "{n} new leads", new) + ", " + \
        ngettext("{n} qualified", "{n} qualified", qualified)
    return [DigestLine(text, "p/energizing/leads/", "info")]


async def seed_demo(ctx: HookContext) -> list[DemoKpi]:
    await demo.seed(ctx)
    return [
        DemoKpi("energizing.leads", "Leads via ambassadeurs en campagnes",
                "Leads per kwartaal uit het leadformulier en het CRM.", 40,
                "Tien ambassadeurs die elk een paar vrienden doorsturen, plus twee campagnes."),
        DemoKpi("energizing.qualified_leads", "Gekwalificeerde leads", "Leads die sales per kwartaal kwalificeert.",
                15, "Ongeveer een op de drie leads is een serieuze kans."),
    ]


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await privacy.retention(ctx, cutoff, mode)


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await privacy.erase_subject(ctx, subject)
