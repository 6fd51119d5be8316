"""The inbox's change counter, `WebcareConfig.inbox_version`, raised in the same transaction as a case change.

An open inbox polls a one-row read of this counter every second and reloads its list only when it moved. A
counter rather than `max(updated_at)`: the `UPDATE` takes the config row's lock, so the raises follow commit
order, while `updated_at` is set when a statement runs and a slower transaction can commit an older value
after a newer one (its change would never be seen). The raise runs at the start of the flush, before any case
row is written, so every transaction takes the config lock before case locks (no lock-order deadlocks).

ORM changes to a `Case` raise it through the `before_flush` listener below; `place()` inserts cases in bulk,
past the flush, and raises it in `take_numbers`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from core.plugins.api import current_tenant_id
from plugins.webcare.models import Case, WebcareConfig

NEXT_VERSION = {"inbox_version": WebcareConfig.inbox_version + 1}
"""The values of a raise, for an `UPDATE` of the config row (also used by `take_numbers`)."""


def _changed_case_tenants(session: Session) -> set[Any]:
    tenants = set()
    for obj in (*session.new, *session.deleted, *session.dirty):
        if isinstance(obj, Case) and (obj not in session.dirty or session.is_modified(obj)):
            tenants.add(obj.tenant_id or current_tenant_id())
    return tenants - {None}


@event.listens_for(Session, "before_flush")
def _raise_inbox_version(session: Session, _context: Any, _instances: Any) -> None:
    tenants = _changed_case_tenants(session)
    if tenants:
        session.execute(update(WebcareConfig).where(WebcareConfig.tenant_id.in_(tenants)).values(NEXT_VERSION)
                        .execution_options(synchronize_session=False))


async def inbox_version(session: AsyncSession) -> int:
    """The tenant's counter now (0 before the first case)."""
    return int(await session.scalar(select(WebcareConfig.inbox_version).limit(1)) or 0)
