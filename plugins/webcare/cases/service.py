"""Cases coming in (from intake or by hand), and the routing set-up: queues and rules.

`place` is the one path a message takes into the inbox: it joins the author's open case on the same topic
(opened within `WebcareConfig.join_window_hours`; a resolved one is reopened) or opens a new one, numbered from
`WebcareConfig.next_case_number` with one `UPDATE ... RETURNING` per batch, in its queue and department, with a
derived priority and (when `auto_assign`) a round-robin assignee. A handful of statements per batch whatever
its size: one look-up of open cases for all authors, one of available agents, bulk inserts of cases and messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    NotFound,
    PostRef,
    Refused,
    bulk_insert,
    clean_text,
    clean_uuid,
    department_choices,
    find_item,
    get_or_404,
    owning_department,
    record_audit,
    utcnow,
)
from plugins.webcare.cases import rules as R
from plugins.webcare.cases.changes import NEXT_VERSION
from plugins.webcare.models import (
    CHANNELS,
    OPEN_STATUSES,
    AgentState,
    Case,
    CaseMessage,
    CaseQueue,
    RoutingRule,
    WebcareConfig,
)
from plugins.webcare.sla import service as sla

DEFAULT_QUEUE = "Webcare"
MAX_BODY = 20_000


# -- configuration and queues -----------------------------------------------------------------------------------

async def config(session: AsyncSession) -> WebcareConfig:
    """The tenant's settings, created with the defaults on first use (the SLA slice owns the row)."""
    return await sla.config_of(session)


async def take_numbers(session: AsyncSession, cfg: WebcareConfig, count: int) -> int:
    """Reserve `count` consecutive case numbers; returns the first. Raises the inbox counter too: the cases
    these numbers are for are inserted in bulk, past the flush that raises it (see `cases.changes`)."""
    after = await session.scalar(
        update(WebcareConfig).where(WebcareConfig.id == cfg.id)
        .values(next_case_number=WebcareConfig.next_case_number + count, **NEXT_VERSION)
        .returning(WebcareConfig.next_case_number).execution_options(synchronize_session=False))
    return int(after) - count


async def default_queue(session: AsyncSession) -> CaseQueue | None:
    """The tenant's default queue; "Webcare", owned by the plugin's department, is created if there is none."""
    queue = await session.scalar(select(CaseQueue).where(CaseQueue.is_default.is_(True)).limit(1))
    if queue is not None:
        return queue
    department_id = await owning_department(session, "webcare")
    if department_id is None:
        return None
    queue = await session.scalar(select(CaseQueue).where(CaseQueue.name == DEFAULT_QUEUE))
    if queue is None:
        queue = CaseQueue(name=DEFAULT_QUEUE, department_id=department_id, is_default=True)
        session.add(queue)
    else:
        queue.is_default = True
    await session.flush()
    return queue


async def queue_departments(session: AsyncSession) -> dict[UUID, UUID]:
    rows = await session.execute(select(CaseQueue.id, CaseQueue.department_id))
    return {i: d for i, d in rows.all()}


def queues_query() -> Select[Any]:
    return select(CaseQueue).order_by(CaseQueue.is_default.desc(), CaseQueue.name, CaseQueue.id)


async def queue_choices(session: AsyncSession) -> list[tuple[str, str]]:
    rows = await session.execute(select(CaseQueue.id, CaseQueue.name).order_by(CaseQueue.name))
    return [(str(i), name) for i, name in rows.all()]


