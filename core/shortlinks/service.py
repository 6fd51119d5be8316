"""Short links: placing them in outward text, following them, counting their clicks.

A plugin that publishes text (talking's posts; energizing and cocreation later) passes the text through
`shorten_links` when it is saved: every http(s) address in it becomes `<base>/l/<code>`, the stored target
carrying the UTM parameters the caller gives (source, medium, campaign), so "links placed" and "clicks" are
measured. A link placed again in the same thing (`origin`, `ref_id`) to the same target keeps its code.

`follow` is the public redirect's one indexed read plus one upsert of the day's counter. It finds the link by its
code across tenants (a `cross_tenant` read of three columns), then counts the click in the link's own tenant, and
only ever redirects to an http(s) address that was stored by the tenant.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import utcnow
from core.db.bulk import bulk_insert
from core.errors import DomainError, NotFound
from core.shortlinks.models import ShortLink, ShortLinkClick
from core.tenancy.scope import cross_tenant, tenant_scope

CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
"""No 0, 1, l or I: a code read aloud or typed over is not mistaken."""
CODE_LENGTH = 7
CODE = re.compile(r"^[A-Za-z0-9]{4,16}$")
MAX_URL = 1800
"""Room for the UTM parameters within the column's 2,000 characters."""
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?'\""
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")


@dataclass(frozen=True)
class PlacedLink:
    """A short link in a text: its code, where it leads (with UTM) and the short address that stands in the text."""

    code: str
    target: str
    short: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "target": self.target, "short": self.short}


@dataclass
class ShortenedText:
    text: str
    """The text as it goes out: every address replaced by its short link."""
    links: list[PlacedLink] = field(default_factory=list)
    """The short links of this `ref_id` that stand in the text, in order of appearance."""


def short_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/l/{code}"


