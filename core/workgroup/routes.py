"""The workgroup page: seats (department → representative), the regie holder and the regie history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.errors import DomainError
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page
from core.workgroup import service


async def _workgroup_page(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                          form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                          seat_errors: dict[str, dict[str, str]] | None = None, history_page: int = 1,
                          decision_errors: dict[str, str] | None = None,
                          decision_form: dict[str, Any] | None = None) -> Template:
    members = await service.eligible_members(db)
    current = await service.current_appointment(db)
    proposal = await service.open_proposal(db)
    principal = principal_of(request)
    history = await paginate(db, service.regie_history_query(), history_page,
                             base_path=f"/t/{tenant_of(request).slug}/workgroup/",
                             scalars=False, param="history_page")
    return page(request, "workgroup/index.html", status_code=status_code, seats=await service.seats(db),
                current=current, history=history, proposal=proposal,
                proposer=await db.get(User, proposal.proposed_by_id) if proposal and proposal.proposed_by_id
                else None,
                may_confirm=proposal is not None and service.may_confirm(principal, proposal),
                may_reject=proposal is not None and service.may_reject(principal, proposal),
                may_withdraw=proposal is not None and service.may_withdraw(principal, proposal),
                member_options=[(str(m.id), f"{m.user.display_name} <{m.user.email}>") for m in members],
                form=form or {}, errors=errors or {}, seat_errors=seat_errors or {},
                decision_errors=decision_errors or {}, decision_form=decision_form or {})


@get("/t/{slug:str}/workgroup/", opt={"action": "tenant.read"})
async def workgroup(request: Request[Any, Any, Any], db: AsyncSession, history_page: str | None = None) -> Template:
    return await _workgroup_page(request, db, history_page=page_number(history_page))


@post("/t/{slug:str}/workgroup/seats/{department_id:uuid}", opt={"action": "workgroup.compose"})
async def seat_set(request: Request[Any, Any, Any], db: AsyncSession, slug: str, department_id: UUID,
                   data: Form) -> Any:
    try:
        await service.set_seat(db, principal_of(request), department_id, data.get("membership_id"))
    except DomainError as exc:
        return await _workgroup_page(request, db, status_code=422,
                                     seat_errors={str(department_id): form_errors(exc.errors, lang_of(request))})
    return Redirect(f"/t/{slug}/workgroup/", status_code=303)


@post("/t/{slug:str}/workgroup/seats/{department_id:uuid}/remove", opt={"action": "workgroup.compose"})
async def seat_remove(request: Request[Any, Any, Any], db: AsyncSession, slug: str, department_id: UUID) -> Redirect:
    await service.remove_seat(db, principal_of(request), department_id)
    return Redirect(f"/t/{slug}/workgroup/", status_code=303)


@post("/t/{slug:str}/workgroup/regie", opt={"action": "regie.propose"})
async def regie_propose(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """Propose a regie holder; another person confirms it (see `core.workgroup.service`)."""
    try:
        await service.propose_regie(db, principal_of(request), data.get("membership_id"), data.get("reason"),
                                    settings=request.app.state.settings)
    except DomainError as exc:
        form = {k: data.get(k, "") for k in ("membership_id", "reason")}
        return await _workgroup_page(request, db, status_code=exc.status_code, form=form,
                                     errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/workgroup/#regie", status_code=303)


DECISIONS = {"confirm": service.confirm_regie, "reject": service.reject_regie, "withdraw": service.withdraw_regie}


async def _decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, proposal_id: UUID, data: Form,
                  decision: str) -> Any:
    try:
        await DECISIONS[decision](db, principal_of(request), proposal_id, data.get("reason", ""),
                                  settings=request.app.state.settings)
    except DomainError as exc:
        return await _workgroup_page(request, db, status_code=exc.status_code,
                                     decision_form={"reason": data.get("reason", ""), "decision": decision},
                                     decision_errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/workgroup/#regie", status_code=303)


@post("/t/{slug:str}/workgroup/regie/proposals/{proposal_id:uuid}/confirm",
      opt={"action": "regie.confirm", "rule": service.CONFIRM_RULE})
async def regie_confirm(request: Request[Any, Any, Any], db: AsyncSession, slug: str, proposal_id: UUID,
                        data: Form) -> Any:
    """Confirm a proposal: only someone who is neither the proposer nor the appointee (else 403)."""
    return await _decide(request, db, slug, proposal_id, data, "confirm")


@post("/t/{slug:str}/workgroup/regie/proposals/{proposal_id:uuid}/reject",
      opt={"action": "regie.confirm", "rule": service.REJECT_RULE})
async def regie_reject(request: Request[Any, Any, Any], db: AsyncSession, slug: str, proposal_id: UUID,
                       data: Form) -> Any:
    return await _decide(request, db, slug, proposal_id, data, "reject")


@post("/t/{slug:str}/workgroup/regie/proposals/{proposal_id:uuid}/withdraw",
      opt={"action": "regie.propose", "rule": service.WITHDRAW_RULE})
async def regie_withdraw(request: Request[Any, Any, Any], db: AsyncSession, slug: str, proposal_id: UUID,
                         data: Form) -> Any:
    return await _decide(request, db, slug, proposal_id, data, "withdraw")


ROUTES = [workgroup, seat_set, seat_remove, regie_propose, regie_confirm, regie_reject, regie_withdraw]
