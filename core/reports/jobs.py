"""The report jobs: generating one report (with its progress bar) and the quarterly schedule.

`core.reports.generate` (payload `report_id`) runs four steps — collect data, charts, HTML, PDF — each moving
the bar in a transaction of its own, and writes the result once: a report that is done is never generated
again (a second message is a no-op), a failed one records why.

`core.reports.quarterly` (hourly, every tenant) produces the previous quarter's report once, in the first
`SCHEDULE_DAYS` days after a quarter ends, when the tenant has a methodology (nothing to report otherwise)
and no report for exactly that period exists yet (whether asked for by hand or by an earlier run).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from core.audit.service import record
from core.evidence.service import latest_methodology, produce_presentation
from core.i18n import N_
from core.jobs.plugin_jobs import job_transaction
from core.jobs.progress import update_progress
from core.measurement.models import QuarterlyReport
from core.plugins.info import JobContext, JobSpec
from core.reports import document, pdf
from core.reports.periods import last_full_quarter, quarter_start
from core.reports.service import GENERATE_JOB, ReportInput, blank_inputs, default_title, queue_report

log = logging.getLogger("regie.reports")
SCHEDULE_DAYS = 14
"""The schedule produces a quarter's report within this many days after the quarter ended."""
STEPS = 4
RUNNING_FOR = 20 * 60
"""A report "running" for longer than this (more than the job's time limit) was left by a crashed worker."""
FAILED = N_("The report could not be generated. Try again; if it fails again, the details are in the server log.")


async def generate(ctx: JobContext, report_id: str) -> str:
    """Generate one report; idempotent (a done report is left as it is)."""
    async with job_transaction(ctx) as session:  # claim it: the row lock makes a second message wait, then skip
        report = await session.scalar(select(QuarterlyReport).where(QuarterlyReport.id == UUID(report_id))
                                      .with_for_update())
        if report is None:
            return "skipped"
        progress_id = report.progress_id
        if report.status == "done":  # a retry after the result was stored: only the bar may be left behind
            finished = True
        elif report.status == "running" and report.updated_at and \
                (datetime.now(UTC) - report.updated_at).total_seconds() < RUNNING_FOR:
            return "running elsewhere"
        else:
            finished = False
            report.status, report.error = "running", ""
    if finished:
        await _finish_bar(ctx, progress_id, report_id)
        return "skipped"
    step = _stepper(ctx, progress_id)
    await step(0, "running")
    try:
        async with job_transaction(ctx) as session:
            report = await session.get(QuarterlyReport, UUID(report_id))
            content = await document.collect(session, report, ctx.pm)
        await step(1)
        document.draw_charts(content, report.lang)
        await step(2)
        report.generated_at = datetime.now(UTC)  # stated in the document
        html = document.render_html(report, content)
        await step(3)
        data = pdf.html_to_pdf(document.print_document(report, html))
        generated_at = report.generated_at
        async with job_transaction(ctx) as session:
            report = await session.scalar(select(QuarterlyReport).where(QuarterlyReport.id == UUID(report_id))
                                          .with_for_update())
            if report.status == "done":  # another worker finished first: one presentation per report
                return "skipped"
            if content.measured:  # a report of nothing measured is no presentation for the gate to read
                presentation = await produce_presentation(session, "system", report.title, report.period_start,
                                                          report.period_end,
                                                          document.presentation_sections(report, content))
                report.presentation_id = presentation.id
            report.html, report.pdf, report.status = html, data, "done"
            report.methodology_number = content.methodology_number
            report.generated_at = generated_at
            await record(session, "system", "report.generated", subject=report, summary=report.title,
                         data={"kpis": len(content.results), "pdf_bytes": len(data),
                               "methodology": content.methodology_number, "measured": content.measured})
    except BaseException as exc:  # also dramatiq's time limit: a failed report says so; the bar must not spin
        log.exception("report %s failed", report_id)  # the details stay in the log: people see a plain message
        async with job_transaction(ctx) as session:
            report = await session.get(QuarterlyReport, UUID(report_id))
            if report is not None:
                report.status, report.error = "failed", exc.__class__.__name__
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, status="failed", error=FAILED)
        if not isinstance(exc, Exception):
            raise
        return "failed"
    await _finish_bar(ctx, progress_id, report_id)
    return "done"


async def _finish_bar(ctx: JobContext, progress_id: UUID | None, report_id: str) -> None:
    if progress_id:
        await update_progress(ctx.sessionmaker, progress_id, done=STEPS, status="done",
                              result={"href": f"/t/{ctx.tenant_slug}/reports/{report_id}"})


def _stepper(ctx: JobContext, progress_id: UUID | None) -> Any:
    async def step(done: int, status: str | None = None) -> None:
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, done=done, total=STEPS, status=status)

    return step


async def quarterly(ctx: JobContext, today: str | None = None) -> str:
    """The previous quarter's report, once, shortly after the quarter ended (`today` for tests)."""
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    start, end = last_full_quarter(day)
    if (day - quarter_start(day)).days >= SCHEDULE_DAYS:
        return "not due"
    session = ctx.session
    if await latest_methodology(session) is None:
        return "no methodology"
    exists = await session.scalar(select(func.count()).select_from(QuarterlyReport).where(
        QuarterlyReport.period_start == start, QuarterlyReport.period_end == end,
        QuarterlyReport.status != "failed"))  # a failed one does not count: the schedule tries again
    if exists:
        return "exists"
    lang = "nl"  # the interface's default language; a report asked for by hand is in its requester's
    report = await queue_report(session, "system", ReportInput(title=default_title(start, end, lang),
                                                               period_start=start, period_end=end,
                                                               inputs=blank_inputs()),
                                lang)
    return str(report.id)


JOBS: list[JobSpec] = [
    JobSpec(name=GENERATE_JOB, run=generate, transaction=False, max_retries=1, time_limit_ms=15 * 60 * 1000),
    JobSpec(name="core.reports.quarterly", run=quarterly, every_seconds=3600),
]
