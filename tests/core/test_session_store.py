"""The single-process session store: files under var/sessions with a copy in memory (`core/web/session_store.py`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.stores import base as stores_base
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from core.settings import Settings
from core.web.session_store import RememberingFileStore, session_store
from tests.support import login_as, post_form

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FrozenNow(datetime):
    """The clock litestar's stores date their entries and judge expiry by, standing still until moved."""

    moment = NOW

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return cls.moment

    @classmethod
    def advance(cls, **delta: float) -> None:
        cls.moment += timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> type[FrozenNow]:
    monkeypatch.setattr(FrozenNow, "moment", NOW)
    monkeypatch.setattr(stores_base, "datetime", FrozenNow)
    return FrozenNow


class Disk:
    """Counts the session files read and written."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = self.writes = 0
        read_bytes, write_sync = anyio.Path.read_bytes, FileStore._write_sync

        async def counted_read(path: anyio.Path) -> bytes:
            self.reads += 1
            return await read_bytes(path)

        def counted_write(store: FileStore, *args: Any) -> None:
            self.writes += 1
            write_sync(store, *args)

        monkeypatch.setattr(anyio.Path, "read_bytes", counted_read)
        monkeypatch.setattr(FileStore, "_write_sync", counted_write)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    return Disk(monkeypatch)


def remembering(folder: Path, **options: Any) -> RememberingFileStore:
    """A store as a freshly started process has it: nothing in memory."""
    return RememberingFileStore(FileStore(folder, create_directories=True), **options)


async def test_a_session_is_read_from_disk_once(tmp_path: Path, disk: Disk) -> None:
    await remembering(tmp_path).set("s1", b"{}", expires_in=3600)
    store = remembering(tmp_path)
    reads = disk.reads
    assert await store.get("s1") == b"{}"
    assert await store.get("s1") == b"{}"
    assert await store.exists("s1") and await store.expires_in("s1") == 3600 - 1
    assert disk.reads - reads == 1


async def test_written_through_so_a_restart_keeps_the_session(tmp_path: Path, disk: Disk) -> None:
    store = remembering(tmp_path)
    await store.set("s1", '{"uid": "1"}', expires_in=3600)
    assert disk.writes == 1
    assert await remembering(tmp_path).get("s1") == b'{"uid": "1"}'  # the next process
    assert await FileStore(tmp_path).get("s1") == b'{"uid": "1"}'  # in litestar's own file format


async def test_an_unchanged_session_is_rewritten_only_when_its_expiry_moves_a_minute(tmp_path: Path, disk: Disk,
                                                                                   frozen: type[FrozenNow]) -> None:
    store = remembering(tmp_path)
    await store.set("s1", b"same", expires_in=3600)
    frozen.advance(seconds=30)
    await store.set("s1", b"same", expires_in=3600)
    assert disk.writes == 1
    assert await store.expires_in("s1") == 3600 - 30 == await FileStore(tmp_path).expires_in("s1")
    frozen.advance(seconds=31)
    await store.set("s1", b"same", expires_in=3600)
    assert disk.writes == 2 and await FileStore(tmp_path).expires_in("s1") == 3600
    await store.set("s1", b"changed", expires_in=3600)
    await store.set("s1", b"changed", expires_in=60)  # a shorter life is never skipped
    assert disk.writes == 4 and await FileStore(tmp_path).expires_in("s1") == 60
    strict = remembering(tmp_path, rewrite_after=timedelta(0))
    await strict.set("s2", b"same", expires_in=3600)
    frozen.advance(seconds=1)
    await strict.set("s2", b"same", expires_in=3600)
    assert disk.writes == 6


async def test_an_expired_session_is_gone_as_with_the_file_store(tmp_path: Path, frozen: type[FrozenNow]) -> None:
    store = remembering(tmp_path)
    await store.set("s1", b"{}", expires_in=10)
    assert await store.get("s1") == b"{}"
    frozen.advance(seconds=10)
    assert await store.get("s1") is None
    assert not await store.exists("s1") and await store.expires_in("s1") is None
    assert not await FileStore(tmp_path).exists("s1")  # the file is removed too


async def test_it_answers_like_the_file_store(tmp_path: Path, frozen: type[FrozenNow]) -> None:
    """The same calls on a plain FileStore and on this one, with the clock moving: the same answers."""

    async def script(store: Any) -> list[Any]:
        seen: list[Any] = []
        await store.set("a", b"A", expires_in=10)
        await store.set("b", "B")
        seen += [await store.get("a"), await store.get("b"), await store.get("missing")]
        seen += [await store.exists("a"), await store.expires_in("a"), await store.expires_in("b")]
        frozen.advance(seconds=5)
        seen += [await store.get("a", renew_for=100), await store.expires_in("a")]
        seen += [await store.get("b", renew_for=100), await store.expires_in("b")]  # no expiry: nothing to renew
        frozen.advance(seconds=20)  # past the first expiry, within the renewed one
        seen += [await store.get("a"), await store.expires_in("a")]
        await store.delete("b")
        await store.delete("never-there")
        seen += [await store.get("b"), await store.exists("b")]
        await store.set("c", b"C", expires_in=timedelta(seconds=1))
        frozen.advance(seconds=2)
        seen += [await store.exists("c"), await store.expires_in("c"), await store.get("c"), await store.exists("c")]
        await store.delete_expired()
        await store.delete_all()
        seen += [await store.get("a"), await store.exists("a")]
        return seen

    frozen.moment = NOW
    expected = await script(FileStore(tmp_path / "plain", create_directories=True))
    frozen.moment = NOW
    store = remembering(tmp_path / "remembering")
    async with store:
        assert await script(store) == expected
    assert expected[:6] == [b"A", b"B", None, True, 10, -1]


async def test_a_deleted_session_stays_deleted(tmp_path: Path, disk: Disk) -> None:
    store = remembering(tmp_path)
    await store.set("s1", b"{}", expires_in=3600)
    assert await store.get("s1") == b"{}"
    await store.delete("s1")
    assert await store.get("s1") is None
    assert await remembering(tmp_path).get("s1") is None


async def test_memory_is_bounded_and_the_least_recent_is_read_again(tmp_path: Path, disk: Disk) -> None:
    store = remembering(tmp_path, max_entries=2)
    for key in ("s1", "s2", "s3"):
        await store.set(key, key.encode(), expires_in=3600)
    reads = disk.reads
    assert await store.get("s3") == b"s3" and await store.get("s2") == b"s2"
    assert disk.reads == reads  # the two most recent are in memory
    assert await store.get("s1") == b"s1"
    assert disk.reads == reads + 1  # the oldest was let go, and is still on disk


async def test_a_slow_read_never_brings_back_a_session_deleted_meanwhile(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    await remembering(tmp_path).set("s1", b"{}", expires_in=3600)
    store = remembering(tmp_path)
    reading, go_on = asyncio.Event(), asyncio.Event()
    read_bytes = anyio.Path.read_bytes

    async def slow_read(path: anyio.Path) -> bytes:
        reading.set()
        await go_on.wait()
        return await read_bytes(path)

    monkeypatch.setattr(anyio.Path, "read_bytes", slow_read)
    read = asyncio.create_task(store.get("s1"))
    await reading.wait()
    delete = asyncio.create_task(store.delete("s1"))  # sign-out while the first request still reads the file
    await asyncio.sleep(0)
    go_on.set()
    await asyncio.gather(read, delete)
    assert await store.get("s1") is None


def test_redis_when_configured_else_the_files(tmp_path: Path) -> None:
    files = Settings.from_env(var_dir=tmp_path, redis_url="", secret_key="k" * 40)
    assert isinstance(session_store(files), RememberingFileStore)
    shared = Settings.from_env(var_dir=tmp_path, redis_url="redis://127.0.0.1:6379/7", secret_key="k" * 40)
    assert isinstance(session_store(shared), RedisStore)


# -- through the app ----------------------------------------------------------------------------------------------

async def test_signed_in_requests_read_and_write_no_session_file(client, world, app, disk: Disk) -> None:
    await login_as(client, world.a, "admin")
    sessions = Path(app.state.settings.var_dir) / "sessions"
    cookie = client.cookies.get("regie_session")
    reads, writes = disk.reads, disk.writes
    for _ in range(3):
        assert (await client.get("/t/acme/")).status_code == 200
    assert (disk.reads - reads, disk.writes - writes) == (0, 0)
    stored = await remembering(sessions).get(cookie)  # what the next process would find
    assert stored is not None and str(world.a.users["admin"].id).encode() in stored
    response = await post_form(client, "/t/acme/logout", {}, follow_redirects=False)
    assert response.status_code == 303
    assert await remembering(sessions).get(cookie) is None
