"""Promoter candidates from monitoring's mention batches: only positive mentions, over the thresholds, in a few
statements per batch, and a batch delivered twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core.activation.service import fire_events
from core.plugins.api import DomainEvent, tenant_scope
from plugins.energizing.listening import intake
from plugins.energizing.listening.models import Candidate, Evidence, ListeningSettings
from tests.plugins.energizing.listening.conftest import mention
from tests.querycount import count_queries


async def _candidates(sessionmaker, tw) -> dict[str, Candidate]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return {c.handle_key: c for c in (await s.scalars(select(Candidate))).all()}


async def _take_in(sessionmaker, tw, events) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await intake.take_in(s, events)


async def test_repeated_positive_mentions_with_reach_make_a_candidate(energizing, sessionmaker):
    a = energizing.a
    events = [mention("@Fan_One", name="Fan One", reach=700, days_ago=d) for d in (1, 5, 30)]
    events += [mention("two_only", days_ago=d) for d in (1, 2)]  # too few
    events += [mention("small_voice", reach=100, days_ago=d) for d in (1, 2, 3)]  # reach too small
    events += [mention("grumpy", sentiment="negative", days_ago=d) for d in (1, 2, 3)]  # never positive
    events += [mention("mixed", days_ago=d) for d in (1, 2)] + [mention("mixed", sentiment="neutral")]
    events += [mention("old_fan", days_ago=d) for d in (100, 120, 130)]  # outside the 90-day window
    events.append(DomainEvent("phase.changed", {"old": "pilot", "new": "learning"}))
    assert await _take_in(sessionmaker, a, events) == 3 + 2 + 3 + 2
    found = await _candidates(sessionmaker, a)
    assert set(found) == {"fan_one", "two_only", "small_voice", "mixed"}
    fan = found["fan_one"]
    assert (fan.state, fan.positive_count, fan.reach, fan.name, fan.handle) == ("open", 3, 700, "Fan One", "@Fan_One")
    assert fan.opened_at is not None and fan.first_seen_at < fan.last_seen_at
    assert {k: (c.state, c.positive_count) for k, c in found.items() if k != "fan_one"} == {
        "two_only": ("watching", 2), "small_voice": ("watching", 3), "mixed": ("watching", 2)}
    # a third positive mention later opens the one that had two
    await _take_in(sessionmaker, a, [mention("two_only")])
    assert (await _candidates(sessionmaker, a))["two_only"].state == "open"


async def test_a_batch_delivered_twice_adds_nothing(energizing, sessionmaker):
    a = energizing.a
    events = [mention("fan", days_ago=d) for d in (1, 2, 3)]
    assert await _take_in(sessionmaker, a, events) == 3
    await _take_in(sessionmaker, a, events)
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(Evidence)) == 3
            assert (await s.scalar(select(Candidate))).positive_count == 3


async def test_a_thousand_events_take_a_handful_of_statements(energizing, sessionmaker, app):
    a = energizing.a
    events = [mention(f"author{n % 300}", days_ago=1 + n % 20) for n in range(1000)]
    with count_queries(app.state.engine) as queries:
        await _take_in(sessionmaker, a, events)
    assert len([q for q in queries.statements if not q.lstrip().upper().startswith(("BEGIN", "SELECT SET_CONFIG",
                                                                                    "COMMIT"))]) <= 10, \
        queries.report()
    found = await _candidates(sessionmaker, a)
    assert len(found) == 300 and all(c.state == "open" for c in found.values())


async def test_the_tenants_thresholds_count_and_decided_candidates_collect_nothing(energizing, sessionmaker):
    a = energizing.a
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add(ListeningSettings(min_positive=2, window_days=30, min_reach=50))
    await _take_in(sessionmaker, a, [mention("fan", reach=60, days_ago=d) for d in (1, 2, 40)])
    fan = (await _candidates(sessionmaker, a))["fan"]
    assert (fan.state, fan.positive_count) == ("open", 2)  # the mention of 40 days ago is outside the window
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            (await s.get(Candidate, fan.id)).state = "dismissed"
    await _take_in(sessionmaker, a, [mention("fan")])
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(Evidence)) == 2


async def test_events_reach_listening_through_the_core_and_stay_in_their_tenant(energizing, sessionmaker, app):
    a, b = energizing.a, energizing.b
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            await fire_events(s, a.tenant, app.state.pm, [mention("fan", days_ago=d) for d in (1, 2, 3)], "nl",
                              exclude="monitoring")
    assert (await _candidates(sessionmaker, a))["fan"].state == "open"
    assert await _candidates(sessionmaker, b) == {}


async def test_the_same_handle_in_two_kinds_of_source_makes_two_candidates(energizing, sessionmaker):
    a = energizing.a
    events = [mention("@jan", name="Jan op de microblog", days_ago=d) for d in (1, 2, 3)]
    for d in (1, 2):
        event = mention("jan", name="Jan van het forum", days_ago=d)
        event.payload["source_type"] = "Forum"
        events.append(event)
    assert await _take_in(sessionmaker, a, events) == 5
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            found = {(c.source, c.handle_key): c for c in (await s.scalars(select(Candidate))).all()}
    assert set(found) == {("microblog", "jan"), ("forum", "jan")}
    micro, forum = found["microblog", "jan"], found["forum", "jan"]
    assert (micro.positive_count, micro.state, micro.name) == (3, "open", "Jan op de microblog")
    assert (forum.positive_count, forum.state, forum.name) == (2, "watching", "Jan van het forum")
    # a later batch lands on the right one
    later = mention("jan", days_ago=0.5)
    later.payload["source_type"] = "forum"
    assert await _take_in(sessionmaker, a, [later]) == 1
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(Candidate.positive_count).where(Candidate.source == "forum")) == 3


async def test_only_web_addresses_of_mentions_are_kept(energizing, sessionmaker):
    a = energizing.a
    events = [mention("linker", days_ago=d) for d in (1, 2, 3, 4)]
    for event, url in zip(events, ("javascript:alert(document.cookie)", "data:text/html,<script>x</script>",
                                   "//evil.example/x", "HTTPS://social.example/linker/4"), strict=True):
        event.payload["url"] = url
    assert await _take_in(sessionmaker, a, events) == 4
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            urls = set((await s.scalars(select(Evidence.url))).all())
    assert urls == {"", "HTTPS://social.example/linker/4"}
    assert intake.web_address(" http://x.example/a ") == "http://x.example/a" and intake.web_address(None) == ""
