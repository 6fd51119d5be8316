"""The ingestion pipeline every source feeds: validate, deduplicate, fold re-posts, read language and sentiment,
match profiles, count, announce.

One batch costs a handful of statements whatever its size (existing external ids, known hashes, one bulk insert
per table, one counter upsert), because feeds, imports and the API push hundreds of items at a time. Rows get
their ids here (uuid4) so mentions, their profile links and their folds are linked without a round trip.
A folded item (an exact duplicate or a re-post of a mention seen in the last `FOLD_DAYS`) is stored pointing at
its original, which counts one more re-post; it is not counted, matched or announced again.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from sqlalchemy import ARRAY, String, any_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainEvent,
    Msg,
    as_utc,
    bulk_insert,
    current_tenant,
    current_tenant_id,
    enqueue_job,
    fire_events,
    utcnow,
)
from plugins.monitoring import maintenance, stats
from plugins.monitoring.dates import moment_in_range, out_of_range
from plugins.monitoring.models import SOURCE_TYPES, Mention, MentionProfile
from plugins.monitoring.query import Document

LANGUAGES = ("nl", "en", "und")
FOLD_DAYS = 7
"""How far back an earlier mention with the same text folds a new one."""
MIN_FOLD_CHARS = 12
"""Shorter normalised texts ("ja", "top!") fold only when marked as a re-post: they coincide by chance."""
CHUNK = 500
"""Values per IN (...) lookup: well inside every driver's parameter limit."""
LIMITS = {"external_id": 300, "title": 1_000, "lead": 5_000, "body": 100_000, "url": 2_000, "place": 255,
          "author_handle": 200, "author_name": 200}
MAX_TAGS, MAX_TAG_LENGTH = 50, 100
MAX_REACH = 2**63 - 1
FUTURE_SLACK = timedelta(days=1)
EVENT_TEXT_CHARS = 5_000
"""How much of a mention's lead and body a `mention.received` event carries (keywords, questions, case text)."""
ALERT_TRIGGER_SECONDS = 5.0
"""Ingestion queues at most one alert check per tenant and process this often (see `_trigger_alert_check`)."""


@dataclass(slots=True)
class IncomingMention:
    """A validated item, whatever source it came from."""

    external_id: str
    published_at: datetime
    """Timezone-aware (naive input is read as UTC)."""
    title: str = ""
    lead: str = ""
    body: str = ""
    url: str = ""
    place: str = ""
    author_handle: str = ""
    author_name: str = ""
    author_reach: int = 0
    language: str | None = None
    """None: detect it."""
    source_type: str | None = None
    """None: the source's type."""
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Thread:
    """Where a post read from a network sits (not part of what the API or an import may set): its address, the
    post it answers and the first of its thread, and the organisation's account whose connection read it."""

    uri: str
    parent_uri: str = ""
    root_uri: str = ""
    social_account_id: UUID | None = None


@dataclass
class ItemOutcome:
    index: int
    status: str
    """created, duplicate (this source already has the external id), folded (a re-post) or rejected."""
    mention_id: UUID | None = None
    errors: list[tuple[str, Msg]] = field(default_factory=list)


