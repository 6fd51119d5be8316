"""Quarterly report generation for a tenant with a year of data: 365 days × 20 KPIs of daily snapshots
(7,300 rows) plus a target per KPI per quarter (80 targets) and a published policy.

Timed: each step of `core.reports.generate` on its own (collect data, charts, HTML, PDF) over 5 runs, then the
whole job through `run_named_job` (its transactions, progress updates and the stored result), for the last
full quarter and for a whole year. Both databases (the fixtures run it on SQLite and PostgreSQL).

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db> .venv/bin/pytest -q -m bench
tests/bench/test_report_bench.py -s``. Prints figures; asserts no timings.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pypdfium2
import pytest
from sqlalchemy import insert

from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import KpiSnapshot, MethodologyVersion, QuarterlyReport, Target
from core.policy.models import PolicyVersion
from core.reports import document, pdf
from core.reports.periods import last_full_quarter, quarter_end, quarter_start
from core.reports.service import ReportInput, queue_report
from core.tenancy.scope import tenant_scope

pytestmark = pytest.mark.bench

KPIS = 20
DAYS = 365
RUNS = 5
UNITS = ("count", "count", "count", "percent", "index")


async def _year_of_data(sessionmaker: Any, tenant_id: Any, today: date) -> None:
    rng = random.Random(5)
    kpis = [{"key": f"kpi_{i:02d}", "name": f"KPI {i:02d}", "definition": "", "source": "bench",
             "unit": UNITS[i % len(UNITS)]} for i in range(KPIS)]
    now = datetime.now(UTC)
    first = today - timedelta(days=DAYS)
    rows = [{"kpi": k["key"], "day": first + timedelta(days=d), "value": rng.uniform(10, 500),
             "methodology_number": 1, "source": "plugin", "measured_at": now, "tenant_id": tenant_id}
            for k in kpis for d in range(DAYS)]
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            s.add(MethodologyVersion(number=1, kpis=kpis, reason="bench"))
            await s.execute(insert(KpiSnapshot), rows)
            start = quarter_start(first)
            while start <= today:
                for k in kpis:
                    s.add(Target(kpi=k["key"], period_start=start, period_end=quarter_end(start),
                                 value=rng.uniform(1000, 40000), rationale=f"Doel voor {k['name']}"))
                start = quarter_end(start) + timedelta(days=1)
            s.add(PolicyVersion(number=1, strategy={"function": "luisteren"},
                                way_of_work={"roles": "Hub and spoke", "tone_of_voice": "Open en persoonlijk"},
                                published_at=now))


async def _queued(sessionmaker: Any, tenant_id: Any, start: date, end: date) -> QuarterlyReport:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            inputs = {"strategy": "Luisteren, dan praten. " * 40, "way_of_work": "", "resources_text": "Uitleg",
                      "growth_scenarios": "Scenario A en B. " * 30, "fte": 2.5, "budget": 25000.0}
            return await queue_report(s, "bench", ReportInput("Benchmark", start, end, inputs), "nl")


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.0f} ms, max {max(values) * 1000:7.0f} ms"


async def test_report_generation_with_a_year_of_data(app: Any, world: Any, sessionmaker: Any, backend: str) -> None:
    today = datetime.now(UTC).date()
    t0 = time.perf_counter()
    await _year_of_data(sessionmaker, world.a.id, today)
    print(f"\n[{backend}] set-up: {KPIS * DAYS} snapshots, targets, policy in {time.perf_counter() - t0:.1f} s")
    quarter = last_full_quarter(today)
    year = (today - timedelta(days=DAYS - 1), today)
    for label, (start, end) in (("quarter", quarter), ("year", year)):
        report = await _queued(sessionmaker, world.a.id, start, end)
        steps: dict[str, list[float]] = {"collect": [], "charts": [], "html": [], "pdf": []}
        size = pages = 0
        for _ in range(RUNS):
            t = time.perf_counter()
            with tenant_scope(world.a.id):
                async with sessionmaker() as s:
                    content = await document.collect(s, report, app.state.pm)
            steps["collect"].append(time.perf_counter() - t)
            t = time.perf_counter()
            document.draw_charts(content, "nl")
            steps["charts"].append(time.perf_counter() - t)
            t = time.perf_counter()
            html = document.render_html(report, content)
            steps["html"].append(time.perf_counter() - t)
            t = time.perf_counter()
            data = pdf.html_to_pdf(document.print_document(report, html))
            steps["pdf"].append(time.perf_counter() - t)
            size = len(data)
            pages = len(pypdfium2.PdfDocument(data))
        t = time.perf_counter()
        assert await run_named_job(app, "core.reports.generate", world.a.id, report_id=str(report.id)) == "done"
        whole = time.perf_counter() - t
        print(f"[{backend}] {label} {start}–{end}: {len(content.results)} KPIs, {len(content.images)} charts, "
              f"HTML {len(html) / 1024:.0f} KiB, PDF {size / 1024:.0f} KiB, {pages} pages")
        for name, values in steps.items():
            print(f"[{backend}]   {name:8s} {_ms(values)}")
        print(f"[{backend}]   whole job (run_named_job, stored): {whole * 1000:.0f} ms")
