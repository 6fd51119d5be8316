"""The events the energizing plugin emits, declared for the core's event catalogue (`PluginInfo.events`)."""

from __future__ import annotations

from core.plugins.api import EventSpec, PayloadField

NPS_ANSWER_FIELDS = (
    PayloadField("answer_id", "str", "the answer's id (UUID); `regie_find_item(kind=\"nps_answer\")` returns it"),
    PayloadField("survey_id", "str", "the survey's id (UUID)"),
    PayloadField("survey_title", "str", "the survey's title"),
    PayloadField("score", "int", "the 0–10 answer to \"how likely are you to recommend us\""),
    PayloadField("category", "str", "promoter (9–10), passive (7–8) or detractor (0–6)"),
    PayloadField("why", "str", "the answer to \"why\" (may be empty), at most 2,000 characters"),
    PayloadField("respondent_name", "str", "the respondent's name, when the contact list gave one (else empty)"),
    PayloadField("respondent_email", "str", "the respondent's e-mail address (confirmed or from the invitation)"),
    PayloadField("answered_at", "str", "when it was answered (ISO 8601)"),
    PayloadField("href", "str", "the answer's page, from the site root"),
)

EVENTS = (
    EventSpec("nps.case_requested", "a detractor's survey answer is to be followed up as a case: the tenant's "
              "rule asked for it (automatic) or a person chose to", NPS_ANSWER_FIELDS),
)
