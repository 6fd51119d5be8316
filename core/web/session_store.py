"""Where server-side sessions live: Redis when REDIS_URL is set, else files under var/sessions with a copy in
memory.

Litestar reads the session at the start of every request and writes it back with every response. On files
alone that is a thread hop and a disk read and write per request. `RememberingFileStore` keeps the sessions it
has seen in memory (the most recently used `MAX_SESSIONS`), reads a file only for a session it does not hold,
and writes one only when the value changes or its expiry would move by more than `REWRITE_AFTER`. The files
remain the record, so sessions survive a restart. The copy is only right while one process serves the sessions:
several web processes (`regie serve --workers N`) share them in Redis.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import timedelta
from types import TracebackType

from anyio import Lock
from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

from core.settings import Settings

MAX_SESSIONS = 4096
"""Sessions kept in memory (a few hundred bytes each); the least recently used ones are read from disk again."""
REWRITE_AFTER = timedelta(seconds=60)
"""An unchanged session is written again only when its expiry moves by more than this: an active session's
file is rewritten about once a minute, not with every response. Its expiry on disk trails by at most this
much, a rounding that is negligible next to the session's lifetime (hours)."""
LOCK_STRIPES = 64


def session_store(settings: Settings) -> Store:
    """Redis when REDIS_URL is set (shared by every web process), else the files with a copy in memory."""
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="regie-sessions")
    return RememberingFileStore(FileStore(settings.var_dir / "sessions", create_directories=True))


class RememberingFileStore(Store):
    """A `FileStore` read through, written through and deleted through an in-memory copy.

    The copy holds exactly what the files hold (value and expiry), so `get` answers as the `FileStore` would,
    expired entries included: None, and the file is removed. Loading, writing and deleting one key take that
    key's lock, so a slow read can never put back a value that was replaced or deleted meanwhile.
    """

    __slots__ = ("_entries", "_files", "_locks", "max_entries", "rewrite_after")

    def __init__(self, files: FileStore, *, max_entries: int = MAX_SESSIONS,
                 rewrite_after: timedelta = REWRITE_AFTER) -> None:
        self._files = files
        self._entries: OrderedDict[str, StorageObject] = OrderedDict()
        self._locks = tuple(Lock() for _ in range(LOCK_STRIPES))
        self.max_entries = max_entries
        self.rewrite_after = rewrite_after

    async def __aenter__(self) -> None:
        await self._files.__aenter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                        exc_tb: TracebackType | None) -> None:
        await self._files.__aexit__(exc_type, exc_val, exc_tb)

    def _lock(self, key: str) -> Lock:
        digest = hashlib.blake2s(key.encode(), digest_size=2).digest()
        return self._locks[int.from_bytes(digest, "big") % LOCK_STRIPES]

    def _remember(self, key: str, entry: StorageObject) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def _load(self, key: str) -> StorageObject | None:
        """The entry from memory, else from its file (and then remembered)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry
        async with self._lock(key):
            entry = self._entries.get(key)  # loaded or written while this one waited for the lock
            if entry is None:
                entry = await self._files._load_from_path(self._files._path_from_key(key))
                if entry is None:
                    return None
            self._remember(key, entry)
            return entry

    async def _put(self, key: str, data: bytes, expires_in: int | timedelta | None) -> None:
        """Write through, unless the file already holds this value with (nearly) this expiry. Holds the key's lock."""
        entry = StorageObject.new(data=data, expires_in=expires_in)
        known = self._entries.get(key)
        if known is not None and known.data == data and self._close_enough(known, entry):
            self._entries.move_to_end(key)
            return
        await self._files.path.mkdir(exist_ok=True)
        await self._files._write(self._files._path_from_key(key), entry)
        self._remember(key, entry)

    def _close_enough(self, known: StorageObject, entry: StorageObject) -> bool:
        if known.expires_at is None or entry.expires_at is None:
            return known.expires_at == entry.expires_at
        return timedelta(0) <= entry.expires_at - known.expires_at <= self.rewrite_after

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode("utf-8") if isinstance(value, str) else value
        async with self._lock(key):
            await self._put(key, data, expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        entry = await self._load(key)
        if entry is None:
            return None
        if entry.expired:
            await self.delete(key)
            return None
        if renew_for and entry.expires_at:
            async with self._lock(key):
                await self._put(key, entry.data, renew_for)
        return entry.data

    async def delete(self, key: str) -> None:
        async with self._lock(key):
            self._entries.pop(key, None)
            await self._files.delete(key)

    async def delete_all(self) -> None:
        self._entries.clear()
        await self._files.delete_all()

    async def delete_expired(self) -> None:
        """Remove expired entries from memory and from disk (the files of sessions not in memory too)."""
        for key in [key for key, entry in self._entries.items() if entry.expired]:
            self._entries.pop(key, None)
        await self._files.delete_expired()

    async def exists(self, key: str) -> bool:
        return key in self._entries or await self._files.exists(key)

    async def expires_in(self, key: str) -> int | None:
        entry = self._entries.get(key)
        return entry.expires_in if entry is not None else await self._files.expires_in(key)
