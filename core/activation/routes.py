"""The plugin catalogue: every installed plugin, this tenant's status, requests and the regie holder's decisions."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation import overrides, service
from core.activation.models import PrerequisiteOverride
from core.errors import DomainError
from core.roadmap.routes import user_names
from core.roadmap.service import MIN_REASON
from core.tenancy.models import Tenant
from core.validation import clean_choice
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.render import form_errors, page
from core.workgroup.models import Department


async def catalogue_context(db: AsyncSession, request: Request[Any, Any, Any]) -> dict[str, Any]:
    pm = request.app.state.pm
    lang = lang_of(request)
    principal = principal_of(request)
    tenant = await db.get(Tenant, tenant_of(request).id)
    # one state per card; blockers are shown to whoever may request, and again to the deciders of an open request
    cards = await service.cards(db, tenant, pm, principal, lang)
    entries = [card.entry for card in cards]
    departments = (await db.scalars(select(Department).order_by(Department.name))).all()
    own = set(principal.seat_department_ids)
    if principal.membership is not None and principal.membership.department_id:
        own.add(principal.membership.department_id)
    may_any = bool({"admin", "regie"} & set(principal.roles))
    requestable = [d for d in departments if may_any or d.id in own]
    standing = {row.plugin: row for row in (await db.scalars(select(PrerequisiteOverride).where(
        PrerequisiteOverride.withdrawn_at.is_(None)).order_by(PrerequisiteOverride.created_at))).all()}
    names = await user_names(db, {e.activation.requested_by_id for e in entries if e.activation}
                             | {e.activation.decided_by_id for e in entries if e.activation}
                             | {row.by_id for row in standing.values()})
    return {"cards": cards, "requestable": requestable, "names": names, "overrides": standing,
            "min_reason": MIN_REASON,
            "dep_options": [(str(d.id), d.name) for d in requestable], "current_tenant": tenant}


async def _render(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                  **extra: Any) -> Template:
    return page(request, "activation/catalogue.html", status_code=status_code,
                **(await catalogue_context(db, request)), **extra)


@get("/t/{slug:str}/plugins/", opt={"action": "tenant.read"})
async def plugins(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _render(request, db)


async def _act(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str, data: dict[str, Any],
               fn: Any) -> Any:
    lang = lang_of(request)
    try:
        await fn(lang)
    except DomainError as exc:
        return await _render(request, db, status_code=exc.status_code, errors=form_errors(exc.errors, lang),
                             form=dict(data), form_plugin=plugin)
    return Redirect(f"/t/{slug}/plugins/#plugin-{plugin}", status_code=303)


@post("/t/{slug:str}/plugins/{plugin:str}/request", opt={"action": "plugin.request"})
async def request_plugin(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str,
                         data: Form) -> Any:
    return await _act(request, db, slug, plugin, data, lambda lang: service.request_plugin(
        db, principal_of(request), tenant_of(request), request.app.state.pm, plugin, data.get("department_id"),
        data.get("motivation", ""), lang))


@post("/t/{slug:str}/plugins/{plugin:str}/decision", opt={"action": "plugin.decide", "rule": service.DECIDE_RULE})
async def decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str, data: Form) -> Any:
    async def run(lang: str) -> Any:
        choice = clean_choice(data.get("decision"), "decision", ("approve", "decline"))
        return await service.decide(db, principal_of(request), tenant_of(request), request.app.state.pm, plugin,
                                    choice == "approve", data.get("reason", ""), lang)

    return await _act(request, db, slug, plugin, data, run)


@post("/t/{slug:str}/plugins/{plugin:str}/pause", opt={"action": "plugin.pause"})
async def pause(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str, data: Form) -> Any:
    return await _act(request, db, slug, plugin, data, lambda lang: service.pause(
        db, principal_of(request), tenant_of(request), request.app.state.pm, plugin, data.get("reason", ""), lang))


@post("/t/{slug:str}/plugins/{plugin:str}/resume", opt={"action": "plugin.pause"})
async def resume(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str, data: Form) -> Any:
    return await _act(request, db, slug, plugin, data, lambda lang: service.pause(
        db, principal_of(request), tenant_of(request), request.app.state.pm, plugin, data.get("reason", ""), lang,
        resume=True))


@post("/t/{slug:str}/plugins/{plugin:str}/override", opt={"action": "phase.override"})
async def override_prerequisite(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str,
                                data: Form) -> Any:
    """The regie holder sets the plugin's own prerequisite aside, with a reason (audited)."""
    async def run(lang: str) -> Any:
        tenant = await db.get(Tenant, tenant_of(request).id)
        return await overrides.override(db, principal_of(request), tenant, request.app.state.pm, plugin,
                                        data.get("reason", ""), lang)

    return await _act(request, db, slug, plugin, data, run)


@post("/t/{slug:str}/plugins/{plugin:str}/override/withdraw", opt={"action": "phase.override"})
async def withdraw_override(request: Request[Any, Any, Any], db: AsyncSession, slug: str, plugin: str,
                            data: Form) -> Any:
    """The override stops counting; the prerequisite applies again (audited)."""
    return await _act(request, db, slug, plugin, data, lambda lang: overrides.withdraw(
        db, principal_of(request), request.app.state.pm, plugin, data.get("reason", ""), lang))


ROUTES = [plugins, request_plugin, decide, pause, resume, override_prerequisite, withdraw_override]
