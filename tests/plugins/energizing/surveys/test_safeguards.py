"""Safeguards of the surveys: one answer counts once however often it is confirmed at the same time, two reminder
runs at once mail each person once, every mail can be unsubscribed from (a button, not the link alone) and a
reminder respects withdrawn consent, bad periods are refused per field, the case threshold stays with the
detractors, questions stay as they were once people can answer, and the results page asks no plugin per row."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core.jobs.plugin_jobs import run_named_job
from core.plugins.api import DomainError, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import answering, contacts, routes, sending
from plugins.energizing.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyContact,
    SurveyDayCount,
    SurveyInvitation,
    SurveySettings,
)
from tests.plugins.energizing.surveys.conftest import BASE, CONFIRM_LINK, INVITE_LINK, PUBLIC, Surveys
from tests.support import api_headers, delivered_mails, login_as, post_form

OPTOUT_LINK = re.compile(r"https?://\S+/p/energizing/s/o/(\S+)")


async def _rollup(surveys: Surveys, survey_id: Any) -> dict[int, int]:
    return {r.score: r.answers for r in await surveys.rows(SurveyDayCount, SurveyDayCount.survey_id == survey_id)}


async def test_overlapping_confirmations_count_one_answer_once(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    client.cookies.clear()
    response = await post_form(client, f"{PUBLIC}{survey.share_token}", {
        "score": "9", "email": "an@klant.nl", "stamp": surveys.stamp(survey.id)})
    assert response.status_code == 200
    token = next(CONFIRM_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app)
                 if CONFIRM_LINK.search(m["text"]))
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session:
            # the first confirmation has read the pending answer when the second one commits
            answer = await answering.pending_for(session, token)
            assert answer is not None
            found = await session.get(Survey, answer.survey_id)
            assert (await post_form(client, f"{PUBLIC}c/{token}", {})).status_code == 200
            with pytest.raises(DomainError):
                await answering.count(session, found, answer, answering.Reactions())
            await session.commit()
    assert await _rollup(surveys, survey.id) == {9: 1}
    assert await surveys.counted(survey.id) == 1


async def _invited_long_ago(surveys: Surveys, client: Any, *people: str) -> Survey:
    survey = await surveys.survey(client, reminder_days="5")
    await surveys.contacts(surveys.world.a, *((email, "", True) for email in people))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            await session.execute(update(SurveyInvitation).values(sent_at=utcnow() - timedelta(days=6)))
    return survey


def _reminders(mails: list[dict[str, Any]]) -> list[str]:
    return sorted(m["to"] for m in mails if m["subject"].startswith("Herinnering"))


async def test_two_reminder_runs_at_once_mail_each_person_once(surveys: Surveys, client: Any) -> None:
    survey = await _invited_long_ago(surveys, client, "an@klant.nl", "bo@klant.nl")
    kwargs = {"base_url": "http://test", "slug": "acme", "tenant_name": "Acme", "secret": "s", "lang": "nl"}
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as first:
            read = first.scalars

            async def scalars_then_other_run(*args: Any, **kw: Any) -> Any:
                rows = list(await read(*args, **kw))
                if rows and isinstance(rows[0], SurveyInvitation):
                    # the other run reads, mails and commits while this one has its rows in hand
                    async with surveys.sessionmaker() as second, second.begin():
                        other = await second.get(Survey, survey.id)
                        assert await sending.send_reminders(second, other, **kwargs) == 2
                return rows

            first.scalars = scalars_then_other_run  # type: ignore[method-assign]
            mine = await first.get(Survey, survey.id)
            assert await sending.send_reminders(first, mine, **kwargs) == 0
            await first.commit()
    assert _reminders(await delivered_mails(surveys.app)) == ["an@klant.nl", "bo@klant.nl"]


async def test_mails_can_be_unsubscribed_by_a_button_and_reminders_respect_withdrawn_consent(
        surveys: Surveys, client: Any) -> None:
    await _invited_long_ago(surveys, client, "an@klant.nl", "bo@klant.nl", "cy@klant.nl")
    mails = await delivered_mails(surveys.app)
    links = {m["to"]: OPTOUT_LINK.search(m["text"]).group(1) for m in mails if INVITE_LINK.search(m["text"])}
    assert set(links) == {"an@klant.nl", "bo@klant.nl", "cy@klant.nl"}
    client.cookies.clear()
    shown = await client.get(f"{PUBLIC}o/{links['an@klant.nl']}")
    assert shown.status_code == 200 and "<form method=\"post\"" in shown.text
    consent = {c.email: c.consent for c in await surveys.rows(SurveyContact)}
    assert consent["an@klant.nl"] is True  # following the link alone changes nothing
    assert (await client.get(f"{PUBLIC}o/{links['an@klant.nl'][:-2]}xx")).status_code == 404
    done = await post_form(client, f"{PUBLIC}o/{links['an@klant.nl']}", {})
    assert done.status_code == 200 and 'data-unsubscribed="1"' in done.text
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            # a newer contact list withdrew bo's consent
            await session.execute(update(SurveyContact).where(SurveyContact.email == "bo@klant.nl")
                                  .values(consent=False, consent_text="nee"))
    assert await run_named_job(surveys.app, "energizing.send_reminders", surveys.world.a.id) == 1
    reminders = [m for m in await delivered_mails(surveys.app) if m["subject"].startswith("Herinnering")]
    assert [m["to"] for m in reminders] == ["cy@klant.nl"]
    assert OPTOUT_LINK.search(reminders[0]["text"]).group(1) == links["cy@klant.nl"]  # stable across the reminder
    # a later upload saying "ja" does not undo the unsubscribe
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            report = await contacts.import_contacts(session, None, b"email;toestemming\nan@klant.nl;ja\n", "l.csv")
    assert [r.outcome for r in report.rows] == ["skipped"]
    assert {c.email: c.consent for c in await surveys.rows(SurveyContact)}["an@klant.nl"] is False


@pytest.mark.parametrize("query", ["month=0000-01", "to=9999-12-31", "to=0001-01-15", "from=0001-01-01"])
async def test_a_period_outside_the_calendar_is_refused_per_field(surveys: Surveys, client: Any, query: str) -> None:
    survey = await surveys.survey(client)
    page = await client.get(f"{BASE}{survey.id}?{query}")
    assert page.status_code == 422 and 'id="e-' + query.split("=")[0] + '"' in page.text
    headers = await api_headers(surveys.sessionmaker, surveys.world.a, "viewer")
    api = await client.get(f"/api/v1/t/acme/energizing/surveys/{survey.id}/results?{query}", headers=headers)
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == query.split("=")[0]


async def test_the_case_threshold_stays_with_the_detractors(surveys: Surveys, client: Any,
                                                            monkeypatch: Any) -> None:
    survey = await surveys.survey(client)
    await login_as(client, surveys.world.a, "admin")
    refused = await post_form(client, f"{BASE}settings", {"auto_case": "1", "case_threshold": "7"})
    assert refused.status_code == 422 and 'id="e-case_threshold"' in refused.text
    assert await surveys.rows(SurveySettings) == []
    assert (await post_form(client, f"{BASE}settings", {"auto_case": "1", "case_threshold": "6"})).status_code == 200
    # a threshold stored above 6 before still never requests a case for a passive
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            await session.execute(update(SurveySettings).values(case_threshold=8))
    fired: list[Any] = []

    async def capture(session: Any, tenant: Any, pm: Any, events: list[Any], **kwargs: Any) -> int:
        fired.extend(events)
        return 0

    monkeypatch.setattr(answering, "fire_events", capture)
    await surveys.contacts(surveys.world.a, ("p@klant.nl", "", True))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    token = next(INVITE_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app))
    client.cookies.clear()
    answered = await post_form(client, f"{PUBLIC}i/{token}", {"score": "7", "stamp": surveys.stamp(survey.id)})
    assert answered.status_code == 200
    assert fired == []
    assert (await surveys.rows(SurveyAnswer))[0].case_requested_at is None


async def test_the_reminder_route_names_the_reminder_and_job_titles_are_translated(surveys: Surveys,
                                                                                 client: Any) -> None:
    survey = await surveys.survey(client, state="draft")
    refused = await post_form(client, f"{BASE}{survey.id}/remind", {})
    assert refused.status_code == 409 and "herinnering" in refused.text.lower()
    assert "uitnodigingen verstuurt" not in refused.text


async def test_questions_stay_as_they_were_once_the_survey_is_open(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, question_1="Hoe was de levering?", kind_1="scale")
    form = {"title": survey.title, "intro": "x", "reminder_days": "5"}
    for changed in ({"question_1": "Hoe was de levering?", "kind_1": "text"},
                    {"question_1": "Hoe was het eten?", "kind_1": "scale"}):
        response = await post_form(client, f"{BASE}{survey.id}", {**form, **changed})
        assert response.status_code == 409 and "Vragen wijzigen kan alleen" in response.text
    assert (await surveys.rows(Survey))[0].questions == [{"key": "q1", "label": "Hoe was de levering?",
                                                          "kind": "scale"}]


async def test_the_results_page_asks_no_plugin_per_answer(surveys: Surveys, client: Any, monkeypatch: Any) -> None:
    survey = await surveys.survey(client)
    await surveys.contacts(surveys.world.a, ("an@klant.nl", "", True), ("bo@klant.nl", "", True))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    tokens = {m["to"]: INVITE_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app)}
    for email, score in (("an@klant.nl", "3"), ("bo@klant.nl", "10")):
        await post_form(client, f"{PUBLIC}i/{tokens[email]}", {"score": score, "why": "Reden",
                                                               "stamp": surveys.stamp(survey.id)})
    calls: list[Any] = []
    real = routes.item_actions

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(routes, "item_actions", counting)
    page = await client.get(f"{BASE}{survey.id}")
    assert page.status_code == 200 and page.text.count(f"{BASE}answers/") >= 2
    assert calls == []
    answer = (await surveys.rows(SurveyAnswer))[0]
    assert (await client.get(f"{BASE}answers/{answer.id}")).status_code == 200
    assert len(calls) == 1  # on the answer's own page
