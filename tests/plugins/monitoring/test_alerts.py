"""Spike and negative-surge alerts: one alert per episode, thresholds per profile, the too-little-history
fallback, who is told (once), acknowledging and closing on the web and in the API, the detail page with the
mentions that drive it, the job, concurrent checks and tenant isolation. Every check runs at a fixed `now`."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.jobs.outbox import wait_for_relays
from core.notifications.models import Notification
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.alerts import service
from plugins.monitoring.alerts.detect import check
from plugins.monitoring.models import Alert, Mention, MentionProfile, SearchProfile, Source
from plugins.monitoring.stats import Counted, count
from tests.support import TenantWorld, World, api_headers, delivered_mails, login_as, post_form

NOW = datetime(2030, 1, 15, 12, 30, tzinfo=UTC)
CALM = (2, 3, 4)
"""Mentions per hour in the calm week, in turn: mean 3 per hour."""


def web(tw: TenantWorld, path: str = "") -> str:
    return f"/t/{tw.slug}/p/monitoring/alerts/{path}"


def api(tw: TenantWorld, path: str = "") -> str:
    return f"/api/v1/t/{tw.slug}/monitoring/alerts{path}"


async def make_profile(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, name: str = "Merk",
                       **fields: Any) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            profile = SearchProfile(name=name, query=name.lower(), **fields)
            session.add(profile)
            await session.flush()
            return profile.id


async def add_mentions(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, profiles: Iterable[UUID],
                       times: list[datetime], negative: int = 0, raw: bool = True, title: str = "Vermelding") -> None:
    """Mentions as ingestion stores them: rows, profile links and hourly counters. The first `negative` are
    negative. `raw=False` only counts them (a baseline lives in the hourly counters)."""
    profiles = tuple(profiles)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = await session.scalar(select(Source.id).where(Source.name == "Nieuws"))
            if source is None:
                row = Source(name="Nieuws", kind="api", source_type="news")
                session.add(row)
                await session.flush()
                source = row.id
            mentions, links, counted = [], [], []
            for n, moment in enumerate(times):
                label = "negative" if n < negative else "neutral"
                mention_id = uuid4()
                mentions.append({"id": mention_id, "source_id": source, "source_type": "news",
                                 "external_id": uuid4().hex, "published_at": moment, "title": f"{title} {n}",
                                 "language": "nl", "sentiment": label, "author_reach": 1000 - n,
                                 "content_hash": hashlib.sha256(mention_id.bytes).hexdigest()})
                links += [{"mention_id": mention_id, "profile_id": p, "published_at": moment} for p in profiles]
                counted.append(Counted(moment, profiles, "news", "nl", label, 1000 - n))
            if raw and mentions:
                await session.execute(insert(Mention), mentions)
                if links:
                    await session.execute(insert(MentionProfile), links)
            await count(session, counted)


def calm_week(before: datetime = NOW - timedelta(minutes=60)) -> tuple[list[datetime], int]:
    """A week of 2, 3, 4 mentions an hour before the window; every sixth one negative (about 17%)."""
    start = before.replace(minute=0, second=0, microsecond=0)
    times = []
    for k in range(1, 169):
        hour = start - timedelta(hours=k)
        times += [hour + timedelta(minutes=10 * i) for i in range(CALM[k % 3])]
    return times, len(times) // 6


async def add_calm_week(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, profiles: Iterable[UUID],
                        raw: bool = True) -> None:
    times, negatives = calm_week()
    # interleave the negatives through the week rather than bunching them
    ordered = sorted(times, key=lambda t: (t.hour % 6 != 0, t))
    await add_mentions(sessionmaker, tw, profiles, ordered, negative=negatives, raw=raw)


def burst(n: int, end: datetime = NOW, spacing: float = 1.5) -> list[datetime]:
    return [end - timedelta(minutes=spacing * i) for i in range(n)]


async def run_check(app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                    now: datetime = NOW, **kwargs: Any) -> list[Alert]:
    """One check in its own transaction; then the after-commit relay of its mails is let finish (on SQLite a
    request made meanwhile would wait for the relay's write lock while the test client blocks the loop)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            opened = await check(session, now=now, settings=app.state.settings, pm=app.state.pm, tenant_id=tw.id,
                                 tenant_slug=tw.slug, **kwargs)
    await wait_for_relays()
    return opened


