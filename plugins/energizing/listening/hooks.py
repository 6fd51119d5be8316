"""Listening's part in the plugin's hooks: the queue in the navigation with its count, a digest line, the
`mention.received` batches, demo candidates and the privacy hooks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from core.plugins.api import (
    DemoKpi,
    DigestLine,
    DomainEvent,
    ErasureSubject,
    HookContext,
    NavEntry,
    gettext_for,
    ngettext_for,
)
from plugins.energizing.listening import demo, intake, privacy
from plugins.energizing.listening.models import Candidate


async def nav(ctx: HookContext) -> list[NavEntry]:
    """One indexed count of the open candidates."""
    waiting = await ctx.session.scalar(select(func.count()).select_from(Candidate)
                                       .where(Candidate.state == "open")) or 0
    return [NavEntry(gettext_for(ctx.lang)("Promoter candidates ({n})", n=waiting),
                     f"/t/{ctx.tenant_slug}/p/energizing/candidates/")]


async def digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    start = datetime.combine(week_start, time.min, UTC)
    end = datetime.combine(week_end + timedelta(days=1), time.min, UTC)
    new = await ctx.session.scalar(select(func.count()).select_from(Candidate).where(
        Candidate.opened_at >= start, Candidate.opened_at < end)) or 0
    if not new:
        return []
    text = ngettext_for(ctx.lang)("{n} new promoter candidate", "{n} new promoter candidates", new)
    return [DigestLine(text, "p/energizing/candidates/", "info")]


async def on_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    await intake.take_in(ctx.session, events)


async def seed_demo(ctx: HookContext) -> list[DemoKpi]:
    await demo.seed(ctx)
    return []


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await privacy.retention(ctx, cutoff, mode)


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await privacy.erase_subject(ctx, subject)

