"""The inbox's change counter, `WebcareConfig.inbox_version`, raised in the same transaction as a case change.

An open inbox polls a one-row read of this counter every second and reloads its list only when it moved. The
core raises it for every ORM change to a `Case` (`count_changes`: one listener of the core's, taking the
config row's lock before any case row's, so raises follow commit order); `place()` inserts cases in bulk,
past the flush, and raises it in `take_numbers` with `NEXT_VERSION`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import count_changes, next_value
from plugins.webcare.models import Case, WebcareConfig

count_changes(Case, WebcareConfig.inbox_version)

NEXT_VERSION = next_value(WebcareConfig.inbox_version)
"""The values of a raise, for an `UPDATE` of the config row (used by `take_numbers`)."""


async def inbox_version(session: AsyncSession) -> int:
    """The tenant's counter now (0 before the first case)."""
    return int(await session.scalar(select(WebcareConfig.inbox_version).limit(1)) or 0)