async def alerts(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                 profile: UUID | None = None) -> list[Alert]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            query = select(Alert).order_by(Alert.started_at)
            if profile is not None:
                query = query.where(Alert.profile_id == profile)
            return list((await session.scalars(query)).all())


async def notes(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[Notification]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Notification).where(Notification.kind == "monitoring.alert")
                                                .order_by(Notification.created_at))).all())


# --- episodes ---------------------------------------------------------------------------------------------

async def test_a_volume_spike_is_one_alert_per_episode(app: Litestar, sessionmaker: async_sessionmaker[AsyncSession],
                                                       mon: World) -> None:
    tw = mon.a
    profile = await make_profile(sessionmaker, tw)
    await add_calm_week(sessionmaker, tw, [profile])
    assert await run_check(app, sessionmaker, tw, NOW - timedelta(hours=2)) == []  # the calm week raises nothing

    await add_mentions(sessionmaker, tw, [profile], burst(30), title="Storing")
    opened = await run_check(app, sessionmaker, tw)
    assert [a.kind for a in opened] == ["volume"]
    [alert] = await alerts(sessionmaker, tw)
    assert (alert.status, alert.observed, alert.peak) == ("open", 30, 30)
    assert round(alert.baseline, 2) == 3.0 and alert.details["fallback"] is False
    assert alert.details["volume_threshold"] == 10  # max(min 10, 3 x 3, 3 + 3 sigma)
    assert alert.window_start == NOW - timedelta(minutes=60)

    # the burst goes on: the same alert is updated, nobody is told again
    await add_mentions(sessionmaker, tw, [profile], burst(6, NOW + timedelta(seconds=50), spacing=0.1))
    assert await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=1)) == []
    assert await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=2)) == []
    [alert] = await alerts(sessionmaker, tw)
    assert (alert.status, alert.observed, alert.peak) == ("open", 36, 36)
    assert alert.last_seen_at == NOW + timedelta(minutes=2) and alert.details["checks"] == 3
    [note] = await notes(sessionmaker, tw)  # the owning department (comms) and the regie holder: one person
    assert note.user_id == tw.users["regie"].id and note.href == f"/t/acme/p/monitoring/alerts/{alert.id}"
    assert note.title == "Volumepiek: Merk" and note.body == "30 vermeldingen in 60 min, normaal 3"
    mails = await delivered_mails(app)
    assert [(m["to"], m["subject"]) for m in mails] == [(tw.email("regie"), "Volumepiek: Merk")]
    assert f"/t/acme/p/monitoring/alerts/{alert.id}" in mails[0]["text"]

    # quiet, but not yet for a full window since the last sighting: still open
    await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=61))
    assert [a.status for a in await alerts(sessionmaker, tw)] == ["open"]
    # a full window without the condition: closed
    await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=62))
    [alert] = await alerts(sessionmaker, tw)
    assert alert.status == "closed" and alert.ended_at == NOW + timedelta(minutes=62)

    # a new burst later is a new episode: a second alert, told once more
    later = NOW + timedelta(hours=5)
    await add_mentions(sessionmaker, tw, [profile], burst(30, later))
    assert len(await run_check(app, sessionmaker, tw, later)) == 1
    assert [a.status for a in await alerts(sessionmaker, tw)] == ["closed", "open"]
    assert len(await notes(sessionmaker, tw)) == 2
    assert len(await delivered_mails(app)) == 2


