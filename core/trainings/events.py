"""The core's own listener for domain events: suggestions of trainings when something happens.

Called by `core.activation.service.fire_events` for every event, whether or not a plugin listens. It knows
no plugin: what calls for a training is declared by whoever owns the knowledge —

- `plugin.activated`: the activated plugin's `PluginInfo.training_topics`, suggested to the department it is
  activated for (reason `plugin.activated:<plugin>`);
- any other event: its catalogue entry's `training_topic` (`EventSpec`, reason: the event's name).

The holistic org model is a state rather than an event: `suggest_for_org_model` runs when a tenant is
created and whenever its trainings page is opened. A failing listener is logged and rolled back to its
savepoint; it never undoes the decision that fired the event.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import gettext_for
from core.plugins.events import catalogue
from core.trainings.service import suggest_topic
from core.workgroup.models import Department

log = logging.getLogger("regie.trainings")

ACTIVATED = "plugin.activated"


async def _department_id(session: AsyncSession, name: Any) -> Any:
    if not name:
        return None
    return await session.scalar(select(Department.id).where(Department.name == str(name)).limit(1))


async def suggest_for_activation(session: AsyncSession, pm: Any, plugin: str, department_id: UUID | None) -> int:
    """The trainings a plugin's activation calls for (`PluginInfo.training_topics`), for its department."""
    info = pm.info(plugin) if pm is not None else None
    added = 0
    for topic in info.training_topics if info is not None else ():
        added += await suggest_topic(session, topic, f"{ACTIVATED}:{plugin}", department_id)
    return added


def because(reason: str, pm: Any, lang: str) -> str:
    """Why a suggestion was made, in `lang`, for the trainings page (never the raw reason key)."""
    _ = gettext_for(lang)
    if reason.startswith(f"{ACTIVATED}:"):
        plugin = reason.split(":", 1)[1]
        label = pm.label(plugin, lang) if pm is not None else plugin
        return _("Because a department started {plugin}.", plugin=label)
    if reason == "org_model:holistic":
        return _("Because in the holistic model every trained employee publishes.")
    spec = catalogue(pm).get(reason)
    if spec is not None and spec.because:
        return _(spec.because)
    return _("Because of something that happened in your organisation.")


async def _handle(session: AsyncSession, pm: Any, name: str, payload: dict[str, Any]) -> None:
    if name == ACTIVATED:
        await suggest_for_activation(session, pm, str(payload.get("plugin", "")),
                                     await _department_id(session, payload.get("department")))
    elif (spec := catalogue(pm).get(name)) is not None and spec.training_topic:
        await suggest_topic(session, spec.training_topic, name)


async def on_events(session: AsyncSession, pm: Any, events: list[Any]) -> None:
    """Suggest trainings for the events that call for one, in the tenant in scope."""
    if pm is None:
        return
    known = catalogue(pm)
    calling = {name for name in {e.name for e in events}
               if name == ACTIVATED or (name in known and known[name].training_topic)}
    wanted = [e for e in events if e.name in calling]
    if not wanted:
        return
    try:
        async with session.begin_nested():
            for event in wanted:
                await _handle(session, pm, event.name, dict(event.payload or {}))
    except Exception:  # noqa: BLE001 - a suggestion must never undo the decision that fired the event
        log.exception("training suggestions for %s failed", [e.name for e in wanted])
