"""Co-creation's closed loop, recorded on the case: when the author of a case that led to an idea was answered
about the idea's stage change (event `idea.loop_replied`, kind "case"), the reply joins the case's history as
an outbound message. The reply was sent by co-creation through the network connector; webcare only records it,
so the case shows everything its customer was told, and a case not answered before counts it as its first
response (its first-response deadline no longer warns)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core.plugins.api import DomainEvent, HookContext, as_utc, utcnow
from plugins.webcare.models import Case, CaseMessage


async def on_loop_replies(ctx: HookContext, events: list[DomainEvent]) -> None:
    for event in events:
        payload = event.payload
        if payload.get("kind") != "case":
            continue
        try:
            case = await ctx.session.get(Case, UUID(str(payload.get("ref_id"))))
        except ValueError:
            continue
        if case is None:
            continue
        try:
            at = as_utc(datetime.fromisoformat(str(payload.get("sent_at"))))
        except (TypeError, ValueError):
            at = utcnow()
        ctx.session.add(CaseMessage(case_id=case.id, kind="reply", body=str(payload.get("text") or ""), at=at,
                                    url=str(payload.get("post_url") or "")[:2000],
                                    details={"connector": "atproto", "uri": str(payload.get("post_uri") or ""),
                                             "origin": "idea_loop", "idea_id": str(payload.get("idea_id") or "")}))
        if case.first_response_at is None:  # the customer was answered: the first-response clock stops
            case.first_response_at = at
        case.revision = (case.revision or 0) + 1
    await ctx.session.flush()
