"""The surveys' background jobs, each idempotent (a message may arrive twice):

- `energizing.send_invitations` (survey_id, progress_id, lang): invite every consenting contact not yet invited;
- `energizing.send_reminders` (periodic, or survey_id by hand): the one reminder to those who did not answer;
- `energizing.classify_answers` (periodic): sentiment of unclassified "why" texts, when a plugin classifies;
- `energizing.expire_answers` (periodic): pending shared-link answers whose confirmation ran out are dropped.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from core.plugins.api import (
    JobContext,
    JobSpec,
    classify_sentiment,
    current_tenant,
    job_transaction,
    update_progress,
)
from plugins.energizing.surveys import answering, sending
from plugins.energizing.surveys.models import Survey, SurveyAnswer

CLASSIFY_BATCH = 500
SEND_CHUNK = 200


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


async def send_invitations(ctx: JobContext, survey_id: str = "", progress_id: str = "", lang: str = "nl",
                           **_: Any) -> int:
    """Sends in chunks, each committed in a transaction of its own, and moves the bar between them: the bar's
    transaction never waits for an open sending one (SQLite has one writer at a time, so it would wait until the
    database gives up), and "done" is said only once the mails are committed."""
    wanted = _uuid(survey_id)
    sent, total = 0, 0
    while True:
        async with job_transaction(ctx) as session:
            survey = await session.get(Survey, wanted) if wanted else None
            tenant = await current_tenant(session)
            if survey is None or tenant is None or survey.state != "open":
                break
            total = total or int(await session.scalar(sending.uninvited_count_query(survey)) or 0)
            batch = await sending.send_invitations(session, survey, base_url=ctx.settings.base_url,
                                                   slug=ctx.tenant_slug, tenant_name=tenant.name, lang=lang,
                                                   secret=str(ctx.settings.secret_key), limit=SEND_CHUNK)
        sent += batch
        if batch < SEND_CHUNK:
            break
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, done=sent, total=max(total, sent),
                                  status="running")
    if progress_id:
        await update_progress(ctx.sessionmaker, progress_id, done=sent, total=max(total, sent), status="done",
                              result={"sent": sent})
    return sent


async def send_reminders(ctx: JobContext, survey_id: str = "", progress_id: str = "", lang: str = "nl",
                         **_: Any) -> int:
    """Without a survey: every open survey of the tenant (the periodic run). The bar is moved after the commit,
    as for the invitations."""
    wanted = _uuid(survey_id) if survey_id else None
    sent = 0
    async with job_transaction(ctx) as session:
        tenant = await current_tenant(session)
        query = select(Survey).where(Survey.state == "open")
        if wanted is not None:
            query = query.where(Survey.id == wanted)
        if tenant is not None and not (survey_id and wanted is None):
            for survey in list(await session.scalars(query)):
                sent += await sending.send_reminders(session, survey, base_url=ctx.settings.base_url,
                                                     slug=ctx.tenant_slug, tenant_name=tenant.name, lang=lang,
                                                     secret=str(ctx.settings.secret_key))
    if progress_id:
        await update_progress(ctx.sessionmaker, progress_id, done=sent, total=sent, status="done",
                              result={"sent": sent})
    return sent


async def classify_answers(ctx: JobContext, **_: Any) -> int:
    """Label up to a batch of counted answers whose "why" has no sentiment yet; nothing when no active plugin
    classifies (they wait for monitoring). Returns how many were labelled."""
    session = ctx.session
    assert session is not None
    rows = list(await session.scalars(select(SurveyAnswer).where(
        SurveyAnswer.state == "counted", SurveyAnswer.sentiment_label == "", SurveyAnswer.why != "")
        .order_by(SurveyAnswer.answered_at).limit(CLASSIFY_BATCH)))
    if not rows:
        return 0
    found = await classify_sentiment(session, ctx.pm, [r.why for r in rows], lang="nl")
    if found is None:
        return 0
    for answer, (label, score) in zip(rows, found, strict=True):
        answer.sentiment_label, answer.sentiment_score = label, score
    return len(rows)


async def expire_answers(ctx: JobContext, **_: Any) -> int:
    assert ctx.session is not None
    return await answering.expire_pending(ctx.session)


JOBS = [
    JobSpec(name="energizing.send_invitations", run=send_invitations, max_retries=3, time_limit_ms=600_000,
            transaction=False),
    JobSpec(name="energizing.send_reminders", run=send_reminders, every_seconds=3600, max_retries=3,
            time_limit_ms=600_000, transaction=False),
    JobSpec(name="energizing.classify_answers", run=classify_answers, every_seconds=300, max_retries=3,
            time_limit_ms=300_000, coalesce=True),
    JobSpec(name="energizing.expire_answers", run=expire_answers, every_seconds=3600, max_retries=3,
            time_limit_ms=120_000),
]
