"""The inbox and the case page: filters over cases, saved views, counts per queue, the agent's availability,
the actions on a case (status, priority, assignee, internal note) and who else is looking at it.

Every action on a case sends the revision the person saw: an older one is refused (409, nothing changed), a
change bumps it, writes an event into the timeline and an audit entry. The inbox list is one indexed query
(ordered by `last_message_at`) plus counts that stop early (the list's total at the pagination's cap, each
queue's open cases at `BADGE_CAP`), cheap enough to poll every few seconds whatever the number of cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    NotFound,
    Refused,
    clean_choice,
    clean_text,
    clean_uuid,
    department_choices,
    member_choices,
    record_audit,
    user_names,
    utcnow,
)
from plugins.webcare.models import (
    CHANNELS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    AgentState,
    Case,
    CaseMessage,
    CaseQueue,
    CaseViewer,
    SavedView,
)
from plugins.webcare.sla import service as sla

PER_PAGE = 50
TIMELINE_PER_PAGE = 100
HISTORY_PER_PAGE = 20
BREACHING_SOON_MINUTES = 60
""""Breaching soon": a running deadline within this many (wall-clock) minutes, or already passed."""
PRESENCE_SECONDS = 30
MAX_NOTE = 10_000
MAX_QUERY = 200
BADGE_CAP = 999
"""A queue's badge counts its open cases up to this many and then says "999+": the badges refresh with every
open inbox, and counting a queue of thousands of open cases in full reads all of them each time."""
SETTABLE_STATUSES = ("new", "open", "waiting", "resolved", "closed")
"""What a person can choose; "reopened" is what a closed or resolved case becomes when set open again."""
DONE = ("resolved", "closed")
STATUS_FILTERS = ("open", "all", *STATUSES)
"""The status filter: "open" (default: every open status), "all", or one status."""
FILTER_KEYS = ("queue", "status", "priority", "assignee", "department", "channel", "q", "breaching")


# -- filters -------------------------------------------------------------------------------------------------------

@dataclass
class Filters:
    queue_id: UUID | None = None
    status: str = "open"
    priority: str = ""
    assignee: str = ""
    """"" (anyone), "me", "nobody" or a user id."""
    assignee_id: UUID | None = None
    department_id: UUID | None = None
    channel: str = ""
    q: str = ""
    breaching: bool = False
    user_id: UUID | None = field(default=None, repr=False)

    def params(self) -> dict[str, str]:
        """The filters as query parameters (only those that differ from the default)."""
        out = {"queue": str(self.queue_id or ""), "status": "" if self.status == "open" else self.status,
               "priority": self.priority, "assignee": self.assignee,
               "department": str(self.department_id or ""), "channel": self.channel, "q": self.q,
               "breaching": "1" if self.breaching else ""}
        return {k: v for k, v in out.items() if v}


def clean_filters(params: Mapping[str, Any], user_id: UUID | None) -> Filters:
    """Query parameters → `Filters`; a bad value is a DomainError naming its parameter (422)."""
    errors = FieldErrors()

    def one(name: str) -> str:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        return str(value or "").strip()

    f = Filters(user_id=user_id)
    f.queue_id = errors.clean(clean_uuid, one("queue"), "queue", required=False)
    f.department_id = errors.clean(clean_uuid, one("department"), "department", required=False)
    status = one("status") or "open"
    if status not in STATUS_FILTERS:
        errors.add("status", "Choose one of: {choices}.", choices=", ".join(STATUS_FILTERS))
    else:
        f.status = status
    for name, allowed in (("priority", PRIORITIES), ("channel", CHANNELS)):
        value = one(name)
        if value and value not in allowed:
            errors.add(name, "Choose one of: {choices}.", choices=", ".join(allowed))
        else:
            setattr(f, name, value)
    assignee = one("assignee")
    if assignee in ("", "me", "nobody"):
        f.assignee = assignee
        if assignee == "me" and user_id is None:
            errors.add("assignee", "Only a signed-in person has cases of their own.")
    else:
        f.assignee_id = errors.clean(clean_uuid, assignee, "assignee")
        f.assignee = assignee if f.assignee_id else ""
    q = one("q")
    if len(q) > MAX_QUERY:
        errors.add("q", "Use at most {max} characters.", max=MAX_QUERY)
    else:
        f.q = q
    breaching = one("breaching").lower()
    if breaching not in ("", "0", "1", "on", "true", "false"):
        errors.add("breaching", "Choose one of: {choices}.", choices="0, 1")
    f.breaching = breaching in ("1", "on", "true")
    errors.raise_if_any()
    return f


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def cases_query(f: Filters, now: datetime | None = None) -> Select[Any]:
    """The inbox: newest activity first, with every filter applied."""
    query = select(Case)
    if f.status == "open":
        query = query.where(Case.status.in_(OPEN_STATUSES))
    elif f.status != "all":
        query = query.where(Case.status == f.status)
    if f.queue_id:
        query = query.where(Case.queue_id == f.queue_id)
    if f.department_id:
        query = query.where(Case.department_id == f.department_id)
    if f.priority:
        query = query.where(Case.priority == f.priority)
    if f.channel:
        query = query.where(Case.channel == f.channel)
    if f.assignee == "me":
        query = query.where(Case.assignee_id == f.user_id)
    elif f.assignee == "nobody":
        query = query.where(Case.assignee_id.is_(None))
    elif f.assignee_id:
        query = query.where(Case.assignee_id == f.assignee_id)
    if f.q:
        pattern = _like(f.q)
        query = query.where(or_(Case.subject.ilike(pattern, escape="\\"),
                                Case.author_handle.ilike(pattern, escape="\\"),
                                Case.author_name.ilike(pattern, escape="\\")))
    if f.breaching:
        soon = (now or utcnow()) + timedelta(minutes=BREACHING_SOON_MINUTES)
        query = query.where(Case.status.in_(("new", "open", "reopened")),
                            or_(and_(Case.first_response_at.is_(None), Case.first_response_due <= soon),
                                Case.resolution_due <= soon))
    return query.order_by(Case.last_message_at.desc(), Case.id.desc())


async def queue_counts(session: AsyncSession) -> list[tuple[UUID, str, int]]:
    """Every queue with its number of open cases, counted up to `BADGE_CAP` + 1 (more shows as "999+"):
    (id, name, count), by name. One statement; each queue reads at most that many index entries."""
    open_cases = (select(Case.id).where(Case.queue_id == CaseQueue.id, Case.status.in_(OPEN_STATUSES))
                  .limit(BADGE_CAP + 1).correlate(CaseQueue).subquery())
    count = select(func.count()).select_from(open_cases).scalar_subquery()
    rows = await session.execute(select(CaseQueue.id, CaseQueue.name, count).order_by(CaseQueue.name))
    return [(i, name, int(n or 0)) for i, name, n in rows.all()]


async def queue_names(session: AsyncSession) -> dict[UUID, str]:
    return {i: n for i, n in (await session.execute(select(CaseQueue.id, CaseQueue.name))).all()}


async def department_names(session: AsyncSession) -> dict[UUID, str]:
    return dict(await department_choices(session))


# -- saved views ---------------------------------------------------------------------------------------------------

async def views_of(session: AsyncSession, user_id: UUID | None) -> list[SavedView]:
    if user_id is None:
        return []
    rows = await session.scalars(select(SavedView).where(SavedView.user_id == user_id)
                                 .order_by(SavedView.name).limit(50))
    return list(rows.all())


async def save_view(session: AsyncSession, principal: Any, name: Any, params: Mapping[str, Any]) -> SavedView:
    user_id = getattr(principal, "user_id", None)
    if user_id is None:
        raise Refused(field="__all__", msgid="Only a signed-in person has saved views.")
    errors = FieldErrors()
    clean_name = errors.clean(clean_text, name, "name", max_length=80)
    filters = errors.clean(clean_filters, params, user_id)
    errors.raise_if_any()
    assert filters is not None and clean_name
    if await session.scalar(select(SavedView.id).where(SavedView.user_id == user_id,
                                                       SavedView.name == clean_name)) is not None:
        raise DomainError(field="name", msgid="You already have a view with this name.")
    view = SavedView(user_id=user_id, name=clean_name, filters=filters.params())
    session.add(view)
    await session.flush()
    await record_audit(session, principal, "webcare.view_saved", subject=view, summary=clean_name,
                       data={"filters": view.filters})
    return view


async def delete_view(session: AsyncSession, principal: Any, view_id: UUID) -> None:
    """Only one's own views (another person's view is simply not found)."""
    view = await session.get(SavedView, view_id)
    if view is None or view.user_id != getattr(principal, "user_id", None):
        raise NotFound()
    await record_audit(session, principal, "webcare.view_deleted", subject=view, summary=view.name)
    await session.delete(view)
    await session.flush()


# -- availability ------------------------------------------------------------------------------------------------

async def is_available(session: AsyncSession, user_id: UUID | None) -> bool:
    if user_id is None:
        return False
    return bool(await session.scalar(select(AgentState.available).where(AgentState.user_id == user_id)))


async def set_available(session: AsyncSession, principal: Any, value: Any) -> AgentState:
    """Take new cases (round robin) or not: `value` "1" / true or "0" / false."""
    if value in (True, False):
        value = "1" if value else "0"
    available = clean_choice(value, "available", ("0", "1")) == "1"
    user_id = getattr(principal, "user_id", None)
    if user_id is None:
        raise Refused(field="__all__", msgid="Only a signed-in person can take cases.")
    state = await session.scalar(select(AgentState).where(AgentState.user_id == user_id))
    if state is None:
        state = AgentState(user_id=user_id, available=available)
        session.add(state)
    elif state.available == available:
        return state
    state.available = available
    await session.flush()
    await record_audit(session, principal, "webcare.agent_available" if available else "webcare.agent_away",
                       subject=state, summary="available" if available else "away")
    return state


# -- one case ------------------------------------------------------------------------------------------------------

async def get_case(session: AsyncSession, case_id: UUID) -> Case:
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound()
    return case


def timeline_query(case_id: UUID) -> Select[Any]:
    return select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(
        CaseMessage.at, CaseMessage.created_at, CaseMessage.id)


def history_query(case: Case) -> Select[Any]:
    """The author's other cases, newest first."""
    return select(Case).where(Case.author_handle == case.author_handle, Case.id != case.id,
                              Case.author_handle != "").order_by(Case.opened_at.desc(), Case.id.desc())


