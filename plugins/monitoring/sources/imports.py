"""Platform exports (CSV or JSON): read the whole file, map its columns to our fields, ingest in chunks.

A file is read completely before anything is stored: a broken file (bad quoting, invalid JSON, not UTF-8,
no rows, too many columns, nested too deep) fails the import and changes nothing. Reading is linear in the
file's size and bounded (`MAX_COLUMNS`, `MAX_FIELDS`, `check_json_depth`); callers on an event loop run it in a
worker thread (`read_table_off_loop`), so one upload never stalls other requests. Rows are then validated one by
one with the ingestion pipeline's own `parse_item`; valid rows go in chunks of `CHUNK`, each in its own
transaction together with the run's counters and the row it got to (`ImportRun.resume_after`), so a job that is
killed and delivered again continues after the last committed chunk and counts every row once. Every rejected
row is reported with its row number as in the file (the CSV header is row 1) and the reason.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePath
from typing import Any
from uuid import UUID

from sqlalchemy import select

from core.plugins.api import (
    N_,
    DomainError,
    FieldErrors,
    JobContext,
    Msg,
    check_json_depth,
    gettext_for,
    job_transaction,
    update_progress,
)
from plugins.monitoring import maintenance
from plugins.monitoring.mentions.ingest import MAX_TAG_LENGTH, MAX_TAGS, ingest, parse_item
from plugins.monitoring.models import ImportRun, Source

log = logging.getLogger("regie.monitoring.imports")

MAX_BYTES = 10 * 1024 * 1024
UPLOAD_LIMIT = MAX_BYTES + 2 * 1024 * 1024
"""Request bodies up to this size reach the handler, which refuses files over 10 MB on the field `file`."""
CHUNK = 500
MAX_REPORT = 1000
"""Rejection entries kept; the count of rejected rows is always complete."""
MAX_VALUE = 300
"""Characters of a rejected row's values kept in the report (to fix and import them again)."""
SAMPLE = 100
"""JSON objects read for the list of columns."""
MAX_COLUMNS = 200
"""Columns a CSV header may have; a wider file is refused on `file` before its rows are read."""
MAX_FIELDS = 500
"""Fields (dotted keys after flattening) a JSON object may have, and the sample's columns together: nested
objects give JSON exports more fields than their CSV counterparts have columns."""
MAX_DEPTH = 64
"""Nesting levels of a JSON file (checked before parsing: the parser recurses)."""
FORMATS = ("csv", "json")

FIELDS: dict[str, str] = {
    "external_id": N_("External id"), "published_at": N_("Published at"), "title": N_("Title"),
    "lead": N_("Lead"), "body": N_("Body"), "url": N_("Address (URL)"), "place": N_("Place"),
    "author_handle": N_("Author handle"), "author_name": N_("Author name"), "author_reach": N_("Author reach"),
    "language": N_("Language"), "source_type": N_("Source type"), "tags": N_("Tags"),
}
"""Our fields a column can be mapped to → label."""
REQUIRED = ("external_id", "published_at")
TEXT_FIELDS = ("title", "lead", "body")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "tweet_id", "id_str", "post_id", "status_id", "message_id", "item_id",
                    "comment_id", "mention_id", "guid", "uid", "uuid"),
    "published_at": ("published_at", "created_at", "date", "datetime", "timestamp", "published", "pubdate",
                     "posted_at", "created_time", "created", "date_published", "publication_date", "time", "datum"),
    "title": ("title", "subject", "headline", "titel", "onderwerp"),
    "lead": ("lead", "summary", "description", "intro", "excerpt", "snippet"),
    "body": ("body", "text", "full_text", "message", "content", "tweet", "post", "comment", "bericht", "tekst",
             "caption"),
    "url": ("url", "link", "permalink", "post_url", "href", "expanded_url"),
    "place": ("place", "site", "domain", "channel", "forum", "subreddit", "page", "platform", "host"),
    "author_handle": ("author_handle", "screen_name", "user", "username", "user_name", "handle", "author", "account",
                      "from_user"),
    "author_name": ("author_name", "name", "display_name", "full_name", "naam"),
    "author_reach": ("author_reach", "followers", "followers_count", "reach", "audience", "subscribers", "volgers"),
    "language": ("language", "lang", "taal"),
    "source_type": ("source_type",),
    "tags": ("tags", "hashtags", "labels", "keywords", "categories"),
}
"""Column names (normalised) that suggest a field, best first; a dotted JSON key also matches by its last part."""