async def test_a_negative_surge_against_the_profiles_own_share(app: Litestar,
                                                               sessionmaker: async_sessionmaker[AsyncSession],
                                                               mon: World) -> None:
    tw = mon.a
    surge = await make_profile(sessionmaker, tw, "Merk", volume_min_mentions=5)
    calm = await make_profile(sessionmaker, tw, "Directie", volume_min_mentions=5)
    await add_calm_week(sessionmaker, tw, [surge, calm])
    await add_mentions(sessionmaker, tw, [surge], burst(6, spacing=5), negative=4)  # 67% negative
    await add_mentions(sessionmaker, tw, [calm], burst(6, spacing=5), negative=1)  # 17%: its normal share

    opened = await run_check(app, sessionmaker, tw)
    assert [(a.profile_id, a.kind) for a in opened] == [(surge, "negative")]  # volume 6 is normal (threshold 9)
    [alert] = await alerts(sessionmaker, tw)
    assert round(alert.observed, 3) == 0.667 and round(alert.baseline, 2) == 0.17
    [note] = await notes(sessionmaker, tw)
    assert note.title == "Negatieve golf: Merk" and note.body == "negatief 67% tegen normaal 17%"

    # continuing: updated, not repeated; then it subsides and closes
    await add_mentions(sessionmaker, tw, [surge], [NOW + timedelta(minutes=1)], negative=1)
    assert await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=2)) == []
    [alert] = await alerts(sessionmaker, tw)
    assert round(alert.peak, 3) == round(5 / 7, 3) and len(await notes(sessionmaker, tw)) == 1
    await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=70))
    assert [a.status for a in await alerts(sessionmaker, tw)] == ["closed"]


async def test_thresholds_are_per_profile(app: Litestar, sessionmaker: async_sessionmaker[AsyncSession],
                                          mon: World) -> None:
    tw = mon.a
    default = await make_profile(sessionmaker, tw, "Standaard")
    strict = await make_profile(sessionmaker, tw, "Streng", volume_factor=12.0)  # needs 36
    high_min = await make_profile(sessionmaker, tw, "Hoog minimum", volume_min_mentions=40)
    calm_rise = await make_profile(sessionmaker, tw, "Rustig", negative_rise=0.6)
    disabled = await make_profile(sessionmaker, tw, "Uit", alerts_enabled=False)
    inactive = await make_profile(sessionmaker, tw, "Inactief", is_active=False)
    every = [default, strict, high_min, calm_rise, disabled, inactive]
    await add_calm_week(sessionmaker, tw, every, raw=False)
    await add_mentions(sessionmaker, tw, every, burst(30), negative=15)  # volume x10, negative 50% vs 17%

    opened = await run_check(app, sessionmaker, tw)
    got = {(a.profile_id, a.kind) for a in opened}
    assert got == {(default, "volume"), (default, "negative"), (strict, "negative"), (calm_rise, "volume")}


async def test_the_three_sigma_floor_spares_a_profile_that_always_swings(
        app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], mon: World) -> None:
    tw = mon.a
    profile = await make_profile(sessionmaker, tw)
    start = NOW.replace(minute=0) - timedelta(hours=1)
    busy_hours = [start - timedelta(hours=k) for k in range(1, 169) if k % 2]  # 20 an hour, every other hour
    await add_mentions(sessionmaker, tw, [profile], [h + timedelta(minutes=i) for h in busy_hours for i in range(20)],
                       raw=False)
    await add_mentions(sessionmaker, tw, [profile], burst(35))  # 3.5 x the mean of 10, below 10 + 3 x 10
    assert await run_check(app, sessionmaker, tw) == []
    await add_mentions(sessionmaker, tw, [profile], burst(6, NOW - timedelta(seconds=10), spacing=0.1))
    [alert] = await run_check(app, sessionmaker, tw)  # 41 > 40
    assert alert.details["volume_threshold"] == 40