def people_in(case: Case, messages: list[CaseMessage]) -> set[UUID]:
    """Every person a case page names: the assignee, note authors, people events mention."""
    ids: set[UUID] = {case.assignee_id} if case.assignee_id else set()
    for m in messages:
        if m.user_id:
            ids.add(m.user_id)
        for key in ("to", "from_user", "by_user"):
            value = (m.details or {}).get(key)
            if value:
                with suppress(ValueError):
                    ids.add(UUID(str(value)))
    return ids


def check_revision(case: Case, revision: Any) -> None:
    """The revision the person saw must be the current one (else someone changed the case meanwhile)."""
    try:
        seen = int(str(revision).strip())
    except (TypeError, ValueError):
        raise DomainError(field="revision", msgid="The form misses its revision; reload the page.") from None
    if seen != case.revision:
        raise Refused(field="revision",
                      msgid="Someone else changed this case meanwhile. Reload the case to see the change, "
                            "then try again.")


def _event(case: Case, user_id: UUID | None, now: datetime, **details: Any) -> CaseMessage:
    return CaseMessage(case_id=case.id, kind="event", body="", user_id=user_id, details=details, at=now)


@dataclass
class Change:
    status: str | None = None
    priority: str | None = None
    assignee_id: UUID | None = None
    assign: bool = False
    """True: `assignee_id` is meant (None = nobody)."""


