"""Reading a newest-first list (notifications, search results) so that nothing is read twice or missed.

The AT Protocol's own `cursor` pages *backwards* (to older items), so it cannot say "what is new since last
time"; `seenAt`/`updateSeen` is the account's read marker, shared with the person who also uses the account in
their own app, so Regie leaves it alone. Instead the cursor Regie keeps is a high-water mark: the newest
`indexedAt` read, and the addresses read within `OVERLAP` of it. A read takes pages from the newest down to the
mark (less the overlap, which covers items indexed a little out of order) and returns what it has not seen.

A read that would take more than `max_pages` pages stops there, returns what it read, and keeps where it
stopped in the cursor (`resume`): the next read continues down to the old mark before looking at the top again,
so a burst larger than a read is spread over several reads and still nothing is missed. The first read (no
cursor) returns the newest page only: history before connecting is not read (nor, later, what the overlap
would reach below that page).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

OVERLAP = timedelta(minutes=2)
MAX_SEEN = 2000
"""At most this many addresses are kept in a cursor (the newest)."""


@dataclass(frozen=True)
class Entry:
    uri: str
    at: datetime
    """When the network indexed it (`indexedAt`): the order the list is in."""


T = TypeVar("T", bound=Entry)
Fetch = Callable[[str | None], Awaitable[tuple[list[T], str | None]]]
"""page cursor (None: the newest page) → (items newest first, the cursor of the next, older page or None)."""


Seen = dict[str, datetime]
"""Addresses read near the mark, with when they were indexed (so the window can be trimmed)."""


@dataclass
class Mark:
    at: datetime | None = None
    seen: Seen = field(default_factory=dict)
    resume_page: str | None = None
    resume_stop: datetime | None = None
    resume_seen: Seen = field(default_factory=dict)
    floor: datetime | None = None
    """Below this nothing is news: the end of the first read's page, when the list went on (history)."""

    def encode(self) -> str:
        data: dict[str, Any] = {"v": 1, "at": self.at.isoformat() if self.at else None, "seen": _dump(self.seen)}
        if self.floor is not None:
            data["floor"] = self.floor.isoformat()
        if self.resume_page is not None and self.resume_stop is not None:
            data["resume"] = {"page": self.resume_page, "stop": self.resume_stop.isoformat(),
                              "seen": _dump(self.resume_seen)}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> Mark:
        """A cursor this module wrote; anything else (None, "", garbage) starts afresh."""
        try:
            data = json.loads(cursor or "")
            mark = cls(at=_moment(data["at"]), seen=_load(data.get("seen")), floor=_moment(data.get("floor")))
            resume = data.get("resume")
            if resume:
                mark.resume_page, mark.resume_stop = str(resume["page"]), _moment(resume["stop"])
                mark.resume_seen = _load(resume.get("seen"))
            return mark
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _dump(seen: Seen) -> dict[str, str]:
    return {uri: at.isoformat() for uri, at in sorted(seen.items())}


def _load(value: Any) -> Seen:
    return {str(uri): datetime.fromisoformat(at) for uri, at in (value or {}).items()}


def _window(seen: Seen, entries: list[T], top: datetime) -> Seen:
    """What to remember next to a mark at `top`: every address within the overlap of it, the newest first."""
    merged = {**seen, **{e.uri: e.at for e in entries}}
    near = sorted(((uri, at) for uri, at in merged.items() if at >= top - OVERLAP), key=lambda p: p[1],
                  reverse=True)
    return dict(near[:MAX_SEEN])


async def _pages_down_to(fetch: Fetch[T], page: str | None, stop: datetime | None, max_pages: int
                         ) -> tuple[list[T], str | None, bool]:
    """Pages from `page` until one reaches below `stop` less the overlap (None: one page only). Returns
    (entries, the cursor of the next page, whether `stop` or the end of the list was reached)."""
    got: list[T] = []
    for _ in range(max_pages):
        entries, following = await fetch(page)
        got += entries
        if stop is None or following is None or not entries or any(e.at < stop - OVERLAP for e in entries):
            return got, following, True
        page = following
    return got, page, False


def _fresh(entries: list[T], low: datetime | None, seen: Seen) -> list[T]:
    """Not seen before, not below `low`, each address once; oldest first."""
    out: dict[str, T] = {}
    for entry in entries:
        if entry.uri in seen or entry.uri in out or (low is not None and entry.at < low):
            continue
        out[entry.uri] = entry
    return sorted(out.values(), key=lambda e: e.at)


async def read_new(fetch: Fetch[T], cursor: str | None, max_pages: int = 10) -> tuple[list[T], str]:
    """What is new since `cursor`, oldest first, and the cursor for the next read."""
    mark = Mark.decode(cursor)
    if mark.resume_page is not None and mark.resume_stop is not None:  # finish a read that stopped half-way
        got, following, reached = await _pages_down_to(fetch, mark.resume_page, mark.resume_stop, max_pages)
        low = max(mark.resume_stop - OVERLAP, mark.floor) if mark.floor else mark.resume_stop - OVERLAP
        fresh = _fresh(got, low, {**mark.resume_seen, **mark.seen})
        if mark.at is not None:  # what it read near the top mark is seen there too
            mark.seen = _window(mark.seen, fresh, mark.at)
        if reached:
            mark.resume_page, mark.resume_stop, mark.resume_seen = None, None, {}
        else:
            mark.resume_page = following
        return fresh, mark.encode()
    if mark.at is None:  # the first read: the newest page only
        got, following, _reached = await _pages_down_to(fetch, None, None, 1)
        fresh = _fresh(got, None, {})
        top = max((e.at for e in fresh), default=None)
        floor = min(e.at for e in fresh) if fresh and following is not None else None
        return fresh, Mark(at=top, seen=_window({}, fresh, top) if top else {}, floor=floor).encode()
    low = max(mark.at - OVERLAP, mark.floor) if mark.floor else mark.at - OVERLAP
    got, following, reached = await _pages_down_to(fetch, None, mark.at, max_pages)
    fresh = _fresh(got, low, mark.seen)
    top = max([mark.at, *(e.at for e in got)])
    floor = mark.floor if mark.floor is not None and mark.floor > top - OVERLAP else None
    if reached:
        return fresh, Mark(at=top, seen=_window(mark.seen, got, top), floor=floor).encode()
    # more than one read takes: remember where it stopped and continue from there next time
    return fresh, Mark(at=top, seen=_window(mark.seen, got, top), resume_page=following, resume_stop=mark.at,
                       resume_seen=mark.seen, floor=floor).encode()
