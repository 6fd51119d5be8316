"""Sources: where mentions come from (a polled feed, a platform export, the ingestion API).

A feed's address is checked against the outbound rules when it is saved (and again before every poll,
in `feeds.py`), so a tenant cannot make the server fetch from a private network. A source with
mentions is deactivated rather than deleted: deleting it would remove mentions the dashboard counts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import PurePath
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Refused,
    check_outbound_url,
    check_upload,
    clean_choice,
    clean_text,
    clean_uuid,
    enqueue_job,
    get_or_404,
    gettext_for,
    record_audit,
    start_progress,
    utcnow,
)
from plugins.monitoring.models import (
    KIND_LABELS,
    NETWORK_KIND,
    SOURCE_KINDS,
    SOURCE_TYPES,
    ImportRun,
    Mention,
    Source,
)
from plugins.monitoring.sources.imports import (
    MAX_BYTES,
    Table,
    clean_mapping,
    detect_format,
    read_table,
    read_table_off_loop,
    suggest_mapping,
)

MIN_POLL, MAX_POLL, DEFAULT_POLL = 5, 1440, 15
FIELDS = ("name", "kind", "source_type", "url", "poll_minutes")


def clean_poll_minutes(value: Any, field: str = "poll_minutes") -> int:
    try:
        minutes = int(str(value).strip()) if value not in (None, "") else DEFAULT_POLL
    except ValueError:
        raise DomainError(field=field, msgid="Enter a whole number of minutes.") from None
    if not MIN_POLL <= minutes <= MAX_POLL:
        raise DomainError(field=field, msgid="Enter a number of minutes from {low} to {high}.", low=MIN_POLL,
                          high=MAX_POLL)
    return minutes


async def clean_feed_url(value: Any, settings: Any, field: str = "url") -> str:
    """A full http(s) address the server may fetch (DNS is asked off the event loop)."""
    url = clean_text(value, field, max_length=2000)
    return await asyncio.to_thread(check_outbound_url, url, settings, field)


async def _name_taken(session: AsyncSession, name: str, own_id: UUID | None) -> bool:
    query = select(Source.id).where(func.lower(Source.name) == name.lower())
    if own_id is not None:
        query = query.where(Source.id != own_id)
    return (await session.scalar(query.limit(1))) is not None


async def _clean(session: AsyncSession, data: dict[str, Any], settings: Any, current: Source | None) -> dict[str, Any]:
    """Validate the submitted fields (a missing key keeps the current value when editing)."""
    def value(key: str, default: Any = None) -> Any:
        if key in data and data[key] is not None:
            return data[key]
        return getattr(current, key) if current is not None else default

    errors = FieldErrors()
    name = errors.clean(clean_text, value("name"), "name", max_length=120)
    if name and await _name_taken(session, name, current.id if current else None):
        errors.add("name", msgid="A source with this name already exists.")
    # the network source is made by its job and stays one; nobody makes another by hand
    kinds = KIND_LABELS if current is not None and current.kind == NETWORK_KIND else SOURCE_KINDS
    kind = errors.clean(clean_choice, value("kind"), "kind", kinds)
    if current is not None and current.kind == NETWORK_KIND and kind != NETWORK_KIND:
        errors.add("kind", msgid="The source of the connected accounts keeps its kind.")
    source_type = errors.clean(clean_choice, value("source_type", "other"), "source_type", SOURCE_TYPES)
    poll_minutes = errors.clean(clean_poll_minutes, value("poll_minutes", DEFAULT_POLL))
    url = None
    if kind == "feed":
        if data.get("url") is None and current is not None and current.url:
            url = current.url  # not submitted: kept (and still checked before every poll)
        else:
            url = await errors.aclean(clean_feed_url, value("url"), settings)
    errors.raise_if_any()
    return {"name": name, "kind": kind, "source_type": source_type, "url": url, "poll_minutes": poll_minutes}


async def create_source(session: AsyncSession, principal: Any, data: dict[str, Any], settings: Any) -> Source:
    values = await _clean(session, data, settings, None)
    source = Source(**values, is_active=True, last_error="", failures=0)
    session.add(source)
    await session.flush()
    await record_audit(session, principal, "monitoring.source.created", subject=source, summary=source.name,
                       data={"kind": source.kind, "source_type": source.source_type, "url": source.url or ""})
    return source


async def update_source(session: AsyncSession, principal: Any, source_id: Any, data: dict[str, Any],
                        settings: Any) -> Source:
    source = await get_or_404(session, Source, source_id)
    values = await _clean(session, data, settings, source)
    changed = {k: v for k, v in values.items() if getattr(source, k) != v}
    if "url" in changed or "kind" in changed:
        # another address: forget the old one's cache validators and failures, and poll it soon
        source.etag = source.last_modified = None
        source.failures, source.last_error, source.next_poll_at = 0, "", None
    elif "poll_minutes" in changed and source.failures == 0:
        source.next_poll_at = None
    for key, new in changed.items():
        setattr(source, key, new)
    if "active" in data and data["active"] is not None:
        await _set_active(session, principal, source, bool(data["active"]))
    if changed:
        await session.flush()
        await record_audit(session, principal, "monitoring.source.changed", subject=source, summary=source.name,
                           data={k: str(v) for k, v in changed.items()})
    return source


async def _set_active(session: AsyncSession, principal: Any, source: Source, active: bool) -> None:
    if source.is_active == active:
        return
    source.is_active = active
    if active:
        source.failures, source.next_poll_at = 0, None
    await session.flush()
    await record_audit(session, principal, "monitoring.source.activated" if active else
                       "monitoring.source.deactivated", subject=source, summary=source.name)


async def set_active(session: AsyncSession, principal: Any, source_id: Any, active: bool) -> Source:
    """Deactivate (stop polling, refuse ingestion) or reactivate a source; its mentions stay."""
    source = await get_or_404(session, Source, source_id)
    await _set_active(session, principal, source, active)
    return source


async def delete_source(session: AsyncSession, principal: Any, source_id: Any) -> None:
    """Only a source without mentions: the dashboard's counters include every stored mention."""
    source = await get_or_404(session, Source, source_id)
    if await session.scalar(select(Mention.id).where(Mention.source_id == source.id).limit(1)) is not None:
        raise Refused(field="source", msgid="This source has mentions; deactivate it instead of deleting it.")
    await record_audit(session, principal, "monitoring.source.deleted", subject=source, summary=source.name)
    await session.delete(source)
    await session.flush()


