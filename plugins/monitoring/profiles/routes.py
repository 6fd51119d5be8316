"""Pages of search profiles: the list, a profile's page (with the re-tag progress), the editor with a live
preview and the syntax help, and deleting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    clean_uuid,
    form_errors,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
)
from plugins.monitoring.models import SOURCE_TYPES, SearchProfile
from plugins.monitoring.profiles import service
from plugins.monitoring.profiles.highlight import highlight
from plugins.monitoring.profiles.service import DEFAULTS, LANGUAGES, THRESHOLDS, QueryProblem

FLAGS = ("is_active", "alerts_enabled")


def _base(slug: str) -> str:
    return f"/t/{slug}/p/monitoring/profiles/"


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """A submitted form as service values: an unchecked box is False, no language ticked is all of them."""
    values = {k: data.get(k, "") for k in ("name", "query", *THRESHOLDS)}
    values["languages"] = data.get("languages") or []
    values["source_types"] = data.get("source_types") or []
    values.update({k: k in data for k in FLAGS})
    return values


def _form_of(profile: SearchProfile | None) -> dict[str, Any]:
    if profile is None:
        return {**DEFAULTS, "name": "", "query": ""}
    return {k: getattr(profile, k) for k in service.FIELDS}


def _form_context(slug: str, profile: SearchProfile | None, form: dict[str, Any],
                  errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"base": _base(slug), "profile": profile, "form": form, "errors": errors or {},
            "languages": LANGUAGES, "source_types": SOURCE_TYPES, "thresholds": THRESHOLDS,
            "picked_languages": set(_as_list(form.get("languages"))),
            "picked_types": set(_as_list(form.get("source_types")))}


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


@get("/profiles/", opt={"action": "plugin.read"})
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    listing = await paginate(db, service.profiles_query(), page_number(request.query_params.get("page")),
                             base_path=_base(slug))
    counts = await service.matched_counts(db, [p.id for p in listing.items])
    return page(request, "monitoring/profiles/list.html", base=_base(slug), items=listing, counts=counts,
                languages=LANGUAGES, source_types=SOURCE_TYPES)


@get("/profiles/new", opt={"action": "plugin.configure"})
async def new(request: Request[Any, Any, Any], slug: str) -> Template:
    return page(request, "monitoring/profiles/form.html", **_form_context(slug, None, _form_of(None)))


@post("/profiles/new", opt={"action": "plugin.configure"})
async def create(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        saved = await service.create_profile(db, principal_of(request), _values(data))
    except DomainError as exc:
        return page(request, "monitoring/profiles/form.html", status_code=exc.status_code,
                    **_form_context(slug, None, _values(data), form_errors(exc.errors, lang_of(request))))
    return Redirect(_after_save(slug, saved), status_code=303)


def _after_save(slug: str, saved: service.Saved) -> str:
    url = f"{_base(slug)}{saved.profile.id}/"
    return f"{url}?progress={saved.progress.id}" if saved.progress is not None else url


@get("/profiles/{profile_id:uuid}/", opt={"action": "plugin.read"})
async def detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, profile_id: UUID) -> Template:
    """The profile, what it caught lately, and (right after a save) the re-tag job's progress bar."""
    profile = await service.get_profile(db, profile_id)
    progress_id = _uuid_or_none(request.query_params.get("progress"))
    counts = await service.matched_counts(db, [profile.id])
    recent = await service.recent_matches(db, profile.id)
    return page(request, "monitoring/profiles/detail.html", base=_base(slug), profile=profile,
                progress_id=progress_id, matched=counts.get(profile.id, 0), recent=recent,
                languages=LANGUAGES, source_types=SOURCE_TYPES, thresholds=THRESHOLDS)


def _uuid_or_none(value: Any) -> UUID | None:
    try:
        return clean_uuid(value, "progress", required=False)
    except DomainError:
        return None


@get("/profiles/{profile_id:uuid}/edit", opt={"action": "plugin.configure"})
async def edit(request: Request[Any, Any, Any], db: AsyncSession, slug: str, profile_id: UUID) -> Template:
    profile = await service.get_profile(db, profile_id)
    return page(request, "monitoring/profiles/form.html", **_form_context(slug, profile, _form_of(profile)))


@post("/profiles/{profile_id:uuid}/edit", opt={"action": "plugin.configure"})
async def update(request: Request[Any, Any, Any], db: AsyncSession, slug: str, profile_id: UUID, data: Form) -> Any:
    profile = await service.get_profile(db, profile_id)
    try:
        saved = await service.update_profile(db, principal_of(request), profile.id, _values(data))
    except DomainError as exc:
        await db.refresh(profile)  # a refused rename left it expired (its savepoint was rolled back)
        return page(request, "monitoring/profiles/form.html", status_code=exc.status_code,
                    **_form_context(slug, profile, _values(data), form_errors(exc.errors, lang_of(request))))
    return Redirect(_after_save(slug, saved), status_code=303)


@post("/profiles/{profile_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def remove(request: Request[Any, Any, Any], db: AsyncSession, slug: str, profile_id: UUID) -> Redirect:
    await service.delete_profile(db, principal_of(request), profile_id)
    return Redirect(_base(slug), status_code=303)


@post("/profiles/preview", opt={"action": "plugin.configure"})
async def preview(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Template:
    """A fragment for the editor (htmx): how many recent mentions the query would catch, and which."""
    values = _values(data)
    context: dict[str, Any] = {"base": _base(slug), "query": str(values["query"] or "")}
    try:
        result = await service.preview(db, values["query"], values["languages"], values["source_types"])
    except DomainError as exc:
        problem = exc.errors.get("query")
        span = _token_at(context["query"], problem.offset) if isinstance(problem, QueryProblem) else None
        return page(request, "monitoring/profiles/partials/preview.html", status_code=exc.status_code,
                    errors=form_errors(exc.errors, lang_of(request)), span=span, result=None, **context)
    snippets = {m.id: highlight(m, result.terms) for m in result.sample}
    return page(request, "monitoring/profiles/partials/preview.html", result=result, snippets=snippets,
                source_types=SOURCE_TYPES, span=None, **context)


def _token_at(query: str, offset: int) -> tuple[int, int]:
    """The stretch of the query to mark: the word or operator starting at the parser's position."""
    end = offset + 1
    if query[offset:end] not in ("(", ")", '"'):
        while end < len(query) and not query[end].isspace() and query[end] not in '()"':
            end += 1
    return offset, end


ROUTES = [index, new, create, detail, edit, update, remove, preview]
