"""Failed sign-ins for e-mail addresses that have no account ("ghosts"), counted like real accounts.

Without this an attacker could tell which addresses exist: a real account locks after
`lockout_failures` failures, an unknown one would not. The count is kept per digest of the normalised
address, with the same threshold, window and lock period as `user_account`. With `REDIS_URL` set it
lives in Redis, shared by every web process; without it, in this process's memory (bounded).
Times come from `core.auth.security.clock`, so a frozen test clock moves both stores alike.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from core.auth import security
from core.auth.tokens import digest


def ghost_key(email: str) -> str:
    return digest(email.strip().lower())


class GhostStore(Protocol):
    async def locked_until(self, email: str) -> datetime | None: ...

    async def fail(self, email: str, settings: Any) -> bool:
        """Count one failure; True when it locks the address now."""
        ...


class MemoryGhosts:
    """One process's count: digest → (failures, first failure, locked until). Oldest entries go first."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, datetime | None, datetime | None]] = {}

    async def locked_until(self, email: str) -> datetime | None:
        return self.entries.get(ghost_key(email), (0, None, None))[2]

    async def fail(self, email: str, settings: Any) -> bool:
        key, now = ghost_key(email), security.clock()
        count, first, until = self.entries.get(key, (0, None, None))
        if first is None or now - first > timedelta(minutes=settings.lockout_window_minutes):
            count, first = 0, now
        count += 1
        locked = count >= settings.lockout_failures
        self.entries[key] = (0, None, now + timedelta(minutes=settings.lockout_minutes)) if locked \
            else (count, first, until)
        if len(self.entries) > self.LIMIT:
            self.entries.pop(next(iter(self.entries)))
        return locked


_FAIL = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local lock, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local count = tonumber(redis.call('HGET', KEYS[1], 'count')) or 0
local first = tonumber(redis.call('HGET', KEYS[1], 'first'))
if (not first) or now - first > window then count = 0; first = now end
count = count + 1
if count >= limit then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'until', now + lock)
  redis.call('EXPIRE', KEYS[1], ttl)
  return 1
end
redis.call('HSET', KEYS[1], 'count', count, 'first', first)
redis.call('EXPIRE', KEYS[1], ttl)
return 0
"""
"""Count and lock in one atomic step, so two processes failing at once cannot both miss the threshold."""


class RedisGhosts:
    """The count in Redis (a hash per address digest), shared by every process; expires on its own."""

    def __init__(self, url: str, prefix: str = "regie:ghost:") -> None:
        self.url, self.prefix = url, prefix
        self._clients: dict[int, Any] = {}

    def _client(self) -> Any:
        """One client per event loop (a client is bound to the loop it first connected on)."""
        import redis.asyncio as redis

        loop = id(asyncio.get_running_loop())
        if loop not in self._clients:
            if len(self._clients) > 8:
                self._clients.clear()
            self._clients[loop] = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=2)
        return self._clients[loop]

    async def locked_until(self, email: str) -> datetime | None:
        raw = await self._client().hget(self.prefix + ghost_key(email), "until")
        return datetime.fromtimestamp(float(raw), UTC) if raw else None

    async def fail(self, email: str, settings: Any) -> bool:
        window, lock = settings.lockout_window_minutes * 60, settings.lockout_minutes * 60
        script = self._client().register_script(_FAIL)
        locked = await script(keys=[self.prefix + ghost_key(email)],
                              args=[security.clock().timestamp(), window, settings.lockout_failures, lock,
                                    window + lock + 60])
        return bool(locked)


MEMORY = MemoryGhosts()
_redis: dict[str, RedisGhosts] = {}


def ghost_store(settings: Any) -> GhostStore:
    """Redis when the deployment has it (every process sees the same count), else this process's memory."""
    url = getattr(settings, "redis_url", "") if settings is not None else ""
    if not url:
        return MEMORY
    if url not in _redis:
        _redis[url] = RedisGhosts(url)
    return _redis[url]
