"""Trainings: the mediator's catalogue, suggestions on events, enrolment and completion, and the holistic
model's "trained employee" rule."""

from __future__ import annotations

from sqlalchemy import select

from core.activation.service import fire_events
from core.plugins.api import EventSpec, PluginInfo, check_outward, hookimpl
from core.plugins.info import DomainEvent
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.trainings.models import Enrolment, Training, TrainingSuggestion
from core.trainings.service import DEFAULTS, ensure_catalogue
from tests.core.test_gates import activation, audit, rows, set_phase
from tests.support import login, login_as, post_form

NEW = {"key": "linkedin-for-sales", "title_nl": "LinkedIn voor verkopers", "title_en": "LinkedIn for sales",
       "description_nl": "Netwerken en leads", "topic": "publishing", "duration_hours": "6"}


async def trainings(sessionmaker) -> list[Training]:
    async with sessionmaker() as session:
        return list((await session.scalars(select(Training).order_by(Training.key))).all())


async def by_key(sessionmaker, key: str) -> Training:
    return next(t for t in await trainings(sessionmaker) if t.key == key)


async def seeded(sessionmaker) -> None:
    async with sessionmaker() as session, session.begin():
        await ensure_catalogue(session)


async def test_catalogue_is_seeded_once_and_shown_to_the_mediator(client, world, sessionmaker):
    await login(client, world.mediator.email)
    r = await client.get("/mediator/trainings/")
    assert r.status_code == 200
    assert "Webcare in de praktijk" in r.text and "Crisiscommunicatie op sociale media" in r.text
    assert "Sociale media voor elke medewerker die publiceert" in r.text and "Luisteren en monitoren" in r.text
    await client.get("/mediator/trainings/")
    async with sessionmaker() as session, session.begin():
        assert await ensure_catalogue(session) == 0
    assert sorted(t.key for t in await trainings(sessionmaker)) == sorted(d["key"] for d in DEFAULTS)


async def test_only_the_mediator_manages_the_catalogue(client, world, sessionmaker):
    await seeded(sessionmaker)
    training = await by_key(sessionmaker, "webcare-basics")
    for who in ("admin", "regie", "member"):
        await login_as(client, world.a, who)
        assert (await client.get("/mediator/trainings/")).status_code == 403
        assert (await client.get(f"/mediator/trainings/{training.id}/")).status_code == 403
        assert (await post_form(client, "/mediator/trainings", NEW)).status_code == 403
        assert (await post_form(client, f"/mediator/trainings/{training.id}/active", {"active": "0"})).status_code \
            == 403
    assert "linkedin-for-sales" not in {t.key for t in await trainings(sessionmaker)}
    assert (await by_key(sessionmaker, "webcare-basics")).active


async def test_mediator_creates_edits_and_deactivates_a_training(client, world, sessionmaker):
    await login(client, world.mediator.email)
    r = await post_form(client, "/mediator/trainings", {**NEW, "qualifies_publisher": "1"}, follow_redirects=False)
    assert r.status_code == 303
    training = await by_key(sessionmaker, "linkedin-for-sales")
    assert training.title == {"nl": "LinkedIn voor verkopers", "en": "LinkedIn for sales"}
    assert (training.topic, training.duration_hours, training.qualifies_publisher, training.active) == \
        ("publishing", 6, True, True)
    assert [h["action"] for h in training.history] == ["training.created"]
    assert training.history[0]["by"] == "mediator@regie.test"
    page = await client.get(f"/mediator/trainings/{training.id}/")
    assert 'value="LinkedIn voor verkopers"' in page.text and "training.created" in page.text
    r = await post_form(client, f"/mediator/trainings/{training.id}",
                        {**NEW, "title_nl": "LinkedIn voor accountmanagers", "duration_hours": "8"},
                        follow_redirects=False)
    assert r.status_code == 303
    training = await by_key(sessionmaker, "linkedin-for-sales")
    assert training.title["nl"] == "LinkedIn voor accountmanagers" and training.duration_hours == 8
    assert not training.qualifies_publisher  # an unticked box
    assert training.history[-1]["action"] == "training.updated"
    assert set(training.history[-1]["changes"]) == {"title", "duration_hours", "qualifies_publisher"}
    r = await post_form(client, f"/mediator/trainings/{training.id}/active", {"active": "0"}, follow_redirects=False)
    assert r.status_code == 303
    training = await by_key(sessionmaker, "linkedin-for-sales")
    assert not training.active and training.history[-1]["action"] == "training.deactivated"
    listing = await client.get("/mediator/trainings/")
    row = listing.text.split('data-key="linkedin-for-sales"')[1].split("</tr>")[0]
    assert "inactief" in row
    # a deactivated training is not offered to tenants
    await login_as(client, world.a, "admin")
    assert "LinkedIn voor accountmanagers" not in (await client.get("/t/acme/trainings/")).text


