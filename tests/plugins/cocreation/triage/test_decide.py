"""Moving an idea through the stages: a public reason of 3–2000 characters that passes the policy, an active
stage other than the current one, recorded, audited and told to the loop; the threshold moves without a person."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core.plugins.api import DomainError, Refused, tenant_scope
from core.policy.models import PolicyVersion
from plugins.cocreation.models import Idea, Stage, StageChange
from plugins.cocreation.stages import change_stage
from tests.plugins.cocreation.triage.conftest import STAFF, add_idea, audits, count, get
from tests.support import login_as, post_form


async def test_a_person_moves_an_idea_with_a_public_reason(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    await login_as(client, a, "regie")
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage",
                               {"stage": "planned", "reason": "Komt in de release van maart."}, follow_redirects=False)
    assert response.status_code == 303, response.text[:800]
    moved = await get(sessionmaker, a, Idea, idea.id)
    assert moved.stage_key == "planned" and moved.stage_changed_at is not None
    assert moved.first_response_at is not None
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            [change] = (await s.scalars(select(StageChange))).all()
    assert (change.from_key, change.to_key, change.to_meaning, change.reason, change.user_id) == (
        "new", "planned", "planned", "Komt in de release van maart.", a.users["regie"].id)
    [entry] = await audits(sessionmaker, a, "cocreation.stage_changed")
    assert entry.subject_id == str(idea.id) and entry.data["to"] == "planned"
    assert entry.actor_id == a.users["regie"].id
    page = await client.get(f"{STAFF}ideas/{idea.number}")
    assert page.status_code == 200 and "Komt in de release van maart." in page.text
    assert 'data-change="planned"' in page.text


async def test_bad_moves_are_refused_per_field_and_change_nothing(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            (await s.scalar(select(Stage).where(Stage.key == "done"))).is_active = False
    await login_as(client, a, "regie")
    cases = [({"stage": "planned", "reason": "ok"}, "f-reason", "minstens 3 tekens"),
             ({"stage": "planned", "reason": "x" * 2001}, "f-reason", "2000"),
             ({"stage": "nowhere", "reason": "Omdat het kan."}, "f-stage", "actieve fase"),
             ({"stage": "done", "reason": "Omdat het kan."}, "f-stage", "actieve fase"),
             ({"stage": "new", "reason": "Omdat het kan."}, "f-stage", "al in deze fase"),
             ({}, "f-stage", "actieve fase")]
    for data, field, text in cases:
        response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage", data)
        assert response.status_code == 422, (data, response.text[:400])
        assert field in response.text and text in response.text, (data, response.text[-3000:])
    assert await count(sessionmaker, a, StageChange) == 0
    assert (await get(sessionmaker, a, Idea, idea.id)).stage_key == "new"
    assert await audits(sessionmaker, a, "cocreation.stage_changed") == []


async def test_a_reason_against_the_policy_is_refused_with_the_finding(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add(PolicyVersion(number=1, published_at=datetime.now(UTC),
                                tone_rules={"forbidden_words": ["waardeloos"],
                                            "required_signoff": "Groet, {initials}"}))
    await login_as(client, a, "regie")
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage",
                               {"stage": "declined", "reason": "Een waardeloos idee."})
    assert response.status_code == 422 and "waardeloos" in response.text and "f-reason" in response.text
    assert await count(sessionmaker, a, StageChange) == 0
    # no sign-off needed: a stage's reason is no signed message
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage",
                               {"stage": "declined", "reason": "Past niet in onze plannen."}, follow_redirects=False)
    assert response.status_code == 303


async def test_the_threshold_moves_without_a_person_and_merged_ideas_stay(cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    merged = await add_idea(sessionmaker, a, "Old", status="merged")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            row = await s.get(Idea, idea.id)
            change = await change_stage(s, row, "under-review", "reached 25 votes", user_id=None, lang="nl")
            assert change.user_id is None and row.first_response_at is None
        async with sessionmaker() as s:
            old = await s.get(Idea, merged.id)
            try:
                await change_stage(s, old, "planned", "Omdat het kan.", user_id=None, lang="nl")
                raise AssertionError("a merged idea moved")
            except Refused:
                pass
            row = await s.get(Idea, idea.id)
            try:
                await change_stage(s, row, "under-review", "again", user_id=None, lang="nl")
                raise AssertionError("moved to the stage it is in")
            except DomainError as exc:
                assert "stage" in exc.errors
    [entry] = await audits(sessionmaker, a, "cocreation.stage_changed")
    assert entry.actor_id is None and entry.actor_label == "the vote threshold"


async def test_a_viewer_cannot_decide(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    await login_as(client, a, "viewer")
    page = await client.get(f"{STAFF}ideas/{idea.number}")
    assert page.status_code == 200 and 'id="decide"' not in page.text
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage",
                               {"stage": "planned", "reason": "Omdat het kan."})
    assert response.status_code == 403
    assert await count(sessionmaker, a, StageChange) == 0


async def test_another_tenants_idea_is_not_found(client, cc, sessionmaker):
    idea = await add_idea(sessionmaker, cc.b)
    await login_as(client, cc.a, "regie")
    assert (await client.get(f"{STAFF}ideas/{idea.number}")).status_code == 404
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/stage", {"stage": "planned", "reason": "Ja hoor."})
    assert response.status_code == 404


async def test_two_people_deciding_at_once_move_the_idea_once(cc, sessionmaker):
    """Both saw the idea as new and chose "planned" (two colleagues, or a double submit): the second finds it
    moved meanwhile and is refused, so the idea's people are told once."""
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    with tenant_scope(a.id):
        async with sessionmaker() as second:
            stale = await second.get(Idea, idea.id)  # the second person's page, read while it was new
            second.expunge(stale)
            await second.rollback()
            async with sessionmaker() as first, first.begin():
                await change_stage(first, await first.get(Idea, idea.id), "planned", "Komt in de volgende versie.",
                                   user_id=a.users["regie"].id, lang="nl")
            second.add(stale)
            try:
                await change_stage(second, stale, "planned", "Ook gepland.", user_id=a.users["admin"].id, lang="nl")
                raise AssertionError("moved twice")
            except Refused as exc:
                assert "stage" in exc.errors
            await second.rollback()
    assert await count(sessionmaker, a, StageChange) == 1
    stored = await get(sessionmaker, a, Idea, idea.id)
    assert stored.stage_key == "planned" and stored.first_response_at is not None