async def test_too_little_history_falls_back_to_the_minimum(app: Litestar,
                                                           sessionmaker: async_sessionmaker[AsyncSession],
                                                           mon: World) -> None:
    tw = mon.a
    new = {"created_at": NOW - timedelta(hours=4)}
    small = await make_profile(sessionmaker, tw, "Klein", **new)
    enough = await make_profile(sessionmaker, tw, "Genoeg", **new)
    mild = await make_profile(sessionmaker, tw, "Mild", volume_min_mentions=20, **new)
    sour = await make_profile(sessionmaker, tw, "Zuur", volume_min_mentions=20, **new)
    # created four hours ago: well over 20 mentions, but not 24 hours of history
    await add_mentions(sessionmaker, tw, [small, enough, mild, sour],
                       [NOW - timedelta(hours=3, minutes=i) for i in range(60)], raw=False)
    await add_mentions(sessionmaker, tw, [small], burst(9))
    await add_mentions(sessionmaker, tw, [enough], burst(12))
    await add_mentions(sessionmaker, tw, [mild], burst(20), negative=10)  # 50%: +17 points on an assumed 33%
    await add_mentions(sessionmaker, tw, [sour], burst(20), negative=11)  # 55%: +22 points

    opened = await run_check(app, sessionmaker, tw)
    got = {(a.profile_id, a.kind): a for a in opened}
    assert set(got) == {(enough, "volume"), (mild, "volume"), (sour, "volume"), (sour, "negative")}
    volume = got[(enough, "volume")]
    assert volume.baseline == 0 and volume.details["fallback"] is True and volume.details["baseline_hours"] < 24
    assert round(got[(sour, "negative")].baseline, 3) == 0.333
    texts = {n.body for n in await notes(sessionmaker, tw)}
    assert "12 vermeldingen in 60 min (te weinig historie voor een normaalniveau)" in texts
    assert "negatief 55% tegen aangenomen 33% (te weinig historie)" in texts


async def test_the_owning_department_and_the_regie_holder_are_told_once_each(
        app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], mon: World) -> None:
    tw = mon.a
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(PluginActivation).where(PluginActivation.plugin == "monitoring")
                                  .values(department_id=tw.departments["marketing"].id))
    profile = await make_profile(sessionmaker, tw)
    await add_mentions(sessionmaker, tw, [profile], burst(12))
    await run_check(app, sessionmaker, tw)
    await run_check(app, sessionmaker, tw, NOW + timedelta(seconds=30))
    told = sorted(n.user_id for n in await notes(sessionmaker, tw))
    assert told == sorted(tw.users[w].id for w in ("marketer", "member", "regie"))
    mails = await delivered_mails(app)
    assert sorted(m["to"] for m in mails) == sorted(tw.email(w) for w in ("marketer", "member", "regie"))
    assert await notes(sessionmaker, mon.b) == []


async def test_closing_by_hand_holds_while_the_condition_lasts(app: Litestar,
                                                                sessionmaker: async_sessionmaker[AsyncSession],
                                                                mon: World) -> None:
    tw = mon.a
    profile = await make_profile(sessionmaker, tw)
    await add_mentions(sessionmaker, tw, [profile], burst(12))
    [alert] = await run_check(app, sessionmaker, tw)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await service.close(session, "someone", alert.id)
    assert await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=1)) == []  # same episode: no new alert
    [closed] = await alerts(sessionmaker, tw)
    assert closed.status == "closed" and closed.last_seen_at == NOW + timedelta(minutes=1)
    later = NOW + timedelta(hours=3)  # a quiet window, then a new burst: a new alert
    await add_mentions(sessionmaker, tw, [profile], burst(12, later))
    assert len(await run_check(app, sessionmaker, tw, later)) == 1


async def test_two_checks_at_once_open_one_alert(app: Litestar, sessionmaker: async_sessionmaker[AsyncSession],
                                                 mon: World) -> None:
    tw = mon.a
    profile = await make_profile(sessionmaker, tw)
    await add_mentions(sessionmaker, tw, [profile], burst(15))
    results = await asyncio.gather(*(run_check(app, sessionmaker, tw) for _ in range(3)))
    assert sum(len(r) for r in results) == 1
    assert len(await alerts(sessionmaker, tw)) == 1 and len(await notes(sessionmaker, tw)) == 1


