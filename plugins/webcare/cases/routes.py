"""Routing set-up pages: the rules (first match by position wins) with new/edit/delete/move, and the queues
(name, department) on the same page family; and "make it a case": the action webcare offers on another
plugin's mention page (`mention_actions`, hook `regie_item_actions`) and the form post it sends."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    HookContext,
    Item,
    ItemAction,
    department_choices,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
)
from plugins.webcare.cases import rules as R
from plugins.webcare.cases import service
from plugins.webcare.cases.nps_routes import ROUTES as NPS_ROUTES
from plugins.webcare.models import PRIORITIES, CaseQueue, RoutingRule

RULE_FIELDS = ("name", "sentiments", "question", "keywords", "own_accounts", "profile_ids", "source_types",
               "queue_id", "priority", "is_active")


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/rules/"


def _values(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: data.get(k, "") for k in names}


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) and value else list(value or [])


async def _rule_context(db: AsyncSession, slug: str, rule: RoutingRule | None, form: dict[str, Any],
                        errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"base": _base(slug), "rule": rule, "form": form, "errors": errors or {},
            "sentiments": R.SENTIMENTS, "picked": set(_as_list(form.get("sentiments"))),
            "queues": await service.queue_choices(db), "priorities": PRIORITIES}


async def _queue_context(db: AsyncSession, slug: str, queue: CaseQueue | None, form: dict[str, Any],
                         errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"base": _base(slug), "queue": queue, "form": form, "errors": errors or {},
            "departments": [(str(i), n) for i, n in await department_choices(db)]}


@get("/rules/", opt={"action": "plugin.configure"})
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    params = request.query_params
    rules = await paginate(db, service.rules_query(), page_number(params.get("page")), base_path=_base(slug))
    queues = await paginate(db, service.queues_query(), page_number(params.get("qpage")), base_path=_base(slug),
                            param="qpage")
    names = dict(await service.queue_choices(db))
    departments = {str(i): n for i, n in await department_choices(db)}
    return page(request, "webcare/cases/rules.html", base=_base(slug), rules=rules, queues=queues,
                queue_names=names, departments=departments, sentiments=R.SENTIMENTS, priorities=PRIORITIES)


@get("/rules/new", opt={"action": "plugin.configure"})
async def new_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return page(request, "webcare/cases/rule_form.html", **await _rule_context(db, slug, None, service.form_of(None)))


@post("/rules/new", opt={"action": "plugin.configure"})
async def create_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = _values(data, RULE_FIELDS)
    try:
        await service.create_rule(db, principal_of(request), values)
    except DomainError as exc:
        return page(request, "webcare/cases/rule_form.html", status_code=exc.status_code,
                    **await _rule_context(db, slug, None, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(_base(slug), status_code=303)


@get("/rules/{rule_id:uuid}/edit", opt={"action": "plugin.configure"})
async def edit_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, rule_id: UUID) -> Template:
    rule = await get_or_404(db, RoutingRule, rule_id)
    return page(request, "webcare/cases/rule_form.html", **await _rule_context(db, slug, rule, service.form_of(rule)))


@post("/rules/{rule_id:uuid}/edit", opt={"action": "plugin.configure"})
async def update_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, rule_id: UUID,
                      data: Form) -> Any:
    rule = await get_or_404(db, RoutingRule, rule_id)
    values = _values(data, RULE_FIELDS)
    try:
        await service.update_rule(db, principal_of(request), rule.id, values)
    except DomainError as exc:
        return page(request, "webcare/cases/rule_form.html", status_code=exc.status_code,
                    **await _rule_context(db, slug, rule, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(_base(slug), status_code=303)


@post("/rules/{rule_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def delete_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, rule_id: UUID) -> Redirect:
    await service.delete_rule(db, principal_of(request), rule_id)
    return Redirect(_base(slug), status_code=303)


@post("/rules/{rule_id:uuid}/move", opt={"action": "plugin.configure"})
async def move_rule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, rule_id: UUID,
                    data: Form) -> Redirect:
    await service.move_rule(db, principal_of(request), rule_id, str(data.get("direction") or ""))
    return Redirect(_base(slug), status_code=303)


@get("/rules/queues/new", opt={"action": "plugin.configure"})
async def new_queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return page(request, "webcare/cases/queue_form.html",
                **await _queue_context(db, slug, None, {"name": "", "description": "", "department_id": ""}))


@post("/rules/queues/new", opt={"action": "plugin.configure"})
async def create_queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = _values(data, ("name", "description", "department_id"))
    try:
        await service.create_queue(db, principal_of(request), values)
    except DomainError as exc:
        return page(request, "webcare/cases/queue_form.html", status_code=exc.status_code,
                    **await _queue_context(db, slug, None, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(_base(slug), status_code=303)


@get("/rules/queues/{queue_id:uuid}/edit", opt={"action": "plugin.configure"})
async def edit_queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str, queue_id: UUID) -> Template:
    queue = await get_or_404(db, CaseQueue, queue_id)
    form = {"name": queue.name, "description": queue.description, "department_id": str(queue.department_id)}
    return page(request, "webcare/cases/queue_form.html", **await _queue_context(db, slug, queue, form))


@post("/rules/queues/{queue_id:uuid}/edit", opt={"action": "plugin.configure"})
async def update_queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str, queue_id: UUID,
                       data: Form) -> Any:
    queue = await get_or_404(db, CaseQueue, queue_id)
    values = _values(data, ("name", "description", "department_id"))
    try:
        await service.update_queue(db, principal_of(request), queue.id, values)
    except DomainError as exc:
        await db.refresh(queue)
        return page(request, "webcare/cases/queue_form.html", status_code=exc.status_code,
                    **await _queue_context(db, slug, queue, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(_base(slug), status_code=303)


@post("/rules/queues/{queue_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def delete_queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str, queue_id: UUID) -> Redirect:
    await service.delete_queue(db, principal_of(request), queue_id)
    return Redirect(_base(slug), status_code=303)


MENTION_FIELDS = ("mention_id", "author_handle", "author_name", "author_reach", "title", "text", "url", "sentiment")


def mention_actions(ctx: HookContext, item: Item) -> list[ItemAction]:
    """"Make a webcare case" on a mention another plugin shows: one click, the mention's fields as the form."""
    _ = gettext_for(ctx.lang)
    fields = {k: str(item.get(k) or "") for k in MENTION_FIELDS}
    return [ItemAction(_("Make a webcare case"), f"/t/{ctx.tenant_slug}/p/webcare/cases/from-mention", fields)]


@post("/cases/from-mention", opt={"action": "plugin.work"})
async def case_from_mention_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                                 data: Form) -> Any:
    """A mention made a case by hand (or the case it is already in); then the case page."""
    url = str(data.get("url") or "")
    reach = str(data.get("author_reach") or "0")
    values = {"channel": "mention", "mention_id": data.get("mention_id") or None, "url": url,
              "author_handle": data.get("author_handle") or data.get("author_name") or urlparse(url).hostname or "",
              "author_name": data.get("author_name") or "", "subject": str(data.get("title") or "")[:300],
              "text": data.get("text") or data.get("title") or "", "sentiment": data.get("sentiment") or "neutral",
              "author_reach": int(reach) if reach.isdigit() else -1}
    try:
        case, _joined = await service.case_from_mention(db, principal_of(request), values, request.app.state.pm)
    except DomainError as exc:
        return page(request, "webcare/cases/by_hand_refused.html", status_code=exc.status_code,
                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/p/webcare/cases/{case.id}", status_code=303)


ROUTES = [index, new_rule, create_rule, edit_rule, update_rule, delete_rule, move_rule, new_queue, create_queue,
          edit_queue, update_queue, delete_queue, case_from_mention_form, *NPS_ROUTES]
