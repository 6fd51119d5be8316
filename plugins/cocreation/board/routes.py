"""The public idea board (`action: public`): the front page, an idea's page, raising an idea (with similar ideas
while typing), campaigns, and the customer's sign-in by e-mail link with the core's customer identity.

Reading needs no sign-in unless the tenant made the board private: then only signed-in customers and staff
read it, and everyone else is sent to the sign-in page. Taking part (raising, voting, commenting, following,
flagging) always needs a signed-in customer; staff signed in to Regie comment as the organisation.
"""

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
    NotFound,
    client_network,
    current_customer,
    end_customer_session,
    form_errors,
    gettext_for,
    lang_of,
    open_customer_link,
    page,
    page_number,
    permission_check,
    principal_of,
    request_customer_link,
    start_customer_session,
    tenant_of,
    use_customer_link,
    utcnow,
)
from plugins.cocreation import ideas
from plugins.cocreation.board import service
from plugins.cocreation.models import Campaign, Category, CocreationSettings, Idea
from plugins.cocreation.settings import board_settings, stage_name, stages

PUBLIC = {"action": "public"}
NEXT_KEY = "cocreation_next"
IDEA_FIELDS = ("title", "description", "category_id", "tags", "campaign_id", ideas.HONEYPOT)


def _base(slug: str) -> str:
    return f"/t/{slug}/p/cocreation/board/"



def _safe_next(slug: str, value: Any) -> str:
    """Only back into this tenant's board (never an open redirect)."""
    text = str(value or "")
    base = _base(slug)
    return text if text.startswith(base) and "//" not in text[len(base):] and "\\" not in text else base


def _to_signin(slug: str, back: str) -> Redirect:
    return Redirect(f"{_base(slug)}signin?next={_safe_next(slug, back)}", status_code=303)


class Reader:
    """Who reads the board: the signed-in customer (or None), staff or not, and the tenant's board settings."""

    def __init__(self, customer: Any, staff: bool, insider: bool, settings: CocreationSettings) -> None:
        self.customer, self.staff, self.insider, self.settings = customer, staff, insider, settings

    @property
    def may_read(self) -> bool:
        """A private board is read by its signed-in customers and by the organisation's people."""
        return not self.settings.is_private or self.customer is not None or self.insider


async def _reader(request: Request[Any, Any, Any], db: AsyncSession) -> Reader:
    customer = await current_customer(db, request, tenant_of(request).id)
    can = permission_check(principal_of(request))
    return Reader(customer, can("plugin.work"), can("plugin.read"), await board_settings(db))


def _public(request: Request[Any, Any, Any], template: str, slug: str, reader: Reader | None,
            status_code: int = 200, **context: Any) -> Template:
    return page(request, f"cocreation/board/{template}", status_code=status_code, base=_base(slug),
                customer=reader.customer if reader else None, staff=reader.staff if reader else False,
                board=reader.settings if reader else None, title=context.pop("title", None), **context)


async def _names(request: Request[Any, Any, Any], db: AsyncSession) -> dict[str, Any]:
    """Stage and category names for a page (two small reads, whatever the list's length)."""
    lang = lang_of(request)
    all_stages = await stages(db)
    categories = list((await db.scalars(select(Category).order_by(Category.position, Category.name))).all())
    return {"stages": all_stages, "stage_names": {s.key: stage_name(s, lang) for s in all_stages},
            "stage_meanings": {s.key: s.meaning for s in all_stages},
            "categories": [c for c in categories if c.is_active],
            "category_names": {c.id: c.name for c in categories}}


# -- the front page --------------------------------------------------------------------------------------------