def links_in_text(text: str) -> list[tuple[int, int, str]]:
    """(start, end, address) of every http(s) address in `text`; trailing punctuation and an unmatched closing
    bracket belong to the sentence, not the address."""
    found = []
    for match in URL_IN_TEXT.finditer(text or ""):
        url = match.group()
        while url and (url[-1] in TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
            url = url[:-1]
        if len(url) > len("https://"):
            found.append((match.start(), match.start() + len(url), url))
    return found


def is_short(url: str, base_url: str) -> bool:
    """One of this site's own short links (left as it is when a text is saved again)."""
    prefix = f"{base_url.rstrip('/')}/l/"
    return url.startswith(prefix) and bool(CODE.match(url[len(prefix):]))


def shortened_length(text: str, base_url: str) -> int:
    """The length `text` will have once its addresses are short links (for a limit checked before saving)."""
    short = len(short_url(base_url, "x" * CODE_LENGTH))
    length = len(text or "")
    for start, end, url in links_in_text(text):
        if not is_short(url, base_url):
            length += short - (end - start)
    return length


def check_web_url(value: Any, field: str) -> str:
    """An http(s) address with a host, no credentials, no spaces: else DomainError on `field`."""
    url = str(value or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname \
            or "@" in parts.netloc or any(c.isspace() or ord(c) < 32 for c in url):
        raise DomainError(field=field, msgid="Use a web address starting with https://.")
    if len(url) > MAX_URL:
        raise DomainError(field=field, msgid="Use at most {max} characters.", max=MAX_URL)
    return url


def with_utm(url: str, utm: dict[str, str]) -> str:
    """`url` with the UTM parameters it does not set itself (an address that names its own keeps them)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _v in query}
    query += [(k, v) for k, v in utm.items() if v and k not in present]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), parts.fragment))


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def _free_codes(session: AsyncSession, wanted: int) -> list[str]:
    """`wanted` codes no tenant uses yet (one read for the lot; the unique index stays the last word)."""
    codes: list[str] = []
    while len(codes) < wanted:
        candidates = {_new_code() for _ in range(wanted - len(codes))} - set(codes)
        with cross_tenant():
            taken = set((await session.scalars(select(ShortLink.code).where(ShortLink.code.in_(candidates)))).all())
        codes += [c for c in candidates if c not in taken]
    return codes


async def shorten_links(session: AsyncSession, text: str, *, base_url: str, origin: str, ref_id: UUID | None,
                        utm: dict[str, str], created_by_id: UUID | None = None) -> ShortenedText:
    """Replace every address in `text` by a short link of the tenant in scope (stored here, in `session`).

    `utm`: utm_source, utm_medium, utm_campaign (empty values left out). Each address is checked first: a text
    with an address that is not http(s) raises DomainError on "text" and nothing is stored."""
    spans = links_in_text(text)
    outside = [(s, e, check_web_url(u, "text")) for s, e, u in spans if not is_short(u, base_url)]
    targets = {u: with_utm(u, utm) for _s, _e, u in outside}
    rows: list[ShortLink] = []
    if ref_id is not None and spans:  # what this thing already has: a text saved again keeps its codes
        rows = list((await session.scalars(select(ShortLink).where(ShortLink.origin == origin,
                                                                   ShortLink.ref_id == ref_id))).all())
    known = {row.target_url: row for row in rows}
    by_code = {row.code: row for row in rows}
    missing = sorted({t for t in targets.values() if t not in known})
    for target, code in zip(missing, await _free_codes(session, len(missing)), strict=True):
        link = ShortLink(code=code, target_url=target, origin=origin, ref_id=ref_id, created_by_id=created_by_id)
        session.add(link)
        known[target] = link
    if missing:
        await session.flush()
    pieces, placed, cursor = [], [], 0
    for start, end, url in spans:
        link = known[targets[url]] if url in targets else by_code.get(url.rsplit("/", 1)[1])
        pieces.append(text[cursor:start])
        pieces.append(short_url(base_url, link.code) if link is not None else url)
        cursor = end
        if link is not None and all(p.code != link.code for p in placed):
            placed.append(PlacedLink(link.code, link.target_url, short_url(base_url, link.code)))
    pieces.append(text[cursor:])
    return ShortenedText("".join(pieces), placed)


async def follow(session: AsyncSession, code: str) -> str:
    """The address behind `code`, with today's click counted; NotFound for an unknown or malformed code."""
    if not CODE.match(code or ""):
        raise NotFound()
    with cross_tenant():
        row = (await session.execute(select(ShortLink.id, ShortLink.tenant_id, ShortLink.target_url)
                                     .where(ShortLink.code == code))).first()
    if row is None:
        raise NotFound()
    link_id, tenant_id, target = row
    try:
        check_web_url(target, "target")
    except DomainError:
        raise NotFound() from None
    with tenant_scope(tenant_id):
        await bulk_insert(session, ShortLinkClick, [{"link_id": link_id, "day": utcnow().date(), "clicks": 1}],
                          conflict=("tenant_id", "link_id", "day"), increment=("clicks",))
    return str(target)


async def short_link_clicks(session: AsyncSession, origin: str, period: tuple[date, date],
                            ref_ids: Iterable[UUID] | None = None) -> int:
    """Clicks on the links `origin` placed (only those in `ref_ids`, when given) over `period`, both days
    inclusive."""
    first, last = period
    query = (select(func.coalesce(func.sum(ShortLinkClick.clicks), 0))
             .join(ShortLink, ShortLink.id == ShortLinkClick.link_id)
             .where(ShortLink.origin == origin, ShortLinkClick.day >= first, ShortLinkClick.day <= last))
    if ref_ids is not None:
        wanted = list(ref_ids)
        if not wanted:
            return 0
        query = query.where(ShortLink.ref_id.in_(wanted))
    return int(await session.scalar(query) or 0)


async def short_link_clicks_by_ref(session: AsyncSession, origin: str, ref_ids: Iterable[UUID]) -> dict[UUID, int]:
    """All clicks so far on the links `origin` placed in each of `ref_ids` (one grouped query)."""
    wanted = list(ref_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(ShortLink.ref_id, func.sum(ShortLinkClick.clicks))
        .join(ShortLinkClick, ShortLinkClick.link_id == ShortLink.id)
        .where(ShortLink.origin == origin, ShortLink.ref_id.in_(wanted)).group_by(ShortLink.ref_id))
    return {ref: int(n or 0) for ref, n in rows.all()}
