"""`mention.received` batches → cases. Runs inside the ingest transaction at ingestion speed, so a batch costs
a fixed handful of statements: the active rules (once), the tenant's own handles (only when a rule asks), then
`service.place` (open cases of all authors in one query, numbers in one `UPDATE ... RETURNING`, bulk inserts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from core.plugins.api import HookContext, registered_handles, utcnow
from plugins.webcare.cases import rules as R
from plugins.webcare.cases.service import Incoming, active_rules, network_uri, place


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def _moment(value: Any, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else default
    except ValueError:
        return default


def incoming_of(payload: dict[str, Any], match: R.Match, now: datetime) -> Incoming:
    rule = match.rule
    title, text = payload.get("title") or "", payload.get("text") or ""
    return Incoming(
        author_handle=str(payload.get("author_handle") or "")[:200],
        topic=R.topic_of(rule, payload.get("profile_ids")),
        body="\n".join(p for p in (title, text) if p), at=_moment(payload.get("published_at"), now),
        sentiment=str(payload.get("sentiment") or "neutral"), channel="mention",
        author_name=str(payload.get("author_name") or "")[:200], author_reach=int(payload.get("author_reach") or 0),
        url=str(payload.get("url") or "")[:2000], subject=(title or text)[:300],
        mention_id=_uuid(payload.get("mention_id")), rule_id=rule.id, queue_id=rule.queue_id,
        priority_override=rule.priority, keywords=match.keywords, uri=network_uri(payload.get("uri")),
        account_id=_uuid(payload.get("account_id")))


async def on_mentions(ctx: HookContext, events: list[Any]) -> int:
    """Evaluate the rules (first match by position wins) and place the matching mentions; returns how many."""
    session = ctx.session
    rules = await active_rules(session)
    if not rules:
        return 0
    own = await registered_handles(session) if any(r.own_accounts for r in rules) else set()
    now = utcnow()
    items = []
    for event in events:
        match = R.first_match(rules, event.payload, own)
        if match is not None:
            items.append(incoming_of(event.payload, match, now))
    await place(session, items, now=now)
    return len(items)
