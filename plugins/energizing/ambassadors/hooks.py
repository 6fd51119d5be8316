"""The ambassador programme's part of the energizing hooks: KPIs, the widget, digest lines, navigation, the
way-of-work sections, erasure, retention and the demo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DemoKpi,
    DigestLine,
    ErasureSubject,
    HookContext,
    KpiDefinition,
    NavEntry,
    PolicySection,
    Widget,
    gettext_for,
    short_link_clicks,
    utcnow,
)
from plugins.energizing.ambassadors import figures, policy, privacy
from plugins.energizing.ambassadors.models import Completion
from plugins.energizing.models import Ambassador

KPIS = [
    KpiDefinition("energizing.active_ambassadors", {"nl": "Actieve ambassadeurs", "en": "Active ambassadors"},
                  "count", {"nl": "Ambassadeurs met toestemming die aan het eind van de periode meedoen.",
                            "en": "Ambassadors with consent taking part at the end of the period."}),
    KpiDefinition("energizing.missions_completed", {"nl": "Uitgevoerde missies", "en": "Missions completed"}, "count",
                  {"nl": "Missies die ambassadeurs in de periode uitvoerden (afgewezen uitvoeringen niet).",
                   "en": "Missions ambassadors completed in the period (rejected completions left out)."}),
    KpiDefinition("energizing.shares", {"nl": "Delingen", "en": "Shares"}, "count",
                  {"nl": "Uitgevoerde deelmissies in de periode.", "en": "Share missions completed in the period."}),
    KpiDefinition("energizing.clicks", {"nl": "Kliks op deellinks", "en": "Clicks on share links"}, "count",
                  {"nl": "Kliks op de persoonlijke deellinks van ambassadeurs in de periode.",
                   "en": "Clicks on the ambassadors' personal share links in the period."}),
]


def _days(first: date, last: date) -> tuple[datetime, datetime]:
    """Whole UTC days first..last (inclusive) as [start, end) moments."""
    return datetime.combine(first, time(0, 0), tzinfo=UTC), datetime.combine(last, time(0, 0), tzinfo=UTC) \
        + timedelta(days=1)


async def _active_at(session: AsyncSession, moment: datetime) -> int:
    return int(await session.scalar(select(func.count()).select_from(Ambassador).where(
        Ambassador.consent_at < moment, or_(Ambassador.opted_out_at.is_(None), Ambassador.opted_out_at >= moment),
        Ambassador.state.in_(("active", "opted_out", "erased")))) or 0)


async def _completed(session: AsyncSession, start: datetime, end: datetime, kind: str = "") -> int:
    query = select(func.count()).select_from(Completion).where(
        Completion.completed_at >= start, Completion.completed_at < end, Completion.state != "rejected")
    if kind:
        query = query.where(Completion.kind == kind)
    return int(await session.scalar(query) or 0)


async def measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    session: AsyncSession = ctx.session
    start, end = _days(*period)
    if kpi == "energizing.active_ambassadors":
        return float(await _active_at(session, end))
    if kpi == "energizing.missions_completed":
        return float(await _completed(session, start, end))
    if kpi == "energizing.shares":
        return float(await _completed(session, start, end, "share"))
    if kpi == "energizing.clicks":
        return float(await short_link_clicks(session, "energizing", period))
    return None


async def widgets(ctx: HookContext) -> list[Widget]:
    """Active ambassadors and this month's completions as the job `energizing.ambassador_figures` stored them
    (every ten minutes): the widget reads one row and counts nothing."""
    stored = await figures.read(ctx.session)
    current = stored is not None and stored.month == utcnow().date().replace(day=1)
    _ = gettext_for(ctx.lang)
    return [Widget(_("Ambassadors"), "energizing/ambassadors/widget.html",
                   {"active": stored.active if stored is not None else None,
                    "completed": (stored.completed_month if current else 0) if stored is not None else None,
                    "href": f"/t/{ctx.tenant_slug}/p/energizing/ambassadors/"},
                   as_of=stored.computed_at if stored is not None else None)]


async def digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    session: AsyncSession = ctx.session
    start, end = _days(week_start, week_end)
    completed = await _completed(session, start, end)
    joined = int(await session.scalar(select(func.count()).select_from(Ambassador).where(
        Ambassador.consent_at >= start, Ambassador.consent_at < end)) or 0)
    if not completed and not joined:
        return []
    _ = gettext_for(ctx.lang)
    return [DigestLine(_("Ambassadors: {joined} joined, {completed} missions completed this week.", joined=joined,
                         completed=completed), "p/energizing/ambassadors/")]


def nav(ctx: HookContext) -> list[NavEntry]:
    _ = gettext_for(ctx.lang)
    base = f"/t/{ctx.tenant_slug}/p/energizing"
    return [NavEntry(_("Ambassadors"), f"{base}/ambassadors/"), NavEntry(_("Missions"), f"{base}/missions/"),
            NavEntry(_("Rewards"), f"{base}/rewards/")]


def policy_sections(ctx: HookContext) -> list[PolicySection]:
    _ = gettext_for(ctx.lang)
    return [PolicySection(key, _(title), _(text)) for key, title, text in policy.sections()]


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await privacy.erase_subject(ctx.session, subject)


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await privacy.retention(ctx.session, cutoff, mode)


async def seed_demo(ctx: HookContext) -> list[DemoKpi]:
    from plugins.energizing.ambassadors.demo import seed

    kpis = await seed(ctx)
    await figures.store(ctx.session)  # the widget's first figures, as the periodic job keeps them
    return kpis
