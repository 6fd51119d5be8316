"""Failed sign-ins for e-mail addresses that have no account ("ghosts"), counted like real accounts.

Without this an attacker could tell which addresses exist: a real account locks per client address and slows
down as a whole (`core.auth.lockout`), an unknown one would not. Both counts are kept here per digest of the
normalised address (and of the client address, for the per-address lock), through the same rule functions
as `user_account`. With `REDIS_URL` set they live in Redis, shared by every web process; without it, in this
process's memory (bounded). Times come from `core.auth.security.clock`, so a frozen test clock moves both
stores alike.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from core.auth import lockout, security
from core.auth.tokens import digest

log = logging.getLogger("regie.security")


def ghost_key(email: str) -> str:
    return digest(email.strip().lower())


def _keys(email: str, address: str) -> tuple[str, str]:
    """(the per-address key, the account-wide key)."""
    account = ghost_key(email)
    return f"{account}:{digest(lockout.address_key(address))}", account


class GhostStore(Protocol):
    async def refusal(self, email: str, address: str) -> str | None:
        """`locked`, `throttled` or None, as `core.auth.lockout.refusal`."""
        ...

    async def fail(self, email: str, address: str, settings: Any) -> lockout.Outcome:
        """Count one failure from `address`."""
        ...


class MemoryGhosts:
    """One process's counts: key → `lockout.Count`. Oldest entries go first."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self.entries: dict[str, lockout.Count] = {}

    async def refusal(self, email: str, address: str) -> str | None:
        here, account = _keys(email, address)
        return lockout.refusal(self.entries.get(here, lockout.Count()), self.entries.get(account, lockout.Count()),
                               security.clock())

    async def fail(self, email: str, address: str, settings: Any) -> lockout.Outcome:
        here_key, account_key = _keys(email, address)
        now = security.clock()
        here, locked = lockout.address_failure(self.entries.get(here_key, lockout.Count()), now, settings)
        account, delay = lockout.account_failure(self.entries.get(account_key, lockout.Count()), now, settings)
        for key, count in ((here_key, here), (account_key, account)):
            self.entries.pop(key, None)  # re-inserted: the newest entries stay longest
            self.entries[key] = count
        while len(self.entries) > self.LIMIT:
            self.entries.pop(next(iter(self.entries)))
        return lockout.Outcome(locked=locked, delay=delay, failures=account.failures)


def _count(raw: dict[bytes, bytes]) -> lockout.Count:
    def moment(name: bytes) -> datetime | None:
        value = raw.get(name)
        return datetime.fromtimestamp(float(value), UTC) if value else None

    return lockout.Count(int(raw.get(b"failures") or 0), moment(b"since"), moment(b"until"))


def _fields(count: lockout.Count) -> dict[str, str]:
    return {"failures": str(count.failures),
            "since": str(count.since.timestamp()) if count.since else "",
            "until": str(count.until.timestamp()) if count.until else ""}


class RedisGhosts:
    """The counts in Redis (a hash per key), shared by every process; they expire on their own.

    Read, apply the rules and write happen in one optimistic transaction (WATCH/MULTI, retried when another
    process changed a key meanwhile), so two processes failing at once cannot both miss the threshold."""

    RETRIES = 20

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

    async def refusal(self, email: str, address: str) -> str | None:
        here, account = (self.prefix + k for k in _keys(email, address))
        client = self._client()
        return lockout.refusal(_count(await client.hgetall(here)), _count(await client.hgetall(account)),
                               security.clock())

    async def fail(self, email: str, address: str, settings: Any) -> lockout.Outcome:
        from redis.exceptions import WatchError

        here_key, account_key = (self.prefix + k for k in _keys(email, address))
        window = settings.lockout_window_minutes * 60 + settings.lockout_minutes * 60 + 60
        async with self._client().pipeline(transaction=True) as pipe:
            for _attempt in range(self.RETRIES):
                try:
                    await pipe.watch(here_key, account_key)
                    now = security.clock()
                    here, locked = lockout.address_failure(_count(await pipe.hgetall(here_key)), now, settings)
                    account, delay = lockout.account_failure(_count(await pipe.hgetall(account_key)), now, settings)
                    pipe.multi()
                    pipe.hset(here_key, mapping=_fields(here))
                    pipe.expire(here_key, window)
                    pipe.hset(account_key, mapping=_fields(account))
                    pipe.expire(account_key, lockout.account_expiry(settings))
                    await pipe.execute()
                    return lockout.Outcome(locked=locked, delay=delay, failures=account.failures)
                except WatchError:
                    continue
        log.warning("ghost count for %s not updated: %s concurrent changes in a row", account_key, self.RETRIES)
        return lockout.Outcome()  # a sign-in for an address without an account: nothing to protect


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
