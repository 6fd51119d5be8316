"""Departments, the workgroup's seats and the regie holder.

Every decision is audited in the same transaction. The session is already scoped to the tenant, so a
row of another tenant is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.audit.service import record
from core.auth.models import Membership, Role, User
from core.db.lookup import get_or_404
from core.errors import DomainError, NotFound, PermissionDenied, Refused
from core.i18n import Msg
from core.notifications.service import notify_people
from core.settings import Settings
from core.validation import FieldErrors, clean_choice, clean_text, clean_uuid
from core.workgroup.models import (
    BusinessFunction,
    Department,
    ProposalStatus,
    RegieAppointment,
    RegieProposal,
    WorkgroupSeat,
)

BUSINESS_FUNCTIONS = [f.value for f in BusinessFunction]
REASON_MAX = 2000


# --- departments -------------------------------------------------------------------------------------

async def list_departments(session: AsyncSession) -> list[Department]:
    return list((await session.scalars(select(Department).order_by(Department.name))).all())


async def get_department(session: AsyncSession, department_id: Any) -> Department:
    return await get_or_404(session, Department, department_id)


async def department_choice(session: AsyncSession, value: Any, field: str = "department_id") -> UUID | None:
    """An optional department picked in a form or body: must exist in this tenant (else a field error)."""
    department_id = clean_uuid(value, field, required=False)
    if department_id is None:
        return None
    if await session.get(Department, department_id) is None:
        raise DomainError(field=field, msgid="Choose a valid option.")
    return department_id


async def _check_name_free(session: AsyncSession, name: str, exclude: UUID | None = None) -> None:
    query = select(Department.id).where(func.lower(Department.name) == name.lower())
    if exclude is not None:
        query = query.where(Department.id != exclude)
    if await session.scalar(query) is not None:
        raise DomainError(field="name", msgid="A department with this name already exists.")


async def _flush_unique_name(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise DomainError(field="name", msgid="A department with this name already exists.") from None


async def create_department(session: AsyncSession, principal: Any, name: Any, business_function: Any,
                            is_hub: Any = False) -> Department:
    errors = FieldErrors()
    clean_name = errors.clean(clean_text, name, "name", max_length=120)
    clean_function = errors.clean(clean_choice, business_function, "business_function", BUSINESS_FUNCTIONS)
    errors.raise_if_any()
    await _check_name_free(session, clean_name)
    department = Department(name=clean_name, business_function=clean_function,
                            is_hub=bool(is_hub))
    session.add(department)
    await _flush_unique_name(session)
    await record(session, principal, "department.created", subject=department,
                 summary=department.name,
                 data={"business_function": department.business_function, "is_hub": department.is_hub})
    return department


async def update_department(session: AsyncSession, principal: Any, department_id: Any, *, name: Any = None,
                            business_function: Any = None, is_hub: bool | None = None) -> Department:
    """Change what is given (None leaves a field as it is)."""
    department = await get_department(session, department_id)
    errors = FieldErrors()
    new_name, new_function = department.name, department.business_function
    if name is not None:
        new_name = errors.clean(clean_text, name, "name", max_length=120)
    if business_function is not None:
        new_function = errors.clean(clean_choice, business_function, "business_function", BUSINESS_FUNCTIONS)
    errors.raise_if_any()
    if new_name != department.name:
        await _check_name_free(session, new_name, exclude=department.id)
    before = {"name": department.name, "business_function": department.business_function,
              "is_hub": department.is_hub}
    department.name, department.business_function = new_name, new_function
    if is_hub is not None:
        department.is_hub = bool(is_hub)
    after = {"name": department.name, "business_function": department.business_function,
             "is_hub": department.is_hub}
    if after != before:
        await _flush_unique_name(session)
        await record(session, principal, "department.updated", subject=department, summary=department.name,
                     data={"before": before, "after": after})
    return department


# --- members that may hold a seat or the regie -------------------------------------------------------

async def active_membership(session: AsyncSession, value: Any, field: str = "membership_id", *,
                            allow_viewer: bool = False) -> Membership:
    """An active (by default non-viewer) member of this tenant picked in a form or body (else a field error)."""
    membership_id = clean_uuid(value, field)
    membership = await session.get(Membership, membership_id)
    if membership is None:
        raise DomainError(field=field, msgid="Choose a valid option.")
    if not membership.is_active or not membership.user.is_active:
        raise DomainError(field=field, msgid="This person is not an active member.")
    if membership.role == Role.viewer.value and not allow_viewer:
        raise DomainError(field=field, msgid="A viewer cannot take this role; change their role first.")
    return membership


async def eligible_members(session: AsyncSession) -> list[Membership]:
    """Active admins and members, by name: the people who can sit in the workgroup or hold the regie."""
    rows = await session.scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .where(Membership.is_active.is_(True), User.is_active.is_(True), Membership.role != Role.viewer.value)
        .order_by(User.name, User.email))
    return list(rows.unique().all())


# --- the workgroup ------------------------------------------------------------------------------------

@dataclass
class SeatRow:
    department: Department
    seat: WorkgroupSeat | None


async def seats(session: AsyncSession) -> list[SeatRow]:
    """Every department with its representative (or none), by department name."""
    by_department = {s.department_id: s for s in (await session.scalars(select(WorkgroupSeat))).unique().all()}
    return [SeatRow(department=d, seat=by_department.get(d.id)) for d in await list_departments(session)]


async def set_seat(session: AsyncSession, principal: Any, department_id: Any, membership_id: Any
                   ) -> WorkgroupSeat:
    department = await get_department(session, department_id)
    membership = await active_membership(session, membership_id)
    seat = await session.scalar(select(WorkgroupSeat).where(WorkgroupSeat.department_id == department.id))
    previous = seat.membership if seat is not None else None
    if previous is not None and previous.id == membership.id:
        return seat  # type: ignore[return-value]
    if seat is None:
        seat = WorkgroupSeat(department_id=department.id, membership_id=membership.id)
        session.add(seat)
    else:
        seat.membership_id = membership.id
    await session.flush()
    await session.refresh(seat, ["membership"])
    await record(session, principal, "workgroup.seat_set", subject=seat,
                 summary=f"{department.name}: {membership.user.email}",
                 data={"department_id": str(department.id), "membership_id": str(membership.id),
                       "previous_membership_id": str(previous.id) if previous else None,
                       "previous": previous.user.email if previous else None})
    return seat


async def remove_seat(session: AsyncSession, principal: Any, department_id: Any) -> None:
    department = await get_department(session, department_id)
    seat = await session.scalar(select(WorkgroupSeat).where(WorkgroupSeat.department_id == department.id))
    if seat is None:
        raise NotFound()
    await _remove(session, principal, seat, department)


async def _remove(session: AsyncSession, principal: Any, seat: WorkgroupSeat, department: Department,
                  reason: str = "") -> None:
    email = seat.membership.user.email
    data = {"department_id": str(department.id), "membership_id": str(seat.membership_id), "previous": email}
    await record(session, principal, "workgroup.seat_removed", subject=seat,
                 summary=f"{department.name}: {email}", reason=reason, data=data)
    await session.delete(seat)
    await session.flush()


async def remove_seats_of(session: AsyncSession, principal: Any, membership: Membership, reason: str) -> int:
    """A deactivated member leaves the workgroup (used by the people slice)."""
    rows = (await session.scalars(select(WorkgroupSeat).where(
        WorkgroupSeat.membership_id == membership.id))).unique().all()
    for seat in rows:
        await _remove(session, principal, seat, seat.department, reason=reason)
    return len(rows)


# --- the regie holder: proposed by one person, confirmed by another --------------------------------------
#
# The workgroup agrees on the regie holder jointly, so the change takes two different people:
# - a proposal (action `regie.propose`: an admin, a workgroup member or the mediator) names the appointee and
#   the reason; anyone with that right may propose, themselves included;
# - a confirmation (action `regie.confirm`: an admin, a workgroup member or the mediator) by someone who is
#   neither the proposer nor the appointee opens the new appointment and ends the old one.
# The appointee is therefore never the only person agreeing. At most one proposal is open at a time (a new one
# is refused until it is confirmed, rejected or withdrawn); the current holder stays until a confirmation.
# The first appointment follows the same rule (e.g. the mediator proposes, the organisation's admin confirms).

async def current_appointment(session: AsyncSession) -> RegieAppointment | None:
    return await session.scalar(select(RegieAppointment).where(RegieAppointment.ended_at.is_(None)))


async def open_proposal(session: AsyncSession) -> RegieProposal | None:
    return await session.scalar(select(RegieProposal).where(RegieProposal.status == ProposalStatus.open.value))


def regie_history_query() -> Select[Any]:
    """(appointment, user who confirmed it, user who proposed it) rows, newest first (paginate with
    scalars=False). Appointments made before proposals existed have no proposer."""
    proposer = aliased(User)
    return (select(RegieAppointment, User, proposer)
            .outerjoin(User, User.id == RegieAppointment.appointed_by_id)
            .outerjoin(RegieProposal, RegieProposal.appointment_id == RegieAppointment.id)
            .outerjoin(proposer, proposer.id == RegieProposal.proposed_by_id)
            .order_by(RegieAppointment.started_at.desc(), RegieAppointment.created_at.desc()))


async def regie_history(session: AsyncSession) -> list[tuple[RegieAppointment, User | None, User | None]]:
    """Every appointment, newest first, with who confirmed and who proposed it."""
    rows = await session.execute(regie_history_query())
    return [(appointment, by, proposer) for appointment, by, proposer in rows.unique().all()]


CONFIRM_RULE = ("not the proposer and not the proposed regie holder: the appointment always needs a second "
                "person's agreement")
REJECT_RULE = "not the proposer (who withdraws instead)"
WITHDRAW_RULE = "only the proposer"
"""`may_confirm`, `may_reject` and `may_withdraw` in words, declared on their routes (`opt["rule"]`) for the
authorisation page."""


def may_confirm(principal: Any, proposal: RegieProposal) -> bool:
    """The two-person rule for one proposal: the confirmer is neither the proposer nor the appointee."""
    user_id = getattr(principal, "user_id", None)
    return user_id is not None and user_id not in (proposal.proposed_by_id, proposal.membership.user_id)


def may_reject(principal: Any, proposal: RegieProposal) -> bool:
    """Anyone who may decide except the proposer (who withdraws instead); the appointee may decline."""
    user_id = getattr(principal, "user_id", None)
    return user_id is not None and user_id != proposal.proposed_by_id


def may_withdraw(principal: Any, proposal: RegieProposal) -> bool:
    user_id = getattr(principal, "user_id", None)
    return user_id is not None and user_id == proposal.proposed_by_id


async def _open_proposal_by_id(session: AsyncSession, proposal_id: Any) -> RegieProposal:
    proposal = await get_or_404(session, RegieProposal, proposal_id)
    if proposal.status != ProposalStatus.open.value:
        raise Refused(field="__all__", msgid="This proposal has already been decided; reload the page.")
    return proposal


async def _close(session: AsyncSession, principal: Any, proposal: RegieProposal, status: ProposalStatus,
                 reason: str) -> None:
    """Decide an open proposal exactly once: of two people deciding at the same moment, one is refused."""
    now = datetime.now(UTC)
    result = await session.execute(
        update(RegieProposal)
        .where(RegieProposal.id == proposal.id, RegieProposal.status == ProposalStatus.open.value)
        .values(status=status.value, decided_by_id=getattr(principal, "user_id", None), decided_at=now,
                decision_reason=reason)
        .execution_options(synchronize_session=False))
    if not result.rowcount:
        raise Refused(field="__all__", msgid="This proposal has already been decided; reload the page.")
    await session.refresh(proposal)


async def _user_name(session: AsyncSession, user_id: UUID | None) -> str:
    user = await session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else "—"


async def _people_to_tell(session: AsyncSession, principal: Any, *memberships: Membership | None,
                          users: tuple[UUID | None, ...] = ()) -> list[User]:
    """The organisation's active admins plus the given people, each once, never the person acting. A user
    given by id (the proposer) is told only while an active member here or a mediator."""
    ids = set((await session.scalars(select(Membership.user_id).where(
        Membership.role == Role.admin.value, Membership.is_active.is_(True)))).all())
    ids |= {m.user_id for m in memberships if m is not None and m.is_active}
    wanted = {u for u in users if u is not None}
    if wanted:
        ids |= set((await session.scalars(select(Membership.user_id).where(
            Membership.user_id.in_(wanted), Membership.is_active.is_(True)))).all())
        ids |= set((await session.scalars(select(User.id).where(
            User.id.in_(wanted), User.is_mediator.is_(True)))).all())
    ids.discard(getattr(principal, "user_id", None))
    if not ids:
        return []
    return list((await session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))
                                       .order_by(User.email))).all())


def _href(principal: Any) -> str:
    tenant = getattr(principal, "tenant", None)
    return f"/t/{tenant.slug}/workgroup/#regie" if tenant is not None else ""


async def propose_regie(session: AsyncSession, principal: Any, membership_id: Any, reason: Any, *,
                        settings: Settings) -> RegieProposal:
    """Propose a regie holder. Nothing changes about the current holder until another person confirms."""
    errors = FieldErrors()
    membership = await errors.aclean(active_membership, session, membership_id)
    clean_reason = errors.clean(clean_text, reason, "reason", max_length=REASON_MAX)
    if errors or membership is None:
        raise DomainError(errors.errors)
    current = await current_appointment(session)
    if current is not None and current.membership_id == membership.id:
        raise DomainError(field="membership_id", msgid="This person already holds the regie.")
    waiting = await open_proposal(session)
    if waiting is not None:
        raise Refused(field="__all__", msgid="A proposal for {name} is already waiting; confirm, reject or "
                      "withdraw it first.", name=waiting.membership.user.display_name)
    proposal = RegieProposal(membership_id=membership.id, proposed_by_id=getattr(principal, "user_id", None),
                             reason=clean_reason, status=ProposalStatus.open.value)
    try:
        async with session.begin_nested():
            session.add(proposal)
            await session.flush()
    except IntegrityError:
        raise Refused(field="__all__", msgid="Someone else proposed a regie holder at the same time; reload the "
                      "page.") from None
    await session.refresh(proposal, ["membership"])
    previous = current.membership if current is not None else None
    await record(session, principal, "regie.proposed", subject=proposal, summary=membership.user.email,
                 reason=clean_reason,
                 data={"membership_id": str(membership.id), "current_membership_id": str(previous.id) if previous
                       else None, "current": previous.user.email if previous else None})
    proposer = getattr(getattr(principal, "user", None), "display_name", "—")
    name = membership.user.display_name
    await notify_people(session, settings, await _people_to_tell(session, principal, previous, membership),
                        "regie.proposed", Msg("{proposer} proposes {name} as regie holder", proposer=proposer,
                                              name=name),
                        Msg("Reason: {reason}\n\nNothing changes until someone other than the proposer and {name} "
                            "confirms the proposal on the workgroup page.", reason=clean_reason, name=name),
                        href=_href(principal))
    return proposal


async def confirm_regie(session: AsyncSession, principal: Any, proposal_id: Any, reason: Any = "", *,
                        settings: Settings) -> RegieAppointment:
    """Confirm an open proposal: end the open appointment and open the proposed one, in one transaction.

    Refused (403) for the proposer and for the appointee: the appointment needs a second person's agreement."""
    proposal = await _open_proposal_by_id(session, proposal_id)
    if not may_confirm(principal, proposal):
        raise PermissionDenied("regie.confirm")
    note = clean_text(reason, "reason", required=False, max_length=REASON_MAX)
    try:
        membership = await active_membership(session, proposal.membership_id)
    except DomainError as exc:  # the appointee left or became a viewer since the proposal
        raise Refused(exc.errors) from None
    current = await current_appointment(session)
    if current is not None and current.membership_id == membership.id:
        raise Refused(field="__all__", msgid="This person already holds the regie.")
    await _close(session, principal, proposal, ProposalStatus.confirmed, note)
    now = datetime.now(UTC)
    previous = current.membership if current is not None else None
    appointment = RegieAppointment(membership_id=membership.id, appointed_by_id=getattr(principal, "user_id", None),
                                   reason=proposal.reason, started_at=now)
    try:
        async with session.begin_nested():
            if current is not None:
                current.ended_at = now
                await session.flush()
            session.add(appointment)
            await session.flush()
    except IntegrityError:
        raise Refused(field="__all__",
                      msgid="The regie was changed at the same time; reload the page and try again.") from None
    proposal.appointment_id = appointment.id
    await session.flush()
    await session.refresh(appointment, ["membership"])
    proposer = await _user_name(session, proposal.proposed_by_id)
    confirmer = getattr(getattr(principal, "user", None), "display_name", "—")
    await record(session, principal, "regie.confirmed", subject=proposal, summary=membership.user.email,
                 reason=note, data={"membership_id": str(membership.id), "appointment_id": str(appointment.id),
                                    "proposed_by_id": str(proposal.proposed_by_id)
                                    if proposal.proposed_by_id else None})
    await record(session, principal, "regie.appointed", subject=appointment, summary=membership.user.email,
                 reason=proposal.reason,
                 data={"membership_id": str(membership.id), "proposal_id": str(proposal.id),
                       "proposed_by_id": str(proposal.proposed_by_id) if proposal.proposed_by_id else None,
                       "confirmed_by_id": str(getattr(principal, "user_id", None)),
                       "previous_membership_id": str(previous.id) if previous else None,
                       "previous": previous.user.email if previous else None})
    name = membership.user.display_name
    await notify_people(session, settings,
                        await _people_to_tell(session, principal, previous, membership,
                                              users=(proposal.proposed_by_id,)),
                        "regie.confirmed", Msg("{name} is now the regie holder", name=name),
                        Msg("Proposed by {proposer}, confirmed by {confirmer}. Reason: {reason}",
                            proposer=proposer, confirmer=confirmer, reason=proposal.reason),
                        href=_href(principal))
    return appointment


