"""Polling RSS/Atom feeds: a careful HTTP client, feed parsing, and per-source success or backoff.

The fetch is the risky part: a tenant chooses the address. Every hop of a redirect is checked against the
outbound rules right before it is requested (a name that now resolves privately is refused), the body is
capped while it streams, and the whole request has a deadline. Network work runs outside any database
transaction; each source's result is stored in a short transaction of its own, so one broken feed never
holds up or rolls back another.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from uuid import UUID

import feedparser
import httpx
from sqlalchemy import or_, select, update

from core.plugins.api import N_, DomainError, JobContext, Msg, check_outbound_url, job_transaction, utcnow
from plugins.monitoring.mentions.ingest import LIMITS, MAX_TAG_LENGTH, MAX_TAGS, ingest
from plugins.monitoring.models import Source
from plugins.monitoring.sources.service import translate_stored

log = logging.getLogger("regie.monitoring.feeds")

USER_AGENT = "Regie-monitoring/1.0"
TIMEOUT = 10.0
"""Seconds to connect and between reads; the whole fetch gets `DEADLINE_FACTOR` times this. Tests shorten it."""
DEADLINE_FACTOR = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
CONCURRENCY = 8
"""Feeds fetched at the same time by one job run."""
BATCH = 200
"""Due feeds one run takes on; the rest are due at the next tick."""
MAX_BACKOFF = timedelta(hours=24)
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

ERRORS = (
    N_("The server answered with HTTP {status}."),
    N_("No answer within {seconds} seconds."),
    N_("The connection failed: {reason}"),
    N_("The feed could not be read: {reason}"),
    N_("The feed is larger than {mb} MB."),
    N_("Too many redirects (more than {n})."),
    N_("A redirect without a new address (HTTP {status})."),
    N_("The address was refused: {reason}"),
    N_("The mentions could not be stored: {reason}"),
)
"""What `Source.last_error` may hold, in English; `error_text` translates it when it is shown."""


class FeedError(Exception):
    """Why one poll failed; stored in English, translated on display."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msg = Msg(msgid, **params)
        super().__init__(str(self.msg))