async def _clean_queue(session: AsyncSession, values: dict[str, Any], queue: CaseQueue | None) -> dict[str, Any]:
    errors = FieldErrors()
    name = errors.clean(clean_text, values.get("name"), "name", max_length=120)
    description = errors.clean(clean_text, values.get("description"), "description", required=False,
                               max_length=2000)
    department_id = errors.clean(clean_uuid, values.get("department_id"), "department_id")
    if department_id is not None and department_id not in {i for i, _ in await department_choices(session)}:
        errors.add("department_id", msgid="Choose a valid option.")
    if name:
        clash = select(CaseQueue.id).where(func.lower(CaseQueue.name) == name.lower())
        if queue is not None:
            clash = clash.where(CaseQueue.id != queue.id)
        if await session.scalar(clash) is not None:
            errors.add("name", msgid="There is already a queue with this name.")
    errors.raise_if_any()
    return {"name": name, "description": description or "", "department_id": department_id}


async def create_queue(session: AsyncSession, principal: Any, values: dict[str, Any]) -> CaseQueue:
    fields = await _clean_queue(session, values, None)
    has_default = await session.scalar(select(CaseQueue.id).where(CaseQueue.is_default.is_(True)).limit(1))
    queue = CaseQueue(**fields, is_default=has_default is None)
    session.add(queue)
    await session.flush()
    await record_audit(session, principal, "webcare.queue_created", subject=queue, summary=queue.name,
                       data={"department_id": str(queue.department_id)})
    return queue


async def update_queue(session: AsyncSession, principal: Any, queue_id: UUID, values: dict[str, Any]) -> CaseQueue:
    queue = await get_or_404(session, CaseQueue, queue_id)
    fields = await _clean_queue(session, values, queue)
    before = {"name": queue.name, "department_id": str(queue.department_id)}
    for key, value in fields.items():
        setattr(queue, key, value)
    await session.flush()
    await record_audit(session, principal, "webcare.queue_updated", subject=queue, summary=queue.name,
                       data={"before": before, "after": {"name": queue.name,
                                                         "department_id": str(queue.department_id)}})
    return queue


async def delete_queue(session: AsyncSession, principal: Any, queue_id: UUID) -> None:
    queue = await get_or_404(session, CaseQueue, queue_id)
    if queue.is_default:
        raise Refused(field="__all__", msgid="The default queue cannot be deleted.")
    if await session.scalar(select(Case.id).where(Case.queue_id == queue.id,
                                                  Case.status.in_(OPEN_STATUSES)).limit(1)) is not None:
        raise Refused(field="__all__", msgid="This queue still holds open cases.")
    await record_audit(session, principal, "webcare.queue_deleted", subject=queue, summary=queue.name)
    await session.delete(queue)
    await session.flush()


# -- routing rules ------------------------------------------------------------------------------------------------

def rules_query() -> Select[Any]:
    return select(RoutingRule).order_by(RoutingRule.position, RoutingRule.created_at, RoutingRule.id)


async def active_rules(session: AsyncSession) -> list[R.CompiledRule]:
    rows = await session.scalars(rules_query().where(RoutingRule.is_active.is_(True)))
    return [R.compile_rule(r) for r in rows.all()]


async def _queue_ids(session: AsyncSession) -> set[UUID]:
    return set((await queue_departments(session)).keys())


async def create_rule(session: AsyncSession, principal: Any, values: dict[str, Any]) -> RoutingRule:
    fields = R.clean_rule(values, await _queue_ids(session))
    last = await session.scalar(select(func.max(RoutingRule.position)))
    rule = RoutingRule(**fields, position=(last or 0) + 1)
    session.add(rule)
    await session.flush()
    await record_audit(session, principal, "webcare.rule_created", subject=rule, summary=rule.name,
                       data=_audit_of(rule))
    return rule


async def update_rule(session: AsyncSession, principal: Any, rule_id: UUID, values: dict[str, Any]) -> RoutingRule:
    rule = await get_or_404(session, RoutingRule, rule_id)
    fields = R.clean_rule(values, await _queue_ids(session))
    before = _audit_of(rule)
    for key, value in fields.items():
        setattr(rule, key, value)
    await session.flush()
    await record_audit(session, principal, "webcare.rule_updated", subject=rule, summary=rule.name,
                       data={"before": before, "after": _audit_of(rule)})
    return rule