async def request_poll(session: AsyncSession, principal: Any, source_id: Any) -> Source:
    """'Poll now': queue the polling job for this one feed (it runs even when the feed is not due)."""
    source = await get_or_404(session, Source, source_id)
    if source.kind != "feed":
        raise Refused(field="source", msgid="Only a feed can be polled.")
    if not source.is_active:
        raise Refused(field="source", msgid="This source is inactive; activate it first.")
    enqueue_job(session, "monitoring.poll_feeds", source_id=str(source.id))
    await record_audit(session, principal, "monitoring.source.poll_requested", subject=source, summary=source.name)
    return source


def sources_query() -> Select[Any]:
    return select(Source).order_by(func.lower(Source.name))


async def mention_counts(session: AsyncSession, source_ids: list[UUID]) -> dict[UUID, int]:
    if not source_ids:
        return {}
    rows = await session.execute(select(Mention.source_id, func.count()).where(Mention.source_id.in_(source_ids))
                                 .group_by(Mention.source_id))
    return {source_id: n for source_id, n in rows.all()}


async def import_sources(session: AsyncSession) -> list[Source]:
    """Sources an export may be imported into (platform exports and API sources)."""
    return list((await session.scalars(select(Source).where(Source.kind.in_(("import", "api")))
                                        .order_by(func.lower(Source.name)))).all())



@cache
def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*)" for i, p in enumerate(parts)), re.S)


def translate_stored(stored: str, msgids: Iterable[str], lang: str) -> str:
    """An error stored as English text (readable in the API and the database) in the reader's language:
    the msgid it was made from is recognised, and a parameter that is itself a message is translated too."""
    _ = gettext_for(lang)
    for msgid in msgids:
        match = _pattern(msgid).fullmatch(stored or "")
        if match:
            return _(msgid, **{k: _(v) for k, v in match.groupdict().items()})
    return stored or ""


# -- imports ----------------------------------------------------------------------------------------------------

IMPORT_KINDS = ("import", "api")
DRAFT_TTL = timedelta(hours=24)
"""An upload whose columns were never mapped is dropped after this long (it holds the whole file)."""


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class CheckedFile:
    name: str
    file_format: str
    table: Table
    data: bytes
    suggested: dict[str, str]
    """The mapping the column names suggest."""


async def import_source(session: AsyncSession, source_id: Any) -> Source:
    sid = clean_uuid(source_id, "source")
    source = await session.get(Source, sid) if sid else None
    if source is None or source.kind not in IMPORT_KINDS:
        raise DomainError(field="source", msgid="Choose a source of the kind platform export or API.")
    return source


def check_file(upload: Upload | None) -> CheckedFile:
    """A readable CSV or JSON file of at most 10 MB, read to the end (BrokenFile on field `file` otherwise).
    Blocking (up to a good part of a second for 10 MB): on an event loop, await `check_file_off_loop`."""
    if upload is None or not upload.filename:
        raise DomainError(field="file", msgid="Choose a file to upload.")
    if len(upload.data) > MAX_BYTES:
        raise DomainError(field="file", msgid="The file is larger than 10 MB.")
    name = PurePath(upload.filename.replace("\\", "/")).name[:255] or "upload"
    check_upload(upload.data, ("csv", "json"), MAX_BYTES, filename=name)  # text by its bytes, not its name
    file_format = detect_format(name, upload.data)
    table = read_table(upload.data, file_format, name)
    return CheckedFile(name, file_format, table, upload.data, suggest_mapping(table.columns))


