"""Departments, the workgroup's seats and the regie holder.

Every decision is audited in the same transaction. The session is already scoped to the tenant, so a
row of another tenant is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth.models import Membership, Role, User
from core.db.lookup import get_or_404
from core.errors import DomainError, NotFound, Refused
from core.validation import FieldErrors, clean_choice, clean_text, clean_uuid
from core.workgroup.models import BusinessFunction, Department, RegieAppointment, WorkgroupSeat

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


# --- the regie holder --------------------------------------------------------------------------------

async def current_appointment(session: AsyncSession) -> RegieAppointment | None:
    return await session.scalar(select(RegieAppointment).where(RegieAppointment.ended_at.is_(None)))


def regie_history_query() -> Select[Any]:
    """(appointment, user who recorded it) rows, newest first (paginate with scalars=False)."""
    return (select(RegieAppointment, User).outerjoin(User, User.id == RegieAppointment.appointed_by_id)
            .order_by(RegieAppointment.started_at.desc(), RegieAppointment.created_at.desc()))


async def regie_history(session: AsyncSession) -> list[tuple[RegieAppointment, User | None]]:
    """Every appointment, newest first, with the user who recorded it."""
    rows = await session.execute(regie_history_query())
    return [(appointment, user) for appointment, user in rows.unique().all()]


async def appoint_regie(session: AsyncSession, principal: Any, membership_id: Any, reason: Any
                        ) -> RegieAppointment:
    """Record the workgroup's decision: end the open appointment and open a new one, in one transaction."""
    errors = FieldErrors()
    membership = await errors.aclean(active_membership, session, membership_id)
    clean_reason = errors.clean(clean_text, reason, "reason", max_length=REASON_MAX)
    if errors or membership is None:
        raise DomainError(errors.errors)
    current = await current_appointment(session)
    if current is not None and current.membership_id == membership.id:
        raise DomainError(field="membership_id", msgid="This person already holds the regie.")
    now = datetime.now(UTC)
    previous = current.membership if current is not None else None
    if current is not None:
        current.ended_at = now
        await session.flush()
    appointment = RegieAppointment(membership_id=membership.id, appointed_by_id=getattr(principal, "user_id", None),
                                   reason=clean_reason, started_at=now)
    session.add(appointment)
    try:
        await session.flush()
    except IntegrityError:
        raise Refused(field="membership_id",
                      msgid="The regie was changed at the same time; reload the page and try again.") from None
    await session.refresh(appointment, ["membership"])
    await record(session, principal, "regie.appointed", subject=appointment, summary=membership.user.email,
                 reason=clean_reason,
                 data={"membership_id": str(membership.id),
                       "previous_membership_id": str(previous.id) if previous else None,
                       "previous": previous.user.email if previous else None})
    return appointment