async def delete_rule(session: AsyncSession, principal: Any, rule_id: UUID) -> None:
    rule = await get_or_404(session, RoutingRule, rule_id)
    await record_audit(session, principal, "webcare.rule_deleted", subject=rule, summary=rule.name,
                       data=_audit_of(rule))
    await session.delete(rule)
    await session.flush()


async def move_rule(session: AsyncSession, principal: Any, rule_id: UUID, direction: str) -> RoutingRule:
    """Swap a rule with its neighbour above ("up") or below ("down"); positions are renumbered 1..n."""
    if direction not in ("up", "down"):
        raise DomainError(field="direction", msgid="Choose one of: {choices}.", choices="up, down")
    rule = await get_or_404(session, RoutingRule, rule_id)
    ordered = list((await session.scalars(rules_query())).all())
    index = ordered.index(rule)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, r in enumerate(ordered, start=1):
        r.position = position
    await session.flush()
    await record_audit(session, principal, "webcare.rule_moved", subject=rule, summary=f"{rule.name} {direction}",
                       data={"order": [str(r.id) for r in ordered]})
    return rule


def _audit_of(rule: RoutingRule) -> dict[str, Any]:
    return {"name": rule.name, "conditions": rule.conditions, "queue_id": str(rule.queue_id or ""),
            "priority": rule.priority or "", "is_active": rule.is_active, "position": rule.position}


def form_of(rule: RoutingRule | None) -> dict[str, Any]:
    if rule is None:
        return {"name": "", "is_active": True, "sentiments": [], "keywords": "", "profile_ids": "",
                "source_types": "", "queue_id": "", "priority": ""}
    c = rule.conditions or {}
    return {"name": rule.name, "is_active": rule.is_active, "sentiments": c.get("sentiments") or [],
            "question": bool(c.get("question")), "own_accounts": bool(c.get("own_accounts")),
            "keywords": ", ".join(c.get("keywords") or []), "profile_ids": ", ".join(c.get("profile_ids") or []),
            "source_types": ", ".join(c.get("source_types") or []), "queue_id": str(rule.queue_id or ""),
            "priority": rule.priority or ""}


# -- placing messages into cases ----------------------------------------------------------------------------------

def network_uri(value: Any) -> str:
    """A post's network address as a case keeps it (an AT URI of a post), else ""."""
    uri = str(value or "").strip()
    try:
        return PostRef.from_uri(uri).uri if uri and len(uri) <= 500 else ""
    except ValueError:
        return ""


@dataclass(slots=True)
class Incoming:
    """One message on its way into the inbox."""

    author_handle: str
    topic: str
    body: str
    at: datetime
    sentiment: str = "neutral"
    channel: str = "mention"
    author_name: str = ""
    author_reach: int = 0
    url: str = ""
    subject: str = ""
    mention_id: UUID | None = None
    rule_id: UUID | None = None
    queue_id: UUID | None = None
    priority_override: str | None = None
    keywords: list[str] = field(default_factory=list)
    uri: str = ""
    """The post's network address when it was read from a network (a reply goes into its thread)."""
    account_id: UUID | None = None
    """The organisation's account whose connection read it (the reply is posted from it)."""


@dataclass(slots=True)
class Placed:
    case_id: UUID
    number: int
    joined: bool


async def _open_cases(session: AsyncSession, handles: list[str], since: datetime) -> dict[tuple[str, str], Case]:
    """The newest joinable case per (author in lower case, topic) opened since `since`, for all authors in one
    query (an expression index on lower(author_handle) serves it): an open
    one, or a resolved one (a new message reopens it; a closed case is final, so a new message opens a new case)."""
    found: dict[tuple[str, str], Case] = {}
    if not handles:
        return found
    rows = await session.scalars(select(Case).where(func.lower(Case.author_handle).in_(handles),
                                                    Case.status.in_((*OPEN_STATUSES, "resolved")),
                                                    Case.opened_at >= since)
                                 .order_by(Case.opened_at.desc()))
    for case in rows.all():
        found.setdefault((case.author_handle.lower(), case.topic), case)
    return found


