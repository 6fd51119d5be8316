"""The public survey page: a personal invitation answers once, the shared link counts after the e-mail link,
closed surveys and spam are refused with nothing stored, limits per client address hold, and every counted
answer raises the daily rollup in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from core.jobs.plugin_jobs import run_named_job
from core.plugins.api import utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import answering
from plugins.energizing.surveys.models import Survey, SurveyAnswer, SurveyDayCount, SurveyInvitation, SurveySettings
from tests.plugins.energizing.surveys.conftest import BASE, CONFIRM_LINK, INVITE_LINK, PUBLIC, Surveys
from tests.support import delivered_mails, post_form


async def _invite(surveys: Surveys, client: Any, *people: tuple[str, str, bool]) -> tuple[Survey, dict[str, str]]:
    """An open survey, `people` on the contact list and the invitations sent: address → token."""
    survey = await surveys.survey(client)
    await surveys.contacts(surveys.world.a, *people)
    response = await post_form(client, f"{BASE}{survey.id}/send", {}, follow_redirects=False)
    assert response.status_code == 303 and "?progress=" in response.headers["location"]
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    tokens = {m["to"]: INVITE_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app)
              if INVITE_LINK.search(m["text"])}
    return survey, tokens


async def _rollup(surveys: Surveys, survey_id: Any) -> dict[int, int]:
    return {r.score: r.answers for r in await surveys.rows(SurveyDayCount, SurveyDayCount.survey_id == survey_id)}


async def test_an_invitation_answers_once_and_raises_the_rollup(surveys: Surveys, client: Any) -> None:
    survey, tokens = await _invite(surveys, client, ("an@klant.nl", "An", True), ("bo@klant.nl", "Bo", False))
    assert set(tokens) == {"an@klant.nl"}  # no consent, no mail
    client.cookies.clear()
    page = await client.get(f"{PUBLIC}i/{tokens['an@klant.nl']}")
    assert page.status_code == 200 and "Klanttevredenheid" in page.text and 'name="stamp"' in page.text
    form = {"score": "10", "why": "Snelle service", "stamp": surveys.stamp(survey.id), "may_contact": "1"}
    response = await post_form(client, f"{PUBLIC}i/{tokens['an@klant.nl']}", form)
    assert response.status_code == 200 and 'data-thanks="1"' in response.text
    again = await post_form(client, f"{PUBLIC}i/{tokens['an@klant.nl']}", {**form, "score": "0"})
    assert again.status_code == 409
    answers = await surveys.rows(SurveyAnswer)
    assert [(a.score, a.category, a.state, a.email, a.why, a.may_contact) for a in answers] == [
        (10, "promoter", "counted", "an@klant.nl", "Snelle service", True)]
    assert await _rollup(surveys, survey.id) == {10: 1}
    assert await surveys.counted(survey.id) == 1
    assert (await surveys.rows(SurveyInvitation))[0].answered_at is not None


async def test_sending_twice_invites_nobody_twice(surveys: Surveys, client: Any) -> None:
    survey, tokens = await _invite(surveys, client, ("an@klant.nl", "An", True))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    assert len(await surveys.rows(SurveyInvitation)) == 1
    assert [m["to"] for m in await delivered_mails(surveys.app)].count("an@klant.nl") == 1


async def test_the_shared_link_counts_after_the_mail_link_and_once_per_address(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    client.cookies.clear()
    form = {"score": "3", "why": "Te traag", "email": "Cor@Klant.nl", "stamp": surveys.stamp(survey.id)}
    response = await post_form(client, f"{PUBLIC}{survey.share_token}", form)
    assert response.status_code == 200 and "cor@klant.nl" in response.text
    assert [a.state for a in await surveys.rows(SurveyAnswer)] == ["pending"]
    assert await _rollup(surveys, survey.id) == {}
    token = CONFIRM_LINK.search(next(m for m in await delivered_mails(surveys.app)
                                     if m["to"] == "cor@klant.nl")["text"]).group(1)
    assert (await client.get(f"{PUBLIC}c/{token}")).status_code == 200  # a page with a button: a scanner counts nothing
    assert await _rollup(surveys, survey.id) == {}
    confirmed = await post_form(client, f"{PUBLIC}c/{token}", {})
    assert confirmed.status_code == 200 and 'data-thanks="1"' in confirmed.text
    assert (await post_form(client, f"{PUBLIC}c/{token}", {})).status_code == 409  # used up
    assert await _rollup(surveys, survey.id) == {3: 1}
    # the same address again: kept pending, and refused when confirmed
    await post_form(client, f"{PUBLIC}{survey.share_token}", {**form, "score": "9"})
    second = CONFIRM_LINK.search([m for m in await delivered_mails(surveys.app)
                                  if m["to"] == "cor@klant.nl" and token not in m["text"]][0]["text"]).group(1)
    refused = await post_form(client, f"{PUBLIC}c/{second}", {})
    assert refused.status_code == 409 and "heeft dit onderzoek al beantwoord" in refused.text
    assert await _rollup(surveys, survey.id) == {3: 1}
    assert sorted(a.state for a in await surveys.rows(SurveyAnswer)) == ["counted", "pending"]


async def test_an_invitation_of_an_address_that_answered_by_the_shared_link_says_why(surveys: Surveys,
                                                                                     client: Any) -> None:
    """The address counted first by the shared link: the invitation is refused with its reason on the form, no
    answer or rollup row is added, and the link stays unused."""
    survey, tokens = await _invite(surveys, client, ("an@klant.nl", "An", True))
    client.cookies.clear()
    shared = {"score": "8", "why": "Prima", "email": "an@klant.nl", "stamp": surveys.stamp(survey.id)}
    assert (await post_form(client, f"{PUBLIC}{survey.share_token}", shared)).status_code == 200
    token = CONFIRM_LINK.search(next(m for m in await delivered_mails(surveys.app)
                                     if CONFIRM_LINK.search(m["text"]))["text"]).group(1)
    assert (await post_form(client, f"{PUBLIC}c/{token}", {})).status_code == 200
    invited = await post_form(client, f"{PUBLIC}i/{tokens['an@klant.nl']}",
                              {"score": "2", "why": "Toch niet", "stamp": surveys.stamp(survey.id)})
    assert invited.status_code == 409 and "heeft dit onderzoek al beantwoord" in invited.text
    assert [(a.score, a.invitation_id) for a in await surveys.rows(SurveyAnswer)] == [(8, None)]
    assert await _rollup(surveys, survey.id) == {8: 1}
    assert (await surveys.rows(SurveyInvitation))[0].answered_at is None


async def test_a_closed_survey_says_so_and_stores_nothing(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, state="closed")
    client.cookies.clear()
    page = await client.get(f"{PUBLIC}{survey.share_token}")
    assert page.status_code == 410 and 'data-reason="closed"' in page.text
    response = await post_form(client, f"{PUBLIC}{survey.share_token}",
                               {"score": "8", "email": "x@klant.nl", "stamp": surveys.stamp(survey.id)})
    assert response.status_code == 410 and 'data-reason="closed"' in response.text
    assert await surveys.rows(SurveyAnswer) == []
    assert (await client.get(f"{PUBLIC}nonsense-token")).status_code == 404


async def test_spam_and_bad_input_are_refused_per_field(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, question_1="Hoe snel?", kind_1="scale")
    client.cookies.clear()
    url = f"{PUBLIC}{survey.share_token}"
    good = {"score": "8", "email": "d@klant.nl", "stamp": surveys.stamp(survey.id)}
    cases = [
        ({**good, "website": "http://spam"}, "__all__"),
        ({**good, "stamp": answering.form_stamp(surveys.app.state.settings.secret_key, survey.id)}, "__all__"),
        ({**good, "stamp": "12345.forged"}, "__all__"),
        ({**good, "score": "11"}, "score"),
        ({**good, "score": ""}, "score"),
        ({**good, "email": "geen-adres"}, "email"),
        ({**good, "q1": "9"}, "q1"),
        ({**good, "why": "x" * 2001}, "why"),
    ]
    for data, field in cases:
        response = await post_form(client, url, data)
        assert response.status_code == 422, (field, response.status_code)
        marker = 'class="alert error"' if field == "__all__" else f'id="e-{field}"' if field in ("email",) \
            else 'class="error"'
        assert marker in response.text, field
    assert await surveys.rows(SurveyAnswer) == []


async def test_the_shared_link_is_limited_per_client_address(surveys: Surveys, client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(answering, "PER_ADDRESS", (2, timedelta(hours=1)))
    survey = await surveys.survey(client)
    client.cookies.clear()
    statuses = [(await post_form(client, f"{PUBLIC}{survey.share_token}",
                                 {"score": "7", "email": f"p{n}@klant.nl", "stamp": surveys.stamp(survey.id)}))
                .status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert len(await surveys.rows(SurveyAnswer)) == 2


async def test_a_detractor_fires_the_case_event_once_when_the_tenant_asks(surveys: Surveys, client: Any,
                                                                         monkeypatch: Any) -> None:
    fired: list[Any] = []

    async def capture(session: Any, tenant: Any, pm: Any, events: list[Any], **kwargs: Any) -> int:
        fired.extend(events)
        return 0

    monkeypatch.setattr(answering, "fire_events", capture)
    survey, tokens = await _invite(surveys, client, ("e@klant.nl", "Eef", True), ("f@klant.nl", "Fik", True))
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            session.add(SurveySettings(auto_case=True, case_threshold=6))
    client.cookies.clear()
    for email, score in (("e@klant.nl", "4"), ("f@klant.nl", "7")):
        response = await post_form(client, f"{PUBLIC}i/{tokens[email]}", {"score": score, "why": "Traag",
                                                                          "stamp": surveys.stamp(survey.id)})
        assert response.status_code == 200
    assert [(e.name, e.payload["respondent_email"], e.payload["score"], e.payload["category"]) for e in fired] == [
        ("nps.case_requested", "e@klant.nl", 4, "detractor")]
    answer = (await surveys.rows(SurveyAnswer, SurveyAnswer.email == "e@klant.nl"))[0]
    assert answer.case_requested_at is not None
    assert fired[0].payload["href"] == f"{BASE}answers/{answer.id}"
    async with surveys.sessionmaker() as session:
        with tenant_scope(surveys.world.a.id):
            await answering.request_case(session, survey, answer, answering.Reactions(None, object()))
    assert len(fired) == 1  # once per answer


async def test_pending_answers_expire(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    client.cookies.clear()
    await post_form(client, f"{PUBLIC}{survey.share_token}", {"score": "9", "email": "g@klant.nl",
                                                               "stamp": surveys.stamp(survey.id)})
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            await session.execute(update(SurveyAnswer).values(confirm_expires_at=utcnow() - timedelta(minutes=1)))
    assert await run_named_job(surveys.app, "energizing.expire_answers", surveys.world.a.id) == 1
    assert await run_named_job(surveys.app, "energizing.expire_answers", surveys.world.a.id) == 0
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(SurveyAnswer)) == 0
