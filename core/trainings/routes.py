"""Trainings: the mediator's catalogue (/mediator/trainings/) and a tenant's suggestions and enrolments
(/t/{slug}/trainings/)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import gettext_for
from core.tenancy.models import Tenant
from core.trainings import service
from core.trainings.events import because
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page, permission_check

CATALOGUE = "/mediator/trainings/"


def _topics(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    _ = gettext_for(lang_of(request))
    return [(t, _(service.TOPIC_LABELS[t])) for t in service.TOPICS]


def _form_of(training: Any) -> dict[str, Any]:
    return {"key": training.key, "title_nl": (training.title or {}).get("nl", ""),
            "title_en": (training.title or {}).get("en", ""),
            "description_nl": (training.description or {}).get("nl", ""),
            "description_en": (training.description or {}).get("en", ""), "topic": training.topic,
            "duration_hours": str(training.duration_hours),
            "qualifies_publisher": "1" if training.qualifies_publisher else ""}


# -- the mediator's catalogue ---------------------------------------------------------------------------------------

async def _catalogue(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                     **extra: Any) -> Template:
    await service.ensure_catalogue(db)
    listing = await paginate(db, service.catalogue_query(), page_number(request.query_params.get("page")),
                             base_path=CATALOGUE)
    return page(request, "trainings/catalogue.html", status_code=status_code, listing=listing, topics=_topics(request),
                topic_labels=service.TOPIC_LABELS, title_of=service.title_of, lang=lang_of(request),
                saved=request.query_params.get("saved"), **extra)


@get(CATALOGUE, opt={"action": "training.manage"})
async def catalogue(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _catalogue(request, db)


@post("/mediator/trainings", opt={"action": "training.manage"})
async def create_training(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    try:
        training = await service.create_training(db, principal_of(request), dict(data))
    except DomainError as exc:
        return await _catalogue(request, db, status_code=exc.status_code,
                                errors=form_errors(exc.errors, lang_of(request)), form=dict(data))
    return Redirect(f"{CATALOGUE}?saved={training.key}", status_code=303)


async def _edit(request: Request[Any, Any, Any], training: Any, status_code: int = 200, **extra: Any) -> Template:
    extra.setdefault("form", _form_of(training))
    return page(request, "trainings/edit.html", status_code=status_code, training=training, topics=_topics(request),
                title_of=service.title_of, lang=lang_of(request), **extra)


@get("/mediator/trainings/{training_id:uuid}/", opt={"action": "training.manage"})
async def edit_training(request: Request[Any, Any, Any], db: AsyncSession, training_id: UUID) -> Template:
    return await _edit(request, await service.get_training(db, training_id))


@post("/mediator/trainings/{training_id:uuid}", opt={"action": "training.manage"})
async def update_training(request: Request[Any, Any, Any], db: AsyncSession, training_id: UUID,
                          data: Form) -> Any:
    training = await service.get_training(db, training_id)
    try:
        await service.update_training(db, principal_of(request), training, dict(data))
    except DomainError as exc:
        await db.refresh(training)
        return await _edit(request, training, status_code=exc.status_code,
                           errors=form_errors(exc.errors, lang_of(request)), form={**dict(data), "key": training.key})
    return Redirect(f"{CATALOGUE}?saved={training.key}", status_code=303)


@post("/mediator/trainings/{training_id:uuid}/active", opt={"action": "training.manage"})
async def set_active(request: Request[Any, Any, Any], db: AsyncSession, training_id: UUID, data: Form) -> Any:
    training = await service.get_training(db, training_id)
    try:
        await service.set_active(db, principal_of(request), training, dict(data))
    except DomainError as exc:
        return await _edit(request, training, status_code=exc.status_code,
                           errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{CATALOGUE}?saved={training.key}", status_code=303)


# -- a tenant's trainings -------------------------------------------------------------------------------------------

def _may_enrol(request: Request[Any, Any, Any]) -> bool:
    return permission_check(principal_of(request))("training.enrol")


async def _tenant_page(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                       **extra: Any) -> Template:
    tenant = await db.get(Tenant, tenant_of(request).id)
    may_enrol = _may_enrol(request)
    principal = principal_of(request)
    base = f"/t/{tenant.slug}/trainings/"
    suggestions = await paginate(db, service.open_suggestions_query(),
                                 page_number(request.query_params.get("suggestions_page")), base_path=base,
                                 scalars=False, param="suggestions_page")
    enrolments = await paginate(db, service.enrolments_query(None if may_enrol else principal.user_id),
                                page_number(request.query_params.get("page")), base_path=base, scalars=False)
    mine = (await db.execute(service.enrolments_query(principal.user_id).limit(50))).all() if may_enrol else None
    trainings = (await db.scalars(service.catalogue_query(active_only=True))).all()
    lang = lang_of(request)
    return page(request, "trainings/index.html", status_code=status_code, current_tenant=tenant,
                suggestions=suggestions, enrolments=enrolments, mine=mine, may_enrol=may_enrol,
                training_options=[(str(t.id), service.title_of(t, lang)) for t in trainings], trainings=trainings,
                people=await service.people(db) if may_enrol else [], title_of=service.title_of,
                description_of=service.description_of, topic_labels=service.TOPIC_LABELS, lang=lang,
                because=lambda reason: because(reason, request.app.state.pm, lang),
                errors=extra.pop("errors", {}),
                form=extra.pop("form", None) or {"training_id": str(request.query_params.get("training_id") or "")},
                **extra)


@get("/t/{slug:str}/trainings/", opt={"action": "tenant.read"})
async def trainings(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """Suggestions, the catalogue and enrolments; everyone sees their own enrolments."""
    try:  # two first visits at once: the second one's suggestion hits the unique key; the first one's stands
        async with db.begin_nested():
            await service.suggest_for_org_model(db, await db.get(Tenant, tenant_of(request).id))
    except IntegrityError:
        pass
    return await _tenant_page(request, db)


def _user_ids(data: dict[str, Any]) -> list[Any]:
    raw = data.get("user_ids")
    if isinstance(raw, list):
        return raw
    return [raw] if raw else []


@post("/t/{slug:str}/trainings/enrol", opt={"action": "training.enrol"})
async def enrol(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    try:
        added = await service.enrol(db, principal_of(request), dict(data), _user_ids(dict(data)))
    except DomainError as exc:
        form = {k: v for k, v in dict(data).items() if isinstance(v, str)}
        return await _tenant_page(request, db, status_code=exc.status_code,
                                  errors=form_errors(exc.errors, lang_of(request)), form=form)
    return Redirect(f"/t/{tenant_of(request).slug}/trainings/?enrolled={added}", status_code=303)


@post("/t/{slug:str}/trainings/enrolments/{enrolment_id:uuid}/complete", opt={"action": "training.enrol"})
async def complete(request: Request[Any, Any, Any], db: AsyncSession, enrolment_id: UUID) -> Redirect:
    await service.complete(db, principal_of(request), enrolment_id)
    return Redirect(f"/t/{tenant_of(request).slug}/trainings/", status_code=303)


@post("/t/{slug:str}/trainings/suggestions/{suggestion_id:uuid}/dismiss", opt={"action": "training.enrol"})
async def dismiss(request: Request[Any, Any, Any], db: AsyncSession, suggestion_id: UUID) -> Redirect:
    await service.dismiss(db, principal_of(request), suggestion_id)
    return Redirect(f"/t/{tenant_of(request).slug}/trainings/", status_code=303)


ROUTES = [catalogue, create_training, edit_training, update_training, set_active, trainings, enrol, complete,
          dismiss]
