"""NPS figures from the rollup: the formula and its interval, the results page and the API (period, trend,
"too few answers"), the widget, digest and KPIs reading the rollup, and the staff forms' bad input."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete

from core.plugins.api import HookContext, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import hooks, results
from plugins.energizing.surveys.models import ZONE, Survey, SurveyAnswer, SurveyDayCount
from tests.plugins.energizing.surveys.conftest import BASE, Surveys
from tests.support import api_headers, login_as, post_form


def test_nps_and_its_interval_follow_the_standard_formula() -> None:
    figures = results.Nps()
    for score, count in ((10, 30), (9, 20), (8, 15), (7, 5), (6, 10), (2, 20)):
        figures.add(score, count)
    assert (figures.answers, figures.promoters, figures.passives, figures.detractors) == (100, 50, 20, 30)
    assert figures.score == 20.0
    p, d = 0.5, 0.3
    assert math.isclose(figures.margin, 1.96 * math.sqrt((p + d - (p - d) ** 2) / 100) * 100)
    assert figures.reliable and not results.Nps([1] + [0] * 10).reliable
    assert results.Nps().score is None and results.Nps().margin is None
    assert figures.as_json()["ci_low"] == round(20 - figures.margin, 1)


async def _fill_rollup(surveys: Surveys, survey_id: Any, per_day: dict[date, dict[int, int]]) -> None:
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            for day, scores in per_day.items():
                for score, n in scores.items():
                    session.add(SurveyDayCount(survey_id=survey_id, day=day, score=score, answers=n))


async def test_the_results_page_reads_the_period_from_the_rollup(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    await _fill_rollup(surveys, survey.id, {date(2026, 3, 5): {10: 3, 0: 1}, date(2026, 4, 2): {9: 40, 7: 10, 3: 10}})
    page = await client.get(f"{BASE}{survey.id}?month=2026-03")
    assert page.status_code == 200
    assert 'data-answers="4"' in page.text and 'data-nps="50.0"' in page.text
    assert "Te weinig antwoorden voor een betrouwbaar cijfer" in page.text
    april = await client.get(f"{BASE}{survey.id}?from=2026-04-01&to=2026-04-30")
    assert 'data-answers="60"' in april.text and "Te weinig antwoorden" not in april.text
    assert "data-chart" in april.text  # the trend chart
    for query, field in (("month=2026-13", "month"), ("from=2026-05-01&to=2026-04-01", "to"), ("from=gisteren", "from"),
                         ("category=vip", "category")):
        bad = await client.get(f"{BASE}{survey.id}?{query}")
        assert bad.status_code == 422 and f'id="e-{field}"' in bad.text, query


async def test_the_api_gives_the_results_and_refuses_a_bad_period(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    await _fill_rollup(surveys, survey.id, {date(2026, 4, 2): {9: 40, 7: 10, 3: 10}})
    headers = await api_headers(surveys.sessionmaker, surveys.world.a, "viewer")
    url = f"/api/v1/t/acme/energizing/surveys/{survey.id}/results"
    found = (await client.get(f"{url}?from=2026-04-01&to=2026-04-30", headers=headers)).json()
    assert (found["answers"], found["promoters"], found["detractors"], found["nps"]) == (60, 40, 10, 50.0)
    assert found["ci_low"] < 50 < found["ci_high"] and found["reliable"] is True
    assert [m["month"] for m in found["trend"]][-1] == "2026-04" and found["trend"][-1]["answers"] == 60
    bad = await client.get(f"{url}?month=april", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    listed = (await client.get("/api/v1/t/acme/energizing/surveys", headers=headers)).json()
    assert [s["title"] for s in listed["items"]] == ["Klanttevredenheid"]
    other = await api_headers(surveys.sessionmaker, surveys.world.b, "admin")
    assert (await client.get(url.replace("/acme/", "/globex/"), headers=other)).status_code == 404


async def test_widget_digest_and_kpis_read_the_rollup(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client)
    today = utcnow().astimezone(ZONE).date()
    await _fill_rollup(surveys, survey.id, {today: {10: 6, 8: 2, 1: 2}, today - timedelta(days=200): {0: 50}})
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session:
            ctx = HookContext(tenant_id=surveys.world.a.id, tenant_slug="acme", session=session, lang="nl")
            [widget] = await hooks.widgets(ctx)
            assert (widget.context["nps"], widget.context["answers"]) == (40, 10)
            assert await hooks.measure(ctx, "energizing.nps", (today, today)) == 40.0
            assert await hooks.measure(ctx, "energizing.answers", (today - timedelta(days=365), today)) == 60.0
            assert await hooks.measure(ctx, "energizing.promoters", (today, today)) == 6.0
            assert await hooks.measure(ctx, "energizing.nps", (date(2000, 1, 1), date(2000, 1, 2))) is None
            lines = await hooks.digest(ctx, today - timedelta(days=today.weekday()),
                                       today - timedelta(days=today.weekday()) + timedelta(days=6))
            assert "10 antwoorden" in lines[0].text and "+40" in lines[0].text
            assert lines[1].level == "alert" and lines[1].text.startswith("2 nieuwe criticasters")
            [entry] = hooks.nav(ctx)
            assert (entry.label, entry.href) == ("Onderzoeken", BASE)
            # the widget reads the rollup, not the answers: no answer rows exist at all
            await session.execute(delete(SurveyAnswer))


async def test_survey_forms_refuse_bad_input_per_field_and_store_nothing(surveys: Surveys, client: Any) -> None:
    await login_as(client, surveys.world.a, "marketer")
    cases = [({"title": ""}, "title"), ({"title": "x", "reminder_days": "0"}, "reminder_days"),
             ({"title": "x", "period_start": "2026-05-01", "period_end": "2026-04-01"}, "period_end"),
             ({"title": "x", "question_1": "Hoe?", "kind_1": "video"}, "kind_1"),
             ({"title": "x" * 161}, "title")]
    for data, field in cases:
        response = await post_form(client, BASE[:-1], data)
        assert response.status_code == 422 and 'class="error"' in response.text, field
    assert await surveys.rows(Survey) == []
    headers = await api_headers(surveys.sessionmaker, surveys.world.a, "marketer")
    bad = await client.post("/api/v1/t/acme/energizing/surveys", json={"title": "", "questions": "veel"},
                            headers=headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"title", "questions"}
    made = await client.post("/api/v1/t/acme/energizing/surveys", json={
        "title": "Via de API", "questions": [{"label": "Hoe snel?", "kind": "scale"}]}, headers=headers)
    assert made.status_code == 201 and made.json()["questions"] == [{"key": "q1", "label": "Hoe snel?",
                                                                     "kind": "scale"}]


async def test_state_changes_follow_the_rules(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, state="draft")
    response = await post_form(client, f"{BASE}{survey.id}/state", {"state": "closed"})
    assert response.status_code == 409
    assert (await surveys.rows(Survey))[0].state == "draft"
    assert (await post_form(client, f"{BASE}{survey.id}/state", {"state": "gone"})).status_code == 422
    await login_as(client, surveys.world.a, "viewer")
    assert (await client.get(f"{BASE}{survey.id}")).status_code == 200
    assert (await post_form(client, f"{BASE}{survey.id}/state", {"state": "open"})).status_code == 403
