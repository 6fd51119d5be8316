"""The roadmap page: the four phases, the current gate item by item, history; advance and override."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.errors import DomainError
from core.roadmap import service
from core.roadmap.gates import evaluate
from core.tenancy.models import Phase, Tenant
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page


def phase_steps(current: str) -> list[dict[str, str]]:
    rank = Phase(current).rank
    return [{"phase": p.value, "state": "done" if p.rank < rank else "current" if p.rank == rank else "next"}
            for p in Phase]


async def user_names(db: AsyncSession, ids: set[Any]) -> dict[Any, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in (await db.scalars(select(User).where(User.id.in_(ids)))).all()}


async def roadmap_context(db: AsyncSession, request: Request[Any, Any, Any], number: int = 1) -> dict[str, Any]:
    tenant = await db.get(Tenant, tenant_of(request).id)
    report = await evaluate(db, tenant, request.app.state.pm, lang_of(request))
    history = await paginate(db, service.history_query(), number, base_path=f"/t/{tenant.slug}/roadmap/")
    return {"report": report, "steps": phase_steps(tenant.phase), "history": history, "current_tenant": tenant,
            "names": await user_names(db, {t.by_id for t in history.items}),
            "open_overrides": await service.open_overrides(db, tenant, report), "min_reason": service.MIN_REASON}


async def _render(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200, number: int = 1,
                  **extra: Any) -> Template:
    return page(request, "roadmap/index.html", status_code=status_code,
                **(await roadmap_context(db, request, number)), **extra)


@get("/t/{slug:str}/roadmap/", opt={"action": "tenant.read"})
async def roadmap(request: Request[Any, Any, Any], db: AsyncSession, page: str | None = None) -> Template:
    return await _render(request, db, number=page_number(page))


@post("/t/{slug:str}/roadmap/advance", opt={"action": "phase.advance"})
async def advance(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    lang = lang_of(request)
    try:
        await service.advance(db, principal_of(request), tenant_of(request), request.app.state.pm, lang)
    except DomainError as exc:
        return await _render(request, db, status_code=exc.status_code, errors=form_errors(exc.errors, lang))
    return Redirect(f"/t/{slug}/roadmap/", status_code=303)


@post("/t/{slug:str}/roadmap/override", opt={"action": "phase.override"})
async def override(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    lang = lang_of(request)
    try:
        await service.override(db, principal_of(request), tenant_of(request), request.app.state.pm,
                               data.get("reason", ""), lang)
    except DomainError as exc:
        return await _render(request, db, status_code=exc.status_code, errors=form_errors(exc.errors, lang),
                             form={"reason": data.get("reason", "")})
    return Redirect(f"/t/{slug}/roadmap/", status_code=303)


ROUTES = [roadmap, advance, override]
