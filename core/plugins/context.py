"""The one place a `HookContext` is built: by events, activation checks, phase changes, navigation and policy."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.info import HookContext, TrackRecord
from core.tenancy.models import Tenant

if TYPE_CHECKING:
    from core.plugins.host import PluginHost
    from core.settings import Settings


async def has_measured_activation(session: AsyncSession, exclude: str = "", pm: Any = None) -> bool:
    """True when a plugin other than `exclude` ran as a pilot with a measurement the pilot gate counts."""
    from core.roadmap.gates import pilot_evidence

    return any(plugin != exclude for plugin in (await pilot_evidence(session, pm)).counted)


def hook_context(session: AsyncSession, tenant: Tenant, lang: str, user_id: UUID | None = None, *,
                 roles: frozenset[str] = frozenset(), settings: Settings | None = None, pm: PluginHost | None = None,
                 memo: dict[Hashable, Any] | None = None, demo_items: tuple[Any, ...] = ()) -> HookContext:
    """The context for a per-tenant hook call: who asks, in which tenant and language, with which session."""

    async def measured(exclude: str = "") -> bool:
        return await has_measured_activation(session, exclude, pm)

    async def records(exclude: str = "") -> list[TrackRecord]:
        from core.activation.overrides import track_records

        return await track_records(session, pm, exclude)

    async def overridden(plugin: str) -> str | None:
        from core.activation.overrides import standing

        row = await standing(session, plugin)
        return row.reason if row is not None else None

    return HookContext(tenant_id=tenant.id, tenant_slug=tenant.slug, lang=lang, user_id=user_id, session=session,
                       roles=frozenset(roles), settings=settings, pm=pm, memo={} if memo is None else memo,
                       has_measured_activation=measured, track_records=records, prerequisite_override=overridden,
                       demo_items=demo_items)
