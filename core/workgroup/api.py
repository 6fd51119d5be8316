"""API: departments, the workgroup's seats and the regie holder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, delete, get, patch, post, put
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.web.forms import principal_of
from core.workgroup import service
from core.workgroup.models import Department, RegieAppointment, RegieProposal


@dataclass
class DepartmentOut:
    id: UUID
    name: str
    business_function: str
    is_hub: bool


class DepartmentIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    business_function: str
    is_hub: bool = False


class DepartmentPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    business_function: str | None = None
    is_hub: bool | None = None


@dataclass
class SeatOut:
    department_id: UUID
    department: str
    business_function: str
    membership_id: UUID | None
    representative: str | None
    email: str | None


@dataclass
class AppointmentOut:
    id: UUID
    membership_id: UUID
    name: str
    email: str
    reason: str
    started_at: datetime
    ended_at: datetime | None
    appointed_by: str | None
    """Who confirmed the appointment (made it take effect)."""
    proposed_by: str | None = None
    """Who proposed it (none for appointments made before proposals existed)."""


@dataclass
class ProposalOut:
    id: UUID
    membership_id: UUID
    name: str
    email: str
    reason: str
    status: str
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str


@dataclass
class WorkgroupOut:
    seats: list[SeatOut]
    regie: AppointmentOut | None


@dataclass
class RegieOut:
    holder: AppointmentOut | None
    history: list[AppointmentOut]
    proposal: ProposalOut | None = None
    """The open proposal waiting for a confirmation, if any."""


class SeatIn(msgspec.Struct, forbid_unknown_fields=True):
    membership_id: UUID


class RegieIn(msgspec.Struct, forbid_unknown_fields=True):
    membership_id: UUID
    reason: str


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""
    """Required to reject; optional to confirm or withdraw."""


def department_out(d: Department) -> DepartmentOut:
    return DepartmentOut(id=d.id, name=d.name, business_function=d.business_function, is_hub=d.is_hub)


def appointment_out(a: RegieAppointment, by: User | None = None, proposer: User | None = None) -> AppointmentOut:
    user = a.membership.user
    return AppointmentOut(id=a.id, membership_id=a.membership_id, name=user.display_name, email=user.email,
                          reason=a.reason, started_at=a.started_at, ended_at=a.ended_at,
                          appointed_by=by.email if by else None, proposed_by=proposer.email if proposer else None)


async def proposal_out(db: AsyncSession, p: RegieProposal) -> ProposalOut:
    async def email(user_id: UUID | None) -> str | None:
        user = await db.get(User, user_id) if user_id is not None else None
        return user.email if user is not None else None

    user = p.membership.user
    return ProposalOut(id=p.id, membership_id=p.membership_id, name=user.display_name, email=user.email,
                       reason=p.reason, status=p.status, proposed_by=await email(p.proposed_by_id),
                       proposed_at=p.created_at, decided_by=await email(p.decided_by_id),
                       decided_at=p.decided_at, decision_reason=p.decision_reason)


@get("/t/{slug:str}/departments", opt={"action": "tenant.read"}, tags=["workgroup"], summary="List departments")
async def list_departments(db: AsyncSession) -> list[DepartmentOut]:
    return [department_out(d) for d in await service.list_departments(db)]


@post("/t/{slug:str}/departments", opt={"action": "department.manage"}, tags=["workgroup"],
      summary="Create a department")
async def create_department(request: Request[Any, Any, Any], db: AsyncSession, data: DepartmentIn) -> DepartmentOut:
    department = await service.create_department(db, principal_of(request), data.name, data.business_function,
                                                 data.is_hub)
    return department_out(department)


@patch("/t/{slug:str}/departments/{department_id:uuid}", opt={"action": "department.manage"}, tags=["workgroup"],
       summary="Change a department")
async def update_department(request: Request[Any, Any, Any], db: AsyncSession, department_id: UUID,
                            data: DepartmentPatch) -> DepartmentOut:
    department = await service.update_department(db, principal_of(request), department_id, name=data.name,
                                                 business_function=data.business_function, is_hub=data.is_hub)
    return department_out(department)


async def _workgroup(db: AsyncSession) -> WorkgroupOut:
    seats = []
    for row in await service.seats(db):
        m = row.seat.membership if row.seat else None
        seats.append(SeatOut(department_id=row.department.id, department=row.department.name,
                             business_function=row.department.business_function,
                             membership_id=m.id if m else None, representative=m.user.display_name if m else None,
                             email=m.user.email if m else None))
    current = await service.current_appointment(db)
    return WorkgroupOut(seats=seats, regie=appointment_out(current) if current else None)


@get("/t/{slug:str}/workgroup", opt={"action": "tenant.read"}, tags=["workgroup"],
     summary="Seats and the regie holder")
async def workgroup(db: AsyncSession) -> WorkgroupOut:
    return await _workgroup(db)


@put("/t/{slug:str}/workgroup/seats/{department_id:uuid}", opt={"action": "workgroup.compose"},
     tags=["workgroup"], summary="Set a department's representative")
async def set_seat(request: Request[Any, Any, Any], db: AsyncSession, department_id: UUID,
                   data: SeatIn) -> WorkgroupOut:
    await service.set_seat(db, principal_of(request), department_id, data.membership_id)
    return await _workgroup(db)


@delete("/t/{slug:str}/workgroup/seats/{department_id:uuid}", opt={"action": "workgroup.compose"},
        tags=["workgroup"], summary="Remove a department's representative")
async def remove_seat(request: Request[Any, Any, Any], db: AsyncSession, department_id: UUID) -> None:
    await service.remove_seat(db, principal_of(request), department_id)


async def _regie(db: AsyncSession) -> RegieOut:
    history = [appointment_out(a, by, proposer) for a, by, proposer in await service.regie_history(db)]
    holder = next((h for h in history if h.ended_at is None), None)
    proposal = await service.open_proposal(db)
    return RegieOut(holder=holder, history=history,
                    proposal=await proposal_out(db, proposal) if proposal is not None else None)


@get("/t/{slug:str}/regie", opt={"action": "tenant.read"}, tags=["workgroup"],
     summary="The regie holder, the history of appointments and the open proposal")
async def regie(db: AsyncSession) -> RegieOut:
    return await _regie(db)


@post("/t/{slug:str}/regie", opt={"action": "regie.propose"}, tags=["workgroup"],
      summary="Propose a regie holder (takes effect when someone other than the proposer and the appointee "
              "confirms; 409 while another proposal is open)")
async def propose(request: Request[Any, Any, Any], db: AsyncSession, data: RegieIn) -> RegieOut:
    await service.propose_regie(db, principal_of(request), data.membership_id, data.reason,
                                settings=request.app.state.settings)
    return await _regie(db)


@post("/t/{slug:str}/regie/proposals/{proposal_id:uuid}/confirm", opt={"action": "regie.confirm",
                                                                       "rule": service.CONFIRM_RULE},
      tags=["workgroup"], status_code=200,
      summary="Confirm the open proposal (403 for its proposer and its appointee): the new holder takes over")
async def confirm(request: Request[Any, Any, Any], db: AsyncSession, proposal_id: UUID,
                  data: DecisionIn | None = None) -> RegieOut:
    await service.confirm_regie(db, principal_of(request), proposal_id, (data or DecisionIn()).reason,
                                settings=request.app.state.settings)
    return await _regie(db)


@post("/t/{slug:str}/regie/proposals/{proposal_id:uuid}/reject", opt={"action": "regie.confirm",
                                                                      "rule": service.REJECT_RULE},
      tags=["workgroup"], status_code=200,
      summary="Reject the open proposal with a reason (not by its proposer, who withdraws it)")
async def reject(request: Request[Any, Any, Any], db: AsyncSession, proposal_id: UUID,
                 data: DecisionIn | None = None) -> ProposalOut:
    proposal = await service.reject_regie(db, principal_of(request), proposal_id, (data or DecisionIn()).reason,
                                          settings=request.app.state.settings)
    return await proposal_out(db, proposal)


@post("/t/{slug:str}/regie/proposals/{proposal_id:uuid}/withdraw", opt={"action": "regie.propose",
                                                                        "rule": service.WITHDRAW_RULE},
      tags=["workgroup"], status_code=200, summary="Withdraw one's own open proposal")
async def withdraw(request: Request[Any, Any, Any], db: AsyncSession, proposal_id: UUID,
                   data: DecisionIn | None = None) -> ProposalOut:
    proposal = await service.withdraw_regie(db, principal_of(request), proposal_id, (data or DecisionIn()).reason,
                                            settings=request.app.state.settings)
    return await proposal_out(db, proposal)


ROUTES = [list_departments, create_department, update_department, workgroup, set_seat, remove_seat, regie, propose,
          confirm, reject, withdraw]