async def clean_change(session: AsyncSession, principal: Any, values: Mapping[str, Any]) -> Change:
    """status / priority / assignee_id ("me", "" or null for nobody, a person of the tenant)."""
    errors = FieldErrors()
    change = Change()
    if "status" in values and values["status"] not in (None, ""):
        status = str(values["status"])
        if status not in SETTABLE_STATUSES:
            errors.add("status", "Choose one of: {choices}.", choices=", ".join(SETTABLE_STATUSES))
        change.status = status
    if "priority" in values and values["priority"] not in (None, ""):
        priority = str(values["priority"])
        if priority not in PRIORITIES:
            errors.add("priority", "Choose one of: {choices}.", choices=", ".join(PRIORITIES))
        change.priority = priority
    if "assignee_id" in values:
        raw = values["assignee_id"]
        change.assign = True
        if raw == "me":
            change.assignee_id = getattr(principal, "user_id", None)
            if change.assignee_id is None:
                errors.add("assignee_id", "Only a signed-in person has cases of their own.")
        elif raw not in (None, ""):
            person = errors.clean(clean_uuid, raw, "assignee_id")
            if person is not None and person not in {i for i, _ in await member_choices(session)}:
                errors.add("assignee_id", "Choose a person of this organisation who may work on cases.")
            change.assignee_id = person
    if change.status is None and change.priority is None and not change.assign and not errors:
        errors.add("__all__", "Nothing to change: give a status, a priority or an assignee.")
    errors.raise_if_any()
    return change


