"""The core's own listener for domain events: suggestions of trainings when something happens.

Called by `core.activation.service.fire_event(s)` for every event, whether or not a plugin listens, so it
reads only names and payloads (never a plugin's module):

- `plugin.activated` with plugin "webcare" → the webcare trainings, for the activating department;
- `crisis.started` (the webcare plugin's crisis mode) → the crisis communication trainings.

The holistic org model is a state rather than an event: `suggest_for_org_model` runs when a tenant is
created and whenever its trainings page is opened. A failing listener is logged and rolled back to its
savepoint; it never undoes the decision that fired the event.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.trainings.service import suggest_topic
from core.workgroup.models import Department

log = logging.getLogger("regie.trainings")


async def _department_id(session: AsyncSession, name: Any) -> Any:
    if not name:
        return None
    return await session.scalar(select(Department.id).where(Department.name == str(name)).limit(1))


async def _handle(session: AsyncSession, name: str, payload: dict[str, Any]) -> None:
    if name == "plugin.activated" and payload.get("plugin") == "webcare":
        await suggest_topic(session, "webcare", "plugin.activated:webcare",
                            await _department_id(session, payload.get("department")))
    elif name == "crisis.started":
        await suggest_topic(session, "crisis", "crisis")


async def on_events(session: AsyncSession, events: list[Any]) -> None:
    """Suggest trainings for the events that call for one, in the tenant in scope."""
    wanted = [e for e in events if e.name in ("plugin.activated", "crisis.started")]
    if not wanted:
        return
    try:
        async with session.begin_nested():
            for event in wanted:
                await _handle(session, event.name, dict(event.payload or {}))
    except Exception:  # noqa: BLE001 - a suggestion must never undo the decision that fired the event
        log.exception("training suggestions for %s failed", [e.name for e in wanted])
