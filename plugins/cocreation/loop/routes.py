"""Pages of the loop: an idea made from (or linked to) a mention, a case or a community question; the loop page
with the replies that wait for staff; the loop panel of an idea's staff page; the public "people told" line."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    NotFound,
    Refused,
    current_customer,
    form_errors,
    lang_of,
    page,
    page_number,
    permission_check,
    principal_of,
    tenant_of,
    user_names,
)
from plugins.cocreation.approval import APPROVE_RULE
from plugins.cocreation.loop import links, service
from plugins.cocreation.loop.tell import SKIPPED
from plugins.cocreation.models import LINK_KINDS, LOOP_CHANNELS, LOOP_STATES, Idea
from plugins.cocreation.settings import board_settings, stage_name, stages

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
APPROVE = {"action": "plugin.work", "rule": "the person approving a reply of the loop is its sign-off: "
                                            + APPROVE_RULE + "; the policy's tone rules still apply"}
PUBLIC = {"action": "public"}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/cocreation"


async def _idea(db: AsyncSession, number: int) -> Idea:
    from plugins.cocreation import ideas

    return await ideas.idea_by_number(db, number)


def _item_of(data: Any) -> tuple[str, str]:
    return str(data.get("kind") or ""), str(data.get("item_id") or "")


# -- create an idea from an item ----------------------------------------------------------------------------------

async def _new_form(request: Request[Any, Any, Any], db: AsyncSession, kind: str, item_id: str,
                    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Template:
    lang = lang_of(request)
    item: dict[str, Any] | None = None
    try:
        item = await links.checked_item(db, request.app.state.pm, kind, item_id, lang)
    except DomainError as exc:
        errors = {**form_errors(exc.errors, lang), **(errors or {})}
        status_code = exc.status_code
    fields = links.link_fields(kind, item) if item is not None else {}
    values = form if form is not None else (links.prefill(kind, item) if item is not None else {})
    from plugins.cocreation import ideas

    similar = await ideas.similar_ideas(db, str(values.get("title") or "")) if item is not None else []
    return page(request, "cocreation/loop/new.html", status_code=status_code, item=item, fields=fields,
                kind=kind, item_id=item_id, kinds=LINK_KINDS, form={**values, "kind": kind, "item_id": item_id},
                errors=errors or {}, similar=similar, base=_base(tenant_of(request).slug))


@post("/loop/from-item", opt=WORK)
async def from_item(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Template:
    """"Create an idea" on a mention, case or question (`regie_item_actions`): the form prefilled from the item as
    its plugin describes it now; nothing is stored until it is saved."""
    kind, item_id = _item_of(data)
    return await _new_form(request, db, kind, item_id)


@post("/loop/ideas", opt=WORK)
async def create_from_item(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    kind, item_id = _item_of(data)
    values = {key: data.get(key, "") for key in ("title", "description", "category_id", "tags")}
    try:
        idea = await links.create_from_item(db, principal_of(request), request.app.state.pm, kind, item_id, values,
                                            lang=lang_of(request))
    except DomainError as exc:
        return await _new_form(request, db, kind, item_id, form=values, status_code=exc.status_code,
                               errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/ideas/{idea.number}", status_code=303)


# -- link an item to an existing idea ---------------------------------------------------------------------------------

async def _pick(request: Request[Any, Any, Any], db: AsyncSession, kind: str, item_id: str, query: str,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    from plugins.cocreation import ideas

    lang = lang_of(request)
    item: dict[str, Any] | None = None
    try:
        item = await links.checked_item(db, request.app.state.pm, kind, item_id, lang)
    except DomainError as exc:
        errors = {**form_errors(exc.errors, lang), **(errors or {})}
        status_code = exc.status_code
    slug = tenant_of(request).slug
    fields = links.link_fields(kind, item) if item is not None else {}
    found = None
    suggested: list[Idea] = []
    linked: list[Idea] = []
    if item is not None:
        linked = await links.ideas_linked_to(db, kind, fields["ref_id"])
        if query:
            found = await ideas.search_ideas(db, query, order="top",
                                             page=page_number(request.query_params.get("page")),
                                             base_path=f"{_base(slug)}/loop/pick",
                                             params={"kind": kind, "item_id": item_id, "q": query})
        else:
            suggested = await ideas.similar_ideas(db, links.prefill(kind, item)["title"], limit=8)
    return page(request, "cocreation/loop/pick.html", status_code=status_code, item=item, fields=fields, kind=kind,
                item_id=item_id, kinds=LINK_KINDS, query=query, found=found, suggested=suggested, linked=linked,
                errors=errors or {}, base=_base(slug))


@post("/loop/pick", opt=WORK)
async def pick_from_item(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Template:
    """"Link to an idea" on a mention, case or question: a page to find the idea (similar ones first)."""
    kind, item_id = _item_of(data)
    return await _pick(request, db, kind, item_id, "")


@get("/loop/pick", opt=WORK)
async def pick(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    params = request.query_params
    return await _pick(request, db, str(params.get("kind") or ""), str(params.get("item_id") or ""),
                       " ".join(str(params.get("q") or "").split())[:100])


@post("/loop/link", opt=WORK)
async def link_item(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    kind, item_id = _item_of(data)
    lang = lang_of(request)
    try:
        try:
            idea = await _idea(db, int(str(data.get("number") or "").strip()))
        except (ValueError, NotFound):
            raise DomainError(field="number", msgid="Choose an idea.") from None
        if idea.status in ("merged", "rejected"):
            raise DomainError(field="number", msgid="A merged or rejected idea takes no links.")
        item = await links.checked_item(db, request.app.state.pm, kind, item_id, lang)
        await links.link(db, principal_of(request), idea, kind, item)
    except DomainError as exc:
        return await _pick(request, db, kind, item_id, "", errors=form_errors(exc.errors, lang),
                           status_code=exc.status_code)
    return Redirect(f"{_base(slug)}/ideas/{idea.number}", status_code=303)


# -- the loop page: replies that wait ------------------------------------------------------------------------------

async def _loop_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                     errors: dict[str, dict[str, str]] | None = None, forms: dict[str, str] | None = None,
                     status_code: int = 200) -> Template:
    state = str(request.query_params.get("state") or "")
    shown = await service.open_messages(db, page_number(request.query_params.get("page")), state=state,
                                        base_path=f"{_base(slug)}/loop/")
    approvable, waiting = await service.approvals(db, principal_of(request), shown.items)
    return page(request, "cocreation/loop/index.html", status_code=status_code, messages=shown,
                approvable=approvable, waiting=waiting,
                ideas=await service.ideas_of(db, shown.items), links=await service.links_by_id(db, shown.items),
                state=state, states=LOOP_STATES, channels=LOOP_CHANNELS, kinds=LINK_KINDS, skipped=SKIPPED,
                row_errors=errors or {}, forms=forms or {}, base=_base(slug))


@get("/loop/", opt=WORK)
async def loop_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _loop_page(request, db, slug)


def _back(data: Any, slug: str) -> str:
    """Back where the form was (the loop page or an idea's staff page), never elsewhere."""
    target = str(data.get("next") or "")
    base = _base(slug) + "/"
    return target if target.startswith(base) and "//" not in target[len(base):] else f"{base}loop/"


@post("/loop/messages/{message_id:uuid}/approve", opt=APPROVE)
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, message_id: UUID,
                  data: Form) -> Any:
    try:
        await service.approve(db, principal_of(request), request.app.state.settings, request.app.state.pm,
                              message_id, data.get("text"))
    except (DomainError, Refused) as exc:
        return await _loop_page(request, db, slug, status_code=exc.status_code,
                                errors={str(message_id): form_errors(exc.errors, lang_of(request))},
                                forms={str(message_id): str(data.get("text") or "")})
    return Redirect(_back(data, slug), status_code=303)


