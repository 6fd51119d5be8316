"""What follows an answer: the item other plugins see (kind "nps_answer"), a promoter invited to the ambassador
programme (consent first), sentiment from monitoring's classifier, retention and erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.jobs.plugin_jobs import run_named_job
from core.plugins.api import ErasureSubject, HookContext, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.events import NPS_ANSWER_FIELDS
from plugins.energizing.models import Ambassador
from plugins.energizing.surveys import hooks
from plugins.energizing.surveys.models import SurveyAnswer, SurveyContact, SurveyDayCount, SurveyInvitation
from tests.plugins.energizing.conftest import activate
from tests.plugins.energizing.surveys.conftest import BASE, INVITE_LINK, PUBLIC, Surveys
from tests.support import delivered_mails, login_as, post_form


async def _answered(surveys: Surveys, client: Any, *answers: tuple[str, str, str, bool]) -> Any:
    """A survey answered by invitation: (address, score, why, may_contact) each."""
    survey = await surveys.survey(client)
    await surveys.contacts(surveys.world.a, *((email, email.split("@")[0].title(), True) for email, *_ in answers))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    tokens = {m["to"]: INVITE_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app)}
    client.cookies.clear()
    for email, score, why, may_contact in answers:
        form = {"score": score, "why": why, "stamp": surveys.stamp(survey.id), **({"may_contact": "1"}
                                                                                  if may_contact else {})}
        assert (await post_form(client, f"{PUBLIC}i/{tokens[email]}", form)).status_code == 200
    client.cookies.clear()
    await login_as(client, surveys.world.a, "marketer")
    return survey


async def test_an_answer_is_found_as_an_item_with_the_catalogue_fields(surveys: Surveys, client: Any) -> None:
    survey = await _answered(surveys, client, ("an@klant.nl", "2", "Traag", False))
    [answer] = await surveys.rows(SurveyAnswer)
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session:
            ctx = HookContext(tenant_id=surveys.world.a.id, tenant_slug="acme", session=session)
            item = await hooks.find_item(ctx, "nps_answer", str(answer.id))
            assert tuple(item) == tuple(f.name for f in NPS_ANSWER_FIELDS)
            assert (item["score"], item["category"], item["survey_title"], item["respondent_email"]) == (
                2, "detractor", survey.title, "an@klant.nl")
            assert await hooks.find_item(ctx, "mention", str(answer.id)) is None
            assert await hooks.find_item(ctx, "nps_answer", "not-a-uuid") is None
    with tenant_scope(surveys.world.b.id):
        async with surveys.sessionmaker() as session:
            ctx = HookContext(tenant_id=surveys.world.b.id, tenant_slug="globex", session=session)
            assert await hooks.find_item(ctx, "nps_answer", str(answer.id)) is None
    page = await client.get(f"{BASE}answers/{answer.id}")
    assert page.status_code == 200 and "Traag" in page.text


async def test_a_promoter_who_allowed_contact_is_invited_once(surveys: Surveys, client: Any) -> None:
    await _answered(surveys, client, ("fan@klant.nl", "10", "Top", True), ("stil@klant.nl", "9", "Goed", False))
    fan = (await surveys.rows(SurveyAnswer, SurveyAnswer.email == "fan@klant.nl"))[0]
    quiet = (await surveys.rows(SurveyAnswer, SurveyAnswer.email == "stil@klant.nl"))[0]
    page = await client.get(f"{BASE}answers/{fan.id}")
    assert "Uitnodigen voor het ambassadeursprogramma" in page.text
    assert "Uitnodigen voor het ambassadeursprogramma" not in (await client.get(f"{BASE}answers/{quiet.id}")).text
    response = await post_form(client, f"{BASE}answers/{fan.id}/ambassador", {}, follow_redirects=False)
    assert response.status_code == 303
    [ambassador] = await surveys.rows(Ambassador)
    assert (ambassador.email, ambassador.state, ambassador.source, ambassador.source_ref) == (
        "fan@klant.nl", "invited", "nps", str(fan.id))
    assert any(m["to"] == "fan@klant.nl" and "/portal/" in m["text"] for m in await delivered_mails(surveys.app))
    assert (await post_form(client, f"{BASE}answers/{fan.id}/ambassador", {})).status_code == 409
    assert (await post_form(client, f"{BASE}answers/{quiet.id}/ambassador", {})).status_code == 409
    assert len(await surveys.rows(Ambassador)) == 1


async def test_sentiment_comes_from_monitoring_when_it_is_active(surveys: Surveys, client: Any) -> None:
    survey = await _answered(surveys, client, ("a@klant.nl", "10", "Heel erg goed en vriendelijk geholpen", False),
                             ("b@klant.nl", "1", "Slecht, traag en onbeleefd", False), ("c@klant.nl", "8", "", False))
    assert await run_named_job(surveys.app, "energizing.classify_answers", surveys.world.a.id) == 0
    assert "monitoringplugin" in (await client.get(f"{BASE}{survey.id}")).text
    await activate(surveys.sessionmaker, surveys.world.a, plugin="monitoring", department="comms")
    assert await run_named_job(surveys.app, "energizing.classify_answers", surveys.world.a.id) == 2
    assert await run_named_job(surveys.app, "energizing.classify_answers", surveys.world.a.id) == 0
    labels = {a.email: a.sentiment_label for a in await surveys.rows(SurveyAnswer)}
    assert labels == {"a@klant.nl": "positive", "b@klant.nl": "negative", "c@klant.nl": ""}
    assert "monitoringplugin" not in (await client.get(f"{BASE}{survey.id}")).text


async def test_retention_and_erasure_forget_people_but_keep_the_figures(surveys: Surveys, client: Any) -> None:
    await _answered(surveys, client, ("an@klant.nl", "10", "Top", True), ("bo@klant.nl", "3", "Slecht", False))
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            ctx = HookContext(tenant_id=surveys.world.a.id, tenant_slug="acme", session=session)
            erased = await hooks.erase_subject(ctx, ErasureSubject(kind="author", platform="email",
                                                                   handle="BO@klant.nl"))
            assert erased == {"survey_answers_deleted": 1, "survey_invitations_deleted": 1,
                              "survey_contacts_deleted": 1}
            later = utcnow() + timedelta(days=1)
            first = await hooks.retention(ctx, later, "pseudonymise")
            assert first == {"survey_contacts_deleted": 1, "survey_invitations_deleted": 1,
                             "survey_answers_pseudonymised": 1}
            assert set((await hooks.retention(ctx, later, "pseudonymise")).values()) == {0}  # idempotent
    [answer] = await surveys.rows(SurveyAnswer)
    assert (answer.email, answer.name, answer.why, answer.score) == ("", "", "", 10)
    assert await surveys.rows(SurveyContact) == [] and await surveys.rows(SurveyInvitation) == []
    assert sum(r.answers for r in await surveys.rows(SurveyDayCount)) == 2  # anonymous figures stay
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            ctx = HookContext(tenant_id=surveys.world.a.id, tenant_slug="acme", session=session)
            assert await hooks.retention(ctx, utcnow() + timedelta(days=1), "delete") == {
                "survey_contacts_deleted": 0, "survey_invitations_deleted": 0, "survey_answers_deleted": 1}


async def test_the_demo_survey_is_seeded_once(surveys: Surveys) -> None:
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            ctx = HookContext(tenant_id=surveys.world.a.id, tenant_slug="acme", session=session)
            kpis = await hooks.seed_demo(ctx)
            assert [k.key for k in kpis] == ["energizing.nps", "energizing.answers"]
            await hooks.seed_demo(ctx)
            today = utcnow().date()
            nps = await hooks.measure(ctx, "energizing.nps", (today - timedelta(days=200), today))
    answers = await surveys.rows(SurveyAnswer)
    assert len(answers) == 320 and sum(r.answers for r in await surveys.rows(SurveyDayCount)) == 320
    assert nps is not None and 5 <= nps <= 35
    assert all(a.why for a in answers)


async def test_viewers_cannot_invite_or_upload(surveys: Surveys, client: Any) -> None:
    await _answered(surveys, client, ("fan@klant.nl", "10", "Top", True))
    [fan] = await surveys.rows(SurveyAnswer)
    await login_as(client, surveys.world.a, "viewer")
    assert (await post_form(client, f"{BASE}answers/{fan.id}/ambassador", {})).status_code == 403
    assert await surveys.rows(Ambassador) == []
