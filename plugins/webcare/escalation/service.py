"""Escalation: a case handed to another department with a reason and a note, and handed back.

`escalate` moves the case to the receiving department (and that department's first queue, its default one
first; none when it has no queue), records an `Escalation` (open), an event on the case's timeline, an audit
entry, and tells the receiving department's people. One open escalation per case (a second is refused, 409).
`hand_back` is for the receiving department (or whoever configures webcare): the case goes back to the
department it came from and that department's queue, the original assignee (else that department) is told.
Forms and the API may send the case revision they saw; a stale one is refused (two people at once).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Msg,
    PermissionDenied,
    Refused,
    clean_text,
    clean_uuid,
    current_tenant,
    department_and_regie,
    department_choices,
    get_or_404,
    gettext_for,
    notify_people,
    record_audit,
    utcnow,
)
from plugins.webcare.models import ESCALATION_REASONS, OPEN_STATUSES, Case, CaseMessage, CaseQueue, Escalation

MAX_NOTE = 5000
CONFIGURERS = frozenset({"admin", "regie", "owner"})
"""The roles of `plugin.configure`: they see and hand back every escalation."""


def configures(principal: Any) -> bool:
    return bool(CONFIGURERS & set(getattr(principal, "roles", ()) or ()))


def departments_of(principal: Any) -> set[UUID]:
    """The departments a person works for: their membership's and their workgroup seats'."""
    found = set(getattr(principal, "seat_department_ids", ()) or ())
    membership = getattr(principal, "membership", None)
    if membership is not None and membership.department_id is not None and membership.role != "viewer":
        found.add(membership.department_id)
    return found


def check_revision(case: Case, revision: Any) -> None:
    """A form or API call that sends the revision it saw gets a 409 when the case changed since."""
    if revision in (None, ""):
        return
    try:
        seen = int(revision)
    except (TypeError, ValueError):
        raise DomainError(field="revision", msgid="Use a whole number of 0 or more.") from None
    if seen != case.revision:
        raise Refused(field="__all__", msgid="Someone else changed this case in the meantime. Reload it and try "
                                             "again.")


async def first_queue(session: AsyncSession, department_id: UUID | None) -> UUID | None:
    """A department's queue for cases it receives: its default queue, else the first by name; None without."""
    if department_id is None:
        return None
    return await session.scalar(select(CaseQueue.id).where(CaseQueue.department_id == department_id)
                                .order_by(CaseQueue.is_default.desc(), CaseQueue.name, CaseQueue.id).limit(1))


async def open_escalation(session: AsyncSession, case_id: UUID) -> Escalation | None:
    return await session.scalar(select(Escalation).where(Escalation.case_id == case_id,
                                                         Escalation.status == "open").limit(1))


def _event(case: Case, user_id: UUID | None, details: dict[str, Any], body: str = "") -> CaseMessage:
    now = utcnow()
    return CaseMessage(id=uuid4(), case_id=case.id, kind="event", body=body, author_handle="", user_id=user_id,
                       url="", sentiment="", details=details, at=now)


async def _link(session: AsyncSession, suffix: str) -> str:
    tenant = await current_tenant(session)
    return f"/t/{tenant.slug}/p/webcare/{suffix}" if tenant is not None else ""


class _Body:
    """A notification body in each reader's language: the reason (translated) and the note as written."""

    def __init__(self, note: str, reason: str = "") -> None:
        self.note = note
        self.reason = reason

    def render(self, lang: str) -> str:
        _ = gettext_for(lang)
        head = _("Reason: {reason}", reason=_(self.reason)) if self.reason else ""
        return "\n\n".join(part for part in (head, self.note) if part)


def clean_escalation(values: dict[str, Any], departments: dict[UUID, str]) -> dict[str, Any]:
    errors = FieldErrors()
    reason = str(values.get("reason") or "").strip()
    if reason not in ESCALATION_REASONS:
        errors.add("reason", msgid="Choose one of: {choices}.", choices=", ".join(ESCALATION_REASONS))
    department_id = errors.clean(clean_uuid, values.get("department_id"), "department_id")
    if department_id is not None and department_id not in departments:
        errors.add("department_id", msgid="Choose a valid option.")
    note = errors.clean(clean_text, values.get("note"), "note", max_length=MAX_NOTE)
    errors.raise_if_any()
    return {"reason": reason, "department_id": department_id, "note": note or ""}


