"""The one place a `HookContext` is built: by events, activation checks, phase changes, navigation and policy."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import PluginActivation
from core.plugins.info import HookContext
from core.roadmap.models import PilotMeasurement
from core.tenancy.models import Tenant


async def has_measured_activation(session: AsyncSession, exclude: str = "") -> bool:
    """True when a plugin other than `exclude` ran as a pilot with a recorded measurement."""
    found = await session.scalar(
        select(PilotMeasurement.id).join(PluginActivation, PluginActivation.id == PilotMeasurement.activation_id)
        .where(PluginActivation.plugin != exclude).limit(1))
    return found is not None


def hook_context(session: AsyncSession, tenant: Tenant, lang: str, user_id: UUID | None = None,
                 **extra: Any) -> HookContext:
    """The context for a per-tenant hook call; `extra` adds call-specific helpers to `ctx.extra`."""

    async def measured(exclude: str = "") -> bool:
        return await has_measured_activation(session, exclude)

    return HookContext(tenant_id=tenant.id, tenant_slug=tenant.slug, lang=lang, user_id=user_id, session=session,
                       extra={"has_measured_activation": measured, **extra})
