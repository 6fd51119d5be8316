"""The tenant's active search profiles as one `ProfileMatcher`, parsed once per process and profile change.

Ingestion matches every batch and the re-tag job every chunk: parsing the queries each time would cost more
than matching. One small query (id, version, updated_at of the active profiles) tells whether the cached
matcher still fits; any edit, (de)activation, addition or removal changes it.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import current_tenant_id
from plugins.monitoring.models import SearchProfile
from plugins.monitoring.query import ProfileMatcher, ProfileSpec, QuerySyntaxError

log = logging.getLogger("regie.monitoring")
_CACHE: dict[UUID | None, tuple[Any, ProfileMatcher]] = {}


def _specs(profiles: list[SearchProfile]) -> list[ProfileSpec]:
    """Valid profiles only: a stored query that no longer parses (the language got stricter) matches nothing,
    rather than stopping ingestion for every profile."""
    specs = []
    for p in profiles:
        spec = ProfileSpec(p.id, p.query, frozenset(p.languages or ()), frozenset(p.source_types or ()))
        try:
            ProfileMatcher([spec])
        except QuerySyntaxError as exc:
            log.warning("search profile %s has a query that does not parse (%s): skipped", p.id, exc)
            continue
        specs.append(spec)
    return specs


async def active_matcher(session: AsyncSession) -> ProfileMatcher:
    """The matcher for the current tenant's active profiles (cached while they stay the same)."""
    tenant_id = current_tenant_id()
    rows = (await session.execute(select(SearchProfile.id, SearchProfile.version, SearchProfile.updated_at)
                                  .where(SearchProfile.is_active.is_(True)))).all()
    key = frozenset((r.id, r.version, str(r.updated_at)) for r in rows)
    cached = _CACHE.get(tenant_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    profiles = list((await session.scalars(select(SearchProfile).where(SearchProfile.is_active.is_(True))
                                           .order_by(SearchProfile.name))).all())
    try:
        matcher = ProfileMatcher(
            ProfileSpec(p.id, p.query, frozenset(p.languages or ()), frozenset(p.source_types or ()))
            for p in profiles)
    except QuerySyntaxError:
        matcher = ProfileMatcher(_specs(profiles))
    _CACHE[tenant_id] = (key, matcher)
    return matcher