async def _agents(session: AsyncSession) -> list[AgentState]:
    """Available agents, the longest without a new case first (never assigned before anyone)."""
    rows = await session.scalars(select(AgentState).where(AgentState.available.is_(True)))
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(rows.all(), key=lambda a: (a.last_assigned_at or epoch, str(a.user_id)))


async def place(session: AsyncSession, items: list[Incoming], *, now: datetime | None = None,
                user_id: UUID | None = None) -> list[Placed]:
    """Join each message to its author's open case on its topic, or open a case; see the module doc."""
    if not items:
        return []
    now = now or utcnow()
    cfg = await config(session)
    since = now - timedelta(hours=cfg.join_window_hours)
    handles = sorted({i.author_handle.lower() for i in items if i.author_handle})  # "@Jan" is "@jan"
    open_cases = await _open_cases(session, handles, since)
    queues = await queue_departments(session)
    fallback: CaseQueue | None = None
    if any(i.queue_id not in queues for i in items):
        fallback = await default_queue(session)
        if fallback is not None:
            queues[fallback.id] = fallback.department_id

    new_rows: list[dict[str, Any]] = []
    joined: dict[UUID, tuple[Case, str, bool]] = {}
    """Stored open cases this batch joins: (case, its priority before, whether it was waiting)."""
    new_by_key: dict[tuple[str, str], dict[str, Any]] = {}
    messages: list[dict[str, Any]] = []
    placed: list[Placed | dict[str, Any]] = []
    for item in items:
        key = (item.author_handle.lower(), item.topic)
        derived = R.derive_priority(item.author_reach, item.sentiment, item.priority_override)
        message = {"id": uuid4(), "kind": "inbound", "body": item.body[:MAX_BODY], "author_handle": item.author_handle,
                   "user_id": user_id, "mention_id": item.mention_id, "url": item.url, "sentiment": item.sentiment,
                   "details": {"channel": item.channel, **({"uri": item.uri} if item.uri else {})}, "at": item.at,
                   "reply_id": None}
        existing = open_cases.get(key) if item.author_handle else None
        if existing is not None:
            joined[existing.id] = (existing, existing.priority, existing.status == "waiting")
            _join(existing, item, derived, now, messages)
            message["case_id"] = existing.id
            messages.append(message)
            placed.append(Placed(existing.id, existing.number, True))
            continue
        row = new_by_key.get(key) if item.author_handle else None
        if row is not None:
            row["last_message_at"] = now
            row["sentiment_last"] = item.sentiment
            if item.uri:  # a reply answers the customer's latest post on the network
                row["source_uri"], row["source_account_id"] = item.uri, item.account_id
            if not row["priority_manual"]:
                row["priority"] = R.higher(row["priority"], derived)
            message["case_id"] = row["id"]
            messages.append(message)
            placed.append({"joined": row})
            continue
        queue_id = item.queue_id if item.queue_id in queues else (fallback.id if fallback else None)
        row = {"id": uuid4(), "number": 0, "subject": (item.subject or item.body)[:300].strip(), "status": "new",
               "priority": derived, "priority_manual": False, "channel": item.channel, "queue_id": queue_id,
               "department_id": queues.get(queue_id) if queue_id else None, "assignee_id": None,
               "rule_id": item.rule_id, "author_handle": item.author_handle, "author_name": item.author_name,
               "author_reach": item.author_reach, "topic": item.topic, "source_mention_id": item.mention_id,
               "url": item.url, "source_uri": item.uri, "source_account_id": item.account_id if item.uri else None,
               "sentiment_first": item.sentiment, "sentiment_last": item.sentiment,
               "keywords": list(item.keywords), "opened_at": now, "last_message_at": now}
        new_rows.append(row)
        new_by_key[key] = row
        message["case_id"] = row["id"]
        messages.append(message)
        placed.append({"new": row})

    clock = await sla.clock_of(session, cfg) if new_rows or joined else None
    for case, priority_before, was_waiting in joined.values():
        if was_waiting:  # the wait is over: the resolution deadline moves by the time spent waiting
            await sla.resume(session, case, now, clock=clock)
        elif case.priority != priority_before:
            await sla.refresh_deadlines(session, case, now, clock=clock, config=cfg)
    if new_rows:
        first = await take_numbers(session, cfg, len(new_rows))
        for offset, row in enumerate(new_rows):
            row["number"] = first + offset
            row["first_response_due"] = clock.add(now, sla.sla_minutes(cfg, row["priority"], "first_response"))
            row["resolution_due"] = clock.add(now, sla.sla_minutes(cfg, row["priority"], "resolution"))
        if cfg.auto_assign:
            await _assign_round_robin(session, new_rows, now, messages)
        await bulk_insert(session, Case, new_rows)
    await bulk_insert(session, CaseMessage, messages)
    out: list[Placed] = []
    for p in placed:
        if isinstance(p, Placed):
            out.append(p)
        elif "new" in p:
            out.append(Placed(p["new"]["id"], p["new"]["number"], False))
        else:
            out.append(Placed(p["joined"]["id"], p["joined"]["number"], True))
    return out