@dataclass
class IngestReport:
    outcomes: list[ItemOutcome]
    profile_ids: list[UUID] = field(default_factory=list)
    """Profiles matched by the mentions counted in this batch."""

    def _n(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def created(self) -> int:
        return self._n("created")

    @property
    def duplicates(self) -> int:
        return self._n("duplicate")

    @property
    def folded(self) -> int:
        return self._n("folded")

    @property
    def rejected(self) -> int:
        return self._n("rejected")


# -- validation -----------------------------------------------------------------------------------------------

def _clean(value: str) -> str:
    """Text every database accepts: no NUL characters, no lone surrogates."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
    return value.strip()


class _Errors(list[tuple[str, Msg]]):
    def add(self, field_: str, msgid: str, **params: Any) -> None:
        self.append((field_, Msg(msgid, **params)))


def _text(raw: dict[str, Any], key: str, errors: _Errors) -> str:
    value = raw.get(key)
    if value is None or value == "":
        return ""
    if type(value) is not str and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        errors.add(key, "Use a text.")
        return ""
    result = _clean(str(value))
    if len(result) > LIMITS[key]:
        errors.add(key, "Use at most {max} characters.", max=LIMITS[key])
    return result


def _published_at(value: Any, now: datetime, errors: _Errors) -> datetime | None:
    if value is None or value == "":
        errors.add("published_at", "This field is required.")
        return None
    moment = value if isinstance(value, datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        errors.add("published_at", "Use a date and time like 2026-01-31T09:30:00+01:00.")
        return None
    if not moment_in_range(moment):  # checked before converting: at the edges of the calendar that overflows
        errors.append(("published_at", out_of_range()))
        return None
    moment = as_utc(moment)
    if moment > now + FUTURE_SLACK:
        errors.add("published_at", "This lies more than a day in the future.")
        return None
    return moment


def _url(raw: dict[str, Any], errors: _Errors) -> tuple[str, str]:
    """(the URL, its host without 'www.' as the default place)."""
    url = _text(raw, "url", errors)
    if not url:
        return "", ""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        ok = parts.scheme.lower() in ("http", "https") and bool(host)
    except ValueError:
        ok = False
    if not ok:
        errors.add("url", "Use an address starting with http:// or https://.")
        return "", ""
    return url, (host[4:] if host.startswith("www.") else host)[:LIMITS["place"]]


def _reach(value: Any, errors: _Errors) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_REACH:
        errors.add("author_reach", "Use a whole number of 0 or more.")
        return 0
    return value


def _language(value: Any, errors: _Errors) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().lower().replace("_", "-")
    code = code.split("-")[0] if code[:3] != "und" else "und"
    if code not in LANGUAGES:
        errors.add("language", "Choose one of: {choices}.", choices=", ".join(LANGUAGES))
        return None
    return code


def _source_type(value: Any, errors: _Errors) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().lower()
    if code not in SOURCE_TYPES:
        errors.add("source_type", "Choose one of: {choices}.", choices=", ".join(SOURCE_TYPES))
        return None
    return code


def _tags(value: Any, errors: _Errors) -> list[str]:
    if value is None or value == "":
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        errors.add("tags", "Use a list of texts.")
        return []
    tags = list(dict.fromkeys(t for t in (_clean(t) for t in value) if t))
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_LENGTH for t in tags):
        errors.add("tags", "Use at most {n} tags of at most {max} characters.", n=MAX_TAGS, max=MAX_TAG_LENGTH)
        return []
    return tags


def parse_item(raw: Any, now: datetime | None = None) -> tuple[IncomingMention | None, list[tuple[str, Msg]]]:
    """Validate one pushed, polled or imported item; every problem is reported as (field, reason)."""
    errors = _Errors()
    if not isinstance(raw, dict):
        errors.add("item", "Each item must be an object.")
        return None, errors
    external_id = _text(raw, "external_id", errors)
    if not external_id and not any(f == "external_id" for f, _ in errors):
        errors.add("external_id", "This field is required.")
    published_at = _published_at(raw.get("published_at"), now or utcnow(), errors)
    title, lead, body = (_text(raw, k, errors) for k in ("title", "lead", "body"))
    if not (title or lead or body) and not any(f in ("title", "lead", "body") for f, _ in errors):
        errors.add("body", "Give a title, a lead or a body.")
    url, host = _url(raw, errors)
    place = _text(raw, "place", errors) or host
    item = IncomingMention(
        external_id=external_id, published_at=published_at or datetime.min.replace(tzinfo=UTC),
        title=title, lead=lead, body=body, url=url, place=place,
        author_handle=_text(raw, "author_handle", errors), author_name=_text(raw, "author_name", errors),
        author_reach=_reach(raw.get("author_reach"), errors), language=_language(raw.get("language"), errors),
        source_type=_source_type(raw.get("source_type"), errors), tags=_tags(raw.get("tags"), errors))
    return (None, errors) if errors else (item, [])


# -- folding --------------------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_REPOST_PREFIX = re.compile(r"^\s*(?:(?:rt|via)\s*:?\s*@[\w.\-]+\s*:?\s*)+", re.I)
_VIA_SUFFIX = re.compile(r"[\s(\[\-–—|]*\bvia\s+@[\w.\-]+[\s)\].]*$", re.I)
_EDGES = re.compile(r"^[\s:\-–—|\"'“”]+|[\s:\-–—|\"'“”]+$")
_SPACE = re.compile(r"\s+")


def normalise(text_: str) -> tuple[str, bool]:
    """The text two copies of one message share, and whether it was marked as a re-post (RT, via)."""
    without_urls = _URL.sub(" ", text_)
    stripped = _REPOST_PREFIX.sub("", without_urls)
    stripped = _VIA_SUFFIX.sub("", stripped)
    marked = len(stripped) != len(without_urls)
    return _EDGES.sub("", _SPACE.sub(" ", stripped)).casefold(), marked


def content_hash(item: IncomingMention) -> tuple[str, bool]:
    """(hash, may fold): equal hashes are the same message; very short unmarked texts never fold."""
    norm, marked = normalise(" ".join(p for p in (item.title, item.lead, item.body) if p))
    if not norm:
        return hashlib.sha256(f"\x00{item.external_id}".encode()).hexdigest(), False
    return hashlib.sha256(norm.encode()).hexdigest(), marked or len(norm) >= MIN_FOLD_CHARS


# -- the pipeline ---------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _New:
    """An item that becomes a row."""

    index: int
    item: IncomingMention
    id: UUID
    hash: str
    foldable: bool
    source_type: str
    original: Any = None
    """The `_New` or the stored row (id, language, sentiment...) this item folds into."""
    language: str = "und"
    sentiment: str = "neutral"
    score: float = 0.0
    parts: dict[str, Any] = field(default_factory=dict)
    sentiment_by: str = "model"
    reposts: int = 0
    profile_ids: list[Any] = field(default_factory=list)


def _among(session: AsyncSession, column: Any, values: list[str]) -> list[Any]:
    """`column IN values` as few conditions as possible: one `= ANY(array)` on PostgreSQL (one prepared
    statement whatever the batch size), chunks of IN lists elsewhere."""
    if session.bind.dialect.name == "postgresql":
        return [column == any_(bindparam(None, values, type_=ARRAY(String)))] if values else []
    return [column.in_(values[start:start + CHUNK]) for start in range(0, len(values), CHUNK)]


async def _existing_external_ids(session: AsyncSession, source_id: UUID, ids: list[str]) -> dict[str, UUID]:
    found: dict[str, UUID] = {}
    for among in _among(session, Mention.external_id, ids):
        rows = await session.execute(select(Mention.external_id, Mention.id).where(Mention.source_id == source_id,
                                                                                   among))
        found.update({r.external_id: r.id for r in rows})
    return found


async def _originals(session: AsyncSession, hashes: list[str], since: datetime) -> dict[str, Any]:
    """The earliest unfolded mention per hash since `since`."""
    found: dict[str, Any] = {}
    for among in _among(session, Mention.content_hash, hashes):
        rows = await session.execute(
            select(Mention.content_hash, Mention.id, Mention.language, Mention.sentiment, Mention.sentiment_score,
                   Mention.sentiment_parts, Mention.sentiment_by)
            .where(among, Mention.duplicate_of_id.is_(None), Mention.published_at >= since)
            .order_by(Mention.published_at))
        for r in rows:
            found.setdefault(r.content_hash, r)
    return found


def _read(news: list[_New], classifier: Any) -> None:
    """Language (unless given) and sentiment per part, in one batch call each."""
    from plugins.monitoring.language import detect_languages

    unknown = [n for n in news if n.item.language is None]
    if unknown:
        texts = [" ".join(p for p in (n.item.title, n.item.lead, n.item.body) if p) for n in unknown]
        for n, lang in zip(unknown, detect_languages(texts), strict=True):
            n.language = lang
    for n in news:
        if n.item.language is not None:
            n.language = n.item.language
    results = classifier.analyse([(n.item.title, n.item.lead, n.item.body) for n in news],
                                 [n.language for n in news])
    for n, result in zip(news, results, strict=True):
        n.sentiment, n.score = result.overall.label, float(result.overall.score)
        n.parts = {part: {"label": s.label, "score": float(s.score), "by": "model"}
                   for part in ("title", "lead", "body") if (s := getattr(result, part)) is not None}


def _copy_reading(n: _New) -> None:
    """A fold reads as its original (a person's correction included)."""
    o = n.original
    n.language, n.sentiment, n.sentiment_by = o.language, o.sentiment, o.sentiment_by
    if isinstance(o, _New):
        n.score, n.parts = o.score, dict(o.parts)
    else:
        n.score, n.parts = float(o.sentiment_score or 0.0), dict(o.sentiment_parts or {})


def _row(n: _New, source_id: UUID, now: datetime, threads: dict[str, Thread]) -> dict[str, Any]:
    i = n.item
    thread = threads.get(i.external_id)
    return {"uri": thread.uri if thread else None, "parent_uri": thread.parent_uri if thread else "",
            "root_uri": thread.root_uri if thread else "",
            "social_account_id": thread.social_account_id if thread else None,
            "id": n.id, "source_id": source_id, "source_type": n.source_type, "external_id": i.external_id,
            "url": i.url, "place": i.place, "author_handle": i.author_handle, "author_name": i.author_name,
            "author_reach": i.author_reach, "published_at": i.published_at, "title": i.title, "lead": i.lead,
            "body": i.body, "language": n.language, "sentiment": n.sentiment, "sentiment_score": n.score,
            "sentiment_by": n.sentiment_by, "sentiment_parts": n.parts, "content_hash": n.hash,
            "duplicate_of_id": n.original.id if n.original is not None else None, "reposts": n.reposts,
            "tags": i.tags, "created_at": now, "updated_at": now}


def _event(n: _New, threads: dict[str, Thread]) -> DomainEvent:
    i = n.item
    thread = threads.get(i.external_id)
    return DomainEvent("mention.received", {
        "uri": thread.uri if thread else "", "parent_uri": thread.parent_uri if thread else "",
        "root_uri": thread.root_uri if thread else "",
        "account_id": str(thread.social_account_id) if thread and thread.social_account_id else "",
        "mention_id": str(n.id), "profile_ids": [str(p) for p in n.profile_ids], "sentiment": n.sentiment,
        "score": n.score, "language": n.language, "source_type": n.source_type, "author_handle": i.author_handle,
        "url": i.url, "title": i.title, "published_at": i.published_at.isoformat(),
        "author_name": i.author_name, "author_reach": i.author_reach,
        "text": (i.lead + "\n" + i.body if i.lead else i.body)[:EVENT_TEXT_CHARS]})


async def _tenant_ref(session: AsyncSession, tenant: Any) -> Any:
    """What `fire_events` needs (`.id`, `.slug`): the caller's tenant (a Tenant or a JobContext) or the one in scope."""
    if tenant is not None and hasattr(tenant, "slug"):
        return tenant
    if tenant is not None and hasattr(tenant, "tenant_slug"):
        return SimpleNamespace(id=tenant.tenant_id, slug=tenant.tenant_slug)
    return await current_tenant(session)


async def ingest(session: AsyncSession, source: Any, items: list[Any], *, pm: Any = None,
                 tenant_id: UUID | None = None, settings: Any = None, tenant: Any = None,
                 lang: str = "nl", count_burst: bool = True,
                 threads: dict[str, Thread] | None = None) -> IngestReport:
    """Store a batch for `source`; per-item problems never abort it (see `IngestReport.outcomes`).

    `pm`: the plugin manager, to announce `mention.received` (none without it). `tenant` (a Tenant, the
    request's tenant or a JobContext) saves a look-up of the slug the events carry. `settings` is accepted for
    the callers' sake; nothing in the pipeline is configured by it yet. `count_burst=False`: the caller refreshes
    the planner statistics itself (an import does when it finishes), see `maintenance.note_stored`.
    `threads`: per external id, where a post read from a network sits (`Thread`; the network source only).
    """
    from plugins.monitoring.mentions.classifier import reading_classifier
    from plugins.monitoring.mentions.matching import active_matcher

    now = utcnow()
    outcomes: list[ItemOutcome | None] = [None] * len(items)
    parsed, repeats = _triage(items, now, outcomes)
    existing = await _existing_external_ids(session, source.id, [i.external_id for _, i in parsed])
    news: list[_New] = []
    for index, item in parsed:
        if item.external_id in existing:
            outcomes[index] = ItemOutcome(index, "duplicate", existing[item.external_id])
        else:
            digest, foldable = content_hash(item)
            news.append(_New(index, item, uuid4(), digest, foldable, item.source_type or source.source_type))
    await _find_originals(session, news, now)
    counted = [n for n in news if n.original is None]
    if counted:
        _read(counted, await reading_classifier(session))
        matcher = await active_matcher(session)
        for n in counted:
            i = n.item
            n.profile_ids = matcher.match(Document.of(i.title, i.lead, i.body, i.author_handle), n.language,
                                          n.source_type)
    db_reposts = _fold(news, outcomes)
    for index, first in repeats:
        done = outcomes[first]
        outcomes[index] = ItemOutcome(index, "duplicate", done.mention_id if done else None)

    threads = threads or {}
    await _store(session, source.id, news, db_reposts, now, threads)
    if count_burst:
        maintenance.note_stored(session, len(news))
    await stats.count(session, [stats.Counted(n.item.published_at, tuple(n.profile_ids), n.source_type, n.language,
                                              n.sentiment, n.item.author_reach) for n in counted])
    profile_ids = sorted({p for n in counted for p in n.profile_ids}, key=str)
    if pm is not None and counted:
        ref = await _tenant_ref(session, tenant)
        await fire_events(session, ref, pm, [_event(n, threads) for n in counted], lang=lang, exclude="monitoring")
    if profile_ids:
        _trigger_alert_check(session)
    return IngestReport(outcomes=[o for o in outcomes if o is not None], profile_ids=profile_ids)


_queued_check: dict[UUID | None, float] = {}
"""Per tenant: when the latest alert check this process queued runs (now, or at the end of a window)."""
_clock = time.monotonic


def _trigger_alert_check(session: AsyncSession) -> None:
    """Queue an alert check that sees this batch, at most one per `ALERT_TRIGGER_SECONDS` per tenant.

    The first batch after a quiet spell is checked at once. A batch within the window after a check is left to
    the check queued for the end of that window (queued now if there is none yet), so a stream of batches is
    checked every few seconds and no batch waits longer than the window, however fast they come.
    """
    tenant_id, now = current_tenant_id(), _clock()
    queued = _queued_check.get(tenant_id)
    if queued is None or now >= queued + ALERT_TRIGGER_SECONDS:
        _queued_check[tenant_id] = now
        enqueue_job(session, "monitoring.check_alerts")
    elif queued <= now + 1.0:  # no queued check runs comfortably after this batch commits
        _queued_check[tenant_id] = due = queued + ALERT_TRIGGER_SECONDS
        enqueue_job(session, "monitoring.check_alerts", after_seconds=due - now)


def _triage(items: list[Any], now: datetime, outcomes: list[ItemOutcome | None],
            ) -> tuple[list[tuple[int, IncomingMention]], list[tuple[int, int]]]:
    """Valid items (first of each external id), and (index, index of the first) for repeats within the batch;
    invalid items get their 'rejected' outcome."""
    parsed: list[tuple[int, IncomingMention]] = []
    first_of: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, raw in enumerate(items):
        item, errors = parse_item(raw, now)
        if item is None:
            outcomes[index] = ItemOutcome(index, "rejected", None, errors)
        elif item.external_id in first_of:
            repeats.append((index, first_of[item.external_id]))
        else:
            first_of[item.external_id] = index
            parsed.append((index, item))
    return parsed, repeats


async def _find_originals(session: AsyncSession, news: list[_New], now: datetime) -> None:
    """Point each foldable item at the stored mention, or the earlier item of this batch, with its text."""
    since = min((n.item.published_at for n in news), default=now) - timedelta(days=FOLD_DAYS)
    stored = await _originals(session, sorted({n.hash for n in news if n.foldable}), since)
    in_batch: dict[str, _New] = {}
    for n in news:
        if n.foldable:
            n.original = stored.get(n.hash) or in_batch.get(n.hash)
        if n.original is None:
            in_batch.setdefault(n.hash, n)


def _fold(news: list[_New], outcomes: list[ItemOutcome | None]) -> Counter[UUID]:
    """Outcomes of the new rows; folds read as their original and add to its re-posts. Returns the re-posts to
    add to stored originals."""
    db_reposts: Counter[UUID] = Counter()
    for n in news:
        if n.original is None:
            outcomes[n.index] = ItemOutcome(n.index, "created", n.id)
            continue
        _copy_reading(n)
        outcomes[n.index] = ItemOutcome(n.index, "folded", n.id)
        if isinstance(n.original, _New):
            n.original.reposts += 1
        else:
            db_reposts[n.original.id] += 1
    return db_reposts


async def _store(session: AsyncSession, source_id: UUID, news: list[_New], db_reposts: Counter[UUID],
                 now: datetime, threads: dict[str, Thread]) -> None:
    """Bulk inserts in batch order (an original before its folds), then the re-post counts of stored originals."""
    await bulk_insert(session, Mention, [_row(n, source_id, now, threads) for n in news])
    await bulk_insert(session, MentionProfile, [
        {"mention_id": n.id, "profile_id": p, "published_at": n.item.published_at, "created_at": now,
         "updated_at": now} for n in news for p in n.profile_ids])
    by_count: dict[int, list[UUID]] = {}
    for mention_id, n in db_reposts.items():
        by_count.setdefault(n, []).append(mention_id)
    for n, ids in by_count.items():
        await session.execute(update(Mention).where(Mention.id.in_(ids))
                              .values(reposts=Mention.reposts + n).execution_options(synchronize_session=False))
