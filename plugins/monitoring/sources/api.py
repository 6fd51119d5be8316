"""JSON API of the sources slice: CRUD for sources, 'poll now', and imports of platform exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    MultipartForm,
    PageInfo,
    get_or_404,
    lang_of,
    page_number,
    paginate,
    principal_of,
)
from plugins.monitoring.models import ImportRun, Source
from plugins.monitoring.sources import service
from plugins.monitoring.sources.imports import MAX_BYTES, UPLOAD_LIMIT, reason_of
from plugins.monitoring.sources.imports import error_text as import_error_text


@dataclass
class SourceOut:
    id: UUID
    name: str
    kind: str
    source_type: str
    url: str | None
    is_active: bool
    poll_minutes: int
    mentions: int
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    """The last poll's error in English ('' after a success)."""
    failures: int
    """Consecutive failures; the next poll backs off exponentially."""
    next_poll_at: datetime | None


@dataclass
class SourcesPage(PageInfo):
    items: list[SourceOut]


class SourceIn(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    kind: str
    """feed, import or api."""
    source_type: str = "other"
    """news, blog, forum, microblog, social, review, video or other."""
    url: str | None = None
    """Feeds only: the RSS or Atom address."""
    poll_minutes: int = service.DEFAULT_POLL


class SourcePatch(msgspec.Struct, forbid_unknown_fields=True):
    name: str | None = None
    kind: str | None = None
    source_type: str | None = None
    url: str | None = None
    poll_minutes: int | None = None
    is_active: bool | None = None


@dataclass
class PollQueued:
    source_id: UUID
    queued: bool = True


@dataclass
class RejectedRow:
    row: int
    field: str
    column: str
    reason: str


@dataclass
class ImportOut:
    id: UUID
    source_id: UUID
    file_name: str
    file_format: str
    status: str
    """mapping, queued, running, done or failed."""
    progress_id: UUID | None
    mapping: dict[str, str]
    total_rows: int
    imported: int
    duplicates: int
    """Rows already present (same external id) or folded as re-posts."""
    rejected_rows: int
    report: list[RejectedRow]
    """Why rows were left out (at most 1,000 reasons), in the request's language."""
    error: str
    created_at: datetime


@dataclass
class ImportsPage(PageInfo):
    items: list[ImportOut]


def source_out(source: Source, mentions: int = 0) -> SourceOut:
    return SourceOut(id=source.id, name=source.name, kind=source.kind, source_type=source.source_type,
                     url=source.url, is_active=source.is_active, poll_minutes=source.poll_minutes, mentions=mentions,
                     last_polled_at=source.last_polled_at, last_success_at=source.last_success_at,
                     last_error=source.last_error or "", failures=source.failures or 0,
                     next_poll_at=source.next_poll_at)


def import_out(run: ImportRun, lang: str, with_report: bool = True) -> ImportOut:
    report = [RejectedRow(row=int(e.get("row", 0)), field=str(e.get("field", "")), column=str(e.get("column", "")),
                          reason=reason_of(e, lang)) for e in (run.rejected or [])] if with_report else []
    return ImportOut(id=run.id, source_id=run.source_id, file_name=run.file_name, file_format=run.file_format,
                     status=run.status, progress_id=run.progress_id, mapping=dict(run.mapping or {}),
                     total_rows=run.total_rows or 0, imported=run.imported or 0, duplicates=run.duplicates or 0,
                     rejected_rows=service.rejected_rows(run), report=report,
                     error=import_error_text(run.error, lang), created_at=run.created_at)


async def _source_out(db: AsyncSession, source: Source) -> SourceOut:
    counts = await service.mention_counts(db, [source.id])
    return source_out(source, counts.get(source.id, 0))


@get("/sources", opt={"action": "plugin.read"}, tags=["monitoring"], summary="List sources (paginated)")
async def list_sources(db: AsyncSession, page: str | None = None) -> SourcesPage:
    listing = await paginate(db, service.sources_query(), page_number(page))
    counts = await service.mention_counts(db, [s.id for s in listing.items])
    return SourcesPage(items=[source_out(s, counts.get(s.id, 0)) for s in listing.items], **listing.as_json())


@post("/sources", opt={"action": "plugin.configure"}, tags=["monitoring"], status_code=201,
      summary="Create a source (a feed's address is checked: private networks are refused)")
async def create_source(request: Request[Any, Any, Any], db: AsyncSession, data: SourceIn) -> SourceOut:
    source = await service.create_source(db, principal_of(request), msgspec.structs.asdict(data),
                                         request.app.state.settings)
    return await _source_out(db, source)


@get("/sources/{source_id:uuid}", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="A source with its polling state")
async def get_source(db: AsyncSession, source_id: UUID) -> SourceOut:
    return await _source_out(db, await get_or_404(db, Source, source_id))


@patch("/sources/{source_id:uuid}", opt={"action": "plugin.configure"}, tags=["monitoring"],
       summary="Change a source (leave a field out to keep it); is_active=false deactivates it")
async def update_source(request: Request[Any, Any, Any], db: AsyncSession, source_id: UUID,
                        data: SourcePatch) -> SourceOut:
    values = msgspec.structs.asdict(data)
    values["active"] = values.pop("is_active")
    source = await service.update_source(db, principal_of(request), source_id, values, request.app.state.settings)
    return await _source_out(db, source)


@delete("/sources/{source_id:uuid}", opt={"action": "plugin.configure"}, tags=["monitoring"],
        summary="Delete a source without mentions (409 when it has some: deactivate it instead)")
async def delete_source(request: Request[Any, Any, Any], db: AsyncSession, source_id: UUID) -> None:
    await service.delete_source(db, principal_of(request), source_id)


@post("/sources/{source_id:uuid}/poll", opt={"action": "plugin.configure", "takes_input": False},
      tags=["monitoring"], status_code=202, summary="Queue a poll of this feed now")
async def poll_source(request: Request[Any, Any, Any], db: AsyncSession, source_id: UUID) -> PollQueued:
    source = await service.request_poll(db, principal_of(request), source_id)
    return PollQueued(source_id=source.id)


@get("/imports", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="List imports of platform exports, newest first (without their reports)")
async def list_imports(request: Request[Any, Any, Any], db: AsyncSession, page: str | None = None) -> ImportsPage:
    listing = await paginate(db, service.imports_query(), page_number(page), scalars=False)
    lang = lang_of(request)
    return ImportsPage(items=[import_out(run, lang, with_report=False) for run, _name in listing.items],
                       **listing.as_json())


@post("/imports", opt={"action": "plugin.work"}, tags=["monitoring"], status_code=201,
      request_max_body_size=UPLOAD_LIMIT,
      summary="Import a CSV or JSON export (multipart: file, source, optional mapping as a JSON object of our "
              "field to the file's column; without it the columns are matched by name)")
async def create_import(request: Request[Any, Any, Any], db: AsyncSession, data: MultipartForm) -> ImportOut:
    file = data.get("file")
    upload = None
    if isinstance(file, UploadFile) and file.filename:
        upload = service.Upload(filename=file.filename, data=await file.read(MAX_BYTES + 1))
    run = await service.submit_import(db, principal_of(request), data.get("source"), upload, data.get("mapping"))
    return import_out(run, lang_of(request))


@get("/imports/{import_id:uuid}", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="An import: status, counts and the rejected rows with their reasons")
async def get_import(request: Request[Any, Any, Any], db: AsyncSession, import_id: UUID) -> ImportOut:
    return import_out(await get_or_404(db, ImportRun, import_id), lang_of(request))


ROUTES = [list_sources, create_source, get_source, update_source, delete_source, poll_source, list_imports,
          create_import, get_import]
