"""Escalation pages: the panel on a case (hand to another department, the history), loaded by the case page
as an htmx fragment and a full page without htmx; the receiving departments' list and "hand back"."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    department_choices,
    form_errors,
    get_or_404,
    item_actions,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
)
from plugins.webcare.cases.items import case_item
from plugins.webcare.escalation import service
from plugins.webcare.models import ESCALATION_REASONS, PRIORITIES, Case, Escalation


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/"


def _fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that is not a boosted navigation wants only the panel."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-boosted") != "true"


async def _panel_context(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case: Case,
                         form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    departments = await department_choices(db)
    names = {i: n for i, n in departments}
    history = list((await db.scalars(service.history_query(case.id).limit(50))).all())
    people = await user_names(db, {e.created_by_id for e in history} | {e.returned_by_id for e in history})
    current = next((e for e in history if e.status == "open"), None)
    # a product idea: the board's "create or link an idea" when co-creation is active (its actions say so)
    ideas = [a for a in await item_actions(request, db, "case", case_item(case))
             if (a.fields or {}).get("purpose") == "product_idea"]
    return {"idea_actions": ideas, "base": _base(slug), "case": case, "history": history, "current": current,
            "names": names, "people": people, "reasons": ESCALATION_REASONS,
            "departments": [(str(i), n) for i, n in departments if i != case.department_id],
            "form": form or {"reason": "", "department_id": "", "note": "", "revision": case.revision},
            "errors": errors or {}, "may_return": current is not None and service.may_return(
                principal_of(request), current),
            "panel_url": f"{_base(slug)}cases/{case.id}/escalation"}


def _render(request: Request[Any, Any, Any], context: dict[str, Any], status_code: int = 200) -> Template:
    template = "webcare/escalation/_panel.html" if _fragment(request) else "webcare/escalation/case.html"
    return page(request, template, status_code=status_code, **context)


@get("/cases/{case_id:uuid}/escalation", opt={"action": "plugin.read"})
async def panel(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> Template:
    case = await get_or_404(db, Case, case_id)
    return _render(request, await _panel_context(request, db, slug, case))


@post("/cases/{case_id:uuid}/escalation", opt={"action": "plugin.work"})
async def escalate(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID,
                   data: Form) -> Any:
    case = await get_or_404(db, Case, case_id)
    values = {k: data.get(k, "") for k in ("reason", "department_id", "note", "revision")}
    try:
        await service.escalate(db, principal_of(request), request.app.state.settings, case.id, values)
    except DomainError as exc:
        await db.refresh(case)
        context = await _panel_context(request, db, slug, case, values, form_errors(exc.errors, lang_of(request)))
        # htmx swaps 4x2 answers only: a refusal (409) shows in the panel as a 422
        return _render(request, context, 422 if _fragment(request) else exc.status_code)
    case_url = f"{_base(slug)}cases/{case.id}"
    if _fragment(request):  # the case page shows the new department and queue: reload it
        return Response(content="", status_code=200, headers={"HX-Location": case_url})
    return Redirect(case_url, status_code=303)


@get("/escalations/", opt={"action": "plugin.read"})
async def escalation_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    principal = principal_of(request)
    only_mine = request.query_params.get("mine") == "1"
    base = f"{_base(slug)}escalations/"
    found = await paginate(db, service.escalations_query(principal, only_mine), page_number(
        request.query_params.get("page")), base_path=base, params={"mine": "1"} if only_mine else None,
        scalars=False)
    names = dict(await department_choices(db))
    people = await user_names(db, {row[0].created_by_id for row in found.items})
    return page(request, "webcare/escalation/list.html", base=_base(slug), escalations=found, names=names,
                people=people, reasons=ESCALATION_REASONS, priorities=PRIORITIES, only_mine=only_mine,
                sees_all=service.configures(principal))


async def _detail_context(request: Request[Any, Any, Any], db: AsyncSession, slug: str, escalation: Escalation,
                          form: dict[str, Any] | None = None,
                          errors: dict[str, str] | None = None) -> dict[str, Any]:
    case = await get_or_404(db, Case, escalation.case_id)
    return {"base": _base(slug), "escalation": escalation, "case": case, "names": dict(await department_choices(db)),
            "people": await user_names(db, {escalation.created_by_id, escalation.returned_by_id}),
            "reasons": ESCALATION_REASONS, "form": form or {"note": "", "revision": case.revision},
            "errors": errors or {}, "may_return": service.may_return(principal_of(request), escalation)}


@get("/escalations/{escalation_id:uuid}", opt={"action": "plugin.read"})
async def escalation_detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                            escalation_id: UUID) -> Template:
    escalation = await get_or_404(db, Escalation, escalation_id)
    return page(request, "webcare/escalation/detail.html", **await _detail_context(request, db, slug, escalation))


@post("/escalations/{escalation_id:uuid}/return", opt={"action": "plugin.work", "rule": service.RETURN_RULE})
async def hand_back(request: Request[Any, Any, Any], db: AsyncSession, slug: str, escalation_id: UUID,
                    data: Form) -> Any:
    escalation = await get_or_404(db, Escalation, escalation_id)
    values = {k: data.get(k, "") for k in ("note", "revision")}
    try:
        await service.hand_back(db, principal_of(request), request.app.state.settings, escalation.id, values)
    except DomainError as exc:
        await db.refresh(escalation)
        return page(request, "webcare/escalation/detail.html", status_code=exc.status_code,
                    **await _detail_context(request, db, slug, escalation, values,
                                            form_errors(exc.errors, lang_of(request))))
    return Redirect(f"{_base(slug)}escalations/", status_code=303)


ROUTES = [panel, escalate, escalation_list, escalation_detail, hand_back]
