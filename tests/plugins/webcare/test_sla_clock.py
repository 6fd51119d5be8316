"""SLA clocks: business-time arithmetic (nights, weekends, a holiday, both DST changes in Europe/Amsterdam),
hours validation, properties (add and between are inverse, between is additive, never lands outside hours),
deadlines per priority, pausing while waiting for the customer, timers, and the `webcare.check_sla` job
(warns once, breaches once, idempotent, skips waiting cases, tells the assignee or the department)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.errors import DomainError
from core.notifications.models import Notification
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import DEFAULT_HOURS, DEFAULT_SLA, Case, CaseMessage, Holiday, WebcareConfig
from plugins.webcare.sla import service
from plugins.webcare.sla.clock import BusinessClock, clean_hours
from tests.support import TenantWorld, World

AMS = ZoneInfo("Europe/Amsterdam")
KINGS_DAY = date(2026, 4, 27)  # a Monday


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)  # type: ignore[misc]


def clock(holidays: set[date] | None = None, hours: dict[str, list[list[str]]] | None = None) -> BusinessClock:
    return BusinessClock("Europe/Amsterdam", hours or DEFAULT_HOURS, holidays or set())


# --- arithmetic -------------------------------------------------------------------------------------------------

def test_add_within_a_day_across_a_night_and_a_weekend() -> None:
    c = clock()
    assert c.add(local(2026, 3, 2, 10, 0), 30) == local(2026, 3, 2, 10, 30)  # Monday
    assert c.add(local(2026, 3, 2, 16, 30), 60) == local(2026, 3, 3, 9, 30)  # over the night
    assert c.add(local(2026, 3, 6, 16, 0), 120) == local(2026, 3, 9, 10, 0)  # Friday → Monday
    assert c.add(local(2026, 3, 7, 12, 0), 30) == local(2026, 3, 9, 9, 30)  # Saturday: from Monday's opening
    assert c.add(local(2026, 3, 2, 7, 0), 0) == local(2026, 3, 2, 9, 0)  # before opening: the opening
    assert c.add(local(2026, 3, 2, 9, 0), 480) == local(2026, 3, 2, 17, 0)  # a whole day ends at closing
    assert c.add(local(2026, 3, 2, 9, 0), 2400) == local(2026, 3, 6, 17, 0)  # a working week


def test_holiday_and_between() -> None:
    c = clock({KINGS_DAY})
    assert c.add(local(2026, 4, 24, 16, 0), 120) == local(2026, 4, 28, 10, 0)  # Fri → (weekend, Kings Day) → Tue
    assert not c.is_open(local(2026, 4, 27, 11, 0)) and c.is_open(local(2026, 4, 28, 11, 0))
    assert c.between(local(2026, 4, 24, 16, 0), local(2026, 4, 28, 10, 0)) == 120
    assert c.between(local(2026, 4, 28, 10, 0), local(2026, 4, 24, 16, 0)) == -120
    assert c.between(local(2026, 4, 25, 10, 0), local(2026, 4, 27, 23, 0)) == 0  # weekend + holiday
    assert not c.is_open(local(2026, 3, 2, 17, 0)) and c.is_open(local(2026, 3, 2, 9, 0))


def test_dst_changes_in_amsterdam() -> None:
    """Last Sunday of March (02:00 → 03:00) and October (03:00 → 02:00): local hours stay 09:00-17:00."""
    c = clock()
    spring = c.add(local(2026, 3, 27, 16, 0), 120)  # Friday before the change → Monday after
    assert spring == local(2026, 3, 30, 10, 0) and spring.astimezone(UTC).hour == 8  # CEST, UTC+2
    autumn = c.add(local(2026, 10, 23, 16, 0), 120)
    assert autumn == local(2026, 10, 26, 10, 0) and autumn.astimezone(UTC).hour == 9  # CET, UTC+1
    # a clock open around the clock on Sundays: the spring Sunday is an hour shorter, the autumn one longer
    always = clock(hours={"6": [["00:00", "24:00"]]})
    assert always.between(local(2026, 3, 29, 0, 0), local(2026, 3, 30, 0, 0)) == 23 * 60
    assert always.between(local(2026, 10, 25, 0, 0), local(2026, 10, 26, 0, 0)) == 25 * 60
    assert always.add(local(2026, 3, 29, 1, 0), 120) == local(2026, 3, 29, 4, 0)  # 02:00 does not exist


def test_several_intervals_a_day() -> None:
    c = clock(hours={"0": [["13:00", "17:00"], ["08:00", "12:00"]]})  # unsorted on purpose
    assert c.hours["0"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert c.add(local(2026, 3, 2, 11, 30), 60) == local(2026, 3, 2, 13, 30)  # lunch does not count
    assert c.weekly_minutes()["0"] == 480 and c.weekly_minutes()["1"] == 0


@pytest.mark.parametrize("hours, reason", [
    ({"0": [["9:00", "17:00"]]}, "HH:MM"),
    ({"0": [["17:00", "09:00"]]}, "start before"),
    ({"0": [["09:00", "13:00"], ["12:00", "17:00"]]}, "overlap"),
    ({"0": [["09:00"]]}, "start and an end"),
    ({"0": []}, "at least one"),
    ("monday", "per weekday"),
])
def test_bad_hours_are_refused_with_the_field(hours: Any, reason: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_hours(hours)
    assert reason in str(caught.value.errors["business_hours"])
    assert clean_hours({"0": [["09:00", "12:00"], ["12:00", "17:00"]]})["0"] == [["09:00", "12:00"],
                                                                                ["12:00", "17:00"]]


# --- properties ------------------------------------------------------------------------------------------------

HOLIDAYS = {date(2026, 4, 27), date(2026, 5, 5), date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}
BASE = datetime(2026, 3, 1, tzinfo=UTC)
moments = st.integers(min_value=0, max_value=400 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
spans = st.lists(st.tuples(st.integers(0, 23 * 4), st.integers(1, 16)), max_size=3).map(
    lambda xs: [[f"{q * 15 // 60:02d}:{q * 15 % 60:02d}", _end(q, n)] for q, n in xs])
weeks = st.fixed_dictionaries({str(d): spans for d in range(7)})


def _end(q: int, n: int) -> str:
    end = min(q * 15 + n * 15, 24 * 60)
    return "24:00" if end == 24 * 60 else f"{end // 60:02d}:{end % 60:02d}"


def _try_clock(hours: dict[str, list[list[str]]]) -> BusinessClock | None:
    try:
        return BusinessClock("Europe/Amsterdam", hours, HOLIDAYS)
    except DomainError:
        return None


FIXED = clock(HOLIDAYS, {"0": [["08:30", "12:00"], ["13:00", "17:30"]], "1": [["09:00", "17:00"]],
                         "2": [["00:00", "02:30"], ["22:00", "24:00"]], "4": [["10:00", "15:00"]],
                         "6": [["11:00", "13:00"]]})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=moments, end=moments)
def test_add_inverts_between(start: datetime, end: datetime) -> None:
    if end < start:
        start, end = end, start
    minutes = FIXED.between(start, end)
    landed = FIXED.add(start, minutes)
    assert landed <= end or minutes == 0
    assert FIXED.between(start, landed) == minutes
    assert FIXED.between(landed, end) == 0  # the same business moment


@settings(max_examples=150, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_between_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    assert FIXED.between(a, b) + FIXED.between(b, c) == FIXED.between(a, c)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hours=weeks, start=moments, minutes=st.integers(1, 20_000))
def test_add_lands_in_business_hours_never_on_a_holiday(hours: dict[str, list[list[str]]], start: datetime,
                                                          minutes: int) -> None:
    c = _try_clock(hours)
    if c is None:
        return
    try:
        landed = c.add(start, minutes)
    except ValueError:  # a quarter of an hour a week does not reach 6,000 minutes within the clock's 8 years
        return
    assert c.between(start, landed) == minutes
    just_before = landed - timedelta(minutes=1)
    assert c.is_open(just_before)  # the last minute counted was a business minute...
    assert just_before.astimezone(AMS).date() not in HOLIDAYS  # ...and not on a holiday


# --- deadlines on cases (database) -------------------------------------------------------------------------------

async def activate_webcare(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                           department: str = "service") -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for plugin, phase, dept in (("monitoring", "listening", "comms"), ("webcare", "pilot", department)):
                session.add(PluginActivation(plugin=plugin, department_id=tw.departments[dept].id,
                                             status="active", activated_at=datetime.now(UTC),
                                             activated_in_phase=phase))


@pytest.fixture
async def sla_wc(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """`world` with monitoring (comms) and webcare (service) active in tenant a."""
    await activate_webcare(sessionmaker, world.a)
    return world


MONDAY_10 = local(2026, 3, 2, 10, 0)


async def make_case(session: AsyncSession, number: int, priority: str = "normal", opened: datetime = MONDAY_10,
                    **fields: Any) -> Case:
    case = Case(number=number, subject=f"Case {number}", priority=priority, opened_at=opened,
                last_message_at=opened, **fields)
    session.add(case)
    await service.refresh_deadlines(session, case, opened)
    await session.flush()
    return case


async def test_deadlines_per_priority_and_config_defaults(sla_wc: World, sessionmaker) -> None:
    with tenant_scope(sla_wc.a.id):
        async with sessionmaker() as session, session.begin():
            cases = {p: await make_case(session, i, p) for i, p in enumerate(DEFAULT_SLA, start=1)}
            config = await session.scalar(select(WebcareConfig))
            assert config is not None and config.timezone == "Europe/Amsterdam" and config.sla == DEFAULT_SLA
        async with sessionmaker() as session:
            rows = {c.priority: c for c in (await session.scalars(select(Case))).all()}
    assert set(rows) == set(cases)
    due = {p: (wall(rows[p].first_response_due), wall(rows[p].resolution_due)) for p in rows}
    assert due["urgent"] == (datetime(2026, 3, 2, 10, 30), datetime(2026, 3, 2, 14, 0))  # 30 min, 4 h
    assert due["high"] == (datetime(2026, 3, 2, 11, 0), datetime(2026, 3, 3, 10, 0))  # 1 h, 8 h
    assert due["normal"] == (datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 5, 10, 0))  # 2 h, 3 days
    assert due["low"] == (datetime(2026, 3, 3, 10, 0), datetime(2026, 3, 10, 10, 0))  # 8 h, 6 days


def wall(moment: datetime) -> datetime:
    """Amsterdam wall-clock time of a stored moment."""
    return moment.astimezone(AMS).replace(tzinfo=None)


async def test_pause_while_waiting_moves_the_resolution_deadline(sla_wc: World, sessionmaker) -> None:
    with tenant_scope(sla_wc.a.id):
        async with sessionmaker() as session, session.begin():
            case = await make_case(session, 1, "urgent")  # resolution due Monday 14:00
            assert case.resolution_due == local(2026, 3, 2, 14, 0)
            case.first_response_at = local(2026, 3, 2, 10, 15)
            case.status = "waiting"
            await service.pause(session, case, local(2026, 3, 2, 11, 0))
            c = await service.clock_of(session)
            timers = service.timer(case, local(2026, 3, 2, 16, 0), c)
            assert timers.resolution.state == "paused" and timers.resolution.minutes == 180
            assert timers.first_response.state == "met"
            case.status = "open"
            added = await service.resume(session, case, local(2026, 3, 3, 10, 0), clock=c)  # 6 h + 1 h waited
            assert added == 420 and case.paused_minutes == 420 and case.waiting_since is None
            assert case.resolution_due == local(2026, 3, 3, 13, 0)
            # priority change re-derives both clocks; the first response was given, so its deadline stays
            case.priority = "low"
            await service.refresh_deadlines(session, case, local(2026, 3, 3, 10, 0))
            assert case.first_response_due == local(2026, 3, 2, 10, 30)
            assert case.resolution_due == c.add(MONDAY_10, 2880 + 420)


def test_timer_states() -> None:
    c = clock()
    case = Case(number=1, status="open", priority="urgent", opened_at=MONDAY_10, last_message_at=MONDAY_10,
                first_response_due=local(2026, 3, 2, 10, 30), resolution_due=local(2026, 3, 2, 14, 0))
    t = service.timer(case, local(2026, 3, 2, 10, 0), c, warn_before=15)
    assert (t.first_response.state, t.first_response.minutes) == ("ok", 30)
    assert (t.resolution.state, t.resolution.minutes) == ("ok", 240)
    t = service.timer(case, local(2026, 3, 2, 10, 20), c, warn_before=15)
    assert (t.first_response.state, t.first_response.minutes) == ("warning", 10)
    t = service.timer(case, local(2026, 3, 3, 9, 10), c, warn_before=15)  # over the night: business minutes
    assert (t.first_response.state, t.first_response.minutes) == ("breached", 400)
    case.first_response_at = local(2026, 3, 2, 10, 25)
    case.status, case.resolved_at = "resolved", local(2026, 3, 2, 15, 0)
    t = service.timer(case, local(2026, 3, 4, 9, 0), c)
    assert t.first_response.state == "met" and (t.resolution.state, t.resolution.minutes) == ("breached", 60)
    assert service.duration(125) == "2 h 05 min" and service.duration(5) == "5 min"


# --- the job ---------------------------------------------------------------------------------------------------

async def _job_state(sessionmaker, tw: TenantWorld) -> tuple[dict[int, Case], list[CaseMessage], list[Notification]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            cases = {c.number: c for c in (await session.scalars(select(Case))).all()}
            events = list((await session.scalars(select(CaseMessage).order_by(CaseMessage.created_at))).all())
            notes = list((await session.scalars(select(Notification).order_by(Notification.created_at))).all())
    return cases, events, notes


async def test_check_sla_warns_once_and_breaches_once(app, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    agent = a.users["agent"]
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            await make_case(session, 1, "urgent", assignee_id=agent.id, department_id=a.departments["service"].id)
            await make_case(session, 2, "urgent", status="waiting", waiting_since=MONDAY_10)  # paused: skipped
            await make_case(session, 3, "urgent", status="resolved")  # closed clocks: skipped
            await make_case(session, 4, "low")  # nothing due yet
    warn_at = local(2026, 3, 2, 10, 20).isoformat()  # first response due 10:30, warn 15 minutes before
    assert await run_named_job(app, "webcare.check_sla", a.id, now=warn_at) == 1
    assert await run_named_job(app, "webcare.check_sla", a.id, now=warn_at) == 0  # idempotent
    cases, events, notes = await _job_state(sessionmaker, a)
    assert cases[1].sla_warned == ["first_response"] and cases[1].sla_breached == []
    assert [(e.kind, e.details["event"], e.details["clock"], e.details["minutes"]) for e in events] == [
        ("event", "sla_warning", "first_response", 10)]
    assert [(n.user_id, n.title) for n in notes] == [(agent.id, "Case #1: eerste reactie binnen 10 min nodig")]
    assert cases[2].sla_warned == [] and cases[3].sla_warned == [] and cases[4].sla_warned == []

    breach_at = local(2026, 3, 2, 10, 45).isoformat()
    assert await run_named_job(app, "webcare.check_sla", a.id, now=breach_at) == 1
    assert await run_named_job(app, "webcare.check_sla", a.id, now=breach_at) == 0
    cases, events, notes = await _job_state(sessionmaker, a)
    assert cases[1].sla_breached == ["first_response"] and cases[1].sla_warned == ["first_response"]
    assert [e.details["event"] for e in events] == ["sla_warning", "sla_breach"]
    assert notes[-1].title == "Case #1: eerste reactie 15 min te laat" and len(notes) == 2

    # the next morning: the resolution (due 14:00) has passed too, without a warning first: one breach
    late = local(2026, 3, 3, 9, 30).isoformat()
    assert await run_named_job(app, "webcare.check_sla", a.id, now=late) == 1
    assert await run_named_job(app, "webcare.check_sla", a.id, now=late) == 0
    cases, events, _notes = await _job_state(sessionmaker, a)
    assert cases[1].sla_breached == ["first_response", "resolution"]
    assert cases[4].sla_warned == [] and cases[4].sla_breached == []  # low: due Tuesday 10:00, 30 min left
    assert cases[2].sla_breached == [] and cases[3].sla_breached == []


async def test_check_sla_tells_the_department_without_an_assignee(app, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            await make_case(session, 7, "urgent")  # no assignee, no department: the owning one (service)
    assert await run_named_job(app, "webcare.check_sla", a.id, now=local(2026, 3, 2, 11, 0).isoformat()) == 1
    _cases, _events, notes = await _job_state(sessionmaker, a)
    told = {n.user_id for n in notes}
    assert a.users["agent"].id in told and a.users["regie"].id in told  # service's agent + the regie holder
    assert a.users["marketer"].id not in told


async def test_holidays_stop_the_clock_for_new_deadlines(sla_wc: World, sessionmaker) -> None:
    with tenant_scope(sla_wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Holiday(day=date(2026, 3, 3), name="Test"))
            config = await service.config_of(session)
            config.updated_at = datetime.now(UTC)
            case = await make_case(session, 1, "high", opened=local(2026, 3, 2, 16, 30))  # 1 h: 30 min Mon
            assert case.first_response_due == local(2026, 3, 4, 9, 30)  # Tuesday is a holiday
