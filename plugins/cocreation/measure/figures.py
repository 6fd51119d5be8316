"""What the dashboard's cocreation cards show, computed ahead by the job `cocreation.figures` (every ten minutes)
and kept on the settings row: ideas this month, ideas per stage and the five ideas with most votes. A view of the
dashboard reads that one row and counts nothing (docs/hooks.md, `regie_widgets`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import JobContext, utcnow
from plugins.cocreation.measure.kpis import COUNTED
from plugins.cocreation.models import CocreationSettings, Idea
from plugins.cocreation.settings import board_settings, stages

TOP = 5


async def compute(session: AsyncSession, now: datetime | None = None) -> dict[str, Any]:
    """Three grouped or limited reads over indexed columns."""
    now = now or utcnow()
    month = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ideas_month = int(await session.scalar(select(func.count()).select_from(Idea).where(
        Idea.status.in_(COUNTED), Idea.created_at >= month)) or 0)
    counts = dict((await session.execute(select(Idea.stage_key, func.count()).where(
        Idea.status == "published").group_by(Idea.stage_key))).all())
    per_stage = [{"key": stage.key, "nl": stage.name_nl, "en": stage.name_en, "n": int(counts.get(stage.key, 0))}
                 for stage in await stages(session)]
    top = [{"number": number, "title": title, "votes": votes, "stage": stage_key}
           for number, title, votes, stage_key in (await session.execute(
               select(Idea.number, Idea.title, Idea.vote_count, Idea.stage_key).where(Idea.status == "published")
               .order_by(Idea.vote_count.desc(), Idea.number).limit(TOP))).all()]
    return {"month": month.date().isoformat(), "ideas_month": ideas_month, "per_stage": per_stage, "top": top}


async def store(session: AsyncSession) -> None:
    settings = await board_settings(session)
    settings.figures = await compute(session)
    settings.figures_at = utcnow()
    await session.flush()


async def read(session: AsyncSession) -> tuple[dict[str, Any], datetime | None]:
    """The stored figures and when they were computed ({} and None before the first run)."""
    row = (await session.execute(select(CocreationSettings.figures, CocreationSettings.figures_at))).first()
    return (dict(row[0] or {}), row[1]) if row is not None else ({}, None)


async def store_figures(ctx: JobContext) -> None:
    assert ctx.session is not None
    await store(ctx.session)