async def test_the_job_checks_the_profiles_it_is_given_and_all_periodically(
        app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], mon: World) -> None:
    tw = mon.a
    first = await make_profile(sessionmaker, tw, "Eerste")
    second = await make_profile(sessionmaker, tw, "Tweede")
    now = datetime.now(UTC)
    await add_mentions(sessionmaker, tw, [first, second], burst(12, now - timedelta(seconds=5)))
    assert await run_named_job(app, "monitoring.check_alerts", tw.id, profile_ids=[str(first), "not-an-id"]) == 1
    assert {a.profile_id for a in await alerts(sessionmaker, tw)} == {first}
    assert await run_named_job(app, "monitoring.check_alerts", tw.id) == 1  # the periodic run: all profiles
    assert await run_named_job(app, "monitoring.check_alerts", tw.id) == 0  # idempotent
    assert len(await alerts(sessionmaker, tw)) == 2 and len(await notes(sessionmaker, tw)) == 2


# --- pages and API ----------------------------------------------------------------------------------------

async def _spike(app: Litestar, sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> Alert:
    profile = await make_profile(sessionmaker, tw)
    await add_calm_week(sessionmaker, tw, [profile], raw=False)
    await add_mentions(sessionmaker, tw, [profile], burst(30), title="Storing")
    [alert] = await run_check(app, sessionmaker, tw)
    return alert


async def test_the_pages_show_the_alert_and_the_mentions_that_drive_it(
        app: Litestar, client: AsyncTestClient, sessionmaker: async_sessionmaker[AsyncSession], mon: World) -> None:
    tw = mon.a
    alert = await _spike(app, sessionmaker, tw)
    foreign = await _spike(app, sessionmaker, mon.b)
    await login_as(client, tw, "viewer")
    listing = await client.get(web(tw))
    assert listing.status_code == 200
    assert "Volumepiek" in listing.text and "30 vermeldingen in 60 min, normaal 3" in listing.text
    assert f'href="{web(tw, str(alert.id))}"' in listing.text and str(foreign.id) not in listing.text
    assert "Volumepiek" in (await client.get(web(tw), params={"kind": "volume", "status": "open"})).text
    assert "Geen alerts." in (await client.get(web(tw), params={"kind": "negative"})).text
    bad = await client.get(web(tw), params={"status": "burning"})
    assert bad.status_code == 422 and "status" in bad.text

    detail = await client.get(web(tw, str(alert.id)))
    assert detail.status_code == 200
    assert "De vermeldingen erachter" in detail.text and "Storing 0" in detail.text
    mention_id = await _mention_id(sessionmaker, tw, "Storing 0")
    assert f'href="/t/acme/p/monitoring/mentions/{mention_id}"' in detail.text
    assert detail.text.count("data-chart=") == 2
    assert detail.text.index("Storing 0") < detail.text.index("Storing 9")  # by reach
    assert "In behandeling nemen" not in detail.text  # a viewer cannot act
    page_two = await client.get(web(tw, str(alert.id)), params={"page": 2})
    assert "Storing 29" in page_two.text and "Storing 0<" not in page_two.text
    assert (await client.get(web(tw, str(foreign.id)))).status_code == 404


async def _mention_id(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, title: str) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return (await session.scalar(select(Mention.id).where(Mention.title == title)))  # type: ignore[return-value]


async def test_acknowledge_and_close_on_the_web_and_viewers_cannot(
        app: Litestar, client: AsyncTestClient, sessionmaker: async_sessionmaker[AsyncSession], mon: World) -> None:
    tw = mon.a
    alert = await _spike(app, sessionmaker, tw)
    foreign = await _spike(app, sessionmaker, mon.b)
    await login_as(client, tw, "viewer")
    assert (await post_form(client, web(tw, f"{alert.id}/acknowledge"))).status_code == 403
    assert (await post_form(client, web(tw, f"{alert.id}/close"))).status_code == 403
    assert [a.status for a in await alerts(sessionmaker, tw)] == ["open"]

    await login_as(client, tw, "marketer")
    assert "In behandeling nemen" in (await client.get(web(tw, str(alert.id)))).text
    response = await post_form(client, web(tw, f"{alert.id}/acknowledge"), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == web(tw, str(alert.id))
    [acked] = await alerts(sessionmaker, tw)
    assert acked.status == "acknowledged" and acked.acknowledged_by_id == tw.users["marketer"].id
    assert acked.acknowledged_at is not None
    detail = await client.get(web(tw, str(alert.id)))
    assert "in behandeling" in detail.text and tw.users["marketer"].name in detail.text
    # it stays acknowledged while the episode goes on, and closes when it ends
    await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=1))
    assert [a.status for a in await alerts(sessionmaker, tw)] == ["acknowledged"]
    await run_check(app, sessionmaker, tw, NOW + timedelta(minutes=61))
    [ended] = await alerts(sessionmaker, tw)
    assert ended.status == "closed" and ended.acknowledged_by_id == tw.users["marketer"].id
    assert (await post_form(client, web(tw, f"{alert.id}/acknowledge"))).status_code == 409

    # another tenant's alert is not there; closing by hand records who did it
    assert (await post_form(client, web(tw, f"{foreign.id}/close"))).status_code == 404
    assert [a.status for a in await alerts(sessionmaker, mon.b)] == ["open"]
    later = NOW + timedelta(hours=3)
    await add_mentions(sessionmaker, tw, [alert.profile_id], burst(30, later))
    [second] = await run_check(app, sessionmaker, tw, later)
    response = await post_form(client, web(tw, f"{second.id}/close"), follow_redirects=False)
    assert response.status_code == 303
    closed = [a for a in await alerts(sessionmaker, tw) if a.id == second.id][0]
    assert closed.status == "closed" and closed.details["closed_by"] == tw.users["marketer"].name