def _short(text: Any, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- showing an error -------------------------------------------------------------------------------------------

def error_text(stored: str, lang: str) -> str:
    """A stored English error in the reader's language."""
    return translate_stored(stored, ERRORS, lang)


# -- fetching -------------------------------------------------------------------------------------------------

@dataclass
class Fetched:
    status: int
    """200, or 304 when the feed did not change since the validators we sent."""
    url: str
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


async def _checked(url: str, settings: Any) -> str:
    try:
        return await asyncio.to_thread(check_outbound_url, url, settings, "url")
    except DomainError as exc:
        raise FeedError("The address was refused: {reason}",
                        reason=_short(next(iter(exc.errors.values()), ""))) from None


async def _read_capped(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise FeedError("The feed is larger than {mb} MB.", mb=MAX_BYTES // (1024 * 1024))
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_BYTES:
            raise FeedError("The feed is larger than {mb} MB.", mb=MAX_BYTES // (1024 * 1024))
    return bytes(body)


async def _fetch(client: httpx.AsyncClient, url: str, settings: Any, headers: dict[str, str]) -> Fetched:
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        current = await _checked(current, settings)
        async with client.stream("GET", current, headers=headers) as response:
            status = response.status_code
            if status in REDIRECTS:
                location = response.headers.get("location", "").strip()
                if not location:
                    raise FeedError("A redirect without a new address (HTTP {status}).", status=status)
                current = urljoin(current, location)
                continue
            if status == 304:
                return Fetched(304, current, etag=response.headers.get("etag"),
                               last_modified=response.headers.get("last-modified"))
            if not 200 <= status < 300:
                raise FeedError("The server answered with HTTP {status}.", status=status)
            content = await _read_capped(response)
            return Fetched(status, current, content, response.headers.get("content-type", ""),
                           response.headers.get("etag"), response.headers.get("last-modified"))
    raise FeedError("Too many redirects (more than {n}).", n=MAX_REDIRECTS)


async def fetch(url: str, settings: Any, *, etag: str | None = None, last_modified: str | None = None,
                timeout: float | None = None) -> Fetched:
    """GET a feed with conditional headers; redirects are followed by hand so each hop is checked."""
    seconds = TIMEOUT if timeout is None else timeout
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limits = httpx.Timeout(seconds, connect=seconds, read=seconds, write=seconds, pool=seconds)
    try:
        async with asyncio.timeout(seconds * DEADLINE_FACTOR), \
                httpx.AsyncClient(timeout=limits, follow_redirects=False, trust_env=False) as client:
            return await _fetch(client, url, settings, headers)
    except (TimeoutError, httpx.TimeoutException):
        raise FeedError("No answer within {seconds} seconds.", seconds=f"{seconds:g}") from None
    except httpx.HTTPError as exc:
        raise FeedError("The connection failed: {reason}", reason=_short(exc) or type(exc).__name__) from None


# -- parsing --------------------------------------------------------------------------------------------------

class _TextOnly(HTMLParser):
    BLOCKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                        "tr", "td", "th", "section", "article", "pre", "hr"})
    SKIP = frozenset({"script", "style", "template", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def strip_html(html: str) -> str:
    """Readable text of an HTML fragment: tags and scripts gone, entities decoded, whitespace collapsed."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _moment(entry: Any, now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            moment = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            return min(moment, now)
    return now


_RSS_AUTHOR = re.compile(r"^\s*([^\s@()]+@[^\s()]+)\s*(?:\((.*)\))?\s*$")


def _author(entry: Any) -> tuple[str, str]:
    """(name, e-mail): RSS writes 'mail@host (Name)', which feedparser splits badly for long domain endings."""
    raw = strip_html(entry.get("author", ""))
    match = _RSS_AUTHOR.match(raw)
    if match:
        return (match.group(2) or "").strip(), match.group(1)
    detail = entry.get("author_detail") or {}
    return strip_html(detail.get("name") or raw), strip_html(detail.get("email") or "")


def _fit(text: str, key: str) -> str:
    return text[:LIMITS[key]]


def _web_url(value: str) -> str:
    value = (value or "").strip()
    return value if value.lower().startswith(("http://", "https://")) and len(value) <= LIMITS["url"] else ""


def entry_item(entry: Any, base: str, place: str, now: datetime) -> dict[str, Any]:
    """A feed entry as an ingestion item (title, summary and content kept apart)."""
    title = strip_html(entry.get("title", ""))
    lead = strip_html(entry.get("summary", ""))
    body = strip_html(" ".join(c.get("value", "") for c in entry.get("content", []) or []))
    if body and body == lead:
        lead = ""  # feedparser repeats the only content as the summary
    raw_link = (entry.get("link") or "").strip()
    link = _web_url(urljoin(base, raw_link)) if raw_link else ""
    external_id = (entry.get("id") or "").strip() or link
    if not external_id or len(external_id) > LIMITS["external_id"]:
        seed = external_id or f"{title}\x00{lead}\x00{entry.get('published', '')}"
        external_id = "sha256:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()
    author, email = _author(entry)
    tags = [t for t in (strip_html(tag.get("term") or "") for tag in entry.get("tags", []) or [])
            if t and len(t) <= MAX_TAG_LENGTH]
    return {"external_id": external_id, "published_at": _moment(entry, now), "title": _fit(title, "title"),
            "lead": _fit(lead, "lead"), "body": _fit(body, "body"), "url": link, "place": place[:LIMITS["place"]],
            "author_handle": _fit(email or author, "author_handle"),
            "author_name": _fit(author, "author_name"), "tags": list(dict.fromkeys(tags))[:MAX_TAGS]}


def parse_feed(content: bytes, url: str, content_type: str = "", now: datetime | None = None) -> list[dict[str, Any]]:
    """RSS 0.9x/1.0/2.0 or Atom → ingestion items; unreadable content raises FeedError."""
    headers = {"content-type": content_type} if content_type else {}
    # a stream, never bytes or str: feedparser would treat those as a file name or a URL to open
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "not an RSS or Atom feed"
        raise FeedError("The feed could not be read: {reason}", reason=_short(re.sub(r"^<unknown>:", "",
                                                                                     str(reason))))
    site = urljoin(url, parsed.feed.get("link", ""))
    place = _host(site) or _host(url)
    moment = now or utcnow()
    return [entry_item(e, site, place, moment) for e in parsed.entries]


# -- polling --------------------------------------------------------------------------------------------------

@dataclass
class Due:
    """A claimed feed: what the fetch needs, read in the claiming transaction."""

    id: UUID
    url: str
    etag: str | None
    last_modified: str | None


@dataclass
class PollResult:
    polled: int = 0
    succeeded: int = 0
    failed: int = 0
    created: int = 0
    errors: dict[str, str] = field(default_factory=dict)


def backoff(poll_minutes: int, failures: int) -> timedelta:
    """The wait after `failures` consecutive failures: doubling, at most a day."""
    return min(timedelta(minutes=poll_minutes) * (2 ** min(failures, 20)), MAX_BACKOFF)


async def claim(ctx: JobContext, now: datetime, source_id: str | None = None) -> list[Due]:
    """Take the due feeds (or the one asked for): their next poll moves ahead first, so a slow poll is not
    picked up again by the next tick or another worker (the conditional UPDATE decides who has it)."""
    async with job_transaction(ctx) as session:
        query = select(Source).where(Source.kind == "feed", Source.is_active.is_(True))
        if source_id:
            query = query.where(Source.id == UUID(str(source_id)))
        else:
            query = query.where(or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now)).order_by(
                Source.next_poll_at.is_not(None), Source.next_poll_at).limit(BATCH)
        sources = (await session.scalars(query)).all()
        taken: list[Due] = []
        for s in sources:
            lease = update(Source).where(Source.id == s.id).values(
                last_polled_at=now, next_poll_at=now + timedelta(minutes=s.poll_minutes))
            if not source_id:
                lease = lease.where(or_(Source.next_poll_at.is_(None), Source.next_poll_at <= now))
            result = await session.execute(lease.execution_options(synchronize_session=False))
            if result.rowcount:
                taken.append(Due(s.id, s.url or "", s.etag, s.last_modified))
    return taken


async def _download(due: Due, settings: Any, timeout: float | None) -> Fetched | FeedError:
    try:
        fetched = await fetch(due.url, settings, etag=due.etag, last_modified=due.last_modified, timeout=timeout)
    except FeedError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one feed's surprise must not stop the others
        log.exception("feed %s: unexpected fetch error", due.id)
        return FeedError("The connection failed: {reason}", reason=_short(type(exc).__name__))
    return fetched


async def _store_success(ctx: JobContext, due: Due, fetched: Fetched, items: list[dict[str, Any]],
                         now: datetime) -> int:
    async with job_transaction(ctx) as session:
        source = await session.get(Source, due.id)
        if source is None:
            return 0
        created = 0
        if items:
            report = await ingest(session, source, items, pm=ctx.pm, tenant_id=ctx.tenant_id,
                                  settings=ctx.settings, tenant=ctx)
            created = report.created
        source.last_success_at, source.failures, source.last_error = now, 0, ""
        if fetched.status != 304 or fetched.etag:  # a 304 may repeat the validators or leave them out
            source.etag = fetched.etag[:500] if fetched.etag else None
        if fetched.status != 304 or fetched.last_modified:
            source.last_modified = fetched.last_modified[:100] if fetched.last_modified else None
        source.next_poll_at = now + timedelta(minutes=source.poll_minutes)
        return created


async def _store_failure(ctx: JobContext, due: Due, error: FeedError, now: datetime) -> None:
    async with job_transaction(ctx) as session:
        source = await session.get(Source, due.id)
        if source is None:
            return
        source.failures = (source.failures or 0) + 1
        source.last_error = str(error)[:1000]
        source.next_poll_at = now + backoff(source.poll_minutes, source.failures)


async def _settle(ctx: JobContext, due: Due, outcome: Fetched | FeedError, now: datetime,
                  result: PollResult) -> None:
    """Store one feed's outcome; parsing or storing trouble becomes that feed's error, nothing more."""
    result.polled += 1
    error = outcome if isinstance(outcome, FeedError) else None
    if error is None:
        assert isinstance(outcome, Fetched)
        try:
            items = [] if outcome.status == 304 else await asyncio.to_thread(
                parse_feed, outcome.content, outcome.url, outcome.content_type, now)
            result.created += await _store_success(ctx, due, outcome, items, now)
            result.succeeded += 1
            return
        except FeedError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001
            log.exception("feed %s: storing failed", due.id)
            error = FeedError("The mentions could not be stored: {reason}", reason=_short(type(exc).__name__))
    result.failed += 1
    result.errors[str(due.id)] = str(error)
    await _store_failure(ctx, due, error, now)


async def poll_feeds(ctx: JobContext, source_id: str | None = None, timeout: float | None = None) -> PollResult:
    """Poll every due feed of the tenant (or one, on request); downloads run side by side, results are
    stored one at a time as they arrive."""
    now = utcnow()
    result = PollResult()
    due = await claim(ctx, now, source_id)
    if not due:
        return result
    gate = asyncio.Semaphore(CONCURRENCY)

    async def download(d: Due) -> tuple[Due, Fetched | FeedError]:
        async with gate:
            return d, await _download(d, ctx.settings, timeout)

    for finished in asyncio.as_completed([download(d) for d in due]):
        d, outcome = await finished
        await _settle(ctx, d, outcome, now, result)
    return result

