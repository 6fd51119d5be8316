"""`webcare.deliver_reply`: deliver one reply to the tenant's webhook (the core's signed webhook connector), or
post it in the thread of the case's post on the network (the AT Protocol connector, `connectors.post_in_thread`),
with retries and a delivery log.

Idempotent: a reply that is not "sending" (sent, failed, rejected, ...) is left alone, so a repeated message
sends nothing twice. Each attempt writes a `Delivery` row (attempt, status code, error, duration). On failure
the job queues itself again after 30 s, 60 s, 120 s, 240 s; after the fifth failed attempt the reply is
"failed" (an event on the case, its author is told). On success the reply is sent (`service.mark_sent`).
The reply row is locked for the attempt (PostgreSQL), so two copies of the message never post twice; on the
network the record key stored before the first attempt also covers a crash between posting and recording: the
next attempt finds the post under that key and records it instead of posting again.
A failed reply tried again by hand (`service.retry`) is "sending" again with its attempts kept: it gets one
attempt per retry, and fails again at once when that one fails.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from sqlalchemy import select

from core.plugins.api import JobContext, JobSpec, Msg, enqueue_job, record_audit, utcnow
from plugins.webcare.models import Case, CaseMessage, Delivery, Reply
from plugins.webcare.replies import service
from plugins.webcare.replies.connectors import QUEUED, post_in_thread, send
from plugins.webcare.sla.service import config_of


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None


def backoff(attempt: int) -> int:
    """Seconds before the next attempt after failed attempt number `attempt` (1-based)."""
    return 30 * 2 ** (attempt - 1)


async def deliver_reply(ctx: JobContext, reply_id: str = "", **_: Any) -> str:
    """Returns what happened: "sent", "retry", "failed" or "skipped"."""
    session = ctx.session
    assert session is not None  # the spec's default: one transaction around the job
    wanted = _uuid(reply_id)
    if wanted is None:
        return "skipped"
    reply = await session.scalar(select(Reply).where(Reply.id == wanted).with_for_update())
    if reply is None or reply.status != "sending" or reply.connector not in QUEUED:
        return "skipped"
    case = await session.get(Case, reply.case_id)
    if case is None:
        return "skipped"
    config = await config_of(session)
    attempt = (reply.attempts or 0) + 1
    started = time.monotonic()
    if reply.connector == "atproto":
        result = await post_in_thread(session, ctx.settings, reply)
        target = reply.reply_to_uri
    else:
        result = await send(reply, case, config, ctx.settings, attempt)
        target = config.webhook_url
    duration_ms = int((time.monotonic() - started) * 1000)
    session.add(Delivery(reply_id=reply.id, attempt=attempt, url=target[:2000], status_code=result.status_code,
                         error=result.error, duration_ms=duration_ms, succeeded=result.ok))
    reply.attempts = attempt
    if result.ok:
        reply.last_error = ""
        reply.remote_uri = result.uri[:500]
        await service.mark_sent(session, reply, case, result.external_url, utcnow())
        await record_audit(session, "system", "webcare.reply_sent", subject=reply, tenant_id=ctx.tenant_id,
                           summary=f"#{case.number} {reply.connector}",
                           data={"attempt": attempt, "status_code": result.status_code,
                                 **({"uri": result.uri} if result.uri else {})},
                           touch=False)
        return "sent"
    reply.last_error = result.error
    if attempt >= service.MAX_ATTEMPTS:
        reply.status = "failed"
        session.add(CaseMessage(case_id=case.id, kind="event", at=utcnow(), reply_id=reply.id,
                                details={"event": "reply_failed", "attempts": attempt, "error": result.error[:300]}))
        case.revision = (case.revision or 0) + 1
        await record_audit(session, "system", "webcare.reply_failed", subject=reply, tenant_id=ctx.tenant_id,
                           summary=f"#{case.number} after {attempt} attempts", data={"error": result.error[:300]},
                           touch=False)
        await service.notify_author(session, ctx.settings, reply, case,
                                    Msg("Case #{number}: your reply could not be delivered", number=case.number),
                                    Msg("Error: {error}", error=result.error[:300]), ctx.tenant_slug)
        return "failed"
    enqueue_job(session, "webcare.deliver_reply", after_seconds=backoff(attempt), reply_id=str(reply.id))
    return "retry"


JOBS = [JobSpec(name="webcare.deliver_reply", run=deliver_reply, max_retries=0, time_limit_ms=60_000)]
