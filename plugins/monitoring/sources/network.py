"""Listening on the network: what is said to and about the organisation's connected accounts becomes mentions.

The job `monitoring.read_network` runs every `READ_SECONDS` for each tenant with monitoring active. It reads,
through the core's channel connectors (docs/channels.md), for every registered social account connected with the
AT Protocol connector:

- its **inbound** stream: mentions of, replies to and quotes of the account (`connector.inbound`);
- the **search** terms of the active search profiles (`connector.search`; the terms outside any NOT of each
  query, `search_terms`), through the first connected account only (by handle): every account would find the
  same posts. A search hit becomes a mention only when a profile's full query matches it, so "acme" found for
  "acme AND storing" without "storing" is not stored.

Each stream (account, inbound) or (account, search term) has a cursor of its own (`NetworkCursor`), the
connector's high-water mark; one read of a stream is one transaction: the read, the ingestion of its posts (the
same pipeline as feeds and imports: language, sentiment, profiles, counters, `mention.received`, alerts) and the
new cursor commit together, so a failure reads the posts again instead of losing them. A transaction-wide lock per
tenant keeps two runs from reading at once (the second one skips what the first holds), and a mention is unique
per post address (`Mention.uri`, and the network source's external id is the address), so a post read twice,
by two streams or by a job delivered again, is stored once.

The posts go into the tenant's network source (`Source.kind == "network"`), made on first need; deactivating
that source stops the reading. A stream that fails keeps its cursor and says why (`NetworkCursor.last_error`);
the connection page shows the network's reason (`open_channel` marks it failing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    ChannelError,
    InboundItem,
    JobContext,
    channel_states,
    job_transaction,
    open_channel,
    utcnow,
)
from plugins.monitoring.mentions.ingest import LIMITS, Thread, ingest
from plugins.monitoring.models import NETWORK_KIND, NetworkCursor, SearchProfile, Source
from plugins.monitoring.query import QuerySyntaxError, parse, positive_terms

log = logging.getLogger("regie.monitoring.network")

READ_SECONDS = 20
"""How often the job reads every stream: a post is a mention within this (and the network's indexing) time."""
CONNECTOR = "atproto"
SOURCE_NAME = "AT Protocol (Bluesky)"
MAX_TERMS = 20
"""Search terms read per run (the first ones, in profile order): each is one request to the network."""
MAX_TERM = 100


@dataclass
class ReadResult:
    streams: int = 0
    created: int = 0
    failed: int = 0
    skipped: int = 0
    """Streams another run was reading at the same time."""
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    account_id: UUID
    stream: str
    """inbound or search."""
    query: str = ""

    @property
    def name(self) -> str:
        return f"{self.account_id}:{self.stream}" + (f":{self.query}" if self.query else "")


def search_terms(queries: list[str]) -> list[str]:
    """What to ask the network's search for the profiles' queries: each term and phrase outside a NOT, once,
    as the search takes it (no quotes, no wildcard star). A query that does not parse gives nothing."""
    found: dict[str, None] = {}
    for query in queries:
        try:
            terms = positive_terms(parse(query))
        except QuerySyntaxError:
            continue
        for term in terms:
            text = term.strip('"').rstrip("*").strip()
            if len(text) >= 2:
                found.setdefault(text[:MAX_TERM], None)
    return list(found)[:MAX_TERMS]


async def connected_accounts(session: AsyncSession) -> list[UUID]:
    """The tenant's accounts connected with the AT Protocol connector (not disconnected), by handle."""
    states = await channel_states(session)
    found = [s for s in states.values() if s.connector == CONNECTOR and s.status != "disconnected"]
    return [s.social_account_id for s in sorted(found, key=lambda s: (s.remote_handle, str(s.social_account_id)))]


async def network_source(session: AsyncSession) -> Source:
    """The tenant's network source, made the first time it is needed."""
    source = await session.scalar(select(Source).where(Source.kind == NETWORK_KIND).order_by(Source.created_at)
                                  .limit(1))
    if source is not None:
        return source
    name, n = SOURCE_NAME, 1
    while await session.scalar(select(Source.id).where(func.lower(Source.name) == name.lower())) is not None:
        n += 1
        name = f"{SOURCE_NAME} ({n})"
    source = Source(name=name, kind=NETWORK_KIND, source_type="microblog", is_active=True, poll_minutes=1,
                    last_error="", failures=0)
    session.add(source)
    await session.flush()
    return source


async def _locked(session: AsyncSession, tenant_id: UUID) -> bool:
    """Take the tenant's network-reading lock for this transaction; False when another run holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = func.hashtext(f"monitoring.network:{tenant_id}")
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(key))))


async def _cursor(session: AsyncSession, stream: Stream) -> NetworkCursor:
    row = await session.scalar(select(NetworkCursor).where(NetworkCursor.social_account_id == stream.account_id,
                                                           NetworkCursor.stream == stream.stream,
                                                           NetworkCursor.query == stream.query))
    if row is None:
        row = NetworkCursor(social_account_id=stream.account_id, stream=stream.stream, query=stream.query,
                            cursor="", last_error="")
        session.add(row)
        await session.flush()
    return row


def _published(item: InboundItem, now: datetime) -> datetime:
    """When the author wrote it; the network's indexing time when the post claims a later moment (the creation
    time is the client's word)."""
    moments = [m for m in (item.created_at, item.indexed_at) if m is not None]
    return min([*moments, now]) if moments else now


def item_of(item: InboundItem, now: datetime) -> dict[str, Any]:
    """An item of the network as the ingestion pipeline takes it: the address is its external id."""
    return {"external_id": item.uri[:LIMITS["external_id"]], "published_at": _published(item, now),
            "body": item.text[:LIMITS["body"]], "url": item.url[:LIMITS["url"]],
            "author_handle": item.author_handle[:LIMITS["author_handle"]],
            "author_name": item.author_display_name[:LIMITS["author_name"]],
            "author_reach": max(item.author_followers or 0, 0), "source_type": "microblog"}


async def _matching(session: AsyncSession, items: list[InboundItem]) -> list[InboundItem]:
    """The search hits a profile's whole query matches (the search only asked for one of its terms)."""
    from plugins.monitoring.language import detect_languages
    from plugins.monitoring.mentions.matching import active_matcher
    from plugins.monitoring.query import Document

    if not items:
        return []
    matcher = await active_matcher(session)
    languages = detect_languages([i.text for i in items])
    return [i for i, lang in zip(items, languages, strict=True)
            if matcher.match(Document.of(i.text, i.author_handle), lang, "microblog")]


async def read_stream(ctx: JobContext, stream: Stream, result: ReadResult) -> None:
    """One read of one stream in one transaction (see the module doc)."""
    result.streams += 1
    async with job_transaction(ctx) as session:
        if not await _locked(session, ctx.tenant_id):
            result.skipped += 1
            return
        source = await network_source(session)
        if not source.is_active:
            return
        cursor = await _cursor(session, stream)
        now = utcnow()
        try:
            async with open_channel(session, ctx.settings, stream.account_id) as (connector, connection):
                if stream.stream == "inbound":
                    items, new_cursor = await connector.inbound(connection, cursor.cursor or None)
                else:
                    items, new_cursor = await connector.search(connection, stream.query, cursor.cursor or None)
        except ChannelError as exc:  # the connection now says failing, with the reason: commit that
            cursor.last_error = exc.reason
            source.last_error, source.last_polled_at = exc.reason[:1000], now
            result.failed += 1
            result.errors[stream.name] = exc.reason
            return
        if stream.stream == "search":
            items = await _matching(session, items)
        if items:
            threads = {i.uri[:LIMITS["external_id"]]: Thread(i.uri, i.reply_parent_uri, i.reply_root_uri,
                                                              stream.account_id) for i in items}
            report = await ingest(session, source, [item_of(i, now) for i in items], pm=ctx.pm,
                                  tenant_id=ctx.tenant_id, settings=ctx.settings, tenant=ctx, threads=threads)
            result.created += report.created
        cursor.cursor, cursor.last_read_at, cursor.last_error = new_cursor, now, ""
        source.last_polled_at = source.last_success_at = now
        source.last_error, source.failures = "", 0


async def streams_of(ctx: JobContext) -> list[Stream]:
    """Every account's inbound stream, and the search terms through the first account."""
    async with job_transaction(ctx) as session:
        accounts = await connected_accounts(session)
        if not accounts:
            return []
        active = await session.scalar(select(Source.is_active).where(Source.kind == NETWORK_KIND).limit(1))
        if active is False:
            return []
        queries = list((await session.scalars(select(SearchProfile.query).where(SearchProfile.is_active.is_(True))
                                              .order_by(SearchProfile.name))).all())
    streams = [Stream(a, "inbound") for a in accounts]
    return streams + [Stream(accounts[0], "search", term) for term in search_terms(queries)]


async def read_network(ctx: JobContext) -> ReadResult:
    result = ReadResult()
    for stream in await streams_of(ctx):
        try:
            await read_stream(ctx, stream, result)
        except Exception:  # noqa: BLE001 - one stream's trouble never stops the others
            log.exception("tenant %s: reading %s failed", ctx.tenant_slug, stream.name)
            result.failed += 1
            result.errors[stream.name] = "unexpected error"
    return result
