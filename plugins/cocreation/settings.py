"""The tenant's board settings and stages, shared by every slice: created with the defaults on first use."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.cocreation.models import DEFAULT_STAGES, CocreationSettings, Stage


async def board_settings(session: AsyncSession) -> CocreationSettings:
    """The tenant's settings row; the first call also creates the default stages."""
    found = await session.scalar(select(CocreationSettings))
    if found is not None:
        return found
    try:
        async with session.begin_nested():  # two first visits at once: one creates, the other reads it
            found = CocreationSettings()
            session.add(found)
            for position, (key, meaning, name_nl, name_en) in enumerate(DEFAULT_STAGES):
                session.add(Stage(key=key, meaning=meaning, name_nl=name_nl, name_en=name_en, position=position))
            await session.flush()
    except IntegrityError:
        found = await session.scalar(select(CocreationSettings))
        if found is None:
            raise
    return found


async def stages(session: AsyncSession, *, active_only: bool = False) -> list[Stage]:
    """The tenant's stages in board order."""
    await board_settings(session)
    query = select(Stage).order_by(Stage.position, Stage.key)
    if active_only:
        query = query.where(Stage.is_active.is_(True))
    return list((await session.scalars(query)).all())


def stage_name(stage: Stage, lang: str) -> str:
    return stage.name_nl if lang == "nl" else stage.name_en


async def first_stage(session: AsyncSession, meaning: str) -> Stage | None:
    """The first active stage that means `meaning` (where the threshold or a new idea goes)."""
    return next((stage for stage in await stages(session, active_only=True) if stage.meaning == meaning), None)


async def next_idea_number(session: AsyncSession) -> int:
    """The next idea number of the tenant, given out once (one conditional update with RETURNING)."""
    settings = await board_settings(session)
    number = await session.scalar(update(CocreationSettings).where(CocreationSettings.id == settings.id)
                                  .values(idea_counter=CocreationSettings.idea_counter + 1)
                                  .returning(CocreationSettings.idea_counter)
                                  .execution_options(synchronize_session=False))
    return int(number or 0)