async def test_the_api_lists_shows_and_acknowledges(app: Litestar, client: AsyncTestClient,
                                                    sessionmaker: async_sessionmaker[AsyncSession],
                                                    mon: World) -> None:
    tw = mon.a
    alert = await _spike(app, sessionmaker, tw)
    foreign = await _spike(app, sessionmaker, mon.b)
    viewer = await api_headers(sessionmaker, tw, "viewer")
    listed = (await client.get(api(tw), params={"lang": "en"}, headers=viewer)).json()
    assert listed["page"]["total"] == 1
    [item] = listed["items"]
    assert (item["id"], item["kind"], item["status"], item["profile"]) == (str(alert.id), "volume", "open", "Merk")
    assert item["summary"] == "30 mentions in 60 min, normally 3" and item["window_minutes"] == 60
    assert (await client.get(api(tw), params={"kind": "negative"}, headers=viewer)).json()["items"] == []
    assert (await client.get(api(tw), params={"profile": str(alert.profile_id)},
                             headers=viewer)).json()["page"]["total"] == 1
    bad = await client.get(api(tw), params={"status": "burning", "profile": "x"}, headers=viewer)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"status", "profile"}

    detail = (await client.get(api(tw, f"/{alert.id}"), headers=viewer)).json()
    assert detail["alert"]["observed"] == 30 and detail["mentions_page"]["total"] == 30
    assert detail["mentions"][0]["title"] == "Storing 0" and detail["mentions"][0]["author_reach"] == 1000
    assert (await client.get(api(tw, f"/{foreign.id}"), headers=viewer)).status_code == 404

    assert (await client.post(api(tw, f"/{alert.id}/acknowledge"), headers=viewer)).status_code == 403
    member = await api_headers(sessionmaker, tw, "member")
    assert (await client.post(api(tw, f"/{foreign.id}/acknowledge"), headers=member)).status_code == 404
    acked = await client.post(api(tw, f"/{alert.id}/acknowledge"), headers=member)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == tw.users["member"].name
    closed = await client.post(api(tw, f"/{alert.id}/close"), headers=member)
    assert closed.json()["status"] == "closed" and closed.json()["ended_at"]
    refused = await client.post(api(tw, f"/{alert.id}/acknowledge"), headers=member)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "status"
    assert [a.status for a in await alerts(sessionmaker, mon.b)] == ["open"]
