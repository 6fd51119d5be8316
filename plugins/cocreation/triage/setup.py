"""The board's set-up by development: its stages, categories, campaigns and settings.

Stages and categories are never deleted (ideas and their history keep pointing at them); they are deactivated
instead. At least one active stage means "new", so a new idea always has somewhere to go."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Msg,
    NotFound,
    Refused,
    clean_choice,
    clean_date,
    clean_text,
    record_audit,
)
from plugins.cocreation.models import MEANINGS, MODERATION_MODES, Campaign, Category, CocreationSettings, Idea, Stage
from plugins.cocreation.settings import board_settings, stages

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
CAMPAIGN_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{2,59}$")


def _flag(value: Any) -> bool:
    return str(value if value is not None else "").strip().lower() in ("1", "true", "on", "yes")


def _whole(value: Any, field: str, low: int, high: int) -> int:
    text = str(value if value is not None else "").strip()
    try:
        number = int(text)
    except ValueError:
        raise DomainError(field=field, msgid="Use a whole number from {min} to {max}.", min=low, max=high) from None
    if not low <= number <= high:
        raise DomainError(field=field, msgid="Use a whole number from {min} to {max}.", min=low, max=high)
    return number


# --- board settings -----------------------------------------------------------------------------------------

SETTING_FIELDS = ("board_title", "board_intro", "is_private", "moderation", "vote_threshold", "prerequisite_weeks")


def settings_form(settings: CocreationSettings) -> dict[str, Any]:
    return {"board_title": settings.board_title, "board_intro": settings.board_intro,
            "is_private": settings.is_private, "moderation": settings.moderation,
            "vote_threshold": settings.vote_threshold, "prerequisite_weeks": settings.prerequisite_weeks}


async def save_settings(session: AsyncSession, principal: Any, values: dict[str, Any]) -> CocreationSettings:
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("board_title"), "board_title", required=False, max_length=120)
    intro = errors.clean(clean_text, values.get("board_intro"), "board_intro", required=False, max_length=5000)
    mode = errors.clean(clean_choice, values.get("moderation"), "moderation", MODERATION_MODES)
    threshold = errors.clean(_whole, values.get("vote_threshold"), "vote_threshold", 1, 100_000)
    weeks = errors.clean(_whole, values.get("prerequisite_weeks"), "prerequisite_weeks", 1, 52)
    errors.raise_if_any()
    settings = await board_settings(session)
    before = settings_form(settings)
    settings.board_title, settings.board_intro, settings.is_private = title or "", intro or "", \
        _flag(values.get("is_private"))
    settings.moderation, settings.vote_threshold, settings.prerequisite_weeks = mode, threshold, weeks
    await record_audit(session, principal, "cocreation.settings_changed", subject=settings,
                       summary=Msg("Idea board settings changed"),
                       data={"before": before, "after": settings_form(settings)})
    return settings


# --- stages -------------------------------------------------------------------------------------------------

def _names(values: dict[str, Any], errors: FieldErrors) -> tuple[str | None, str | None]:
    return (errors.clean(clean_text, values.get("name_nl"), "name_nl", max_length=60),
            errors.clean(clean_text, values.get("name_en"), "name_en", max_length=60))


async def _stage(session: AsyncSession, stage_id: UUID) -> Stage:
    found = await session.get(Stage, stage_id)
    if found is None:
        raise NotFound()
    return found


async def add_stage(session: AsyncSession, principal: Any, values: dict[str, Any]) -> Stage:
    """A new stage at the end of the board, with what it means (the loop and the threshold go by that)."""
    existing = await stages(session)
    errors = FieldErrors()
    key = str(values.get("key") or "").strip().lower()
    if not KEY.match(key):
        errors.add("key", "Use 2-40 lowercase letters, digits and hyphens.")
    elif any(stage.key == key for stage in existing):
        errors.add("key", "Another stage already has this key.")
    meaning = errors.clean(clean_choice, values.get("meaning"), "meaning", MEANINGS)
    name_nl, name_en = _names(values, errors)
    errors.raise_if_any()
    stage = Stage(key=key, meaning=meaning, name_nl=name_nl, name_en=name_en,
                  position=max((s.position for s in existing), default=-1) + 1, is_active=True)
    session.add(stage)
    await session.flush()
    await record_audit(session, principal, "cocreation.stage_added", subject=stage,
                       summary=Msg("Stage {key} added", key=key), data={"key": key, "meaning": meaning})
    return stage


async def rename_stage(session: AsyncSession, principal: Any, stage_id: UUID, values: dict[str, Any]) -> Stage:
    stage = await _stage(session, stage_id)
    errors = FieldErrors()
    name_nl, name_en = _names(values, errors)
    errors.raise_if_any()
    before = {"name_nl": stage.name_nl, "name_en": stage.name_en}
    stage.name_nl, stage.name_en = name_nl, name_en
    await record_audit(session, principal, "cocreation.stage_renamed", subject=stage,
                       summary=Msg("Stage {key} renamed", key=stage.key),
                       data={"key": stage.key, "before": before, "name_nl": name_nl, "name_en": name_en})
    return stage


async def move_stage(session: AsyncSession, principal: Any, stage_id: UUID, direction: str) -> None:
    """One place up or down on the board (positions renumbered from 0, so gaps and ties disappear)."""
    direction = clean_choice(direction, "__all__", ("up", "down"))
    ordered = await stages(session)
    await _move(ordered, await _stage(session, stage_id), direction)
    await record_audit(session, principal, "cocreation.stages_reordered", summary=Msg("Stages reordered"),
                       data={"order": [s.key for s in sorted(ordered, key=lambda s: s.position)]})


async def _move(ordered: list[Any], item: Any, direction: str) -> None:
    index = next(i for i, row in enumerate(ordered) if row.id == item.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position


async def set_stage_active(session: AsyncSession, principal: Any, stage_id: UUID, active: bool) -> Stage:
    """Deactivate (ideas in it stay there) or activate again; the last active "new" stage stays."""
    stage = await _stage(session, stage_id)
    if not active and stage.is_active and stage.meaning == "new":
        others = [s for s in await stages(session, active_only=True) if s.meaning == "new" and s.id != stage.id]
        if not others:
            raise Refused(field="__all__", msgid="At least one active stage must mean \"new\": new ideas start there.")
    stage.is_active = active
    await record_audit(session, principal, "cocreation.stage_activated" if active else "cocreation.stage_deactivated",
                       subject=stage, summary=Msg("Stage {key} activated", key=stage.key) if active
                       else Msg("Stage {key} deactivated", key=stage.key), data={"key": stage.key})
    return stage


async def ideas_per_stage(session: AsyncSession, *, campaign_id: UUID | None = None) -> dict[str, int]:
    """Published ideas per stage key (one grouped query)."""
    query = select(Idea.stage_key, func.count()).where(Idea.status == "published").group_by(Idea.stage_key)
    if campaign_id is not None:
        query = query.where(Idea.campaign_id == campaign_id)
    return {key: int(n) for key, n in (await session.execute(query)).all()}


# --- categories ---------------------------------------------------------------------------------------------

async def categories(session: AsyncSession, *, active_only: bool = False) -> list[Category]:
    query = select(Category).order_by(Category.position, Category.name)
    if active_only:
        query = query.where(Category.is_active.is_(True))
    return list((await session.scalars(query)).all())


async def _category(session: AsyncSession, category_id: UUID) -> Category:
    found = await session.get(Category, category_id)
    if found is None:
        raise NotFound()
    return found


async def _category_name(session: AsyncSession, value: Any, other_than: UUID | None = None) -> str:
    name = clean_text(value, "name", max_length=80)
    clash = await session.scalar(select(Category.id).where(func.lower(Category.name) == name.lower()))
    if clash is not None and clash != other_than:
        raise DomainError(field="name", msgid="Another category already has this name.")
    return name


async def add_category(session: AsyncSession, principal: Any, values: dict[str, Any]) -> Category:
    name = await _category_name(session, values.get("name"))
    position = await session.scalar(select(func.max(Category.position)))
    category = Category(name=name, position=(position if position is not None else -1) + 1, is_active=True)
    session.add(category)
    await session.flush()
    await record_audit(session, principal, "cocreation.category_added", subject=category,
                       summary=Msg("Category {name} added", name=name))
    return category


async def rename_category(session: AsyncSession, principal: Any, category_id: UUID,
                          values: dict[str, Any]) -> Category:
    category = await _category(session, category_id)
    name = await _category_name(session, values.get("name"), other_than=category.id)
    before, category.name = category.name, name
    await record_audit(session, principal, "cocreation.category_renamed", subject=category,
                       summary=Msg("Category {name} renamed", name=name), data={"before": before})
    return category


async def move_category(session: AsyncSession, principal: Any, category_id: UUID, direction: str) -> None:
    direction = clean_choice(direction, "__all__", ("up", "down"))
    await _move(await categories(session), await _category(session, category_id), direction)
    await record_audit(session, principal, "cocreation.categories_reordered", summary=Msg("Categories reordered"))


async def set_category_active(session: AsyncSession, principal: Any, category_id: UUID, active: bool) -> Category:
    category = await _category(session, category_id)
    category.is_active = active
    await record_audit(session, principal,
                       "cocreation.category_activated" if active else "cocreation.category_deactivated",
                       subject=category, summary=Msg("Category {name} activated", name=category.name) if active
                       else Msg("Category {name} deactivated", name=category.name))
    return category


# --- campaigns ----------------------------------------------------------------------------------------------

LAST_YEAR = 9999
"""A campaign ends before this year (its end is stored as the next midnight, which must still be a date)."""
CAMPAIGN_FIELDS = ("title", "slug", "question", "starts_on", "ends_on", "results")


def campaign_form(campaign: Campaign | None) -> dict[str, Any]:
    if campaign is None:
        return {}
    return {"title": campaign.title, "slug": campaign.slug, "question": campaign.question,
            "starts_on": campaign.starts_at.date().isoformat(),
            "ends_on": (campaign.ends_at - timedelta(seconds=1)).date().isoformat(), "results": campaign.results}


async def save_campaign(session: AsyncSession, principal: Any, values: dict[str, Any],
                        campaign: Campaign | None = None) -> Campaign:
    """Create or change a campaign; it runs from the start of `starts_on` to the end of `ends_on` (UTC)."""
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=160)
    if title is not None and len(title) < 3:
        errors.add("title", "Use at least {min} characters.", min=3)
    slug = str(values.get("slug") or "").strip().lower()
    if not CAMPAIGN_SLUG.match(slug):
        errors.add("slug", "Use 3-60 lowercase letters, digits and hyphens.")
    else:
        clash = await session.scalar(select(Campaign.id).where(Campaign.slug == slug))
        if clash is not None and (campaign is None or clash != campaign.id):
            errors.add("slug", "Another campaign already has this address.")
    question = errors.clean(clean_text, values.get("question"), "question", required=False, max_length=2000)
    results = errors.clean(clean_text, values.get("results"), "results", required=False, max_length=5000)
    starts: date | None = errors.clean(clean_date, values.get("starts_on"), "starts_on")
    ends: date | None = errors.clean(clean_date, values.get("ends_on"), "ends_on")
    if starts is not None and ends is not None and ends < starts:
        errors.add("ends_on", "The end comes on or after the start.")
    elif ends is not None and ends.year >= LAST_YEAR:
        errors.add("ends_on", "Choose a date before {year}.", year=LAST_YEAR)
    errors.raise_if_any()
    assert starts is not None and ends is not None
    new = campaign is None
    if campaign is None:
        campaign = Campaign(created_by_id=getattr(getattr(principal, "user", None), "id", None))
        session.add(campaign)
    campaign.title, campaign.slug, campaign.question, campaign.results = title, slug, question or "", results or ""
    campaign.starts_at = datetime.combine(starts, time.min, UTC)
    campaign.ends_at = datetime.combine(ends + timedelta(days=1), time.min, UTC)
    await session.flush()
    await record_audit(session, principal, "cocreation.campaign_created" if new else "cocreation.campaign_changed",
                       subject=campaign, summary=Msg("Campaign {title} saved", title=campaign.title),
                       data={"slug": slug})
    return campaign


async def campaign_counts(session: AsyncSession, ids: list[UUID]) -> dict[UUID, tuple[int, int]]:
    """(ideas, votes) per campaign of a page, published ideas only (one grouped query)."""
    if not ids:
        return {}
    rows = await session.execute(select(Idea.campaign_id, func.count(), func.coalesce(func.sum(Idea.vote_count), 0))
                                 .where(Idea.campaign_id.in_(ids), Idea.status == "published")
                                 .group_by(Idea.campaign_id))
    return {cid: (int(n), int(votes)) for cid, n, votes in rows.all()}