async def test_bad_catalogue_input_is_refused_with_field_and_reason(client, world, sessionmaker):
    await login(client, world.mediator.email)
    await client.get("/mediator/trainings/")
    before = await trainings(sessionmaker)
    r = await post_form(client, "/mediator/trainings", {"key": "Webcare Basics!", "title_nl": "",
                                                        "topic": "astrology", "duration_hours": "0"})
    assert r.status_code == 422
    assert "Gebruik 3-80 kleine letters, cijfers en koppeltekens." in r.text
    assert "Dit veld is verplicht." in r.text and "Kies een van: webcare" in r.text
    assert "Gebruik een heel aantal uren van 1 tot 200." in r.text
    r = await post_form(client, "/mediator/trainings", {**NEW, "key": "webcare-basics"})
    assert r.status_code == 422 and "Er bestaat al een training met deze sleutel." in r.text
    r = await post_form(client, "/mediator/trainings", {})
    assert r.status_code == 422
    training = await by_key(sessionmaker, "webcare-basics")
    r = await post_form(client, f"/mediator/trainings/{training.id}", {**NEW, "duration_hours": "veel"})
    assert r.status_code == 422 and "Gebruik een heel aantal uren van 1 tot 200." in r.text
    r = await post_form(client, f"/mediator/trainings/{training.id}/active", {"active": "misschien"})
    assert r.status_code == 422
    after = await trainings(sessionmaker)
    assert [(t.key, t.title, t.duration_hours, t.active) for t in after] == \
        [(t.key, t.title, t.duration_hours, t.active) for t in before]
    assert (await client.get("/mediator/trainings/00000000-0000-0000-0000-000000000000/")).status_code == 404


