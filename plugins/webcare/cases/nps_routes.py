"""The form post behind "Make a webcare case" on a detractor's survey answer, and its API twin (see `nps`): only
the answer's id is posted; the answer itself is asked of its owner, so another tenant's or a made-up id is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, Form, form_errors, lang_of, page, principal_of
from plugins.webcare.cases import nps


@post("/cases/from-nps-answer", opt={"action": "plugin.work"})
async def case_from_nps_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """A detractor's answer made a case (or the case made from it before); then the case page."""
    try:
        case, _new = await nps.case_for_answer_id(db, request.app.state.pm, principal_of(request),
                                                  data.get("answer_id"), lang_of(request))
    except DomainError as exc:
        return page(request, "webcare/cases/nps_refused.html", status_code=exc.status_code,
                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/p/webcare/cases/{case.id}", status_code=303)


@dataclass
class NpsCaseOut:
    id: str
    number: int
    created: bool
    """False: the case made from this answer before (a click, the event or an earlier call)."""
    href: str


@post("/cases/from-nps-answer", opt={"action": "plugin.work"}, tags=["webcare"], status_code=200,
      summary="Make a case from a detractor's survey answer (body: answer_id), or get the one made from it before")
async def api_case_from_nps_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                                   data: dict[str, Any]) -> NpsCaseOut:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    case, new = await nps.case_for_answer_id(db, request.app.state.pm, principal_of(request), data.get("answer_id"),
                                             lang_of(request))
    return NpsCaseOut(id=str(case.id), number=case.number, created=new, href=f"/t/{slug}/p/webcare/cases/{case.id}")


ROUTES = [case_from_nps_answer]
API_ROUTES = [api_case_from_nps_answer]
