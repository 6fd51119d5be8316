"""Looking a row up by the id in a path: one place that parses the id and turns "no such row" into a 404."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound

T = TypeVar("T")


async def get_or_404(session: AsyncSession, model: type[T], id: Any) -> T:
    """The row of `model` with this id (a UUID or its text) in the current tenant; NotFound when the id is
    malformed or no such row exists (another tenant's rows look exactly like missing ones)."""
    try:
        key = id if isinstance(id, UUID) else UUID(str(id))
    except (TypeError, ValueError):
        raise NotFound() from None
    row = await session.get(model, key)
    if row is None:
        raise NotFound()
    return row