async def update_case(session: AsyncSession, principal: Any, case_id: UUID, values: Mapping[str, Any],
                      now: datetime | None = None) -> Case:
    """Change a case's status, priority and/or assignee at the revision the person saw."""
    case = await get_case(session, case_id)
    change = await clean_change(session, principal, values)
    check_revision(case, values.get("revision"))
    now = now or utcnow()
    user_id = getattr(principal, "user_id", None)
    events: list[CaseMessage] = []
    before = {"status": case.status, "priority": case.priority,
              "assignee_id": str(case.assignee_id) if case.assignee_id else None}
    if change.status is not None:
        await _status(session, case, change.status, now, user_id, events)
    if change.priority is not None and (change.priority != case.priority or not case.priority_manual):
        events.append(_event(case, user_id, now, event="priority", **{"from": case.priority, "to": change.priority}))
        case.priority = change.priority
        case.priority_manual = True
        await sla.refresh_deadlines(session, case, now)
    if change.assign and change.assignee_id != case.assignee_id:
        events.append(_event(case, user_id, now, event="assigned", to=str(change.assignee_id or ""),
                             from_user=str(case.assignee_id or ""), by="hand"))
        case.assignee_id = change.assignee_id
    if not events:
        return case
    session.add_all(events)
    case.revision = (case.revision or 0) + 1
    await session.flush()
    after = {"status": case.status, "priority": case.priority,
             "assignee_id": str(case.assignee_id) if case.assignee_id else None}
    changed = sorted(k for k in after if after[k] != before[k])
    await record_audit(session, principal, "webcare.case_changed", subject=case,
                       summary=f"#{case.number} " + ", ".join(f"{k}: {after[k] or '-'}" for k in changed),
                       data={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed},
                             "revision": case.revision})
    return case


async def _status(session: AsyncSession, case: Case, wanted: str, now: datetime, user_id: UUID | None,
                  events: list[CaseMessage]) -> None:
    old = case.status
    new = wanted
    if old in DONE and wanted not in DONE:
        new = "reopened"
    if new == old:
        return
    if old == "waiting":
        await sla.resume(session, case, now)
    if new == "waiting":
        await sla.pause(session, case, now)
    if new == "reopened":
        case.reopened_count = (case.reopened_count or 0) + 1
        case.resolved_at = None
        case.closed_at = None
    if new == "resolved":
        case.resolved_at = now
    if new == "closed":
        case.closed_at = now
    case.status = new
    events.append(_event(case, user_id, now, event="status", by="hand", **{"from": old, "to": new}))


async def add_note(session: AsyncSession, principal: Any, case_id: UUID, body: Any, revision: Any,
                   now: datetime | None = None) -> CaseMessage:
    case = await get_case(session, case_id)
    text = clean_text(body, "body", max_length=MAX_NOTE)
    check_revision(case, revision)
    note = CaseMessage(case_id=case.id, kind="note", body=text, user_id=getattr(principal, "user_id", None),
                       at=now or utcnow())
    session.add(note)
    case.revision = (case.revision or 0) + 1
    await session.flush()
    await record_audit(session, principal, "webcare.note_added", subject=case, summary=f"#{case.number}",
                       data={"message_id": str(note.id), "length": len(text)})
    return note


# -- presence ------------------------------------------------------------------------------------------------------

async def presence(session: AsyncSession, principal: Any, case_id: UUID, now: datetime | None = None) -> list[str]:
    """Mark the person as looking at the case now; the names of the OTHER people who did in the last 30 s."""
    case = await get_case(session, case_id)
    now = now or utcnow()
    user_id = getattr(principal, "user_id", None)
    if user_id is not None:
        seen = await session.scalar(select(CaseViewer).where(CaseViewer.case_id == case.id,
                                                             CaseViewer.user_id == user_id))
        if seen is not None:
            seen.seen_at = now
        else:
            try:
                async with session.begin_nested():
                    session.add(CaseViewer(case_id=case.id, user_id=user_id, seen_at=now))
            except IntegrityError:  # the same person's other tab at the same moment
                pass
        await session.flush()
    since = now - timedelta(seconds=PRESENCE_SECONDS)
    query = select(CaseViewer.user_id).where(CaseViewer.case_id == case.id, CaseViewer.seen_at >= since)
    if user_id is not None:
        query = query.where(CaseViewer.user_id != user_id)
    others = list((await session.scalars(query)).all())
    names = await user_names(session, others)
    return sorted(names.values(), key=str.casefold)
