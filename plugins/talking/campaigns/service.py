"""Campaigns and streams: create and change them; each gets a slug (its short links' utm_campaign) that stays
put when it is renamed, so the figures of links already placed keep adding up under one name."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import uuid4

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    NotFound,
    clean_choice,
    clean_date,
    clean_text,
    clean_uuid,
    department_choices,
    get_or_404,
    record_audit,
    starting_point_objectives,
)
from plugins.talking.models import OBJECTIVES, Campaign, Post, Stream

MAX_BUDGET = Decimal("9999999999.99")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


def slugify(name: str) -> str:
    """"Zorg dichtbij: najaar 2026" → "zorg-dichtbij-najaar-2026"."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:55].strip("-")
    return slug if len(slug) >= 3 else f"{slug or 'content'}-{uuid4().hex[:4]}"


async def _free_slug(session: AsyncSession, model: type[Campaign] | type[Stream], wanted: str) -> str:
    taken = set((await session.scalars(select(model.slug).where(model.slug.like(f"{wanted}%")))).all())
    if wanted not in taken:
        return wanted
    return next(f"{wanted}-{n}" for n in range(2, len(taken) + 3) if f"{wanted}-{n}" not in taken)


def clean_budget(value: Any, field: str = "budget") -> Decimal | None:
    """"1500", "1.500,50", "1500.50" → Decimal; empty → None."""
    text = str(value if value is not None else "").strip().replace("€", "").replace(" ", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise DomainError(field=field, msgid="Give an amount in euros, like 2500 or 2500,50.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_BUDGET:
        raise DomainError(field=field, msgid="Give an amount in euros, like 2500 or 2500,50.")
    return amount.quantize(Decimal("0.01"))


async def _common(session: AsyncSession, data: dict[str, Any], errors: FieldErrors) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    values: dict[str, Any] = {"name": errors.clean(clean_text, data.get("name"), "name", max_length=120)}
    starting_point = str(data.get("starting_point") or "").strip()
    if starting_point and starting_point not in await starting_point_objectives(session):
        errors.add("starting_point", msgid="Choose one of the objectives of the starting points.")
    values["starting_point"] = starting_point
    department_id = errors.clean(clean_uuid, data.get("department_id"), "department_id", required=False)
    if department_id is not None and department_id not in dict(await department_choices(session)):
        errors.add("department_id", msgid="Choose a valid option.")
    values["department_id"] = department_id
    return values


async def _slug(session: AsyncSession, model: type[Campaign] | type[Stream], data: dict[str, Any], name: str | None,
                errors: FieldErrors) -> str | None:
    given = str(data.get("slug") or "").strip().lower()
    if given:
        if not SLUG.match(given):
            errors.add("slug", msgid="Use 3-63 lowercase letters, digits and hyphens.")
            return None
        if await session.scalar(select(func.count()).select_from(model).where(model.slug == given)):
            errors.add("slug", msgid="This short name is taken.")
        return given
    return await _free_slug(session, model, slugify(name or "")) if name else None


async def _campaign_values(session: AsyncSession, data: dict[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    errors = FieldErrors()
    values = await _common(session, data, errors)
    values["goal"] = errors.clean(clean_text, data.get("goal"), "goal", required=False, max_length=2000)
    values["budget"] = errors.clean(clean_budget, data.get("budget"))
    values["objective"] = errors.clean(clean_choice, data.get("objective"), "objective", OBJECTIVES)
    values["starts_on"] = errors.clean(clean_date, data.get("starts_on"), "starts_on")
    values["ends_on"] = errors.clean(clean_date, data.get("ends_on"), "ends_on")
    if values["starts_on"] and values["ends_on"] and values["ends_on"] < values["starts_on"]:
        errors.add("ends_on", msgid="The end comes on or after the start.")
    return values, errors


async def create_campaign(session: AsyncSession, principal: Any, data: dict[str, Any]) -> Campaign:
    values, errors = await _campaign_values(session, data)
    values["slug"] = await _slug(session, Campaign, data, values["name"], errors)
    errors.raise_if_any()
    campaign = Campaign(created_by_id=getattr(principal, "user_id", None), **values)
    session.add(campaign)
    await session.flush()
    await record_audit(session, principal, "talking.campaign_created", subject=campaign, summary=campaign.name)
    return campaign


async def update_campaign(session: AsyncSession, principal: Any, campaign_id: Any, data: dict[str, Any]) -> Campaign:
    """The slug stays (links already placed carry it)."""
    campaign = await get_or_404(session, Campaign, campaign_id)
    values, errors = await _campaign_values(session, data)
    errors.raise_if_any()
    for key, value in values.items():
        setattr(campaign, key, value)
    await record_audit(session, principal, "talking.campaign_changed", subject=campaign, summary=campaign.name)
    return campaign


async def _stream_values(session: AsyncSession, data: dict[str, Any]) -> tuple[dict[str, Any], FieldErrors]:
    errors = FieldErrors()
    values = await _common(session, data, errors)
    values["description"] = errors.clean(clean_text, data.get("description"), "description", required=False,
                                         max_length=2000)
    values["is_active"] = data.get("is_active") is True or str(data.get("is_active") or "") in ("1", "on", "true")
    return values, errors


async def create_stream(session: AsyncSession, principal: Any, data: dict[str, Any]) -> Stream:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    values, errors = await _stream_values(session, {"is_active": True, **data})  # a new stream runs
    values["slug"] = await _slug(session, Stream, data, values["name"], errors)
    errors.raise_if_any()
    stream = Stream(**values)
    session.add(stream)
    await session.flush()
    await record_audit(session, principal, "talking.stream_created", subject=stream, summary=stream.name)
    return stream


async def update_stream(session: AsyncSession, principal: Any, stream_id: Any, data: dict[str, Any]) -> Stream:
    stream = await get_or_404(session, Stream, stream_id)
    values, errors = await _stream_values(session, data)
    errors.raise_if_any()
    for key, value in values.items():
        setattr(stream, key, value)
    await record_audit(session, principal, "talking.stream_changed", subject=stream, summary=stream.name)
    return stream


def campaigns_query() -> Select[Any]:
    """Campaigns, the latest start first, each with its number of posts (one grouped sub-select)."""
    posts = select(func.count()).where(Post.campaign_id == Campaign.id).correlate(Campaign).scalar_subquery()
    return select(Campaign, posts.label("posts")).order_by(Campaign.starts_on.desc(), Campaign.name)


def streams_query() -> Select[Any]:
    posts = select(func.count()).where(Post.stream_id == Stream.id).correlate(Stream).scalar_subquery()
    return select(Stream, posts.label("posts")).order_by(Stream.is_active.desc(), Stream.name)


async def get_campaign(session: AsyncSession, campaign_id: Any) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    return campaign
