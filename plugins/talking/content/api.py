"""Posts in the JSON API: list (the calendar's filters), read, create a draft, reschedule, submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, PageInfo, lang_of, page_number, paginate, principal_of
from plugins.talking.calendar.service import WHEN, Filters, list_query
from plugins.talking.content import service
from plugins.talking.content.choices import choices
from plugins.talking.content.routes import EDIT_RULE
from plugins.talking.models import Post
from plugins.talking.moments import parse_moment

TAGS = ["talking"]


@dataclass
class ImageOut:
    url: str
    alt: str


@dataclass
class LinkOut:
    code: str
    target: str
    """Where it leads, with its UTM parameters."""
    short: str


@dataclass
class VariantOut:
    id: str
    account_id: str
    platform: str
    handle: str
    text: str
    """As it goes out: addresses replaced by short links."""
    images: list[ImageOut]
    links: list[LinkOut]
    external_url: str
    published_at: datetime | None
    publish_state: str
    """Where publishing stands: "" (waiting), retrying, published, failed, by_hand (to be posted by hand)."""
    removed_at: datetime | None
    """When it was deleted from its network (it stays listed, with where it was)."""


@dataclass
class PostOut:
    id: str
    title: str
    theme: str
    objective: str
    state: str
    """draft, in_review, approved, scheduled, published, failed, paused or cancelled."""
    state_reason: str
    publish_at: datetime | None
    published_at: datetime | None
    campaign_id: str | None
    stream_id: str | None
    department_id: str | None
    author_id: str | None
    approval_reason: str
    approver_department_id: str | None
    approval_step: int
    """The step of the approval chain that decides now (1-based); 0 while nothing is asked."""
    approval_steps: int
    approval_expires_at: datetime | None
    """When the approval runs out (a post not out by then waits for approval again)."""
    source_kind: str
    source_url: str
    reply_to_uri: str
    revision: int
    href: str
    variants: list[VariantOut] = field(default_factory=list)


@dataclass
class PostList:
    items: list[PostOut]
    page: PageInfo


def _s(value: Any) -> str | None:
    return str(value) if value is not None else None


def post_out(p: Post, slug: str) -> PostOut:
    return PostOut(
        id=str(p.id), title=p.title, theme=p.theme, objective=p.objective, state=p.state, state_reason=p.state_reason,
        publish_at=p.publish_at, published_at=p.published_at, campaign_id=_s(p.campaign_id),
        stream_id=_s(p.stream_id), department_id=_s(p.department_id), author_id=_s(p.author_id),
        approval_reason=p.approval_reason, approver_department_id=_s(p.approver_department_id),
        approval_step=p.approval_step or 0, approval_steps=len(p.approval_chain or []),
        approval_expires_at=p.approval_expires_at,
        source_kind=p.source_kind, source_url=p.source_url, reply_to_uri=p.reply_to_uri, revision=p.revision,
        href=f"/t/{slug}/p/talking/posts/{p.id}",
        variants=[VariantOut(id=str(v.id), account_id=str(v.account_id), platform=v.platform, handle=v.handle,
                             text=v.text, images=[ImageOut(str(i.get("url", "")), str(i.get("alt", "")))
                                                  for i in v.images or []],
                             links=[LinkOut(str(k.get("code", "")), str(k.get("target", "")), str(k.get("short", "")))
                                    for k in v.links or []],
                             external_url=v.external_url, published_at=v.published_at,
                             publish_state=v.publish_state, removed_at=v.removed_at) for v in p.variants])


def json_object(data: Any, *, required: bool = True) -> dict[str, Any]:
    """A request's JSON body as an object; anything else (and no body, when `required`) is bad input on the whole
    body."""
    if data is None and not required:
        return {}
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    return data


@get("/posts", opt={"action": "plugin.read"}, tags=TAGS,
     summary="Posts, filtered as the calendar filters them (account, department, campaign, stream, state; when: "
             "upcoming, past or all), paginated")
async def list_posts(request: Request[Any, Any, Any], db: AsyncSession, slug: str, page: int | None = None,
                     when: str = "upcoming") -> PostList:
    filters = Filters.of(dict(request.query_params))
    found = await paginate(db, list_query(filters, when if when in WHEN else "upcoming"), page_number(page))
    return PostList(items=[post_out(p, slug) for p in found.items], page=PageInfo(**found.as_json()))


@get("/posts/{post_id:uuid}", opt={"action": "plugin.read"}, tags=TAGS, summary="One post with its variants")
async def get_post(db: AsyncSession, slug: str, post_id: UUID) -> PostOut:
    return post_out(await service.get_post(db, post_id), slug)


@post("/posts", opt={"action": "plugin.work"}, tags=TAGS, status_code=201,
      summary="Write a draft: title, theme, objective, department_id, campaign_id or stream_id, publish_at (ISO 8601; "
              "without an offset in Amsterdam time), variants: [{account_id, text, images: [{url, alt}]}]")
async def create_post(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                      data: dict[str, Any], lang: str | None = None) -> PostOut:
    """Addresses in each text become the tenant's short links; every field's reason comes back at once (422), in
    `?lang=nl|en`."""
    lang_of(request, lang)
    created = await service.create_post(db, principal_of(request), json_object(data), await choices(db),
                                        base_url=str(request.app.state.settings.base_url), pm=request.app.state.pm)
    return post_out(await service.get_post(db, created.id), slug)


@post("/posts/{post_id:uuid}/reschedule", opt={"action": "plugin.work", "rule": EDIT_RULE}, tags=TAGS, status_code=200,
      summary="Move a post to another moment (publish_at; optional revision): a published or cancelled post "
              "answers 409")
async def reschedule(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                     data: dict[str, Any], lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    body = json_object(data)
    moment = parse_moment(body.get("publish_at"), "publish_at", required=True)
    assert moment is not None  # required
    moved = await service.reschedule(db, principal_of(request), post_id, moment, str(body.get("revision") or ""))
    return post_out(moved, slug)


@post("/posts/{post_id:uuid}/submit", opt={"action": "plugin.work", "rule": EDIT_RULE}, tags=TAGS, status_code=200,
      summary="Submit a draft to the policy check: scheduled, or in_review when the org model asks for an approval")
async def submit(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                 lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    return post_out(await service.submit(db, principal_of(request), post_id, request.app.state.settings), slug)


ROUTES = [list_posts, get_post, create_post, reschedule, submit]