SOURCE_TYPE_ALIASES = {
    "twitter": "microblog", "x": "microblog", "mastodon": "microblog", "bluesky": "microblog", "threads": "microblog",
    "facebook": "social", "instagram": "social", "linkedin": "social", "social network": "social",
    "youtube": "video", "tiktok": "video", "vimeo": "video", "reddit": "forum", "reviews": "review",
    "review site": "review", "nieuws": "news", "online news": "news",
}


ERRORS = (
    N_("The file is empty."), N_("The file is not UTF-8 text (byte {position} cannot be read)."),
    N_("The file is not valid CSV: {reason} (line {line})."), N_("The file has no rows."),
    N_("The file holds no list of objects."),
    N_("The file is not valid JSON: {reason} (line {line}, column {column})."),
    N_("The import stopped after {done} of {total} rows: {reason}"),
    N_("The source of this import no longer exists."), N_("Choose the column for this field."),
    N_("Choose a column of the file."), N_("Choose a column for the title, the lead or the body."),
    N_("The file has {count} columns; an import takes at most {max}."),
    N_("Row {row} has {count} fields; an import takes at most {max}."),
    N_("The file's first rows have {count} different fields; an import takes at most {max}."),
    N_("The JSON is nested more than {limit} levels deep."),
)
"""What `ImportRun.error` may hold, in English; `error_text` translates it when it is shown."""


def error_text(stored: str, lang: str) -> str:
    from plugins.monitoring.sources.service import translate_stored

    return translate_stored(stored, ERRORS, lang)


class BrokenFile(DomainError):
    """The file cannot be read at all (reported on the field `file`)."""

    def __init__(self, *, msgid: str, **params: Any) -> None:
        super().__init__(field="file", msgid=msgid, **params)

    @property
    def msg(self) -> Msg:
        return self.errors["file"]


@dataclass
class Table:
    """A file's columns and its data rows as (row number in the file, {column: value})."""

    columns: list[str]
    rows: list[tuple[int, Any]] = field(default_factory=list)


# -- reading a file -------------------------------------------------------------------------------------------

def detect_format(file_name: str, data: bytes) -> str:
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix == ".csv" or suffix == ".tsv":
        return "csv"
    if suffix in (".json", ".jsonl", ".ndjson", ".js"):
        return "json"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head[:1] in (b"[", b"{") or head.startswith(b"window.") else "csv"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BrokenFile(msgid="The file is not UTF-8 text (byte {position} cannot be read).",
                         position=exc.start + 1) from None


def _delimiter(text: str) -> str:
    """The separator of the header line: Dutch spreadsheets write ';', others ',' or a tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(record: list[str]) -> list[str]:
    """Unique column names: a repeated name gets ' (2)', ' (3)'... Linear: names are looked up in a set, and
    each name's next number is remembered, so a header of one name repeated costs no more than distinct ones."""
    if len(record) > MAX_COLUMNS:
        raise BrokenFile(msgid="The file has {count} columns; an import takes at most {max}.", count=len(record),
                         max=MAX_COLUMNS)
    columns: list[str] = []
    taken: set[str] = set()
    next_number: dict[str, int] = {}
    for i, raw in enumerate(record, start=1):
        base = name = raw.strip() or f"column {i}"
        if name in taken:
            n = next_number.get(base, 2)
            while (name := f"{base} ({n})") in taken:
                n += 1
            next_number[base] = n + 1
        taken.add(name)
        columns.append(name)
    return columns


def read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"', strict=True)
    table: Table | None = None
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if table is None:
                table = Table(_header(record))
                continue
            width = len(table.columns)
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                table.rows.append((number, _Misfit(len(record), width)))
                continue
            table.rows.append((number, dict(zip(table.columns, record + [""] * (width - len(record)), strict=False))))
    except csv.Error as exc:
        raise BrokenFile(msgid="The file is not valid CSV: {reason} (line {line}).", reason=str(exc),
                         line=reader.line_num) from None
    if table is None or not table.rows:
        raise BrokenFile(msgid="The file has no rows.")
    return table


