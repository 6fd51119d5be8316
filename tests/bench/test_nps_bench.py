"""NPS surveys under load (PostgreSQL): the report over 100,000 answers, and answers posted to the public page.

1. The report: 100,000 counted answers spread over a year (bulk insert, with their daily rollup as counting
   leaves it), then the results page's data — counts per category, NPS with its interval, 12 months of trend —
   read N times from the rollup (p50/p95), and the results page itself through the app. Target p95 ≤ 150 ms.
2. Throughput: the app in one uvicorn process; invitations prepared in the database; answers POSTed by an httpx
   client over 32 connections. Then the stored answers are counted: every successful post is there once,
   no answer twice, and the rollup (what the list and the reports show) adds up to the same number.
   Target ≥ 200 answers/s.

Run: `TEST_POSTGRES_URL=... .venv/bin/pytest -q -m bench tests/bench/test_nps_bench.py -s -p no:xdist`
(NPS_ANSWERS, NPS_POSTS and NPS_CONNECTIONS change the sizes).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.plugins.api import bulk_insert
from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import results, service
from plugins.energizing.surveys.answering import digest, form_stamp
from plugins.energizing.surveys.models import (
    ZONE,
    Survey,
    SurveyAnswer,
    SurveyDayCount,
    SurveyInvitation,
    category_of,
)
from tests.bench.test_ingest_bench import _served
from tests.plugins.energizing.conftest import activate
from tests.support import login_as

pytestmark = [pytest.mark.bench, pytest.mark.postgresql_only]

ANSWERS = int(os.environ.get("NPS_ANSWERS", "100000"))
POSTS = int(os.environ.get("NPS_POSTS", "3000"))
CONNECTIONS = int(os.environ.get("NPS_CONNECTIONS", "32"))
RUNS = 200


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _survey(sessionmaker: Any, world: Any) -> Survey:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            survey = Survey(title="Bench", intro="", state="open", share_token=uuid.uuid4().hex, questions=[],
                            reminder_days=5, invited=0)
            session.add(survey)
            await session.flush()
            return survey


async def _fill(app: Any, sessionmaker: Any, world: Any, survey: Survey) -> None:
    """ANSWERS answers over the past year, 5,000 a statement, and the rollup they add up to."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    rollup: dict[tuple[Any, int], int] = {}
    with tenant_scope(world.a.id):
        for start in range(0, ANSWERS, 5000):
            rows = []
            for n in range(start, min(start + 5000, ANSWERS)):
                moment = now - timedelta(seconds=rng.randrange(365 * 86400))
                score = rng.choice((10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3, 0))
                email = f"r{n}@bench.test"
                rows.append({"survey_id": survey.id, "state": "counted", "email": email, "counted_email": email,
                             "name": "", "score": score, "category": category_of(score),
                             "why": "Prima service, snel geholpen" if score > 6 else "Duurde te lang",
                             "extra": {}, "may_contact": False, "answered_at": moment, "confirmed_at": moment,
                             "client_ip": "", "sentiment_label": ""})
                key = (moment.astimezone(ZONE).date(), score)
                rollup[key] = rollup.get(key, 0) + 1
            async with sessionmaker() as session, session.begin():
                await bulk_insert(session, SurveyAnswer, rows)
        async with sessionmaker() as session, session.begin():
            await bulk_insert(session, SurveyDayCount, [{"survey_id": survey.id, "day": d, "score": s, "answers": c}
                                                        for (d, s), c in rollup.items()])
    async with app.state.engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE energizing_survey_answer")
        await conn.exec_driver_sql("ANALYZE energizing_survey_day_count")


async def test_nps_report_over_many_answers(app: Any, client: Any, world: Any, sessionmaker: Any) -> None:
    await activate(sessionmaker, world.a)
    survey = await _survey(sessionmaker, world)
    started = time.perf_counter()
    await _fill(app, sessionmaker, world, survey)
    print(f"\n{ANSWERS} answers and their rollup stored in {time.perf_counter() - started:.1f} s")
    today = datetime.now(UTC).astimezone(ZONE).date()
    timings: list[float] = []
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            for _ in range(RUNS):
                t = time.perf_counter()
                report = await results.report(session, survey.id, today - timedelta(days=366), today, today)
                timings.append((time.perf_counter() - t) * 1000)
    assert report.figures.answers == ANSWERS
    print(f"NPS report (counts, NPS {report.figures.score:+.1f} ± {report.figures.margin:.2f}, 12-month trend) "
          f"from the rollup: p50 {statistics.median(timings):.2f} ms, p95 {_pct(timings, 0.95):.2f} ms "
          f"over {RUNS} runs")
    await login_as(client, world.a, "viewer")
    url = f"/t/acme/p/energizing/surveys/{survey.id}"
    page_timings: list[float] = []
    for _ in range(50):
        t = time.perf_counter()
        response = await client.get(url)
        page_timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    assert f'data-answers="{ANSWERS}"' in response.text
    print(f"results page through the app (report, chart, first page of why texts): "
          f"p50 {statistics.median(page_timings):.1f} ms, p95 {_pct(page_timings, 0.95):.1f} ms over 50 requests")


async def _invitations(sessionmaker: Any, world: Any, survey: Survey) -> list[str]:
    tokens = [f"bench-{uuid.uuid4().hex}" for _ in range(POSTS)]
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await bulk_insert(session, SurveyInvitation, [
                {"survey_id": survey.id, "email": f"p{n}@bench.test", "name": "", "token_digest": digest(token),
                 "sent_at": datetime.now(UTC)} for n, token in enumerate(tokens)])
    return tokens


async def test_public_page_answers_per_second(world: Any, sessionmaker: Any, settings: Any, tmp_path: Path) -> None:
    await activate(sessionmaker, world.a)
    survey = await _survey(sessionmaker, world)
    tokens = await _invitations(sessionmaker, world, survey)
    stamp = form_stamp(settings.secret_key, survey.id, time.time() - 10)
    base = "/t/acme/p/energizing/s/i/"
    with _served(settings, tmp_path / "events") as (url, _pid):
        limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
            warm = await http.get(base + tokens[-1])
            assert warm.status_code == 200, warm.text[:300]
            csrf = http.cookies.get("regie_csrf") or ""
            queue = list(reversed(tokens))
            outcomes: dict[int, int] = {}
            get_times: list[float] = []

            async def worker() -> None:
                while queue:
                    token = queue.pop()
                    response = await http.post(base + token, data={"_csrf_token": csrf, "score": str(len(queue) % 11),
                                                                   "why": "Bench", "stamp": stamp})
                    outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
            elapsed = time.perf_counter() - started
            for token in tokens[:50]:  # the survey page itself, answered links say so (409)
                t = time.perf_counter()
                await http.get(base + token)
                get_times.append((time.perf_counter() - t) * 1000)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            stored = await session.scalar(select(func.count()).select_from(SurveyAnswer))
            distinct = await session.scalar(select(func.count(func.distinct(SurveyAnswer.invitation_id))))
            rolled = await session.scalar(select(func.sum(SurveyDayCount.answers)))
            listed = (await service.answer_counts(session, [survey.id]))[survey.id]
    ok = outcomes.get(200, 0)
    print(f"\n{POSTS} answers posted over {CONNECTIONS} connections to one server process in {elapsed:.1f} s: "
          f"{ok / elapsed:.0f} answers/s; outcomes {outcomes}; stored {stored} (distinct invitations {distinct}), "
          f"rollup {rolled}, the list shows {listed}; GET of an answered link p50 "
          f"{statistics.median(get_times):.1f} ms")
    assert ok == POSTS and stored == ok == distinct == rolled == listed