def _join(case: Case, item: Incoming, derived: str, now: datetime, messages: list[dict[str, Any]]) -> None:
    case.last_message_at = now
    case.sentiment_last = item.sentiment
    if item.uri:  # a reply answers the customer's latest post on the network
        case.source_uri, case.source_account_id = item.uri, item.account_id
    if not case.priority_manual:
        case.priority = R.higher(case.priority, derived)
    if case.status in ("waiting", "resolved"):  # the customer wrote again: waiting → open, resolved → reopened
        before, case.status = case.status, "open" if case.status == "waiting" else "reopened"
        if case.status == "reopened":
            case.reopened_count = (case.reopened_count or 0) + 1
            case.resolved_at = None
        messages.append({"id": uuid4(), "case_id": case.id, "kind": "event", "body": "", "author_handle": "",
                         "user_id": None, "mention_id": None, "url": "", "sentiment": "", "reply_id": None,
                         "details": {"event": "status", "from": before, "to": case.status, "by": "customer"},
                         "at": now})
    for k in item.keywords:
        if k not in (case.keywords or []):
            case.keywords = [*(case.keywords or []), k]
    case.revision = (case.revision or 0) + 1


async def _assign_round_robin(session: AsyncSession, rows: list[dict[str, Any]], now: datetime,
                              messages: list[dict[str, Any]]) -> None:
    """Each new case to the available agent who waited longest for one (their `last_assigned_at` moves on)."""
    agents = await _agents(session)
    if not agents:
        return
    for offset, row in enumerate(rows):
        agent = agents.pop(0)
        row["assignee_id"] = agent.user_id
        agent.last_assigned_at = now + timedelta(microseconds=offset)
        agents.append(agent)
        messages.append({"id": uuid4(), "case_id": row["id"], "kind": "event", "body": "", "author_handle": "",
                         "user_id": None, "mention_id": None, "url": "", "sentiment": "", "reply_id": None,
                         "details": {"event": "assigned", "to": str(agent.user_id), "by": "round_robin"},
                         "at": now})
    await session.flush()


# -- a case by hand or from a direct message ------------------------------------------------------------------------

MANUAL_CHANNELS = ("manual", "dm", "mention")


