"""Progress against target: aggregation by unit, direction, pace, ended periods, newest target per key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.measurement.models import KpiSnapshot, Target
from core.measurement.snapshots import KpiInfo
from core.measurement.targets import (
    aggregation_for,
    compute,
    direction_for,
    formatter,
    newest_targets,
    progress_for,
)
from core.tenancy.scope import tenant_scope
from tests.core.test_gates import add

START, END = date(2026, 1, 1), date(2026, 1, 10)  # ten days


def daily(value, days=10, start=START):
    return {start + timedelta(days=n): value for n in range(days)}


def test_aggregation_and_direction_follow_the_unit_and_key():
    assert [aggregation_for(u) for u in ("count", "euro", "fte", "percent", "minutes", "index")] == \
        ["sum", "sum", "sum", "mean", "mean", "mean"]
    assert aggregation_for("count", "latest") == "latest"  # a stock such as followers
    assert direction_for("webcare.first_response_median", "minutes") == "lower"
    assert direction_for("monitoring.negative_share", "percent") == "lower"
    assert direction_for("webcare.negative_turned_positive", "count") == "higher"
    assert direction_for("monitoring.volume", "count") == "higher"
    assert direction_for("monitoring.volume", "count", "lower") == "lower"  # an explicit direction wins


def test_a_summed_kpi_is_measured_against_the_linear_pace():
    # on day 6 five whole days are over: 50 % of the period, so 50 of a 100 are expected
    today = date(2026, 1, 6)
    on = compute(100, START, END, daily(10), today)
    assert (on.actual, on.expected, on.elapsed_share, on.percent, on.status, on.days_measured) == \
        (50.0, 50.0, 0.5, 50.0, "on_track", 5)
    assert compute(100, START, END, daily(13), today).status == "ahead"
    assert compute(100, START, END, daily(8), today).status == "behind"
    # within the 5 % band is on track, either side
    assert compute(100, START, END, daily(9.6), today).status == "on_track"
    assert compute(100, START, END, daily(10.4), today).status == "on_track"
    # days after today and outside the period never count
    assert compute(100, START, END, {**daily(10), date(2025, 12, 31): 500, today: 500}, today).actual == 50.0


def test_a_level_is_averaged_and_expected_at_its_target_throughout():
    values = {START: 70.0, START + timedelta(days=1): 90.0, START + timedelta(days=2): None}
    f = compute(75, START, END, values, date(2026, 1, 4), aggregation="mean")
    assert (f.actual, f.expected, f.days_measured, f.status) == (80.0, 75, 2, "ahead")
    assert compute(85, START, END, values, date(2026, 1, 4), aggregation="mean").status == "behind"
    latest = compute(75, START, END, values, date(2026, 1, 4), aggregation="latest")
    assert latest.actual == 90.0


def test_lower_is_better_turns_the_comparison_around():
    # response time in minutes: target at most 60, average so far 45 → ahead; 70 → behind
    today = date(2026, 1, 5)
    assert compute(60, START, END, daily(45), today, "mean", "lower").status == "ahead"
    assert compute(60, START, END, daily(61), today, "mean", "lower").status == "on_track"
    assert compute(60, START, END, daily(70), today, "mean", "lower").status == "behind"
    # a summed ceiling (at most 100 complaints in ten days): 4 days × 15 = 60 against 40 expected → behind
    assert compute(100, START, END, daily(15), today, "sum", "lower").status == "behind"
    assert compute(100, START, END, daily(5), today, "sum", "lower").status == "ahead"
    ended = compute(60, START, END, daily(50), date(2026, 2, 1), "mean", "lower")
    assert (ended.status, ended.elapsed_share) == ("ended_met", 1.0)
    assert compute(60, START, END, daily(65), date(2026, 2, 1), "mean", "lower").status == "ended_missed"


def test_not_started_no_data_and_ended_periods():
    before = compute(100, START, END, {}, date(2025, 12, 20))
    assert (before.status, before.actual, before.expected, before.elapsed_share) == ("not_started", None, 0.0, 0.0)
    assert compute(100, START, END, {}, date(2026, 1, 4)).status == "no_data"
    met = compute(100, START, END, daily(10), date(2026, 1, 11))
    assert (met.status, met.actual, met.percent, met.expected) == ("ended_met", 100.0, 100.0, 100)
    assert compute(100, START, END, daily(9), date(2026, 3, 1)).status == "ended_missed"
    assert compute(100, START, END, {}, date(2026, 3, 1)).status == "ended_missed"  # nothing measured is not met


def _target(kpi, value, created, dep=None, start=START, end=END):
    return Target(kpi=kpi, department_id=dep, period_start=start, period_end=end, value=value, created_at=created)


def test_the_newest_target_per_kpi_department_and_period_counts():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    old, new = _target("a", 10, t0), _target("a", 20, t0 + timedelta(hours=1))
    other_period = _target("a", 30, t0, start=date(2026, 2, 1), end=date(2026, 2, 28))
    groups = {(n.value, tuple(h.value for h in hist)) for n, hist in newest_targets([new, other_period, old])}
    assert groups == {(20, (10,)), (30, ())}


def test_numbers_are_formatted_per_language():
    assert formatter("nl")(1234.5, "count") == "1.234,5" and formatter("en")(1234.5, "count") == "1,234.5"
    assert formatter("nl")(80, "percent") == "80 %" and formatter("en")(None) == "—"
    assert formatter("nl")(1500, "euro") == "€ 1.500"


async def test_progress_for_reads_snapshots_and_filters_by_department(sessionmaker, world):
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=4), today + timedelta(days=5)  # ten days, four of them over
    tw = world.a
    marketing = tw.departments["marketing"].id
    snaps = [KpiSnapshot(kpi="monitoring.volume", day=start + timedelta(days=n), value=25.0, methodology_number=1,
                         measured_at=datetime.now(UTC)) for n in range(4)]
    snaps += [KpiSnapshot(kpi="webcare.first_response_median", day=start + timedelta(days=n), value=v,
                          methodology_number=1, measured_at=datetime.now(UTC)) for n, v in enumerate((30, 50))]
    t0 = datetime.now(UTC) - timedelta(hours=2)
    await add(sessionmaker, tw, *snaps,
              _target("monitoring.volume", 500, t0, start=start, end=end),
              _target("monitoring.volume", 200, t0 + timedelta(hours=1), start=start, end=end),
              _target("monitoring.volume", 40, t0, dep=marketing, start=start, end=end),
              _target("webcare.first_response_median", 60, t0, start=start, end=end))
    info = KpiInfo(key="webcare.first_response_median", title="Eerste reactie", unit="minutes", definition="",
                   kind="plugin", plugin="webcare", owner_department_id=None, owner="", active=True,
                   methodology_number=1)
    kpis = {"monitoring.volume": "count", "webcare.first_response_median": info}
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            everything = await progress_for(session, kpis, today=today)
            only_marketing = await progress_for(session, kpis, department_id=marketing, only_department=True,
                                                today=today)
            with_org = await progress_for(session, kpis, department_id=marketing, today=today)
    volume = {(p.target.department_id, p.target.value): p for p in everything["monitoring.volume"]}
    org = volume[(None, 200)]  # the newer of the two organisation-wide targets for the same period
    assert [h.value for h in org.history] == [500]
    assert (org.figures.actual, org.figures.expected, org.status, org.aggregation) == (100.0, 80.0, "ahead", "sum")
    assert volume[(marketing, 40)].status == "ahead" and len(volume) == 2
    response = everything["webcare.first_response_median"][0]
    assert (response.direction, response.aggregation, response.figures.actual, response.status) == \
        ("lower", "mean", 40.0, "ahead")
    assert [p.target.value for p in only_marketing["monitoring.volume"]] == [40]
    assert "webcare.first_response_median" not in only_marketing
    assert sorted(p.target.value for p in with_org["monitoring.volume"]) == [40, 200]