async def reject_regie(session: AsyncSession, principal: Any, proposal_id: Any, reason: Any, *,
                       settings: Settings) -> RegieProposal:
    """Reject an open proposal with a reason (the proposer withdraws instead); the holder stays."""
    proposal = await _open_proposal_by_id(session, proposal_id)
    if not may_reject(principal, proposal):
        raise PermissionDenied("regie.confirm")
    note = clean_text(reason, "reason", max_length=REASON_MAX)
    await _close(session, principal, proposal, ProposalStatus.rejected, note)
    name = proposal.membership.user.display_name
    await record(session, principal, "regie.rejected", subject=proposal, summary=proposal.membership.user.email,
                 reason=note, data={"membership_id": str(proposal.membership_id)})
    who = getattr(getattr(principal, "user", None), "display_name", "—")
    await notify_people(session, settings,
                        await _people_to_tell(session, principal, proposal.membership,
                                              users=(proposal.proposed_by_id,)),
                        "regie.rejected", Msg("The proposal to make {name} regie holder was rejected", name=name),
                        Msg("Rejected by {who}: {reason}", who=who, reason=note), href=_href(principal))
    return proposal


async def withdraw_regie(session: AsyncSession, principal: Any, proposal_id: Any, reason: Any = "", *,
                         settings: Settings) -> RegieProposal:
    """The proposer takes their open proposal back; the holder stays."""
    proposal = await _open_proposal_by_id(session, proposal_id)
    if not may_withdraw(principal, proposal):
        raise PermissionDenied("regie.propose")
    note = clean_text(reason, "reason", required=False, max_length=REASON_MAX)
    await _close(session, principal, proposal, ProposalStatus.withdrawn, note)
    name = proposal.membership.user.display_name
    await record(session, principal, "regie.withdrawn", subject=proposal, summary=proposal.membership.user.email,
                 reason=note, data={"membership_id": str(proposal.membership_id)})
    who = getattr(getattr(principal, "user", None), "display_name", "—")
    await notify_people(session, settings, await _people_to_tell(session, principal, proposal.membership),
                        "regie.withdrawn", Msg("The proposal to make {name} regie holder was withdrawn", name=name),
                        Msg("Withdrawn by {who}.", who=who), href=_href(principal))
    return proposal