@get("/board/", opt=PUBLIC)
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    reader = await _reader(request, db)
    if not reader.may_read:
        return _to_signin(slug, _base(slug))
    names = await _names(request, db)
    try:
        filters = service.clean_filters(request.query_params, [s.key for s in names["stages"]],
                                        [c.id for c in names["categories"]])
    except DomainError as exc:
        return _public(request, "index.html", slug, reader, status_code=exc.status_code, ideas=None,
                       filters={k: request.query_params.get(k, "") for k in ("q", "order", "stage", "category",
                                                                             "tag")},
                       errors=form_errors(exc.errors, lang_of(request)), changes=[], campaigns=[], voted=set(),
                       **names)
    campaign = None
    if request.query_params.get("campaign"):
        wanted = str(request.query_params["campaign"])[:60]
        campaign = await db.scalar(select(Campaign).where(Campaign.slug == wanted))
        if campaign is None:
            return _public(request, "index.html", slug, reader, status_code=422, ideas=None, filters=filters,
                           errors=form_errors({"campaign": Msg("Choose one of the campaigns.")}, lang_of(request)),
                           changes=[], campaigns=[], voted=set(), **names)
        filters["campaign"] = campaign.slug
    params = {k: filters[k] for k in ("q", "order", "stage", "category", "tag", "campaign") if filters.get(k)}
    found = await ideas.search_ideas(db, filters["q"], stage=filters["stage"] or None,
                                     category_id=filters["category_id"], tag=filters["tag"] or None,
                                     campaign_id=campaign.id if campaign else None,
                                     order=filters["order"], page=page_number(request.query_params.get("page")),
                                     base_path=_base(slug), params=params)
    voted = await service.voted_among(db, reader.customer, [i.id for i in found.items])
    return _public(request, "index.html", slug, reader, ideas=found, filters=filters, errors={}, voted=voted,
                   changes=await service.recent_changes(db), campaigns=await service.running_campaigns(db),
                   **names)


# -- sign-in ---------------------------------------------------------------------------------------------------

@get("/board/signin", opt=PUBLIC)
async def signin_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return _public(request, "signin.html", slug, await _reader(request, db),
                   form={"next": _safe_next(slug, request.query_params.get("next"))}, errors={})


