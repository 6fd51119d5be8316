"""Approval pages: "awaiting my approval", approve and reject (on the post's page and in the list), resume a
paused post (one, or all at once), and the tenant's approval settings."""

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
    form_errors,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
)
from plugins.talking.approvals import config, crisis, flow
from plugins.talking.approvals.view import REASONS
from plugins.talking.content.routes import render_post
from plugins.talking.content.service import get_post
from plugins.talking.models import STATE_REASONS, STATES, Post
from plugins.talking.moments import form_value

WORK = {"action": "plugin.work"}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/talking"


def _reason(data: dict[str, Any]) -> str:
    """The reason a rejection gives: `reject_reason` from the pages' forms, `reason` as the API names it."""
    return str(data.get("reject_reason") or data.get("reason") or "")


def _back(slug: str, post_id: UUID, data: dict[str, Any]) -> str:
    """Where a decision returns to: the list it was made in, else the post's page."""
    return f"{_base(slug)}/approvals/" if data.get("from") == "queue" else f"{_base(slug)}/posts/{post_id}"


async def _queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                 errors: dict[str, str] | None = None, status: int = 200) -> Template:
    principal = principal_of(request)
    found = await paginate(db, flow.awaiting_query(principal.user_id), page_number(request.query_params.get("page")),
                           base_path=f"{_base(slug)}/approvals/")
    names = await user_names(db, [p.author_id for p in found.items])
    return page(request, "talking/approvals/queue.html", status_code=status, posts=found, names=names,
                reasons=REASONS, states=STATES, errors=errors or {})


@get("/approvals/", opt={"action": "plugin.work"})
async def queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _queue(request, db, slug)


async def _decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                  data: dict[str, Any], step: Any) -> Any:
    try:
        await step()
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        if data.get("from") == "queue":
            return await _queue(request, db, slug, {str(post_id): " ".join(errors.values())}, exc.status_code)
        if "reason" in errors:  # the post's page has a cancel form with a reason of its own
            errors["reject_reason"] = errors.pop("reason")
        if "revision" in errors:  # the page shows it at the top
            errors["__all__"] = errors.pop("revision")
        shown = await get_post(db, post_id)
        return await render_post(request, db, shown, errors=errors, status=exc.status_code,
                                 form={"reject_reason": _reason(data), "publish_at": form_value(shown.publish_at)})
    return Redirect(_back(slug, post_id, data), status_code=303)


@post("/posts/{post_id:uuid}/approve", opt={**WORK, "rule": flow.DECIDE_RULE})
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    settings = request.app.state.settings
    return await _decide(request, db, slug, post_id, data, lambda: flow.approve(
        db, principal_of(request), settings, post_id, data.get("note"), data.get("revision")))


@post("/posts/{post_id:uuid}/reject", opt={**WORK, "rule": flow.DECIDE_RULE})
async def reject(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    settings = request.app.state.settings
    return await _decide(request, db, slug, post_id, data, lambda: flow.reject(
        db, principal_of(request), settings, post_id, _reason(data), data.get("revision")))


@post("/posts/{post_id:uuid}/resume", opt=WORK)
async def resume(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    """A paused post through the policy check again (deliberately, never by itself)."""
    settings = request.app.state.settings
    try:
        await crisis.resume(db, principal_of(request), settings, post_id)
    except DomainError as exc:
        return await render_post(request, db, await get_post(db, post_id),
                                 errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/posts/{post_id}", status_code=303)


async def _paused(request: Request[Any, Any, Any], db: AsyncSession, slug: str, *, errors: dict[str, str] | None = None,
                  status: int = 200, done: tuple[int, int] | None = None) -> Template:
    query = select(Post).where(Post.state == "paused").order_by(Post.publish_at, Post.id)
    found = await paginate(db, query, page_number(request.query_params.get("page")), base_path=f"{_base(slug)}/paused/")
    settings_row = await config.read_settings(db)
    return page(request, "talking/approvals/paused.html", status_code=status, posts=found, reasons=STATE_REASONS,
                errors=errors or {}, done=done, may_resume_all=crisis.may_resume_all(principal_of(request)),
                crisis_on=config.crisis_is_on(settings_row))


@get("/paused/", opt={"action": "plugin.read"})
async def paused(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _paused(request, db, slug)


@post("/paused/resume", opt={**WORK, "rule": crisis.RESUME_ALL_RULE})
async def resume_all(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        done = await crisis.resume_all(db, principal_of(request), request.app.state.settings, data.get("confirm"))
    except DomainError as exc:
        return await _paused(request, db, slug, errors=form_errors(exc.errors, lang_of(request)),
                             status=exc.status_code)
    return await _paused(request, db, slug, done=done)


async def _settings_page(request: Request[Any, Any, Any], db: AsyncSession, form: dict[str, Any],
                         errors: dict[str, str] | None = None, status: int = 200, saved: bool = False) -> Template:
    row = await config.read_settings(db)
    return page(request, "talking/approvals/settings.html", status_code=status, form=form, errors=errors or {},
                ch=await config.choices_for(db), max_steps=config.MAX_STEPS, saved=saved,
                crisis_on=config.crisis_is_on(row),
                limits={"min": config.MIN_DAYS, "max": config.MAX_DAYS})


@get("/approvals/settings", opt={"action": "plugin.configure", "rule": config.CONFIGURE_RULE})
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    config.must_configure(principal_of(request))
    return await _settings_page(request, db, config.settings_form(await config.read_settings(db)),
                                saved=request.query_params.get("saved") == "1")


@post("/approvals/settings", opt={"action": "plugin.configure", "rule": config.CONFIGURE_RULE})
async def save_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await config.save_settings(db, principal_of(request), dict(data))
    except DomainError as exc:
        return await _settings_page(request, db, config.typed_form(data), form_errors(exc.errors, lang_of(request)),
                                    exc.status_code)
    return Redirect(f"{_base(slug)}/approvals/settings?saved=1", status_code=303)


ROUTES = [queue, approve, reject, resume, paused, resume_all, settings_page, save_settings]
