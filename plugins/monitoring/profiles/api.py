"""JSON API of search profiles: list, read, create, replace, change, delete, and a preview of a query.

Bad values answer 422 naming the field (a query's reason includes the position of the problem); a name
already in use is a 422 on `name`, as in the core (departments). `?lang=nl|en` picks the reasons' language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, delete, get, patch, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import lang_of, principal_of
from plugins.monitoring.models import SearchProfile
from plugins.monitoring.profiles import service

TAGS = ["monitoring"]


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    query: str
    languages: list[str] = msgspec.field(default_factory=list)
    source_types: list[str] = msgspec.field(default_factory=list)
    is_active: bool = True
    alert_window_minutes: int = 60
    volume_factor: float = 3.0
    volume_min_mentions: int = 10
    negative_rise: float = 0.20
    alerts_enabled: bool = True


class ProfilePatch(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change."""

    name: str | None = None
    query: str | None = None
    languages: list[str] | None = None
    source_types: list[str] | None = None
    is_active: bool | None = None
    alert_window_minutes: int | None = None
    volume_factor: float | None = None
    volume_min_mentions: int | None = None
    negative_rise: float | None = None
    alerts_enabled: bool | None = None


class PreviewIn(msgspec.Struct, forbid_unknown_fields=True):
    query: str
    languages: list[str] = msgspec.field(default_factory=list)
    source_types: list[str] = msgspec.field(default_factory=list)


@dataclass
class ProfileOut:
    id: UUID
    name: str
    query: str
    languages: list[str]
    source_types: list[str]
    is_active: bool
    version: int
    alert_window_minutes: int
    volume_factor: float
    volume_min_mentions: int
    negative_rise: float
    alerts_enabled: bool
    matched_mentions: int
    created_at: datetime
    updated_at: datetime
    retag_progress_id: UUID | None = None
    """Set when this request started re-tagging past mentions (the job's progress row)."""


@dataclass
class PreviewMention:
    id: UUID
    published_at: datetime
    source_type: str
    title: str
    excerpt: str


@dataclass
class PreviewOut:
    canonical: str
    """The query as the parser understood it (explicit AND, folded words)."""
    terms: list[str]
    scanned: int
    matched: int
    sample: list[PreviewMention]


def profile_out(profile: SearchProfile, matched: int, progress: Any = None) -> ProfileOut:
    return ProfileOut(
        id=profile.id, name=profile.name, query=profile.query, languages=list(profile.languages or []),
        source_types=list(profile.source_types or []), is_active=profile.is_active, version=profile.version,
        alert_window_minutes=profile.alert_window_minutes, volume_factor=profile.volume_factor,
        volume_min_mentions=profile.volume_min_mentions, negative_rise=profile.negative_rise,
        alerts_enabled=profile.alerts_enabled, matched_mentions=matched, created_at=profile.created_at,
        updated_at=profile.updated_at, retag_progress_id=progress.id if progress is not None else None)


async def _out(db: AsyncSession, saved: service.Saved, fresh: bool = True) -> ProfileOut:
    """`fresh`: reload after a change, so `updated_at` and `version` are what was stored."""
    counts = await service.matched_counts(db, [saved.profile.id])
    if fresh:
        await db.refresh(saved.profile)
    return profile_out(saved.profile, counts.get(saved.profile.id, 0), saved.progress)


def _given(data: msgspec.Struct) -> dict[str, Any]:
    return {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}


@get("/profiles", opt={"action": "plugin.read"}, tags=TAGS, summary="List search profiles")
async def list_profiles(db: AsyncSession) -> list[ProfileOut]:
    profiles = await service.list_profiles(db)
    counts = await service.matched_counts(db, [p.id for p in profiles])
    return [profile_out(p, counts.get(p.id, 0)) for p in profiles]


@get("/profiles/{profile_id:uuid}", opt={"action": "plugin.read"}, tags=TAGS, summary="One search profile")
async def read_profile(db: AsyncSession, profile_id: UUID) -> ProfileOut:
    return await _out(db, service.Saved(await service.get_profile(db, profile_id)), fresh=False)


@post("/profiles", opt={"action": "plugin.configure"}, tags=TAGS, status_code=201,
      summary="Create a search profile (past mentions are tagged by a background job)")
async def create_profile(request: Request[Any, Any, Any], db: AsyncSession, data: ProfileIn,
                         lang: str | None = None) -> ProfileOut:
    lang_of(request, lang)
    return await _out(db, await service.create_profile(db, principal_of(request), msgspec.structs.asdict(data)))


@put("/profiles/{profile_id:uuid}", opt={"action": "plugin.configure"}, tags=TAGS,
     summary="Replace a search profile (fields left out get their defaults)")
async def replace_profile(request: Request[Any, Any, Any], db: AsyncSession, profile_id: UUID, data: ProfileIn,
                          lang: str | None = None) -> ProfileOut:
    lang_of(request, lang)
    return await _out(db, await service.update_profile(db, principal_of(request), profile_id,
                                                        msgspec.structs.asdict(data)))


@patch("/profiles/{profile_id:uuid}", opt={"action": "plugin.configure"}, tags=TAGS,
       summary="Change some fields of a search profile")
async def change_profile(request: Request[Any, Any, Any], db: AsyncSession, profile_id: UUID, data: ProfilePatch,
                         lang: str | None = None) -> ProfileOut:
    lang_of(request, lang)
    return await _out(db, await service.update_profile(db, principal_of(request), profile_id, _given(data)))


@delete("/profiles/{profile_id:uuid}", opt={"action": "plugin.configure"}, tags=TAGS,
        summary="Delete a search profile with its tags, counts and alerts (the mentions stay)")
async def delete_profile(request: Request[Any, Any, Any], db: AsyncSession, profile_id: UUID) -> None:
    await service.delete_profile(db, principal_of(request), profile_id)


@post("/profiles/preview", opt={"action": "plugin.configure"}, tags=TAGS, status_code=200,
      summary="How many of the latest mentions a query (and filters) would match, with the newest of them")
async def preview(request: Request[Any, Any, Any], db: AsyncSession, data: PreviewIn,
                  lang: str | None = None) -> PreviewOut:
    lang_of(request, lang)
    result = await service.preview(db, data.query, data.languages, data.source_types)
    sample = [PreviewMention(id=m.id, published_at=m.published_at, source_type=m.source_type, title=m.title,
                             excerpt=(m.lead or m.body)[:300]) for m in result.sample]
    return PreviewOut(canonical=result.canonical, terms=result.terms, scanned=result.scanned,
                      matched=result.matched, sample=sample)


ROUTES = [list_profiles, read_profile, create_profile, replace_profile, change_profile, delete_profile, preview]