async def escalate(session: AsyncSession, principal: Any, settings: Any, case_id: UUID,
                   values: dict[str, Any]) -> Escalation:
    """Hand a case to another department; see the module doc."""
    case = await get_or_404(session, Case, case_id)
    departments = dict(await department_choices(session))
    fields = clean_escalation(values, departments)
    check_revision(case, values.get("revision"))
    if fields["department_id"] == case.department_id:
        raise DomainError(field="department_id", msgid="The case is already with this department.")
    if case.status not in OPEN_STATUSES:
        raise Refused(field="__all__", msgid="Only an open case can be handed to another department.")
    if await open_escalation(session, case.id) is not None:
        raise Refused(field="__all__", msgid="This case is already handed to another department; it has to "
                                             "come back first.")
    user_id = getattr(principal, "user_id", None)
    escalation = Escalation(case_id=case.id, from_department_id=case.department_id,
                            to_department_id=fields["department_id"], reason=fields["reason"], note=fields["note"],
                            status="open", return_note="", created_by_id=user_id)
    session.add(escalation)
    await session.flush()
    from_queue = case.queue_id
    case.department_id = fields["department_id"]
    case.queue_id = await first_queue(session, fields["department_id"])
    case.revision = (case.revision or 0) + 1
    session.add(_event(case, user_id, {
        "event": "escalated", "escalation_id": str(escalation.id), "reason": fields["reason"],
        "from": str(escalation.from_department_id or ""), "to": str(fields["department_id"]),
        "from_queue": str(from_queue or "")}, body=fields["note"]))
    await session.flush()
    to_name = departments[fields["department_id"]]
    await record_audit(session, principal, "webcare.case_escalated", subject=case,
                       summary=f"#{case.number} → {to_name}",
                       data={"escalation_id": str(escalation.id), "reason": fields["reason"],
                             "from_department_id": str(escalation.from_department_id or ""),
                             "to_department_id": str(fields["department_id"])})
    people = await department_and_regie(session, fields["department_id"], include_regie=False)
    if people and settings is not None:
        await notify_people(session, settings, people, "webcare.escalated",
                            Msg("Case #{number} was handed to {department}", number=case.number,
                                department=to_name),
                            _Body(fields["note"], ESCALATION_REASONS[fields["reason"]]),
                            href=await _link(session, "escalations/"))
    return escalation


async def hand_back(session: AsyncSession, principal: Any, settings: Any, escalation_id: UUID,
                    values: dict[str, Any]) -> Escalation:
    """The receiving department hands the case back with a note; see the module doc."""
    escalation = await get_or_404(session, Escalation, escalation_id)
    case = await get_or_404(session, Case, escalation.case_id)
    if not configures(principal) and escalation.to_department_id not in departments_of(principal):
        raise PermissionDenied("webcare.escalation_return")
    errors = FieldErrors()
    note = errors.clean(clean_text, values.get("note", values.get("return_note")), "note", max_length=MAX_NOTE)
    errors.raise_if_any()
    check_revision(case, values.get("revision"))
    if escalation.status != "open":
        raise Refused(field="__all__", msgid="This case has already been handed back.")
    user_id = getattr(principal, "user_id", None)
    now = utcnow()
    escalation.status = "returned"
    escalation.return_note = note or ""
    escalation.returned_by_id = user_id
    escalation.returned_at = now
    case.department_id = escalation.from_department_id
    case.queue_id = await first_queue(session, escalation.from_department_id)
    case.revision = (case.revision or 0) + 1
    session.add(_event(case, user_id, {
        "event": "returned", "escalation_id": str(escalation.id),
        "from": str(escalation.to_department_id), "to": str(escalation.from_department_id or "")},
        body=note or ""))
    await session.flush()
    names = dict(await department_choices(session))
    await record_audit(session, principal, "webcare.escalation_returned", subject=case,
                       summary=f"#{case.number} ← {names.get(escalation.to_department_id, '')}",
                       data={"escalation_id": str(escalation.id),
                             "to_department_id": str(escalation.from_department_id or "")})
    if settings is not None:
        people = await department_and_regie(session, escalation.from_department_id, include_regie=False)
        if case.assignee_id is not None:  # the original assignee, when they are (still) in that department
            people = [u for u in people if u.id == case.assignee_id] or people
        if people:
            await notify_people(session, settings, people, "webcare.escalation_returned",
                                Msg("Case #{number} came back from {department}", number=case.number,
                                    department=names.get(escalation.to_department_id, "")),
                                _Body(note or ""),
                                href=await _link(session, f"cases/{case.id}"))
    return escalation


def escalations_query(principal: Any, only_mine: bool = False) -> Select[Any]:
    """Open escalations, oldest first: to the person's departments, or all of them for whoever configures
    webcare (unless `only_mine`)."""
    query = select(Escalation, Case.number, Case.subject, Case.author_handle, Case.priority).join(
        Case, Case.id == Escalation.case_id).where(Escalation.status == "open")
    if only_mine or not configures(principal):
        query = query.where(Escalation.to_department_id.in_(departments_of(principal) or {uuid4()}))
    return query.order_by(Escalation.created_at, Escalation.id)


def history_query(case_id: UUID) -> Select[Any]:
    return select(Escalation).where(Escalation.case_id == case_id).order_by(Escalation.created_at.desc(),
                                                                           Escalation.id)


RETURN_RULE = "only the receiving department (or who configures webcare)"
"""`may_return` in words, declared on the routes that return (`opt["rule"]`) for the authorisation page."""


def may_return(principal: Any, escalation: Escalation) -> bool:
    return escalation.status == "open" and (configures(principal)
                                            or escalation.to_department_id in departments_of(principal))