async def _suggestions(sessionmaker, tw) -> list[tuple[str, str]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows_ = (await session.execute(select(TrainingSuggestion.reason, Training.key).join(
                Training, Training.id == TrainingSuggestion.training_id).order_by(Training.key))).all()
    return [tuple(r) for r in rows_]


async def test_activating_webcare_suggests_the_webcare_training(client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring")
    await login_as(client, world.a, "agent")
    r = await post_form(client, "/t/acme/plugins/webcare/request",
                        {"department_id": str(world.a.departments["service"].id), "motivation": "Klantvragen"})
    assert r.status_code == 200, r.text[:300]
    assert await _suggestions(sessionmaker, world.a) == []
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/plugins/webcare/decision", {"decision": "approve", "reason": "Goed plan"})
    assert r.status_code == 200
    assert await _suggestions(sessionmaker, world.a) == [("plugin.activated:webcare", "webcare-basics")]
    [suggestion] = await rows(sessionmaker, world.a, TrainingSuggestion)
    assert suggestion.department_id == world.a.departments["service"].id
    assert await _suggestions(sessionmaker, world.b) == []
    page = await client.get("/t/acme/trainings/")
    assert "Webcare in de praktijk" in page.text and "Omdat een afdeling met Webcare is begonnen." in page.text
    training = await by_key(sessionmaker, "webcare-basics")
    assert f"/t/acme/trainings/?training_id={training.id}#enrol" in page.text
    page = await client.get(f"/t/acme/trainings/?training_id={training.id}")
    assert f'<option value="{training.id}" selected>' in page.text
    # dismissing hides it
    r = await post_form(client, f"/t/acme/trainings/suggestions/{suggestion.id}/dismiss", {}, follow_redirects=False)
    assert r.status_code == 303
    page = await client.get("/t/acme/trainings/")
    assert "Omdat een afdeling met Webcare is begonnen." not in page.text
    assert "Op dit moment geen voorstellen." in page.text
    assert len(await audit(sessionmaker, world.a, "training.suggestion_dismissed")) == 1


CRISIS = {"crisis_id": "0b7d8f4e-5a43-4c38-9a39-2d0c1f0f0c11", "title": "Storing",
          "started_at": "2026-03-02T09:00:00+00:00", "ended_at": None}


async def test_a_crisis_suggests_crisis_communication_once(sessionmaker, world, app):
    """The webcare plugin announces `crisis.started` through fire_events (excluding itself); the core hears it
    even when no plugin listens."""
    for _ in range(2):
        with tenant_scope(world.a.id):
            async with sessionmaker() as session, session.begin():
                tenant = await session.get(Tenant, world.a.id)
                await fire_events(session, tenant, app.state.pm, [DomainEvent("crisis.started", CRISIS)],
                                  exclude="webcare")
    assert await _suggestions(sessionmaker, world.a) == [("crisis.started", "crisis-communication")]
    assert len(await audit(sessionmaker, world.a, "training.suggested")) == 1


async def _holistic(sessionmaker, tw) -> None:
    async with sessionmaker() as session, session.begin():
        (await session.get(Tenant, tw.id)).org_model = "holistic"


async def test_holistic_model_suggests_the_publishing_training(client, world, sessionmaker):
    await login(client, world.mediator.email)
    r = await post_form(client, "/mediator/tenants", {"name": "Initech", "slug": "initech", "org_model": "holistic",
                                                      "admin_email": "baas@initech.test"}, follow_redirects=False)
    assert r.status_code == 303
    async with sessionmaker() as session:
        initech = await session.scalar(select(Tenant).where(Tenant.slug == "initech"))
    with tenant_scope(initech.id):
        async with sessionmaker() as session:
            keys = (await session.scalars(select(Training.key).join(
                TrainingSuggestion, TrainingSuggestion.training_id == Training.id)
                .where(TrainingSuggestion.reason == "org_model:holistic"))).all()
    assert keys == ["social-media-for-employees"]
    # an existing tenant that is (or becomes) holistic gets it when its trainings page is opened
    await _holistic(sessionmaker, world.a)
    await login_as(client, world.a, "member")
    page = await client.get("/t/acme/trainings/")
    assert "Omdat in het holistische model elke getrainde medewerker publiceert." in page.text
    assert await _suggestions(sessionmaker, world.a) == [("org_model:holistic", "social-media-for-employees")]
    assert await _suggestions(sessionmaker, world.b) == []


async def test_enrol_and_complete_and_people_see_their_own(client, world, sessionmaker):
    await seeded(sessionmaker)
    training = await by_key(sessionmaker, "webcare-basics")
    await login_as(client, world.a, "member")
    r = await post_form(client, "/t/acme/trainings/enrol", {"training_id": str(training.id),
                                                            "user_ids": str(world.a.users["agent"].id)})
    assert r.status_code == 403
    await login_as(client, world.a, "regie")
    # bad input: nothing enrolled
    for data in ({}, {"training_id": "nope", "user_ids": str(world.a.users["agent"].id)},
                 {"training_id": str(training.id), "user_ids": str(world.b.users["agent"].id)},
                 {"training_id": str(training.id)}):
        r = await post_form(client, "/t/acme/trainings/enrol", data)
        assert r.status_code == 422, data
    assert await rows(sessionmaker, world.a, Enrolment) == []
    r = await post_form(client, "/t/acme/trainings/enrol", {"training_id": str(training.id), "user_ids": [
        str(world.a.users["agent"].id), str(world.a.users["member"].id)]}, follow_redirects=False)
    assert r.status_code == 303
    enrolments = await rows(sessionmaker, world.a, Enrolment)
    assert {e.user_id for e in enrolments} == {world.a.users["agent"].id, world.a.users["member"].id}
    assert all(e.enrolled_by_id == world.a.users["regie"].id and e.completed_at is None for e in enrolments)
    # enrolling again changes nothing
    await post_form(client, "/t/acme/trainings/enrol", {"training_id": str(training.id),
                                                        "user_ids": str(world.a.users["member"].id)})
    assert len(await rows(sessionmaker, world.a, Enrolment)) == 2
    mine = next(e for e in enrolments if e.user_id == world.a.users["member"].id)
    r = await post_form(client, f"/t/acme/trainings/enrolments/{mine.id}/complete", {}, follow_redirects=False)
    assert r.status_code == 303
    done = {e.user_id: e.completed_at for e in await rows(sessionmaker, world.a, Enrolment)}
    assert done[world.a.users["member"].id] is not None and done[world.a.users["agent"].id] is None
    assert len(await audit(sessionmaker, world.a, "training.enrolled")) == 1
    assert len(await audit(sessionmaker, world.a, "training.completed")) == 1
    page = await client.get("/t/acme/trainings/")
    assert 'data-user="agent@acme.test"' in page.text and "Markeer als afgerond" in page.text
    # a member (no workgroup seat) sees their own enrolment only, without actions
    await login_as(client, world.a, "member")
    page = await client.get("/t/acme/trainings/")
    assert 'data-user="member@acme.test"' in page.text and 'data-user="agent@acme.test"' not in page.text
    assert "afgerond" in page.text and "Markeer als afgerond" not in page.text and "Mensen inschrijven" not in page.text
    assert (await post_form(client, f"/t/acme/trainings/enrolments/{mine.id}/complete", {})).status_code == 403
    # another tenant sees nothing of it
    await login_as(client, world.b, "regie")
    page = await client.get("/t/globex/trainings/")
    assert "member@acme.test" not in page.text
    assert (await post_form(client, f"/t/globex/trainings/enrolments/{mine.id}/complete", {})).status_code == 404


async def _check(sessionmaker, tw, author_id):
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await check_outward(session, "Hoi", author_id=author_id,
                                       department_id=tw.departments["marketing"].id)


async def test_holistic_model_lets_only_trained_employees_publish(client, world, sessionmaker):
    await _holistic(sessionmaker, world.a)
    await seeded(sessionmaker)
    marketer = world.a.users["marketer"].id
    before = await _check(sessionmaker, world.a, marketer)
    assert before.needs_approval and before.reason == "training"
    assert before.approver_department_id == world.a.departments["comms"].id
    unknown = await _check(sessionmaker, world.a, None)
    assert unknown.needs_approval and unknown.reason == "training"
    # a completed training that does not qualify a publisher does not count
    crisis = await by_key(sessionmaker, "crisis-communication")
    publishing = await by_key(sessionmaker, "social-media-for-employees")
    await login_as(client, world.a, "regie")
    for training in (crisis, publishing):
        await post_form(client, "/t/acme/trainings/enrol", {"training_id": str(training.id), "user_ids": str(marketer)})
    [first, second] = await rows(sessionmaker, world.a, Enrolment)
    crisis_enrolment = first if first.training_id == crisis.id else second
    await post_form(client, f"/t/acme/trainings/enrolments/{crisis_enrolment.id}/complete", {})
    assert (await _check(sessionmaker, world.a, marketer)).reason == "training"
    other = second if crisis_enrolment is first else first
    await post_form(client, f"/t/acme/trainings/enrolments/{other.id}/complete", {})
    after = await _check(sessionmaker, world.a, marketer)
    assert not after.needs_approval and after.reason == ""
    # enrolled but not completed: still untrained
    assert (await _check(sessionmaker, world.a, world.a.users["agent"].id)).reason == "training"


async def test_the_webcare_crisis_mode_suggests_crisis_communication(client, world, sessionmaker):
    """End to end through the plugin's own route: the core hears `crisis.started` by name."""
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring")
    await activation(sessionmaker, world.a, "webcare", dep="service")
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/p/webcare/crisis/start", {"title": "Storing", "reason": "Veel vragen"},
                        follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert await _suggestions(sessionmaker, world.a) == [("crisis.started", "crisis-communication")]
    page = await client.get("/t/acme/trainings/")
    assert "Crisiscommunicatie op sociale media" in page.text and "Vanwege een crisis." in page.text


async def test_a_suggestion_stored_by_a_simultaneous_visit_is_no_error(client, world, sessionmaker, monkeypatch):
    """Two first visits of a holistic tenant's trainings page at once: the loser hits the unique key; its page
    still opens (the winner's suggestion stands)."""
    from sqlalchemy.exc import IntegrityError

    from core.trainings import service

    async def lost_the_race(session, tenant):
        raise IntegrityError("INSERT INTO training_suggestion", {}, Exception("duplicate key"))

    monkeypatch.setattr(service, "suggest_for_org_model", lost_the_race)
    await login_as(client, world.a, "admin")
    r = await client.get("/t/acme/trainings/")
    assert r.status_code == 200 and "Trainingen" in r.text


class Coaching:
    """A plugin the core has never heard of: it declares which trainings its activation and its event call for."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="coaching", groundswell_function="energizing", default_owner="sales",
                          title={"nl": "Coaching", "en": "Coaching"}, training_topics=("publishing",),
                          events=(EventSpec("coach.flagged", "a coach flagged a conversation",
                                            training_topic="monitoring", because="Because of a crisis."),))


async def test_suggestions_follow_what_plugins_declare_not_plugin_names(app, client, world, sessionmaker):
    """The core's listener knows no plugin: any plugin's activation or event suggests the topics it declares,
    and the trainings page explains each suggestion in words (never the raw reason key)."""
    plugin = Coaching()
    app.state.pm.register(plugin)
    try:
        await login_as(client, world.a, "marketer")
        r = await post_form(client, "/t/acme/plugins/coaching/request",
                            {"department_id": str(world.a.departments["marketing"].id), "motivation": "Coaching"})
        assert r.status_code == 200, r.text[:300]
        await login_as(client, world.a, "regie")
        r = await post_form(client, "/t/acme/plugins/coaching/decision", {"decision": "approve", "reason": "Goed"})
        assert r.status_code == 200, r.text[:300]
        with tenant_scope(world.a.id):
            async with sessionmaker() as session, session.begin():
                await fire_events(session, await session.get(Tenant, world.a.id), app.state.pm,
                                  [DomainEvent("coach.flagged", {})], exclude="coaching")
        assert sorted(await _suggestions(sessionmaker, world.a)) == [
            ("coach.flagged", "listening-and-monitoring"), ("plugin.activated:coaching", "social-media-for-employees")]
        page = await client.get("/t/acme/trainings/")
        assert "Omdat een afdeling met Coaching is begonnen." in page.text and "Vanwege een crisis." in page.text
        assert "coach.flagged" not in page.text.replace('data-reason="coach.flagged"', "")
    finally:
        app.state.pm.unregister(plugin)
