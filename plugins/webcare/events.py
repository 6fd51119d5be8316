"""The events the webcare plugin emits, declared for the core's event catalogue (`PluginInfo.events`)."""

from __future__ import annotations

from core.plugins.api import N_, EventSpec, PayloadField


def _crisis_fields() -> tuple[PayloadField, ...]:
    return (PayloadField("crisis_id", "str", "the crisis's id (UUID)"),
            PayloadField("title", "str", "what the crisis is about, as its starter named it"),
            PayloadField("started_at", "str", "when crisis mode was switched on (ISO 8601)"),
            PayloadField("ended_at", "str | None", "when it was switched off (ISO 8601); None while it lasts"))


EVENTS = (
    EventSpec("crisis.started", "the regie holder or the webcare lead switched crisis mode on (every reply "
              "then needs approval, a banner shows on every page)", _crisis_fields(),
              training_topic="crisis", because=N_("Because of a crisis.")),
    EventSpec("crisis.ended", "crisis mode was switched off again", _crisis_fields()),
)
