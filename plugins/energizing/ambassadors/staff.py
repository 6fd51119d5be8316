"""Staff pages of the programme: the roster (filters, add by hand, detail, edit, remove), the consent text and
the tiers. Reading needs `plugin.read`; changing people `plugin.work`; the texts and tiers `plugin.configure`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    Msg,
    clean_choice,
    form_errors,
    get_or_404,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    record_audit,
    tenant_of,
)
from plugins.energizing.ambassadors import privacy, service
from plugins.energizing.ambassadors.models import COMPLETION_STATES, MISSION_KINDS, Completion, ConsentText, Mission
from plugins.energizing.models import KINDS, SOURCES, STATES, Ambassador

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
CONFIGURE = {"action": "plugin.configure"}


def base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/ambassadors/"


def render(request: Request[Any, Any, Any], template: str, slug: str, status_code: int = 200,
           **context: Any) -> Template:
    return page(request, f"energizing/ambassadors/{template}", status_code=status_code, base=base(slug),
                states=STATES, kinds=KINDS, sources=SOURCES, mission_kinds=MISSION_KINDS,
                completion_states=COMPLETION_STATES, **context)


def _filters(params: Any, tier_names: list[str]) -> dict[str, str]:
    """state, kind and tier from the query; a value that is not one of them is a DomainError on its field."""
    found = {}
    for key, choices in (("state", STATES), ("kind", KINDS), ("tier", {t: t for t in tier_names})):
        value = str(params.get(key) or "")
        if value:
            found[key] = clean_choice(value, key, choices)
    return found


async def _roster(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                  **extra: Any) -> Template:
    tier_names = [t.name for t in await service.tiers(db)]
    try:
        filters = _filters(request.query_params, tier_names)
    except DomainError as exc:
        filters, extra["errors"], status_code = {}, form_errors(exc.errors, lang_of(request)), exc.status_code
    query = select(Ambassador).where(Ambassador.state != "erased").order_by(Ambassador.points_earned.desc(),
                                                                           Ambassador.name)
    for key, value in filters.items():
        query = query.where(getattr(Ambassador, key) == value)
    people = await paginate(db, query, page_number(request.query_params.get("page")), base_path=base(slug),
                            params=filters)
    extra.setdefault("form", {"kind": "customer"})
    return render(request, "roster.html", slug, status_code=status_code, people=people, filters=filters,
                  tier_names=tier_names, **extra)


@get("/ambassadors/", opt=READ)
async def roster(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _roster(request, db, slug)


@post("/ambassadors/", opt=WORK)
async def add(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """Add a person by hand: they are invited by mail and take part once they consent."""
    values = {k: str(data.get(k, "")) for k in ("email", "name", "kind", "handle")}
    principal = principal_of(request)
    try:
        person = await service.invite(
            db, email=values["email"], name=values["name"], kind=values["kind"] or "customer",
            handle=values["handle"], source="employee" if values["kind"] == "employee" else "manual", source_ref="",
            invited_by_id=principal.user_id, lang=lang_of(request),
            link_base=service.portal_base(request.app.state.settings.base_url, slug),
            tenant_name=tenant_of(request).name)
    except DomainError as exc:
        return await _roster(request, db, slug, status_code=exc.status_code, form=values,
                             errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}{person.id}", status_code=303)


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, person: Ambassador,
                  status_code: int = 200, **extra: Any) -> Template:
    agreed = await service.consent_version(db, person.consent_version)
    done = await paginate(db, select(Completion, Mission.title).join(Mission, Mission.id == Completion.mission_id)
                          .where(Completion.ambassador_id == person.id).order_by(Completion.completed_at.desc()),
                          page_number(request.query_params.get("page")), base_path=f"{base(slug)}{person.id}",
                          scalars=False)
    extra.setdefault("form", {"tier": person.tier, "notes": person.notes})
    return render(request, "detail.html", slug, status_code=status_code, person=person, agreed=agreed, done=done,
                  tier_names=[t.name for t in await service.tiers(db)], **extra)


@get("/ambassadors/{ambassador_id:uuid}", opt=READ)
async def detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, ambassador_id: UUID) -> Template:
    person = await get_or_404(db, Ambassador, ambassador_id)
    return await _detail(request, db, slug, person)


@post("/ambassadors/{ambassador_id:uuid}", opt=WORK)
async def change(request: Request[Any, Any, Any], db: AsyncSession, slug: str, ambassador_id: UUID,
                 data: Form) -> Any:
    person = await get_or_404(db, Ambassador, ambassador_id)
    values = {k: str(data.get(k, "")) for k in ("tier", "notes")}
    try:
        await service.edit(db, principal_of(request), person, values)
    except DomainError as exc:
        return await _detail(request, db, slug, person, status_code=exc.status_code, form=values,
                             errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}{person.id}", status_code=303)


@post("/ambassadors/{ambassador_id:uuid}/remove", opt=WORK)
async def remove(request: Request[Any, Any, Any], db: AsyncSession, slug: str, ambassador_id: UUID) -> Redirect:
    """Off the roster: the person is pseudonymised (what they did stays counted, nothing names them)."""
    person = await get_or_404(db, Ambassador, ambassador_id)
    name = person.name
    await privacy.pseudonymise(db, [person])
    await record_audit(db, principal_of(request), "energizing.ambassador_removed", subject=person,
                       summary=Msg("{name} removed from the ambassador roster", name=name))
    return Redirect(base(slug), status_code=303)


async def _settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                    **extra: Any) -> Template:
    current = await service.current_consent(db, tenant_name=tenant_of(request).name, lang=lang_of(request))
    versions = list((await db.scalars(select(ConsentText).order_by(ConsentText.version.desc()).limit(20))).all())
    tiers = await service.tiers(db)
    extra.setdefault("form", {"body": current.body,
                              "tiers": "\n".join(f"{t.name} {t.threshold}" for t in tiers)})
    return render(request, "settings.html", slug, status_code=status_code, current=current, versions=versions,
                  tiers=tiers, **extra)


@get("/ambassadors/settings", opt=READ)
async def settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _settings(request, db, slug)


@post("/ambassadors/settings/consent", opt=CONFIGURE)
async def consent(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"body": str(data.get("body", ""))}
    try:
        await service.edit_consent(db, principal_of(request), values)
    except DomainError as exc:
        return await _settings(request, db, slug, status_code=exc.status_code, form=values,
                               errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}settings", status_code=303)


@post("/ambassadors/settings/tiers", opt=CONFIGURE)
async def tiers(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"tiers": str(data.get("tiers", ""))}
    try:
        await service.save_tiers(db, principal_of(request), values)
    except DomainError as exc:
        return await _settings(request, db, slug, status_code=exc.status_code, form=values,
                               errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}settings", status_code=303)


ROUTES = [roster, add, settings, detail, change, remove, consent, tiers]
