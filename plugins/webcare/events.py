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
    EventSpec("question.loop_answered", "the asker of a community question linked to an idea was answered in the "
              "question's thread about the idea's stage change (the closed loop); co-creation records it on the idea",
              (PayloadField("idea_id", "str", "the idea's id (UUID), from `idea.stage_changed`"),
               PayloadField("change_id", "str", "the stage change's id (UUID), from `idea.stage_changed`"),
               PayloadField("question_id", "str", "the community question's id (UUID)"),
               PayloadField("title", "str", "the question's title"),
               PayloadField("asker", "str", "the asker's display name (empty when unknown)"),
               PayloadField("customer_id", "str", "the asker's customer id (UUID; empty when unknown)"),
               PayloadField("text", "str", "the answer as it was posted"),
               PayloadField("url", "str", "the answer in the question's thread, from the site root"),
               PayloadField("answered_at", "str", "when it was posted (ISO 8601)"))),
)
