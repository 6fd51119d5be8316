"""The outward-message policy check: tone rules of the published policy and approval by org model."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from core.db.base import utcnow
from core.errors import DomainError
from core.plugins.api import OutwardCheck, check_outward
from core.policy.models import PolicyVersion
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope

RULES = {"forbidden_words": ["waardeloos", "Slecht nieuws"], "required_signoff": "^{initials}",
         "max_length": {"x": 20, "linkedin": 3000}}


async def _publish(session, number: int = 1, rules: dict[str, Any] | None = None, published: bool = True) -> None:
    session.add(PolicyVersion(number=number, strategy={"function": "Luisteren"}, way_of_work={},
                              tone_rules=RULES if rules is None else rules, note="",
                              published_at=utcnow() if published else None))
    await session.flush()


async def _check(sessionmaker, tw, body: str, org_model: str | None = None, rules: dict[str, Any] | None = None,
                 **kwargs: Any) -> OutwardCheck:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            if org_model is not None:
                (await session.get(Tenant, tw.id)).org_model = org_model
            await _publish(session, rules=rules)
            return await check_outward(session, body, **kwargs)


def _texts(check: OutwardCheck, lang: str = "en") -> list[str]:
    assert all(f == "body" for f, _ in check.problems)
    return [msg.render(lang) for _, msg in check.problems]


async def test_clean_message_passes_and_names_the_policy(world, sessionmaker):
    check = await _check(sessionmaker, world.a, "Dank je! ^JD", channel="X", author_initials="JD")
    assert check.ok and check.problems == [] and check.policy_number == 1 and check.note is None
    assert not check.needs_approval and check.reason == "" and check.approver_department_id is None


async def test_forbidden_words_whole_word_case_and_accent_insensitive(world, sessionmaker):
    check = await _check(sessionmaker, world.a, "Waardeloos! ^JD", author_initials="JD")
    assert _texts(check) == ['The forbidden word "waardeloos" is used.'] and not check.ok
    check = await _check(sessionmaker, world.a, "Wat een WÁÁRDELOOS idee ^JD", author_initials="JD")
    assert _texts(check, "nl") == ['Het verboden woord "waardeloos" wordt gebruikt.']
    check = await _check(sessionmaker, world.a, "Over waardeloosheid en onwaardeloos ^JD", author_initials="JD")
    assert check.ok
    check = await _check(sessionmaker, world.a, "slecht\nnieuws, waardeloos ^JD", author_initials="JD")
    assert _texts(check) == ['The forbidden word "waardeloos" is used.',
                             'The forbidden word "Slecht nieuws" is used.']


async def test_signoff_with_initials(world, sessionmaker):
    check = await _check(sessionmaker, world.a, "Graag gedaan! ^jd  ", author_initials="JD")
    assert check.ok
    check = await _check(sessionmaker, world.a, "Graag gedaan! ^KL", author_initials="JD")
    assert _texts(check) == ['The required sign-off "^JD" is missing at the end.']
    assert _texts(check, "nl") == ['De verplichte ondertekening "^JD" ontbreekt aan het eind.']
    check = await _check(sessionmaker, world.a, "^JD staat niet aan het eind", author_initials="JD")
    assert _texts(check) == ['The required sign-off "^JD" is missing at the end.']
    check = await _check(sessionmaker, world.a, "Graag gedaan! ^JD")
    assert _texts(check, "nl") == ['De verplichte ondertekening "^{initials}" heeft de initialen van de auteur nodig.']
    rules = {**RULES, "required_signoff": "Groet, {initials} van {team}"}
    check = await _check(sessionmaker, world.a, "Top. Groet, JD van Webcare", rules=rules, author_initials="JD",
                         signoff_values={"team": "Webcare"})
    assert check.ok
    check = await _check(sessionmaker, world.a, "Top. Groet, JD van Webcare", rules=rules, author_initials="JD")
    assert _texts(check) == ['The required sign-off "Groet, {initials} van {team}" needs a value for team.']
    rules = {**RULES, "required_signoff": "Team Acme"}
    assert (await _check(sessionmaker, world.a, "Top.\nTeam   Acme", rules=rules)).ok


async def test_max_length_per_channel(world, sessionmaker):
    body = "Dit is veel te lang voor X ^JD"  # 30 characters
    check = await _check(sessionmaker, world.a, body, channel="X", author_initials="JD")
    assert _texts(check) == ["The message has 30 characters; the maximum for x is 20."]
    assert _texts(check, "nl") == ["Het bericht heeft 30 tekens; het maximum voor x is 20."]
    assert (await _check(sessionmaker, world.a, body, channel="linkedin", author_initials="JD")).ok
    assert (await _check(sessionmaker, world.a, body, channel="mastodon", author_initials="JD")).ok
    assert (await _check(sessionmaker, world.a, body, author_initials="JD")).ok


async def test_no_published_policy_means_no_tone_rules_and_a_note(world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            await _publish(session, published=False)
            check = await check_outward(session, "Waardeloos en veel te lang zonder groet", channel="x")
    assert check.ok and check.policy_number is None
    assert check.note.render("nl") == "Er is geen beleid gepubliceerd; er zijn geen tone-of-voice-regels gecontroleerd."
    assert str(check.note) == "No policy is published; no tone-of-voice rules were checked."


async def test_latest_published_version_is_used(world, sessionmaker):
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            await _publish(session, 1)
            await _publish(session, 2, rules={"forbidden_words": [], "required_signoff": "", "max_length": {}})
            await _publish(session, 3, published=False)
            check = await check_outward(session, "Waardeloos")
    assert check.ok and check.policy_number == 2


async def test_hub_and_spoke(world, sessionmaker):
    deps = world.a.departments
    check = await _check(sessionmaker, world.a, "Hoi ^JD", author_initials="JD", department_id=deps["marketing"].id)
    assert not check.needs_approval and check.reason == "" and check.approver_department_id is None
    check = await _check(sessionmaker, world.a, "Hoi ^JD", author_initials="JD", department_id=deps["marketing"].id,
                         new_account=True)
    assert check.needs_approval and check.reason == "org_model"
    assert check.approver_department_id == deps["comms"].id


async def test_centralized_always_by_the_hub(world, sessionmaker):
    deps = world.b.departments
    for dep in ("comms", "service"):
        check = await _check(sessionmaker, world.b, "Hoi ^JD", author_initials="JD", department_id=deps[dep].id)
        assert check.needs_approval and check.reason == "org_model"
        assert check.approver_department_id == deps["comms"].id
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            (await session.get(type(deps["comms"]), deps["comms"].id)).is_hub = False
            await session.flush()
            check = await check_outward(session, "Hoi")
    assert check.needs_approval and check.approver_department_id is None  # the regie holder decides


async def test_multiple_hub_and_spoke(world, sessionmaker):
    deps = world.a.departments
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            (await session.get(Tenant, world.a.id)).org_model = "multiple_hub_and_spoke"
            (await session.get(type(deps["service"]), deps["service"].id)).is_hub = True
            await session.flush()
            own = await check_outward(session, "Hoi", department_id=deps["service"].id)
            spoke = await check_outward(session, "Hoi", department_id=deps["marketing"].id)
            unknown = await check_outward(session, "Hoi")
    assert not own.needs_approval and own.reason == ""
    # "Communicatie" sorts before "Klantenservice": the first hub by name approves
    assert spoke.needs_approval and spoke.reason == "org_model" and spoke.approver_department_id == deps["comms"].id
    assert unknown.needs_approval and unknown.approver_department_id == deps["comms"].id


async def trained(sessionmaker, tw, who: str = "agent") -> Any:
    """`who` completed a training that qualifies a publisher (the holistic model's "trained employee")."""
    from core.trainings.models import Enrolment, Training

    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            training = Training(key=f"publish-{tw.slug}", title={"nl": "Publiceren"}, topic="publishing",
                                qualifies_publisher=True)
            session.add(training)
            await session.flush()
            session.add(Enrolment(training_id=training.id, user_id=tw.users[who].id, completed_at=utcnow()))
    return tw.users[who].id


@pytest.mark.parametrize("model", ["decentralized", "holistic"])
async def test_no_approval_models(world, sessionmaker, model):
    check = await _check(sessionmaker, world.a, "Hoi ^JD", org_model=model, author_initials="JD",
                         department_id=world.a.departments["service"].id, new_account=True,
                         author_id=await trained(sessionmaker, world.a))
    assert not check.needs_approval and check.reason == "" and check.approver_department_id is None


async def test_holistic_model_needs_approval_for_an_untrained_author(world, sessionmaker):
    await trained(sessionmaker, world.a, "agent")
    for author in (world.a.users["marketer"].id, None):
        check = await _check(sessionmaker, world.a, "Hoi ^JD", org_model="holistic", author_initials="JD",
                             department_id=world.a.departments["marketing"].id, author_id=author)
        assert check.needs_approval and check.reason == "training"
        assert check.approver_department_id == world.a.departments["comms"].id


@pytest.mark.parametrize("model", ["decentralized", "holistic", "hub_and_spoke", "multiple_hub_and_spoke",
                                   "centralized"])
async def test_crisis_overrides_every_org_model(world, sessionmaker, model):
    deps = world.a.departments
    check = await _check(sessionmaker, world.a, "Hoi ^JD", org_model=model, author_initials="JD",
                         department_id=deps["comms"].id, crisis=True)
    assert check.needs_approval and check.reason == "crisis" and check.approver_department_id == deps["comms"].id


async def test_unknown_or_foreign_department_is_a_field_error(world, sessionmaker):
    for dep_id in (uuid4(), world.b.departments["service"].id):
        with pytest.raises(DomainError) as info:
            await _check(sessionmaker, world.a, "Hoi ^JD", author_initials="JD", department_id=dep_id)
        assert list(info.value.errors) == ["department_id"]


async def test_a_text_others_post_in_their_own_name_skips_only_the_signoff(world, sessionmaker):
    check = await _check(sessionmaker, world.a, "Mijn eigen woorden", with_signoff=False)
    assert check.ok and check.policy_number == 1
    check = await _check(sessionmaker, world.a, "Waardeloos, en veel te lang voor X", channel="x", with_signoff=False)
    assert _texts(check) == ['The forbidden word "waardeloos" is used.',
                             "The message has 34 characters; the maximum for x is 20."]
    assert not (await _check(sessionmaker, world.a, "Mijn eigen woorden")).ok