@dataclass(frozen=True)
class _Misfit:
    """A CSV row with more cells than the header has columns."""

    cells: int
    columns: int


def _flatten(obj: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects as dotted keys (`user.screen_name`), up to three levels; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and depth < 3:
            flat.update(_flatten(value, name + ".", depth + 1))
        else:
            flat[name] = value
    return flat


def _flat_row(number: int, obj: Any) -> Any:
    """A JSON record as a row; an object with more than `MAX_FIELDS` fields refuses the file (BrokenFile)."""
    if not isinstance(obj, dict):
        return obj
    flat = _flatten(obj) if len(obj) <= MAX_FIELDS else obj
    if len(flat) > MAX_FIELDS:
        raise BrokenFile(msgid="Row {row} has {count} fields; an import takes at most {max}.", row=number,
                         count=len(flat), max=MAX_FIELDS)
    return flat


def _depth_checked(text: str) -> None:
    """Refuse JSON nested deeper than `MAX_DEPTH` on `file`, before a recursive parser sees it."""
    try:
        check_json_depth(text, "file", limit=MAX_DEPTH)
    except DomainError as exc:
        msg = next(iter(exc.errors.values()))
        raise BrokenFile(msgid=msg.msgid, **msg.params) from None


_LIST_KEYS = ("data", "items", "results", "posts", "mentions", "messages", "tweets", "entries", "records", "rows")
_JS_PREFIX = re.compile(r"^\s*window\.[\w.$]+\s*=\s*")


def _records(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = {k: v for k, v in doc.items() if isinstance(v, list) and v and isinstance(v[0], dict)}
        for key in (*_LIST_KEYS, *lists):
            if key in lists:
                return lists[key]
        return [doc]
    raise BrokenFile(msgid="The file holds no list of objects.")


def read_json(text: str, lines: bool = False) -> Table:
    text = _JS_PREFIX.sub("", text, count=1)  # a Twitter/X archive's `window.YTD.tweets.part0 = [...]`
    numbered: list[tuple[int, Any]]
    if lines:
        numbered = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                _depth_checked(line)
                try:
                    numbered.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise BrokenFile(msgid="The file is not valid JSON: {reason} (line {line}, column {column}).",
                                     reason=exc.msg, line=number, column=exc.colno) from None
    else:
        _depth_checked(text)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BrokenFile(msgid="The file is not valid JSON: {reason} (line {line}, column {column}).",
                             reason=exc.msg, line=exc.lineno, column=exc.colno) from None
        numbered = list(enumerate(_records(doc), start=1))
    rows = [(n, _flat_row(n, r)) for n, r in numbered]
    if not rows:
        raise BrokenFile(msgid="The file has no rows.")
    columns: dict[str, None] = {}
    for _n, row in rows[:SAMPLE]:
        if isinstance(row, dict):
            columns.update(dict.fromkeys(row))
    if len(columns) > MAX_FIELDS:
        raise BrokenFile(msgid="The file's first rows have {count} different fields; an import takes at most {max}.",
                         count=len(columns), max=MAX_FIELDS)
    if not columns:
        raise BrokenFile(msgid="The file holds no list of objects.")
    return Table(list(columns), rows)


def read_table(data: bytes, file_format: str, file_name: str = "") -> Table:
    """The whole file, or BrokenFile: nothing is imported from a file that cannot be read to the end."""
    if not data:
        raise BrokenFile(msgid="The file is empty.")
    text = decode(data)
    if file_format == "csv":
        return read_csv(text)
    return read_json(text, lines=PurePath(file_name).suffix.lower() in (".jsonl", ".ndjson"))


async def read_table_off_loop(data: bytes, file_format: str, file_name: str = "") -> Table:
    """`read_table` in a worker thread: reading 10 MB takes a good part of a second, which the event loop
    (every other request of this process) must not wait for."""
    return await asyncio.to_thread(read_table, data, file_format, file_name)


# -- mapping --------------------------------------------------------------------------------------------------

def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "_", name.strip().lower()).strip("_")


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Our field → the column whose name suggests it (exact names first, then a dotted key's last part)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    normalised = [(c, _norm(c)) for c in columns]
    for part in (lambda n: n, lambda n: n.rsplit(".", 1)[-1]):
        by_name: dict[str, list[str]] = {}  # one pass over the columns, then look-ups: linear in their number
        for column, norm in normalised:
            by_name.setdefault(part(norm), []).append(column)
        for our, names in SYNONYMS.items():
            if our in mapping:
                continue
            for name in names:
                column = next((c for c in by_name.get(name, ()) if c not in used), None)
                if column is not None:
                    mapping[our] = column
                    used.add(column)
                    break
    return {f: mapping[f] for f in FIELDS if f in mapping}


def clean_mapping(raw: Any, columns: list[str]) -> dict[str, str]:
    """Our field → a column of the file; external id, published at and one text field are required."""
    if isinstance(raw, str):
        check_json_depth(raw, "mapping", limit=MAX_DEPTH)  # a form field: the parser below recurses
        try:
            raw = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            raise DomainError(field="mapping", msgid="Give the mapping as a JSON object of field to column.") from None
    if not isinstance(raw, dict):
        raise DomainError(field="mapping", msgid="Give the mapping as a JSON object of field to column.")
    errors = FieldErrors()
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        errors.add("mapping", msgid="Unknown field: {names}.", names=", ".join(unknown))
    mapping: dict[str, str] = {}
    for our in FIELDS:
        column = raw.get(our)
        if column in (None, ""):
            continue
        if not isinstance(column, str) or column not in columns:
            errors.add(f"mapping.{our}", msgid="Choose a column of the file.")
        else:
            mapping[our] = column
    for our in REQUIRED:
        if our not in mapping and f"mapping.{our}" not in errors.errors:
            errors.add(f"mapping.{our}", msgid="Choose the column for this field.")
    if not any(f in mapping for f in TEXT_FIELDS) and not any(f"mapping.{f}" in errors.errors for f in TEXT_FIELDS):
        errors.add("mapping.body", msgid="Choose a column for the title, the lead or the body.")
    errors.raise_if_any()
    return mapping


# -- one row --------------------------------------------------------------------------------------------------

_DATE_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d/%m/%Y %H:%M:%S",
                 "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def parse_moment(value: Any) -> Any:
    """Dates as exports write them (ISO, RFC 2822, Twitter's, day-first, epoch seconds or ms) → datetime.
    Anything else is passed on for `parse_item` to reject with its reason. Times without a zone are UTC."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{9,13}", text):
        return parse_moment(int(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return text


def parse_reach(value: Any) -> Any:
    """'12.345', '12,345', '12 345', '1.2K', '3M' → int; anything else is passed on to be rejected."""
    if not isinstance(value, str):
        return value
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    match = re.fullmatch(r"(\d+(?:[.,]\d+)?)([kKmM])", text)
    if match:
        return round(float(match.group(1).replace(",", ".")) * (1000 if match.group(2) in "kK" else 1_000_000))
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    return text


def parse_tags(value: Any) -> Any:
    """A list (of texts, or of objects with a text) or 'a, b' / '#a #b' → at most MAX_TAGS short tags."""
    if isinstance(value, list):
        tags = [str(v.get("text") or v.get("tag") or v.get("name") or "") if isinstance(v, dict) else str(v)
                for v in value]
    elif isinstance(value, str):
        tags = re.split(r"[,;|\s]+", value)
    else:
        return value
    tags = [t.strip().lstrip("#") for t in tags]
    return list(dict.fromkeys(t for t in tags if t and len(t) <= MAX_TAG_LENGTH))[:MAX_TAGS]


def parse_language(value: Any) -> Any:
    """A language we do not read (fr, de...) is kept as 'und' rather than rejecting the row."""
    if not isinstance(value, str) or not value.strip():
        return value
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in ("nl", "en") else "und"


def parse_source_type(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    code = value.strip().lower()
    return SOURCE_TYPE_ALIASES.get(code, code)


_NORMALISE = {"published_at": parse_moment, "author_reach": parse_reach, "tags": parse_tags,
              "language": parse_language, "source_type": parse_source_type}


def row_item(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """A file row as an ingestion item, the export's formats made ours where that is unambiguous."""
    item: dict[str, Any] = {}
    for our, column in mapping.items():
        value = row.get(column)
        if isinstance(value, str) and our not in ("title", "lead", "body"):
            value = value.strip()
        if value in ("", None):
            continue
        item[our] = _NORMALISE[our](value) if our in _NORMALISE else value
    return item


def _entry(number: int, field_: str, column: str, msg: Msg, values: dict[str, Any]) -> dict[str, Any]:
    """One reason a row was left out: the field and the file's column, the reason in English plus its msgid
    and parameters (shown in the reader's language), and the row's mapped values to fix it."""
    return {"row": number, "field": field_, "column": column, "reason": str(msg), "msgid": msg.msgid,
            "params": {k: str(v) for k, v in msg.params.items()}, "values": values}


def reason_of(entry: dict[str, Any], lang: str) -> str:
    """A rejection reason in the reader's language (stored in English with its msgid and parameters)."""
    if entry.get("msgid"):
        return gettext_for(lang)(entry["msgid"], **(entry.get("params") or {}))
    return str(entry.get("reason", ""))


def _values(row: Any, mapping: dict[str, str]) -> dict[str, str]:
    if not isinstance(row, dict):
        return {}
    return {column: str(row.get(column, "") if row.get(column) is not None else "")[:MAX_VALUE]
            for column in dict.fromkeys(mapping.values())}


def validate_rows(table: Table, mapping: dict[str, str]) -> tuple[list[tuple[int, dict[str, Any]]],
                                                                  list[dict[str, Any]]]:
    """(valid rows as items, rejection entries) — the valid ones are what ingestion will get."""
    valid: list[tuple[int, dict[str, Any]]] = []
    rejected: list[dict[str, Any]] = []
    for number, row in table.rows:
        if isinstance(row, _Misfit):
            rejected.append(_entry(number, "row", "", Msg("The row has {cells} cells; the header has {columns}.",
                                                          cells=row.cells, columns=row.columns), {}))
            continue
        if not isinstance(row, dict):
            rejected.append(_entry(number, "row", "", Msg("This row is not an object."), {}))
            continue
        item = row_item(row, mapping)
        parsed, errors = parse_item(item)
        if parsed is None:
            values = _values(row, mapping)
            rejected += [_entry(number, f, mapping.get(f, ""), m, values) for f, m in errors]
        else:
            valid.append((number, item))
    return valid, rejected


# -- the job --------------------------------------------------------------------------------------------------

@dataclass
class _Run:
    id: UUID
    source_id: UUID
    file_name: str
    file_format: str
    mapping: dict[str, str]
    data: bytes
    resume_after: int
    """Rows up to this row number were ingested by an earlier delivery of the job (0: none)."""
    late_rejected: list[dict[str, Any]]
    """Rows the ingestion refused in those earlier chunks (stored with them)."""
    counted: int
    """Rows imported so far (by earlier deliveries)."""


async def _begin(ctx: JobContext, import_id: UUID) -> _Run | None:
    """Mark the run running; None when it was processed already (a repeated message).

    A run found running or failed was interrupted (a killed worker, an error the broker retries): its counters
    and `resume_after` were committed with each chunk, so it continues after the last committed chunk and its own
    stored rows are not met again as duplicates."""
    async with job_transaction(ctx) as session:
        run = await session.get(ImportRun, import_id)
        data = await session.scalar(select(ImportRun.data).where(ImportRun.id == import_id)) if run else None
        if run is None or data is None or run.status not in ("queued", "running", "failed"):
            return None
        if run.status == "queued":
            run.imported, run.duplicates, run.resume_after, run.rejected = 0, 0, 0, []
        run.status, run.error = "running", ""
        return _Run(run.id, run.source_id, run.file_name, run.file_format, dict(run.mapping or {}), data,
                    run.resume_after or 0, list(run.rejected or []), run.imported or 0)


async def _finish(ctx: JobContext, import_id: UUID, *, status: str, error: str = "", clear: bool = True,
                  rejected: list[dict[str, Any]] | None = None, total: int | None = None) -> None:
    async with job_transaction(ctx) as session:
        run = await session.get(ImportRun, import_id)
        if run is None:
            return
        run.status, run.error = status, error[:2000]
        if rejected is not None:
            run.rejected = rejected
        if total is not None:
            run.total_rows = total
        if clear:
            run.data = None


class _Overtaken(Exception):
    """Another delivery of the same job committed a chunk this one was about to ingest: it carries on alone."""


async def _ingest_chunk(ctx: JobContext, run: _Run, chunk: list[tuple[int, dict[str, Any]]],
                        mapping: dict[str, str], after: int) -> tuple[int, list[dict[str, Any]]]:
    """Ingest one chunk and, in the same transaction, add its counts and move `resume_after` to its last row.
    The run's row is locked first, so two deliveries never ingest the same chunk. Returns (created, rejected)."""
    async with job_transaction(ctx) as session:
        row = await session.get(ImportRun, run.id, with_for_update=True, populate_existing=True)
        if row is None or (row.resume_after or 0) != after:
            raise _Overtaken
        source = await session.get(Source, run.source_id)
        if source is None:
            raise DomainError(field="source", msgid="The source of this import no longer exists.")
        report = await ingest(session, source, [item for _n, item in chunk], pm=ctx.pm, tenant_id=ctx.tenant_id,
                              settings=ctx.settings, tenant=ctx, count_burst=False)
        found: list[dict[str, Any]] = []
        for outcome in report.outcomes:
            if outcome.status == "rejected":
                number = chunk[outcome.index][0]
                found += [_entry(number, f, mapping.get(f, ""), m, {}) for f, m in outcome.errors]
        row.imported += report.created
        row.duplicates += report.duplicates + report.folded
        row.resume_after = chunk[-1][0]
        if found:
            row.rejected = [*(row.rejected or []), *found][:MAX_REPORT]
        return report.created, found


async def run_import(ctx: JobContext, import_id: str, progress_id: str | None = None) -> dict[str, Any] | None:
    """Read everything, validate every row, ingest the valid ones in chunks with progress (after the rows an
    earlier, interrupted delivery already ingested). Reading and validating run in a worker thread."""
    run_id = UUID(str(import_id))
    run = await _begin(ctx, run_id)
    if run is None:
        return None

    async def progress(**kwargs: Any) -> None:
        if progress_id:
            await update_progress(ctx.sessionmaker, progress_id, **kwargs)

    await progress(status="running")
    try:
        table = await read_table_off_loop(run.data, run.file_format, run.file_name)
        mapping = clean_mapping(run.mapping, table.columns)
    except DomainError as exc:
        reason = str(next(iter(exc.errors.values())))
        await _finish(ctx, run_id, status="failed", error=reason)
        await progress(status="failed", error=reason)
        return {"status": "failed", "error": reason}
    valid, rejected = await asyncio.to_thread(validate_rows, table, mapping)
    total = len(table.rows)
    todo = [(n, item) for n, item in valid if n > run.resume_after]
    late_rejected = list(run.late_rejected)
    imported = run.counted
    done = total - len(todo)
    await progress(total=total, done=done)
    after = run.resume_after
    try:
        for start in range(0, len(todo), CHUNK):
            chunk = todo[start:start + CHUNK]
            created, found = await _ingest_chunk(ctx, run, chunk, mapping, after)
            imported += created
            late_rejected += found
            after = chunk[-1][0]
            done += len(chunk)
            await progress(done=done)
    except _Overtaken:
        return None
    except Exception as exc:
        reason = str(next(iter(exc.errors.values()))) if isinstance(exc, DomainError) else type(exc).__name__
        error = str(Msg("The import stopped after {done} of {total} rows: {reason}", done=done, total=total,
                        reason=reason))
        await _finish(ctx, run_id, status="failed", error=error, clear=isinstance(exc, DomainError))
        await progress(status="failed", error=error)
        if isinstance(exc, DomainError):
            return {"status": "failed", "error": error}
        raise  # the broker's retry resumes after the last committed chunk
    rejected = sorted([*rejected, *late_rejected], key=lambda e: e["row"])
    await _finish(ctx, run_id, status="done", rejected=rejected[:MAX_REPORT], total=total)
    await progress(status="done", done=total,
                   result={"href": f"/t/{ctx.tenant_slug}/p/monitoring/imports/{run_id}"})
    if imported >= maintenance.BURST_ROWS:
        try:  # fresh planner statistics for the mentions just stored; the import itself is done either way
            await maintenance.analyze_now(ctx)
        except Exception:
            log.exception("ANALYZE after import %s failed", run_id)
    return {"status": "done", "rejected": len(rejected)}
