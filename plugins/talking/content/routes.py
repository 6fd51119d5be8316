"""Post pages: the draft editor (new, edit, started from a mention or a case), the post's page with its
variants as each network would show them, and the forms that move it on (reschedule, submit, back to draft,
cancel, record where it was posted by hand)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    NotFound,
    clean_date,
    find_item,
    form_errors,
    gettext_for,
    lang_of,
    normal_handle,
    page,
    principal_of,
    short_link_clicks_by_ref,
    shortened_length,
    user_names,
)
from plugins.talking.approvals.view import post_context as approval_context
from plugins.talking.content import service
from plugins.talking.content.choices import Choices, choices
from plugins.talking.content.forms import post_data, post_form, segments
from plugins.talking.models import (
    MAX_IMAGES,
    PUBLISH_OUTCOMES,
    STATE_REASONS,
    STATES,
    VARIANT_STATES,
    Campaign,
    Post,
    Stream,
)
from plugins.talking.moments import form_value, on_day, parse_moment
from plugins.talking.publishing import actions as publishing

WORK = {"action": "plugin.work"}
EDIT_RULE = "any member who may work in the talking plugin; a published or cancelled post no longer changes"


def _base(slug: str) -> str:
    return f"/t/{slug}/p/talking"


def _base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.base_url)


def _dragged(request: Request[Any, Any, Any], data: dict[str, Any]) -> bool:
    """A post dropped on a day by the calendar's script (htmx, a `day`): it wants a status, not a page. The date
    field on the post's page sends `publish_at`, so a boosted form of it still gets its page."""
    return request.headers.get("hx-request") == "true" and bool(data.get("day"))


async def _editor(request: Request[Any, Any, Any], ch: Choices, *, form: dict[str, Any], post: Post | None = None,
                  errors: dict[str, str] | None = None, status: int = 200, source: dict[str, str] | None = None
                  ) -> Template:
    slug = request.path_params["slug"]
    target = f"{_base(slug)}/posts/{post.id}" if post else f"{_base(slug)}/posts"
    base_url = _base_url(request)
    return page(request, "talking/content/editor.html", status_code=status, ch=ch, form=form, errors=errors or {},
                post=post, target=target, source=source or {}, max_images=MAX_IMAGES, short_prefix=f"{base_url}/l/",
                short_length=shortened_length("https://x.y", base_url))


def _new_form(ch: Choices, principal: Any, params: dict[str, Any]) -> dict[str, Any]:
    """A new post's values: the asker's own department, and the day or campaign it was started from."""
    membership = getattr(principal, "membership", None)
    department = getattr(membership, "department_id", None)
    form: dict[str, Any] = {"department_id": str(department) if department in ch.department_names else ""}
    try:
        day = clean_date(params.get("day"), "day", required=False)
        form["publish_at"] = form_value(on_day(None, day)) if day else ""
    except DomainError:
        pass
    if str(params.get("campaign") or "") in {str(c.id) for c in ch.campaigns}:
        form["home"] = f"campaign:{params['campaign']}"
    return form