def clean_manual(values: dict[str, Any], queue_ids: set[UUID]) -> Incoming:
    errors = FieldErrors()
    handle = errors.clean(clean_text, values.get("author_handle"), "author_handle", max_length=200)
    body = errors.clean(clean_text, values.get("text"), "text", max_length=MAX_BODY)
    url = errors.clean(clean_text, values.get("url"), "url", required=False, max_length=2000) or ""
    if url and not url.lower().startswith(("http://", "https://")):
        errors.add("url", msgid="Use a web address starting with http:// or https://.")
    sentiment = str(values.get("sentiment") or "neutral")
    if sentiment not in R.SENTIMENTS:
        errors.add("sentiment", msgid="Unknown sentiment: {value}.", value=sentiment[:40])
    channel = str(values.get("channel") or "manual")
    if channel not in MANUAL_CHANNELS or channel not in CHANNELS:
        errors.add("channel", msgid="Choose one of: {choices}.", choices=", ".join(MANUAL_CHANNELS))
    topic = errors.clean(clean_text, values.get("topic"), "topic", required=False, max_length=R.MAX_TOPIC) or ""
    subject = errors.clean(clean_text, values.get("subject"), "subject", required=False, max_length=300) or ""
    name = errors.clean(clean_text, values.get("author_name"), "author_name", required=False, max_length=200) or ""
    reach = values.get("author_reach") or 0
    if isinstance(reach, bool) or not isinstance(reach, int) or reach < 0:
        errors.add("author_reach", msgid="Use a whole number of 0 or more.")
        reach = 0
    mention_id = errors.clean(clean_uuid, values.get("mention_id"), "mention_id", required=False)
    queue_id = errors.clean(clean_uuid, values.get("queue_id"), "queue_id", required=False)
    if queue_id is not None and queue_id not in queue_ids:
        errors.add("queue_id", msgid="Choose a valid option.")
    priority = values.get("priority") or None
    if priority is not None and priority not in R.LEVELS:
        errors.add("priority", msgid="Choose one of: {choices}.", choices=", ".join(R.LEVELS))
    errors.raise_if_any()
    return Incoming(author_handle=handle or "", topic=topic.casefold(), body=body or "", at=utcnow(),
                    sentiment=sentiment, channel=channel, author_name=name, author_reach=reach, url=url,
                    subject=subject, mention_id=mention_id, queue_id=queue_id, priority_override=priority)


async def case_from_mention(session: AsyncSession, principal: Any, values: dict[str, Any],
                            pm: Any) -> tuple[Case, bool]:
    """A case by hand: a direct message ("dm"), a mention someone picked ("mention") or anything else
    ("manual"). Joins the author's open case on the same topic like intake does. Returns (case, joined).

    A `mention_id` must name one of this tenant's mentions, as an active plugin that owns mentions knows them
    (`pm`: the plugin manager); another tenant's or a made-up id is refused, never stored as a dangling link."""
    item = clean_manual(values, await _queue_ids(session))
    found = await find_item(session, pm, "mention", item.mention_id) if item.mention_id is not None else None
    if item.mention_id is not None and found is None:
        raise DomainError(field="mention_id", msgid="No mention with this id in this organisation.")
    if found is not None:  # where the post is on the network comes from its owner, never from the form
        item.uri = network_uri(found.get("uri"))
        item.account_id = clean_uuid(found.get("account_id"), "account_id", required=False) \
            if found.get("account_id") else None
    if item.mention_id is not None:  # a mention already in a case (by a rule or by hand) stays in that case
        case_id = await session.scalar(select(CaseMessage.case_id).where(CaseMessage.mention_id == item.mention_id)
                                       .limit(1))
        existing = await session.get(Case, case_id) if case_id else None
        if existing is not None:
            return existing, True
    user_id = getattr(principal, "user_id", None)
    [result] = await place(session, [item], user_id=user_id)
    case = await session.get(Case, result.case_id)
    if case is None:
        raise NotFound()
    await record_audit(session, principal, "webcare.case_joined" if result.joined else "webcare.case_created",
                       subject=case, summary=f"#{case.number} {item.channel}",
                       data={"channel": item.channel, "author_handle": item.author_handle, "topic": item.topic})
    return case, result.joined