@post("/board/signin", opt=PUBLIC)
async def signin_request(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Template:
    values = {k: data.get(k, "") for k in ("email", "display_name", "next")}
    values["next"] = _safe_next(slug, values["next"])
    tenant = tenant_of(request)
    lang = lang_of(request)
    link_base = f"{request.app.state.settings.base_url}{_base(slug)}signin/"
    reader = await _reader(request, db)
    try:
        _ = gettext_for(lang)
        await request_customer_link(db, values, client_ip=client_network(request), link_base=link_base,
                                    tenant_name=tenant.name, lang=lang,
                                    place=_("the idea board of {tenant}", tenant=tenant.name))
    except DomainError as exc:
        return _public(request, "signin.html", slug, reader, status_code=exc.status_code, form=values,
                       errors=form_errors(exc.errors, lang))
    request.set_session({**dict(request.session or {}), NEXT_KEY: values["next"]})
    return _public(request, "signin_sent.html", slug, reader, email=values["email"].strip().lower())


@get("/board/signin/{token:str}", opt=PUBLIC)
async def signin_confirm(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    login = await open_customer_link(db, token)
    return _public(request, "signin_confirm.html", slug, await _reader(request, db), valid=login is not None,
                   token=token, form={}, errors={}, status_code=200 if login else 404)


@post("/board/signin/{token:str}", opt=PUBLIC)
async def signin_use(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                     data: Form) -> Any:
    try:
        customer = await use_customer_link(db, token, {"display_name": data.get("display_name", "")})
    except DomainError as exc:
        return _public(request, "signin_confirm.html", slug, await _reader(request, db), valid=False, token=token,
                       form={}, status_code=exc.status_code, errors=form_errors(exc.errors, lang_of(request)))
    target = _safe_next(slug, (request.session or {}).get(NEXT_KEY))
    start_customer_session(request, tenant_of(request).id, customer)
    return Redirect(target, status_code=303)


@post("/board/signout", opt=PUBLIC)
async def signout(request: Request[Any, Any, Any], slug: str) -> Redirect:
    end_customer_session(request, tenant_of(request).id)
    return Redirect(_base(slug), status_code=303)


# -- raising an idea -------------------------------------------------------------------------------------------

async def _campaign_of(db: AsyncSession, value: Any) -> Campaign | None:
    """A running campaign by its slug (the new-idea form's `?campaign=`), else None."""
    if not value:
        return None
    found = await db.scalar(select(Campaign).where(Campaign.slug == str(value)[:60]))
    now = utcnow()
    return found if found is not None and found.starts_at <= now < found.ends_at else None


async def _new_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reader: Reader,
                    form: dict[str, Any], status_code: int = 200, errors: dict[str, str] | None = None,
                    similar: list[Idea] | None = None) -> Template:
    names = await _names(request, db)
    campaigns = await service.running_campaigns(db)
    return _public(request, "new.html", slug, reader, status_code=status_code, form=form, errors=errors or {},
                   category_options=[(str(c.id), c.name) for c in names["categories"]],
                   campaign_options=[(str(c.id), c.title) for c in campaigns], similar=similar or [],
                   honeypot=ideas.HONEYPOT, **names)


@get("/board/new", opt=PUBLIC)
async def new_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    reader = await _reader(request, db)
    if reader.customer is None:
        return _to_signin(slug, f"{_base(slug)}new")
    campaign = await _campaign_of(db, request.query_params.get("campaign"))
    return await _new_page(request, db, slug, reader, {"campaign_id": str(campaign.id) if campaign else ""})


@post("/board/new", opt=PUBLIC)
async def new_idea(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    reader = await _reader(request, db)
    if reader.customer is None:
        return _to_signin(slug, f"{_base(slug)}new")
    values = {k: data.get(k, "") for k in IDEA_FIELDS}
    try:
        idea = await ideas.create_idea(db, values, lang=lang_of(request), customer=reader.customer,
                                       client_ip=client_network(request))
    except DomainError as exc:
        similar = await ideas.similar_ideas(db, str(values.get("title") or ""))
        values.pop(ideas.HONEYPOT, None)
        return await _new_page(request, db, slug, reader, values, status_code=exc.status_code,
                               errors=form_errors(exc.errors, lang_of(request)), similar=similar)
    return Redirect(f"{_base(slug)}ideas/{idea.number}", status_code=303)


@get("/board/similar", opt=PUBLIC)
async def similar(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    """The htmx answer while someone types a title: published ideas like it (nothing on a private board for
    those who may not read it)."""
    reader = await _reader(request, db)
    value = str(request.query_params.get("title") or "")[:200]
    found = await ideas.similar_ideas(db, value) if reader.may_read else []
    return page(request, "cocreation/board/_similar.html", base=_base(slug), similar=found, typed=value)


# -- an idea ---------------------------------------------------------------------------------------------------

async def _visible(db: AsyncSession, number: int, reader: Reader) -> Idea:
    """An idea the reader may see: published ones; their own while it waits; staff see those too."""
    idea = await ideas.idea_by_number(db, number)
    if idea.status == "published":
        return idea
    if idea.status == "pending" and (reader.staff or (reader.customer is not None
                                                      and idea.customer_id == reader.customer.id)):
        return idea
    raise NotFound()


async def _idea_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, reader: Reader,
                     status_code: int = 200, **extra: Any) -> Template:
    idea = await _visible(db, number, reader)
    names = await _names(request, db)
    campaign = await db.get(Campaign, idea.campaign_id) if idea.campaign_id else None
    return _public(request, "idea.html", slug, reader, status_code=status_code, idea=idea, campaign=campaign,
                   history=await service.history_of(db, idea),
                   comments=await service.comments_of(db, idea, reader.customer, reader.staff),
                   mine=await service.standing(db, idea, reader.customer), title=idea.title,
                   spam_labels=ideas.SPAM_REASONS, form=extra.pop("form", {}), errors=extra.pop("errors", {}),
                   **names, **extra)


@get("/board/ideas/{number:int}", opt=PUBLIC)
async def idea_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Any:
    reader = await _reader(request, db)
    if not reader.may_read:
        return _to_signin(slug, f"{_base(slug)}ideas/{number}")
    idea = await ideas.idea_by_number(db, number)
    if idea.status == "merged" and idea.merged_into_id is not None:  # folded into another: its votes went there
        target = await db.get(Idea, idea.merged_into_id)
        if target is not None and target.status == "published":
            return Redirect(f"{_base(slug)}ideas/{target.number}", status_code=303)
    return await _idea_page(request, db, slug, number, reader)


async def _act(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, act: Any,
               anchor: str = "") -> Any:
    """Run `act(idea, reader)` for a signed-in customer on a published idea; back to the idea, or its page with
    the reason."""
    reader = await _reader(request, db)
    back = f"{_base(slug)}ideas/{number}"
    if reader.customer is None:
        return _to_signin(slug, back)
    idea = await service.open_idea(db, number)
    try:
        await act(idea, reader)
    except DomainError as exc:
        return await _idea_page(request, db, slug, number, reader, status_code=exc.status_code,
                                errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(back + anchor, status_code=303)


@post("/board/ideas/{number:int}/vote", opt=PUBLIC)
async def vote(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Any:
    return await _act(request, db, slug, number, lambda idea, reader: service.vote(db, idea, reader.customer))


@post("/board/ideas/{number:int}/unvote", opt=PUBLIC)
async def unvote(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Any:
    return await _act(request, db, slug, number, lambda idea, reader: service.unvote(db, idea, reader.customer))


@post("/board/ideas/{number:int}/follow", opt=PUBLIC)
async def follow(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Any:
    return await _act(request, db, slug, number, lambda idea, reader: service.follow(db, idea, reader.customer))


@post("/board/ideas/{number:int}/unfollow", opt=PUBLIC)
async def unfollow(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int) -> Any:
    return await _act(request, db, slug, number,
                      lambda idea, reader: service.unfollow(db, idea, reader.customer))


@post("/board/ideas/{number:int}/comments", opt=PUBLIC)
async def add_comment(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int,
                      data: Form) -> Any:
    """A customer's comment; staff signed in to Regie comment officially, for the organisation."""
    reader = await _reader(request, db)
    back = f"{_base(slug)}ideas/{number}"
    values = {"body": data.get("body", ""), ideas.HONEYPOT: data.get(ideas.HONEYPOT, "")}
    if not reader.staff and reader.customer is None:
        return _to_signin(slug, back)
    idea = await service.open_idea(db, number)
    try:
        if reader.staff and data.get("as") != "customer":
            await service.comment(db, idea, values, staff=principal_of(request))
        elif reader.customer is None:
            return _to_signin(slug, back)
        else:
            await service.comment(db, idea, values, customer=reader.customer, client_ip=client_network(request))
    except DomainError as exc:
        return await _idea_page(request, db, slug, number, reader, status_code=exc.status_code,
                                form={"body": values["body"]}, errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{back}#comments", status_code=303)


@post("/board/ideas/{number:int}/flag", opt=PUBLIC)
async def flag(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, data: Form) -> Any:
    """Report the idea, or one of its comments (`comment_id`)."""
    async def act(idea: Idea, reader: Reader) -> None:
        raw = data.get("comment_id")
        target: UUID = idea.id
        kind = "idea"
        if raw:
            try:
                target, kind = UUID(str(raw)), "comment"
            except ValueError as exc:
                raise NotFound() from exc
        await service.flag(db, idea, kind, target, reader.customer, {"reason": data.get("reason", "")})

    return await _act(request, db, slug, number, act, "#flagged")


# -- campaigns -------------------------------------------------------------------------------------------------

@get("/board/campaigns/{campaign_slug:str}", opt=PUBLIC)
async def campaign_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, campaign_slug: str) -> Any:
    reader = await _reader(request, db)
    if not reader.may_read:
        return _to_signin(slug, f"{_base(slug)}campaigns/{campaign_slug}")
    campaign = await service.campaign_by_slug(db, campaign_slug)
    found = await ideas.search_ideas(db, "", campaign_id=campaign.id,
                                     page=page_number(request.query_params.get("page")),
                                     base_path=f"{_base(slug)}campaigns/{campaign.slug}")
    voted = await service.voted_among(db, reader.customer, [i.id for i in found.items])
    return _public(request, "campaign.html", slug, reader, campaign=campaign, ideas=found, voted=voted,
                   running=campaign.ends_at > utcnow(), title=campaign.title, **await _names(request, db))


ROUTES = [index, signin_form, signin_request, signin_confirm, signin_use, signout, new_form, new_idea, similar,
          idea_page, vote, unvote, follow, unfollow, add_comment, flag, campaign_page]