async def check_file_off_loop(upload: Upload | None) -> CheckedFile:
    """`check_file` in a worker thread, so one upload never holds up the other requests of this process."""
    return await asyncio.to_thread(check_file, upload)


async def _new_run(session: AsyncSession, principal: Any, source: Source, checked: CheckedFile,
                   mapping: dict[str, str]) -> ImportRun:
    await session.execute(delete(ImportRun).where(ImportRun.status == "mapping",
                                                  ImportRun.created_at < utcnow() - DRAFT_TTL)
                          .execution_options(synchronize_session=False))
    run = ImportRun(source_id=source.id, file_name=checked.name, file_format=checked.file_format, mapping=mapping,
                    data=checked.data, status="mapping", total_rows=len(checked.table.rows), imported=0,
                    duplicates=0, rejected=[], error="", started_by_id=principal.user_id)
    session.add(run)
    await session.flush()
    await record_audit(session, principal, "monitoring.import.uploaded", subject=run, summary=checked.name,
                       data={"source": source.name, "rows": run.total_rows, "format": checked.file_format})
    return run


async def upload_import(session: AsyncSession, principal: Any, source_id: Any, upload: Upload | None) -> ImportRun:
    """Step 1: keep the file and suggest a mapping from its column names; nothing is imported yet."""
    errors = FieldErrors()
    source = await errors.aclean(import_source, session, source_id)
    checked = await errors.aclean(check_file_off_loop, upload)
    errors.raise_if_any()
    assert source is not None and checked is not None
    return await _new_run(session, principal, source, checked, checked.suggested)


async def import_table(session: AsyncSession, run: ImportRun) -> Table:
    """The stored upload read again (for the mapping step); empty once the import has been processed."""
    data = await session.scalar(select(ImportRun.data).where(ImportRun.id == run.id))
    return await read_table_off_loop(data, run.file_format, run.file_name) if data else Table([], [])


async def _queue(session: AsyncSession, principal: Any, run: ImportRun, mapping: dict[str, str]) -> ImportRun:
    run.mapping, run.status = mapping, "queued"
    progress = start_progress(session, "monitoring.import", title=run.file_name, total=run.total_rows,
                              started_by_id=principal.user_id)
    await session.flush()
    run.progress_id = progress.id
    enqueue_job(session, "monitoring.import", import_id=str(run.id), progress_id=str(progress.id))
    await record_audit(session, principal, "monitoring.import.started", subject=run, summary=run.file_name,
                       data={"mapping": mapping})
    return run


async def start_import(session: AsyncSession, principal: Any, import_id: Any, raw_mapping: Any) -> ImportRun:
    """Step 2: the mapping is checked against the file's columns, then the job is queued."""
    run = await get_or_404(session, ImportRun, import_id)
    if run.status != "mapping":
        raise Refused(field="mapping", msgid="This import has already been started.")
    table = await import_table(session, run)
    return await _queue(session, principal, run, clean_mapping(raw_mapping, table.columns))


async def submit_import(session: AsyncSession, principal: Any, source_id: Any, upload: Upload | None,
                        raw_mapping: Any) -> ImportRun:
    """Both steps at once (the API): without a mapping, the suggested one is used."""
    errors = FieldErrors()
    source = await errors.aclean(import_source, session, source_id)
    checked = await errors.aclean(check_file_off_loop, upload)
    mapping = None
    if checked is not None:
        given = raw_mapping if raw_mapping not in (None, "") else checked.suggested
        mapping = errors.clean(clean_mapping, given, checked.table.columns)
    errors.raise_if_any()
    assert source is not None and checked is not None and mapping is not None
    run = await _new_run(session, principal, source, checked, mapping)
    return await _queue(session, principal, run, mapping)


async def cancel_import(session: AsyncSession, principal: Any, import_id: Any) -> None:
    run = await get_or_404(session, ImportRun, import_id)
    if run.status != "mapping":
        raise Refused(field="import", msgid="This import has already been started.")
    await record_audit(session, principal, "monitoring.import.cancelled", subject=run, summary=run.file_name)
    await session.delete(run)
    await session.flush()


def imports_query() -> Select[Any]:
    """(import run, source name) rows, newest first."""
    return (select(ImportRun, Source.name).join(Source, Source.id == ImportRun.source_id)
            .order_by(ImportRun.created_at.desc()))


def rejected_rows(run: ImportRun) -> int:
    """Rows left out: every row that was neither imported nor already there."""
    return max(0, (run.total_rows or 0) - (run.imported or 0) - (run.duplicates or 0)) if run.status == "done" else 0
