"""An answer as other plugins see it: the item of `regie_find_item` and `regie_item_actions` (kind "nps_answer")
and the payload of `nps.case_requested`, with exactly the fields of `NPS_ANSWER_FIELDS`."""

from __future__ import annotations

from typing import Any

from plugins.energizing.events import NPS_ANSWER_FIELDS
from plugins.energizing.surveys.models import Survey, SurveyAnswer

KIND = "nps_answer"
FIELDS = tuple(f.name for f in NPS_ANSWER_FIELDS)


def answer_href(slug: str, answer_id: Any) -> str:
    return f"/t/{slug}/p/energizing/surveys/answers/{answer_id}"


def answer_item(answer: SurveyAnswer, survey: Survey, slug: str) -> dict[str, Any]:
    item = {
        "answer_id": str(answer.id), "survey_id": str(survey.id), "survey_title": survey.title,
        "score": int(answer.score), "category": answer.category, "why": (answer.why or "")[:2000],
        "respondent_name": answer.name or "", "respondent_email": answer.email,
        "answered_at": answer.answered_at.isoformat(), "href": answer_href(slug, answer.id),
    }
    assert tuple(item) == FIELDS  # the catalogue's fields, in its order
    return item
