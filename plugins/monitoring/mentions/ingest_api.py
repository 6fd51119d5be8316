"""`POST /mentions/ingest`: other tools push batches of mentions, authenticated by a tenant API token (the
core's API takes tokens only; any member's token will do: `plugin.work`).

The answer is per item (created, duplicate, folded, rejected with reasons), 200 even when every item was
rejected: a batch is not one thing that succeeds or fails. Only a body that is not a batch at all (not an
object, no source, items not a list, too many items) is refused as a whole. The source must exist: sources
are configuration (`plugin.configure`), so pushing never creates one; an unknown name is a 422 on `source`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, post
from litestar.params import Body
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, lang_of, tenant_of
from plugins.monitoring.mentions.ingest import ingest
from plugins.monitoring.models import Source

MAX_ITEMS = 1000
BODY = Body(description=(
    '{"source": "<name or id of a source>", "items": [up to 1,000 of {"external_id", "published_at" (ISO 8601), '
    '"title" / "lead" / "body" (at least one), optional "url", "place", "author_handle", "author_name", '
    '"author_reach", "language" (nl, en, und; detected when absent), "source_type", "tags"}]}'))


@dataclass
class ItemError:
    field: str
    reason: str


@dataclass
class ItemResult:
    index: int
    status: str
    """created, duplicate, folded or rejected."""
    id: str | None = None
    errors: list[ItemError] = field(default_factory=list)


@dataclass
class IngestResult:
    created: int
    duplicates: int
    folded: int
    rejected: int
    items: list[ItemResult]


async def _source(db: AsyncSession, ref: Any) -> Source:
    """The source by id or name."""
    if not isinstance(ref, str) or not ref.strip():
        raise DomainError(field="source", msgid="Name the source by its name or id.")
    ref = ref.strip()
    try:
        source = await db.get(Source, UUID(ref))
    except ValueError:
        source = None
    source = source or await db.scalar(select(Source).where(Source.name == ref))
    if source is None:
        raise DomainError(field="source", msgid="There is no source with this name or id; add it under Sources.")
    if not source.is_active:
        raise DomainError(field="source", msgid="This source is switched off.")
    return source


def _items(data: dict[str, Any]) -> list[Any]:
    items = data.get("items")
    if not isinstance(items, list):
        raise DomainError(field="items", msgid="Send the mentions as a list in items.")
    if len(items) > MAX_ITEMS:
        raise DomainError(field="items", msgid="Send at most {max} items per request.", max=MAX_ITEMS)
    return items


@post("/mentions/ingest", opt={"action": "plugin.work", "cleans_nul": True}, tags=["monitoring"], status_code=200,
      summary="Push a batch of up to 1,000 mentions into a source; idempotent on external_id, results per item")
async def ingest_mentions(request: Request[Any, Any, Any], db: AsyncSession,
                          data: Annotated[dict[str, Any], BODY], lang: str | None = None) -> IngestResult:
    code = lang_of(request, lang)
    items = _items(data)
    source = await _source(db, data.get("source"))
    report = await ingest(db, source, items, pm=request.app.state.pm, tenant=tenant_of(request), lang=code)
    return IngestResult(
        created=report.created, duplicates=report.duplicates, folded=report.folded, rejected=report.rejected,
        items=[ItemResult(o.index, o.status, str(o.mention_id) if o.mention_id else None,
                          [ItemError(f, m.render(code)) for f, m in o.errors]) for o in report.outcomes])


ROUTES = [ingest_mentions]
