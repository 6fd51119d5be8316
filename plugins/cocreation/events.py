"""The events the cocreation plugin emits, declared for the core's event catalogue (`PluginInfo.events`)."""

from __future__ import annotations

from core.plugins.api import EventSpec, PayloadField

EVENTS = (
    EventSpec("idea.stage_changed", "an idea on the board moved to another stage (by development, or by the vote "
              "threshold), with a public reason",
              (PayloadField("idea_id", "str", "the idea's id (UUID); `regie_find_item(kind=\"idea\")` returns it"),
               PayloadField("number", "int", "the idea's number on the board"),
               PayloadField("title", "str", "the idea's title"),
               PayloadField("stage", "str", "the new stage's key"),
               PayloadField("meaning", "str", "what the new stage means: new, review, planned, progress, done or "
                            "declined"),
               PayloadField("reason", "str", "the public reason given with the change"),
               PayloadField("case_ids", "list[str]", "ids of the webcare cases linked to the idea"),
               PayloadField("mention_ids", "list[str]", "ids of the mentions linked to the idea"),
               PayloadField("question_ids", "list[str]", "ids of the webcare community questions linked to the "
                            "idea (webcare answers their askers in the thread on planned, done or declined)"),
               PayloadField("change_id", "str", "the stage change's id (UUID): the same for every delivery of "
                            "one change, a key for a listener that must act once"),
               PayloadField("href", "str", "the idea's public page, from the site root"))),
    EventSpec("idea.loop_replied", "the author of something that led to an idea was answered about its stage "
              "change (the closed loop); webcare records it on the case",
              (PayloadField("idea_id", "str", "the idea's id (UUID)"),
               PayloadField("kind", "str", "what the author wrote: mention or case"),
               PayloadField("ref_id", "str", "the mention's or case's id (UUID)"),
               PayloadField("recipient", "str", "who was answered (their handle on the network)"),
               PayloadField("text", "str", "the reply as it was sent"),
               PayloadField("post_uri", "str", "the reply's network address (empty when none)"),
               PayloadField("post_url", "str", "the reply's web address people can open (empty when none)"),
               PayloadField("sent_at", "str", "when it was sent (ISO 8601)"))),
)
