"""Intake: `mention.received` batches become cases (joining, numbering, priority, queue, round robin), through
the real ingest API too; and cases by hand through `POST /cases`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts.models import SocialAccount
from core.plugins.api import DomainEvent, HookContext
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Source
from plugins.webcare.cases.intake import on_mentions
from plugins.webcare.models import AgentState, Case, CaseMessage, CaseQueue, RoutingRule, WebcareConfig
from tests.plugins.monitoring.conftest import item
from tests.support import TenantWorld, World, api_headers

INGEST = "/api/v1/t/acme/monitoring/mentions/ingest"
CASES = "/api/v1/t/acme/webcare/cases"


def ev(author: str = "@jan", text: str = "", **fields: Any) -> DomainEvent:
    payload = {"mention_id": str(uuid4()), "profile_ids": [], "sentiment": "neutral", "score": 0.0, "language": "nl",
               "source_type": "microblog", "author_handle": author, "url": "https://x.test/1", "title": "",
               "text": text, "author_name": "", "author_reach": 0,
               "published_at": datetime.now(UTC).isoformat(), **fields}
    return DomainEvent("mention.received", payload)


async def add_rule(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, name: str, position: int,
                   conditions: dict[str, Any], **fields: Any) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            rule = RoutingRule(name=name, position=position, conditions=conditions, **fields)
            session.add(rule)
            await session.flush()
            return rule.id


async def run(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, events: list[DomainEvent]) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            ctx = HookContext(tenant_id=tw.id, tenant_slug=tw.slug, session=session)
            return await on_mentions(ctx, events)


async def cases(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[Case]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Case).order_by(Case.number))).all())


async def messages(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, case_id: UUID,
                   kind: str = "inbound") -> list[CaseMessage]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.kind == kind).order_by(CaseMessage.at))).all())


async def set_case(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, case_id: UUID,
                   **fields: Any) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            case = await session.get(Case, case_id)
            for k, v in fields.items():
                setattr(case, k, v)


async def test_no_rules_no_cases(wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    assert await run(sessionmaker, wc.a, [ev(text="storing")]) == 0
    assert await cases(sessionmaker, wc.a) == []


async def test_matching_mentions_open_cases_in_the_default_queue(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    rule_id = await add_rule(sessionmaker, wc.a, "Storing", 1, {"keywords": ["storing"]})
    await add_rule(sessionmaker, wc.a, "Uit", 2, {"keywords": ["storing"]}, is_active=False)
    n = await run(sessionmaker, wc.a, [ev("@jan", "Weer een Storing!", sentiment="negative", author_reach=120,
                                          author_name="Jan"),
                                       ev("@piet", "Mooi weer")])
    assert n == 1
    [case] = await cases(sessionmaker, wc.a)
    assert (case.number, case.status, case.channel, case.author_handle, case.author_name, case.topic) == \
        (1, "new", "mention", "@jan", "Jan", "storing")
    assert (case.rule_id, case.priority, case.sentiment_first, case.keywords) == (rule_id, "high", "negative",
                                                                                  ["storing"])
    assert case.department_id == wc.a.departments["service"].id  # the default queue of webcare's department
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            queue = await session.get(CaseQueue, case.queue_id)
    assert (queue.name, queue.is_default, queue.department_id) == ("Webcare", True, wc.a.departments["service"].id)
    [message] = await messages(sessionmaker, wc.a, case.id)
    assert message.body == "Weer een Storing!" and message.sentiment == "negative"
    assert await cases(sessionmaker, wc.b) == []  # the other tenant has nothing


async def test_first_matching_rule_sets_queue_and_priority(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            press = CaseQueue(name="Pers", department_id=wc.a.departments["comms"].id)
            session.add(press)
            session.add(SocialAccount(platform="x", handle="AcmeCare", department_id=wc.a.departments["service"].id,
                                      status="active"))
            await session.flush()
            press_id = press.id
    await add_rule(sessionmaker, wc.a, "Eigen", 1, {"own_accounts": True})
    await add_rule(sessionmaker, wc.a, "Vraag", 2, {"question": True}, queue_id=press_id, priority="low")
    await add_rule(sessionmaker, wc.a, "Profiel", 3, {"profile_ids": ["p1"]})
    await run(sessionmaker, wc.a, [ev("@els", "@AcmeCare hoe gaat het?"),
                                   ev("@jan", "Hoe zeg ik op", author_reach=60_000),
                                   ev("@kees", "mooi", profile_ids=["p2", "p1"], author_reach=10_000)])
    own, question, profiled = await cases(sessionmaker, wc.a)
    assert (own.author_handle, own.priority) == ("@els", "normal")
    assert (question.queue_id, question.department_id, question.priority) == \
        (press_id, wc.a.departments["comms"].id, "low")  # the rule's priority overrides the reach
    assert (profiled.topic, profiled.priority) == ("p1,p2", "high")


async def test_same_author_and_topic_joins_other_topic_or_closed_opens_new(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_rule(sessionmaker, wc.a, "Storing", 1, {"keywords": ["storing"]})
    await add_rule(sessionmaker, wc.a, "Factuur", 2, {"keywords": ["factuur"]})
    # within one batch: the second message of @jan about storing joins the case the first opened
    await run(sessionmaker, wc.a, [ev("@jan", "storing"), ev("@jan", "nog steeds storing", sentiment="negative")])
    [first] = await cases(sessionmaker, wc.a)
    assert [m.body for m in await messages(sessionmaker, wc.a, first.id)] == ["storing", "nog steeds storing"]
    assert (first.sentiment_first, first.sentiment_last, first.priority) == ("neutral", "negative", "high")
    # a later batch joins too (the handle in any case); another topic or another author opens a new case
    await run(sessionmaker, wc.a, [ev("@Jan", "storing, derde keer"), ev("@jan", "mijn factuur"),
                                   ev("@piet", "storing")])
    all_cases = await cases(sessionmaker, wc.a)
    assert [(c.number, c.author_handle, c.topic) for c in all_cases] == \
        [(1, "@jan", "storing"), (2, "@jan", "factuur"), (3, "@piet", "storing")]
    assert len(await messages(sessionmaker, wc.a, first.id)) == 3
    # waiting goes back to open when the customer writes again
    await set_case(sessionmaker, wc.a, first.id, status="waiting")
    await run(sessionmaker, wc.a, [ev("@jan", "storing, hallo?")])
    [again] = [c for c in await cases(sessionmaker, wc.a) if c.id == first.id]
    assert again.status == "open" and len(await messages(sessionmaker, wc.a, first.id)) == 4
    [event] = await messages(sessionmaker, wc.a, first.id, "event")
    assert event.details["to"] == "open"
    # a resolved case is reopened by a new message; a closed one is final: a new case opens
    await set_case(sessionmaker, wc.a, first.id, status="resolved", resolved_at=datetime.now(UTC))
    await run(sessionmaker, wc.a, [ev("@jan", "storing is terug")])
    [again] = [c for c in await cases(sessionmaker, wc.a) if c.id == first.id]
    assert (again.status, again.reopened_count, again.resolved_at) == ("reopened", 1, None)
    assert len(await messages(sessionmaker, wc.a, first.id)) == 5
    assert [e.details["to"] for e in await messages(sessionmaker, wc.a, first.id, "event")] == ["open", "reopened"]
    await set_case(sessionmaker, wc.a, first.id, status="closed")
    await run(sessionmaker, wc.a, [ev("@jan", "storing is er nog steeds")])
    newest = (await cases(sessionmaker, wc.a))[-1]
    assert (newest.number, newest.author_handle, newest.topic) == (4, "@jan", "storing")
    assert len(await messages(sessionmaker, wc.a, first.id)) == 5
    # an open case older than the join window is not joined either
    await set_case(sessionmaker, wc.a, newest.id, opened_at=datetime.now(UTC) - timedelta(hours=73))
    await run(sessionmaker, wc.a, [ev("@jan", "storing weer")])
    assert [c.number for c in await cases(sessionmaker, wc.a)] == [1, 2, 3, 4, 5]


async def test_numbers_are_unique_and_consecutive_across_batches(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_rule(sessionmaker, wc.a, "Alles negatief", 1, {"sentiments": ["negative"]})
    await add_rule(sessionmaker, wc.b, "Alles negatief", 1, {"sentiments": ["negative"]})
    await run(sessionmaker, wc.a, [ev(f"@a{i}", "x", sentiment="negative") for i in range(5)])
    await run(sessionmaker, wc.a, [ev(f"@b{i}", "x", sentiment="negative") for i in range(4)])
    await run(sessionmaker, wc.b, [ev("@c", "x", sentiment="negative")])
    assert [c.number for c in await cases(sessionmaker, wc.a)] == list(range(1, 10))
    assert [c.number for c in await cases(sessionmaker, wc.b)] == [1]  # numbered per tenant
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(WebcareConfig.next_case_number)) == 10
            assert await session.scalar(select(func.count()).select_from(WebcareConfig)) == 1


async def test_round_robin_gives_the_agent_waiting_longest_the_next_case(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    agent, admin, member = (wc.a.users[w].id for w in ("agent", "admin", "member"))
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add_all([
                AgentState(user_id=agent, available=True, last_assigned_at=datetime.now(UTC) - timedelta(hours=1)),
                AgentState(user_id=admin, available=True, last_assigned_at=datetime.now(UTC) - timedelta(hours=2)),
                AgentState(user_id=member, available=False)])
    await add_rule(sessionmaker, wc.a, "Alles", 1, {"sentiments": ["negative", "neutral", "positive"]})
    await run(sessionmaker, wc.a, [ev("@a", "x"), ev("@b", "x"), ev("@c", "x")])
    await run(sessionmaker, wc.a, [ev("@d", "x")])
    assert [c.assignee_id for c in await cases(sessionmaker, wc.a)] == [admin, agent, admin, agent]
    first = (await cases(sessionmaker, wc.a))[0]
    [assigned] = await messages(sessionmaker, wc.a, first.id, "event")
    assert assigned.details == {"event": "assigned", "to": str(admin), "by": "round_robin"}
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            cfg = await session.scalar(select(WebcareConfig))
            cfg.auto_assign = False
    await run(sessionmaker, wc.a, [ev("@e", "x")])
    assert (await cases(sessionmaker, wc.a))[-1].assignee_id is None


async def test_intake_through_the_ingest_api(client: Any, wc: World,
                                             sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Source(name="Push", kind="api", source_type="microblog"))
    await add_rule(sessionmaker, wc.a, "Storing", 1, {"keywords": ["storing"]})
    headers = await api_headers(sessionmaker, wc.a, "member")
    body = {"source": "Push", "items": [
        item("1", "Al de hele dag een storing bij Acme", author_handle="@jan", author_reach=70_000,
             author_name="Jan Jansen", url="https://x.test/1"),
        item("2", "Wat een mooie dag vandaag", author_handle="@piet"),
        item("3", "De storing duurt nu al uren, echt waardeloos", author_handle="@jan")]}
    r = await client.post(INGEST, json=body, headers=headers)
    assert r.status_code == 200 and r.json()["created"] == 3, r.text
    [case] = await cases(sessionmaker, wc.a)
    assert (case.number, case.author_handle, case.author_name, case.author_reach, case.priority, case.url) == \
        (1, "@jan", "Jan Jansen", 70_000, "urgent", "https://x.test/1")
    bodies = [m.body for m in await messages(sessionmaker, wc.a, case.id)]
    assert sorted(bodies) == sorted(["Al de hele dag een storing bij Acme",
                                     "De storing duurt nu al uren, echt waardeloos"])
    assert all(m.mention_id for m in await messages(sessionmaker, wc.a, case.id))


async def test_a_case_by_hand_or_from_a_direct_message(client: Any, wc: World,
                                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    headers = await api_headers(sessionmaker, wc.a, "agent")
    dm = {"channel": "dm", "author_handle": "@jan", "text": "Mijn pakket is niet aangekomen", "topic": "Pakket",
          "sentiment": "negative"}
    r = await client.post(CASES, json=dm, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["number"], out["joined"], out["channel"], out["topic"], out["priority"]) == \
        (1, False, "dm", "pakket", "high")
    again = await client.post(CASES, json={**dm, "text": "Nog steeds niets"}, headers=headers)
    assert again.status_code == 201 and again.json()["joined"] is True and again.json()["id"] == out["id"]
    assert len(await messages(sessionmaker, wc.a, UUID(out["id"]))) == 2
    # bad input: 422 with the field, nothing stored
    for bad, field in [({"author_handle": "@x"}, "text"), ({**dm, "sentiment": "boos"}, "sentiment"),
                       ({**dm, "channel": "fax"}, "channel"), ({**dm, "author_reach": -1}, "author_reach"),
                       ({**dm, "queue_id": str(uuid4())}, "queue_id"), ({**dm, "url": "ftp://x"}, "url")]:
        r = await client.post(CASES + "?lang=en", json=bad, headers=headers)
        assert r.status_code == 422, (bad, r.text)
        assert field in {e["field"] for e in r.json()["errors"]}, r.text
    assert len(await cases(sessionmaker, wc.a)) == 1
    viewer = await api_headers(sessionmaker, wc.a, "viewer")
    assert (await client.post(CASES, json=dm, headers=viewer)).status_code == 403