@get("/posts/new", opt={"action": "plugin.work"})
async def new_post(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    ch = await choices(db)
    return await _editor(request, ch, form=_new_form(ch, principal_of(request), dict(request.query_params)))


@post("/posts", opt=WORK)
async def create_post(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    ch = await choices(db)
    try:
        created = await service.create_post(db, principal_of(request), post_data(data), ch,
                                            base_url=_base_url(request), pm=request.app.state.pm)
    except DomainError as exc:
        source = await _source_shown(request, db, data)
        return await _editor(request, ch, form=dict(data), errors=form_errors(exc.errors, lang_of(request)),
                             status=exc.status_code, source=source)
    return Redirect(f"{_base(slug)}/posts/{created.id}", status_code=303)


async def _source_shown(request: Request[Any, Any, Any], db: AsyncSession, data: dict[str, Any]) -> dict[str, str]:
    """What a re-rendered form shows of the item it answers (looked up again, never taken from the form)."""
    kind, item_id = str(data.get("source_kind") or ""), str(data.get("source_id") or "")
    if kind not in service.SOURCE_KINDS or not item_id:
        return {}
    item = await find_item(db, request.app.state.pm, kind, item_id, lang_of(request))
    return service.source_fields(kind, item_id, item) if item is not None else {}


@post("/posts/from-item", opt=WORK)
async def post_from_item(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Template:
    """"Respond publicly" on a mention or a case (`regie_item_actions`): a new draft prefilled with the item
    (its address; the thread it answers when the item has a network URI). Nothing is stored until it is saved."""
    kind, item_id = str(data.get("kind") or ""), str(data.get("item_id") or "")
    if kind not in service.SOURCE_KINDS:
        raise DomainError(field="kind", msgid="Choose one of: {choices}.", choices=", ".join(service.SOURCE_KINDS))
    item = await find_item(db, request.app.state.pm, kind, item_id, lang_of(request)) if item_id else None
    if item is None:
        raise DomainError(field="item_id", msgid="This mention or case no longer exists.")
    source = service.source_fields(kind, item_id, item)
    _ = gettext_for(lang_of(request))
    author = normal_handle(source["source_author"])
    who = f"@{author}" if author else str(item.get("author_name") or "")
    about = str(item.get("title") or item.get("subject") or item.get("text") or "")[:80]
    ch = await choices(db)
    form = _new_form(ch, principal_of(request), {})
    form.update({"title": (_("Public response to {who}: {about}", who=who, about=about) if who
                           else _("Public response: {about}", about=about))[:200],
                 "source_kind": kind, "source_id": source["source_id"]})
    return await _editor(request, ch, form=form, source=source)


@get("/posts/{post_id:uuid}", opt={"action": "plugin.read"})
async def post_page(request: Request[Any, Any, Any], db: AsyncSession, post_id: UUID) -> Template:
    return await _post_page(request, db, await service.get_post(db, post_id))


async def _post_page(request: Request[Any, Any, Any], db: AsyncSession, shown: Post, *,
                     errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                     status: int = 200) -> Template:
    ch = await choices(db, forms=False)
    names = await user_names(db, [shown.author_id])
    clicks = await short_link_clicks_by_ref(db, service.ORIGIN, [v.id for v in shown.variants])
    campaign = await db.get(Campaign, shown.campaign_id) if shown.campaign_id else None
    stream = await db.get(Stream, shown.stream_id) if shown.stream_id else None
    publish_log = await publishing.publish_log(db, shown.id)
    approval = await approval_context(db, principal_of(request), shown)
    return page(request, "talking/content/post.html", status_code=status, post=shown, ch=ch, **approval,
                publish_log=publish_log, variant_states=VARIANT_STATES, outcomes=PUBLISH_OUTCOMES,
                author=names.get(shown.author_id, ""), clicks=clicks, campaign=campaign, stream=stream,
                states=STATES, reasons=STATE_REASONS, segments=segments, errors=errors or {},
                form=form or {"publish_at": form_value(shown.publish_at)}, calendar=_calendar_href(request, shown))


render_post = _post_page
"""For the other slices' forms on a post's page (approvals): the page again, with a refusal's reasons."""


def _calendar_href(request: Request[Any, Any, Any], shown: Post) -> str:
    month = f"?month={form_value(shown.publish_at)[:7]}" if shown.publish_at else "?view=list"
    return f"{_base(request.path_params['slug'])}/{month}"


@get("/posts/{post_id:uuid}/edit", opt={"action": "plugin.work"})
async def edit_post(request: Request[Any, Any, Any], db: AsyncSession, post_id: UUID) -> Template:
    shown = await service.get_post(db, post_id)
    source = {k: getattr(shown, k) for k in ("source_kind", "source_id", "source_url", "source_author",
                                             "reply_to_uri")} if shown.source_kind else {}
    return await _editor(request, await choices(db), form=post_form(shown), post=shown, source=source)


@post("/posts/{post_id:uuid}", opt={**WORK, "rule": EDIT_RULE})
async def update_post(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                      data: Form) -> Any:
    ch = await choices(db)
    try:
        saved = await service.update_post(db, principal_of(request), post_id, post_data(data), ch,
                                          base_url=_base_url(request))
    except DomainError as exc:
        current = await service.get_post(db, post_id)
        source = {k: getattr(current, k) for k in ("source_kind", "source_id", "source_url", "source_author",
                                                   "reply_to_uri")} if current.source_kind else {}
        return await _editor(request, ch, form=dict(data), post=current, source=source,
                             errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/posts/{saved.id}", status_code=303)


@post("/posts/{post_id:uuid}/reschedule", opt={**WORK, "rule": EDIT_RULE})
async def reschedule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                     data: Form) -> Any:
    """A new moment: `day` (dragged on the calendar: the same time of day on that day) or `publish_at` (the date
    field on the post's page). The calendar's script gets 204 and an event that reloads the calendar; a refusal
    (a published post, a moment outside the campaign) comes back with its reason."""
    try:
        moment = await _moment(db, post_id, data)
        moved = await service.reschedule(db, principal_of(request), post_id, moment, str(data.get("revision") or ""))
    except DomainError as exc:
        if _dragged(request, data):
            raise
        shown = await service.get_post(db, post_id)
        errors = form_errors(exc.errors, lang_of(request))
        if "day" in errors:  # the page has one date field for both ways
            errors.setdefault("publish_at", errors.pop("day"))
        return await _post_page(request, db, shown, errors=errors,
                                form={"publish_at": str(data.get("publish_at") or "")}, status=exc.status_code)
    if _dragged(request, data):
        return Response(content=b"", status_code=204, headers={"HX-Trigger": "talking-calendar-changed"})
    return Redirect(f"{_base(slug)}/posts/{moved.id}", status_code=303)


async def _moment(db: AsyncSession, post_id: UUID, data: dict[str, Any]) -> Any:
    if data.get("day"):
        day = clean_date(data.get("day"), "day")
        return on_day((await service.get_post(db, post_id)).publish_at, day)  # type: ignore[arg-type]
    return parse_moment(data.get("publish_at"), "publish_at", required=True)


async def _move(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, step: Any) -> Any:
    """Submit, withdraw, cancel, posted: the post's page again, with the refusal's reason at its form."""
    try:
        moved = await step()
    except DomainError as exc:
        shown = await service.get_post(db, post_id)
        return await _post_page(request, db, shown, errors=form_errors(exc.errors, lang_of(request)),
                                status=exc.status_code)
    return Redirect(f"{_base(slug)}/posts/{moved.id}", status_code=303)


move = _move
"""For the other slices' forms on a post's page (publishing)."""


@post("/posts/{post_id:uuid}/submit", opt={**WORK, "rule": EDIT_RULE})
async def submit(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    return await _move(request, db, slug, post_id, lambda: service.submit(db, principal_of(request), post_id,
                                                                        request.app.state.settings))


@post("/posts/{post_id:uuid}/withdraw", opt={**WORK, "rule": EDIT_RULE})
async def withdraw(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    return await _move(request, db, slug, post_id, lambda: service.withdraw(db, principal_of(request), post_id))


@post("/posts/{post_id:uuid}/cancel", opt={**WORK, "rule": EDIT_RULE})
async def cancel(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    return await _move(request, db, slug, post_id,
                       lambda: service.cancel(db, principal_of(request), post_id, str(data.get("reason") or "")))


@post("/posts/{post_id:uuid}/posted", opt={**WORK, "rule": EDIT_RULE})
async def record_posted(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                        data: Form) -> Any:
    urls = {k.split(".", 1)[1]: v for k, v in data.items() if k.startswith("urls.")}
    return await _move(request, db, slug, post_id, lambda: service.record_posted(
        db, principal_of(request), post_id, urls, data.get("published_at")))


@get("/partials/preview/{account_id:uuid}", opt={"action": "plugin.work"})
async def preview(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID) -> Template:
    """One channel's preview while the draft is written (the editor asks as the text changes)."""
    ch = await choices(db, forms=False)
    account = ch.account(account_id)
    if account is None:
        raise NotFound()
    params = request.query_params
    prefix = f"variants.{account_id}"
    images = [{"url": str(params.get(f"{prefix}.images.{n}.url") or ""),
               "alt": str(params.get(f"{prefix}.images.{n}.alt") or "")} for n in range(1, MAX_IMAGES + 1)]
    return page(request, "talking/partials/preview.html", account=account,
                text=str(params.get(f"{prefix}.text") or "")[:service.MAX_TEXT],
                images=[i for i in images if i["url"] or i["alt"]], segments=segments)


ROUTES = [new_post, create_post, post_from_item, post_page, edit_post, update_post, reschedule, submit, withdraw,
          cancel, record_posted, preview]
