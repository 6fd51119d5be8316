"""Routing rules: evaluation and first-match order, priority and topic, and the rule and queue pages
(validation refuses bad input with its field and changes nothing; every change is audited)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.tenancy.scope import tenant_scope
from plugins.webcare.cases import rules as R
from plugins.webcare.models import CaseQueue, RoutingRule
from tests.support import World, login_as
from tests.support import post_form as _post_form

BASE = "/t/acme/p/webcare/rules/"


async def post_form(client: Any, url: str, data: dict[str, Any]) -> Any:
    return await _post_form(client, url, data, follow_redirects=False)


def rule(name: str, position: int = 0, **conditions: Any) -> R.CompiledRule:
    return R.compile_rule(SimpleNamespace(id=uuid4(), name=name, queue_id=None, priority=None,
                                          conditions=conditions, position=position))


def event(**fields: Any) -> dict[str, Any]:
    return {"mention_id": str(uuid4()), "profile_ids": [], "sentiment": "neutral", "source_type": "microblog",
            "author_handle": "@jan", "title": "", "text": "", **fields}


def test_every_condition_must_hold() -> None:
    r = rule("storing", sentiments=["negative"], keywords=["Storing", "ligt eruit"], source_types=["microblog"])
    assert R.evaluate(r, event(sentiment="negative", text="Weer een STORING bij Acme"), set()).keywords == ["storing"]
    assert R.evaluate(r, event(sentiment="positive", text="storing opgelost"), set()) is None
    assert R.evaluate(r, event(sentiment="negative", text="alles werkt"), set()) is None
    assert R.evaluate(r, event(sentiment="negative", text="storing", source_type="news"), set()) is None
    profiled = rule("p", profile_ids=["p1", "p2"])
    assert R.evaluate(profiled, event(profile_ids=["p2"]), set()) is not None
    assert R.evaluate(profiled, event(profile_ids=["p3"]), set()) is None


def test_questions_and_own_accounts() -> None:
    q = rule("vraag", question=True)
    assert R.evaluate(q, event(text="Is de winkel open"), set()) is not None  # question word
    assert R.evaluate(q, event(title="Openingstijden?"), set()) is not None
    assert R.evaluate(q, event(text="Hoe zeg ik op"), set()) is not None
    assert R.evaluate(q, event(text="Mooie winkel."), set()) is None
    own = rule("eigen", own_accounts=True)
    assert R.evaluate(own, event(author_handle="@jan", text="@AcmeCare mijn internet ligt eruit"),
                      {"acmecare"}) is not None
    assert R.evaluate(own, event(title="Vraag aan @acmecare."), {"acmecare"}) is not None  # end of a sentence
    assert R.evaluate(own, event(author_handle="@AcmeCare", text="Wij zijn er weer"), {"acmecare"}) is None
    assert R.evaluate(own, event(text="mail jan@acmecare.nl of @acmecareers"), {"acmecare"}) is None


def test_the_first_matching_rule_by_position_wins() -> None:
    rules = [rule("negatief", 1, sentiments=["negative"]), rule("storing", 2, keywords=["storing"])]
    assert R.first_match(rules, event(sentiment="negative", text="storing"), set()).rule.name == "negatief"
    assert R.first_match(rules, event(text="storing"), set()).rule.name == "storing"
    assert R.first_match(rules, event(text="mooi"), set()) is None
    assert R.first_match(list(reversed(rules)), event(sentiment="negative", text="storing"), set()).rule.name \
        == "storing"


def test_priority_and_topic() -> None:
    assert R.derive_priority(0, "neutral") == "normal"
    assert R.derive_priority(0, "negative") == "high"
    assert R.derive_priority(10_000, "positive") == "high"
    assert R.derive_priority(10_000, "negative") == "urgent"
    assert R.derive_priority(50_000, "neutral") == "urgent"
    assert R.derive_priority(50_000, "negative") == "urgent"
    assert R.derive_priority(99_000, "negative", "low") == "low"  # the rule's priority overrides
    kw = rule("k", keywords=["storing", "eruit"])
    assert R.topic_of(kw, ["b", "a"]) == "a,b"
    assert R.topic_of(kw, []) == "storing"
    assert R.topic_of(rule("n", sentiments=["negative"]), None) == ""


def test_clean_rule_refuses_bad_input_per_field() -> None:
    import pytest

    from core.plugins.api import DomainError

    with pytest.raises(DomainError) as exc:
        R.clean_rule({"name": "x", "sentiments": ["furious"]}, set())
    assert set(exc.value.errors) == {"sentiments"}
    with pytest.raises(DomainError) as exc:
        R.clean_rule({"name": "x"}, set())
    assert set(exc.value.errors) == {"__all__"}
    with pytest.raises(DomainError) as exc:
        R.clean_rule({"name": "", "keywords": "a", "queue_id": str(uuid4()), "priority": "asap",
                      "profile_ids": "nope", "source_types": "Bad Type!"}, set())
    assert set(exc.value.errors) == {"name", "queue_id", "priority", "profile_ids", "source_types"}
    ok = R.clean_rule({"name": " Storing ", "keywords": "Storing, ligt eruit\nstoring", "question": "1",
                       "is_active": "1"}, set())
    assert ok["conditions"] == {"keywords": ["storing", "ligt eruit"], "question": True}
    assert ok["name"] == "Storing" and ok["is_active"] is True and ok["priority"] is None


# -- the pages ----------------------------------------------------------------------------------------------------

async def _count(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: Any, model: Any) -> int:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


async def _rules(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: Any) -> list[RoutingRule]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(RoutingRule).order_by(RoutingRule.position))).all())


async def test_rule_pages_create_edit_move_delete(client: Any, wc: World,
                                                  sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, wc.a, "regie")
    r = await client.get(BASE)
    assert r.status_code == 200 and "Routeringsregels" in r.text
    r = await post_form(client, BASE + "queues/new", {"name": "Klantenservice",
                                                      "department_id": str(wc.a.departments["service"].id)})
    assert r.status_code == 303, r.text
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            queue = await session.scalar(select(CaseQueue))
    assert queue.name == "Klantenservice" and queue.is_default
    r = await post_form(client, BASE + "new", {"name": "Negatief", "sentiments": ["negative"], "is_active": "1",
                                               "queue_id": str(queue.id), "priority": "high"})
    assert r.status_code == 303, r.text
    r = await post_form(client, BASE + "new", {"name": "Storing", "keywords": "storing, eruit", "is_active": "1"})
    assert r.status_code == 303
    first, second = await _rules(sessionmaker, wc.a.id)
    assert (first.name, first.position, first.conditions, first.queue_id, first.priority) == \
        ("Negatief", 1, {"sentiments": ["negative"]}, queue.id, "high")
    assert (second.name, second.position, second.conditions["keywords"]) == ("Storing", 2, ["storing", "eruit"])
    page = await client.get(BASE)
    assert "Negatief" in page.text and "storing, eruit" in page.text and "Klantenservice" in page.text
    edit = await client.get(f"{BASE}{second.id}/edit")
    assert edit.status_code == 200 and "storing, eruit" in edit.text
    r = await post_form(client, f"{BASE}{second.id}/move", {"direction": "up"})
    assert r.status_code == 303
    assert [x.name for x in await _rules(sessionmaker, wc.a.id)] == ["Storing", "Negatief"]
    r = await post_form(client, f"{BASE}{second.id}/edit", {"name": "Storing!", "keywords": "storing",
                                                             "question": "1"})
    assert r.status_code == 303
    edited = (await _rules(sessionmaker, wc.a.id))[0]
    assert (edited.name, edited.conditions, edited.is_active) == \
        ("Storing!", {"keywords": ["storing"], "question": True}, False)
    r = await post_form(client, f"{BASE}{first.id}/delete", {})
    assert r.status_code == 303
    assert [x.name for x in await _rules(sessionmaker, wc.a.id)] == ["Storing!"]
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            actions = set((await session.scalars(select(AuditEntry.action)
                                                 .where(AuditEntry.action.like("webcare.%")))).all())
    assert actions == {"webcare.queue_created", "webcare.rule_created", "webcare.rule_moved",
                       "webcare.rule_updated", "webcare.rule_deleted"}


async def test_bad_rule_input_is_refused_and_changes_nothing(client: Any, wc: World,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, wc.a, "regie")
    bad = [({"name": "x", "sentiments": ["furious"]}, "Onbekend sentiment"),
           ({"name": "x"}, "minstens één voorwaarde"),
           ({"name": "x", "keywords": "a", "queue_id": str(uuid4())}, "Kies een geldige optie"),
           ({"name": "", "keywords": "a"}, "verplicht")]
    for data, text in bad:
        r = await post_form(client, BASE + "new", data)
        assert r.status_code == 422, (data, r.status_code)
        assert text in r.text, (data, r.text[-2000:])
    r = await post_form(client, BASE + "queues/new", {"name": "Q", "department_id": str(uuid4())})
    assert r.status_code == 422 and "Kies een geldige optie" in r.text
    # another tenant's department is not a choice either
    theirs = str(wc.b.departments["service"].id)
    r = await post_form(client, BASE + "queues/new", {"name": "Q", "department_id": theirs})
    assert r.status_code == 422
    assert await _count(sessionmaker, wc.a.id, RoutingRule) == 0
    assert await _count(sessionmaker, wc.a.id, CaseQueue) == 0
    r = await post_form(client, BASE + "new", {"name": "ok", "keywords": "a"})
    [saved] = await _rules(sessionmaker, wc.a.id)
    r = await post_form(client, f"{BASE}{saved.id}/edit", {"name": "changed", "sentiments": ["boos"]})
    assert r.status_code == 422 and 'value="changed"' in r.text
    assert [(x.name, x.conditions) for x in await _rules(sessionmaker, wc.a.id)] == [("ok", {"keywords": ["a"]})]
    r = await post_form(client, f"{BASE}{saved.id}/move", {"direction": "sideways"})
    assert r.status_code == 422


async def test_members_outside_the_owning_department_cannot_configure_rules(client: Any, wc: World) -> None:
    await login_as(client, wc.a, "marketer")  # the agent sits in service, which owns webcare: may configure
    assert (await client.get(BASE)).status_code == 403
    r = await post_form(client, BASE + "new", {"name": "x", "keywords": "a"})
    assert r.status_code == 403


async def test_another_tenants_rules_and_queues_are_not_found(client: Any, wc: World,
                                                              sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(wc.b.id):
        async with sessionmaker() as session, session.begin():
            queue = CaseQueue(name="Globex queue", department_id=wc.b.departments["service"].id)
            session.add(queue)
            await session.flush()
            theirs = RoutingRule(name="Globex rule", position=1, conditions={"keywords": ["globex"]},
                                 queue_id=queue.id)
            session.add(theirs)
            await session.flush()
            rule_id, queue_id = theirs.id, queue.id
    await login_as(client, wc.a, "regie")
    assert "Globex" not in (await client.get(BASE)).text
    for url, data in [(f"{BASE}{rule_id}/edit", None), (f"{BASE}{rule_id}/edit", {"name": "x", "keywords": "a"}),
                      (f"{BASE}{rule_id}/delete", {}), (f"{BASE}{rule_id}/move", {"direction": "up"}),
                      (f"{BASE}queues/{queue_id}/edit", None), (f"{BASE}queues/{queue_id}/delete", {})]:
        r = await client.get(url) if data is None else await post_form(client, url, data)
        assert r.status_code == 404, (url, r.status_code)
        assert "Globex" not in r.text
    # nor can a's rule point at b's queue
    r = await post_form(client, BASE + "new", {"name": "x", "keywords": "a", "queue_id": str(queue_id)})
    assert r.status_code == 422
    assert [r.name for r in await _rules(sessionmaker, wc.b.id)] == ["Globex rule"]
    assert await _count(sessionmaker, wc.b.id, CaseQueue) == 1
