"""The high-water-mark cursor over a newest-first list: nothing read twice, nothing missed, a burst larger than
one read spread over several, items indexed a little out of order still read once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.channels.watermark import OVERLAP, Entry, Mark, read_new

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Feed:
    """A newest-first list served in pages, as listNotifications and searchPosts serve theirs."""

    def __init__(self, page_size: int = 3) -> None:
        self.entries: list[Entry] = []
        self.page_size = page_size

    def add(self, name: str, seconds: float) -> str:
        self.entries.append(Entry(uri=f"at://x/app.bsky.feed.post/{name}", at=T0 + timedelta(seconds=seconds)))
        return self.entries[-1].uri

    async def page(self, cursor: str | None) -> tuple[list[Entry], str | None]:
        """Like the AppView: the cursor is the time of a page's last item; the next page is what is older."""
        ordered = sorted(self.entries, key=lambda e: e.at, reverse=True)
        if cursor is not None:
            ordered = [e for e in ordered if e.at < datetime.fromisoformat(cursor)]
        chunk = ordered[:self.page_size]
        return chunk, chunk[-1].at.isoformat() if len(ordered) > self.page_size else None


async def uris(feed: Feed, cursor: str | None, max_pages: int = 10) -> tuple[list[str], str]:
    found, cursor = await read_new(feed.page, cursor, max_pages)
    return [e.uri for e in found], cursor


async def test_first_read_takes_the_newest_page_then_only_what_is_new() -> None:
    feed = Feed()
    assert await uris(feed, None) == ([], Mark().encode())
    old = [feed.add(f"old{n}", n) for n in range(5)]
    found, cursor = await uris(feed, None)
    assert found == old[2:]  # the newest page, oldest first: history before connecting is not read
    assert (await uris(feed, cursor))[0] == []
    new = feed.add("new", 10)
    found, cursor = await uris(feed, cursor)
    assert found == [new]
    assert (await uris(feed, cursor))[0] == []


async def test_an_item_indexed_out_of_order_within_the_overlap_is_read_once() -> None:
    feed = Feed()
    feed.add("a", 100)
    _found, cursor = await uris(feed, None)
    late = feed.add("late", 100 - OVERLAP.total_seconds() / 2)  # indexed after the read, stamped before it
    found, cursor = await uris(feed, cursor)
    assert found == [late]
    assert (await uris(feed, cursor))[0] == []
    feed.add("ancient", 100 - OVERLAP.total_seconds() * 3)  # far older than the mark: history, not news
    assert (await uris(feed, cursor))[0] == []


async def test_a_burst_larger_than_a_read_is_read_over_several_reads_without_a_gap() -> None:
    feed = Feed(page_size=2)
    feed.add("first", 0)
    _found, cursor = await uris(feed, None)
    burst = [feed.add(f"b{n}", 600 + n) for n in range(9)]  # well past the overlap: the mark really moves
    read: list[str] = []
    found, cursor = await uris(feed, cursor, max_pages=2)
    read += found
    assert len(found) == 4 and Mark.decode(cursor).resume_page is not None
    during = feed.add("during", 700)  # arrives while the older part is still being read
    for _ in range(10):  # each read takes at most four; the overlap below the mark is looked at again
        found, cursor = await uris(feed, cursor, max_pages=2)
        read += found
        if not found and Mark.decode(cursor).resume_page is None:
            break
    assert sorted(read) == sorted([*burst, during]) and len(read) == len(set(read))
    assert (await uris(feed, cursor, max_pages=2))[0] == []


async def test_a_cursor_that_is_not_ours_starts_afresh() -> None:
    feed = Feed()
    newest = feed.add("a", 1)
    for cursor in ("", "garbage", '{"v": 1}', "[1, 2]", '{"at": "not a date"}'):
        assert (await uris(feed, cursor))[0] == [newest]
