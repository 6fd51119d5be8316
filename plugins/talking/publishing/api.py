"""Publishing in the JSON API, as on a post's page: try a failed post again, delete a published variant from its
network (confirmed with `"confirm": true`), record where a variant that waited to be posted by hand went out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import FieldErrors, lang_of, principal_of
from plugins.talking.content.api import TAGS, PostOut, json_object, post_out
from plugins.talking.content.routes import EDIT_RULE, WORK
from plugins.talking.publishing import actions

RULED = {**WORK, "rule": EDIT_RULE}
"""As the forms on the post's page: the matrix's `plugin.work`, narrowed by the post's state (see `EDIT_RULE`)."""



BY_HAND_FIELDS = {"url": "Use a web address starting with https://.",
                  "published_at": "Use a date and time like 2026-01-31 09:30."}
"""The fields of a by-hand record, each text when given (a number or a list is refused, never read as text)."""


def _texts(body: dict[str, Any], fields: dict[str, str]) -> list[str | None]:
    errors = FieldErrors()
    for name, msgid in fields.items():
        if body.get(name) is not None and not isinstance(body.get(name), str):
            errors.add(name, msgid)
    errors.raise_if_any()
    return [body.get(name) for name in fields]


@post("/posts/{post_id:uuid}/retry", opt=RULED, tags=TAGS, status_code=200,
      summary="Try a failed post again now: its variants that are not out get a fresh series of tries; a post "
              "that did not fail answers 409")
async def retry(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    return post_out(await actions.retry(db, principal_of(request), post_id), slug)


@post("/posts/{post_id:uuid}/variants/{variant_id:uuid}/remove", opt=RULED, tags=TAGS, status_code=200,
      summary="Delete a published variant from its network (confirm: true, required); the post keeps its record. "
              "A variant Regie did not send, or a connection that cannot delete, answers 409")
async def remove(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, variant_id: UUID,
                 data: dict[str, Any] | None = None, lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    confirmed = json_object(data, required=False).get("confirm") is True
    removed = await actions.remove(db, request.app.state.settings, principal_of(request), post_id, variant_id,
                                   "yes" if confirmed else "")
    return post_out(removed, slug)


@post("/posts/{post_id:uuid}/variants/{variant_id:uuid}/posted", opt=RULED, tags=TAGS, status_code=200,
      summary="Record where a variant that waited to be posted by hand went out: url, published_at (ISO 8601; "
              "without an offset in Amsterdam time; default now)")
async def record_by_hand(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                         variant_id: UUID, data: dict[str, Any] | None = None, lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    body = json_object(data, required=False)
    url, published_at = _texts(body, BY_HAND_FIELDS)
    recorded = await actions.record_by_hand(db, principal_of(request), post_id, variant_id, url, published_at)
    return post_out(recorded, slug)


ROUTES = [retry, remove, record_by_hand]