@post("/loop/messages/{message_id:uuid}/by-hand", opt=WORK)
async def by_hand(request: Request[Any, Any, Any], db: AsyncSession, slug: str, message_id: UUID,
                  data: Form) -> Any:
    try:
        await service.answered_by_hand(db, principal_of(request), message_id)
    except Refused as exc:
        return await _loop_page(request, db, slug, status_code=exc.status_code,
                                errors={str(message_id): form_errors(exc.errors, lang_of(request))})
    return Redirect(_back(data, slug), status_code=303)


# -- an idea's loop panel (staff) and the public line ------------------------------------------------------------------

@get("/loop/ideas/{number:int}/panel", opt=READ)
async def panel(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Template:
    """What led to the idea and who was told what, when (included in the idea's staff page)."""
    idea = await _idea(db, number)
    base = _base(slug)
    messages = await service.messages_of_idea(db, idea.id, page_number(request.query_params.get("lpage")),
                                              f"{base}/loop/ideas/{number}/panel")
    shown_links = await links.links_of(db, idea.id)
    people = await user_names(db, {row.linked_by_id for row in shown_links if row.linked_by_id})
    approvable, waiting = await service.approvals(db, principal_of(request), messages.items)
    return page(request, "cocreation/loop/partials/panel.html", idea=idea, links=shown_links, people=people,
                approvable=approvable, waiting=waiting,
                messages=messages, states=LOOP_STATES, channels=LOOP_CHANNELS, kinds=LINK_KINDS, skipped=SKIPPED,
                by_link={row.id: row for row in shown_links}, base=base,
                next=f"{base}/ideas/{number}")


@get("/board/ideas/{number:int}/told", opt=PUBLIC)
async def told(request: Request[Any, Any, Any], db: AsyncSession, number: int) -> Template:
    """How many people heard about the idea's changes, per stage; no names (the public idea page)."""
    idea = await _idea(db, number)
    settings = await board_settings(db)
    staff = permission_check(principal_of(request))("plugin.read")
    if idea.status != "published" or (settings.is_private and not staff
                                      and await current_customer(db, request, tenant_of(request).id) is None):
        raise NotFound()
    names = {stage.key: stage_name(stage, lang_of(request)) for stage in await stages(db)}
    counts = [(names.get(key, key), n) for key, n in await service.told_counts(db, idea.id) if n]
    return page(request, "cocreation/loop/partials/told.html", counts=counts)


ROUTES = [from_item, create_from_item, pick_from_item, pick, link_item, loop_page, approve, by_hand, panel, told]
