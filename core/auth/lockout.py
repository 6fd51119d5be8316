"""Failed sign-ins: a lock per (account, client address) and a slower back-off for the whole account.

A lock of the whole account after a few failures lets anyone who knows an e-mail address lock its owner out.
So (OWASP's advice) the hard lock is per client address, and the account as a whole only slows down:

- **Per address.** `lockout_failures` (5) failures for one account from one client address within
  `lockout_window_minutes` (15) refuse that account *from that address* for `lockout_minutes` (15). Other
  addresses are not affected. An IPv6 address counts per /64 (one subscriber's whole prefix).
- **Per account.** Failures from all addresses together are counted until the account has had none for
  `backoff_quiet_minutes` (60). From the `backoff_failures`-th (20th) on, each failure makes the account's next
  attempt wait `backoff_first_seconds` (15 s), doubled per further failure, at most `backoff_max_seconds`
  (5 min): 15 s, 30 s, 1 min, 2 min, 4 min, then 5 min each. So many addresses together get about 20 guesses,
  then at most 12 an hour; the owner waits minutes, never a fixed lock, and gets a mail with an unlock link.

An attempt while refused is not checked and not counted. The rules are the pure functions below; a known
account keeps its counts in the database (`LoginFailure` rows and three columns of `User`), an unknown e-mail
address in `core.auth.ghosts` (Redis or memory), through the same functions, so both answer alike.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import security
from core.auth.models import LoginFailure, User

COUNTED = frozenset({"wrong_password", "unknown_email", "wrong_code"})
"""Refusal kinds that count as a failure (a refusal while locked, an inactive account etc. do not)."""


@dataclass(frozen=True)
class Count:
    """One counter: failures, when it started (per address) or last moved (per account), refused until."""

    failures: int = 0
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """What one counted failure did."""

    locked: bool = False
    """This failure locked the account for this address."""
    delay: int = 0
    """Seconds the account's next attempt must now wait (0: no back-off)."""
    failures: int = 0
    """The account's failures from all addresses so far."""


def address_key(address: str | None) -> str:
    """The client address as counted: an IPv6 address by its /64, anything else as given (at most 64 chars)."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _active(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


def refusal(address: Count, account: Count, now: datetime) -> str | None:
    """Why an attempt from this address is refused now: `locked` (this address), `throttled` (the account's
    back-off), or None."""
    if _active(address.until, now):
        return "locked"
    if _active(account.until, now):
        return "throttled"
    return None


def address_failure(count: Count, now: datetime, settings: Any) -> tuple[Count, bool]:
    """Count a failure from one address; True when it locks the account for that address now."""
    failures, since = count.failures, count.since
    if since is None or now - since > timedelta(minutes=settings.lockout_window_minutes):
        failures, since = 0, now
    failures += 1
    if failures >= settings.lockout_failures:
        return Count(0, None, now + timedelta(minutes=settings.lockout_minutes)), True
    return Count(failures, since, count.until), False


def backoff_seconds(failures: int, settings: Any) -> int:
    """The wait after the account's `failures`-th failure (0 below the threshold)."""
    if failures < settings.backoff_failures:
        return 0
    doublings = min(failures - settings.backoff_failures, 20)
    return int(min(settings.backoff_max_seconds, settings.backoff_first_seconds * 2 ** doublings))


def account_failure(count: Count, now: datetime, settings: Any) -> tuple[Count, int]:
    """Count a failure of the account (any address); the back-off in seconds it starts (0: none)."""
    failures, last = count.failures, count.since
    if last is None or now - last > timedelta(minutes=settings.backoff_quiet_minutes):
        failures = 0
    failures += 1
    delay = backoff_seconds(failures, settings)
    return Count(failures, now, now + timedelta(seconds=delay) if delay else count.until), delay


def address_expiry(count: Count, settings: Any) -> datetime:
    """When an address's count stops mattering: its window has passed and any lock has ended."""
    moments = [m for m in (count.until,) if m is not None]
    if count.since is not None:
        moments.append(count.since + timedelta(minutes=settings.lockout_window_minutes))
    return max(moments) if moments else security.clock()


def account_expiry(settings: Any) -> int:
    """Seconds an account's count may matter after its last failure (for stores that expire keys)."""
    return settings.backoff_quiet_minutes * 60 + settings.backoff_max_seconds + 60


# ---------------------------------------------------------------- known accounts (the database)


def _account_count(user: User) -> Count:
    return Count(int(user.failed_logins or 0), user.failed_login_at, user.locked_until)


async def _row(session: AsyncSession, user: User, address: str) -> LoginFailure | None:
    return await session.scalar(select(LoginFailure).where(LoginFailure.user_id == user.id,
                                                           LoginFailure.address == address_key(address)))


async def refusal_for(session: AsyncSession, user: User, address: str) -> str | None:
    """Why this account is refused from this address now (see `refusal`)."""
    row = await _row(session, user, address)
    here = Count(row.failures, row.first_failure_at, row.locked_until) if row is not None else Count()
    return refusal(here, _account_count(user), security.clock())


async def count_failure(session: AsyncSession, user: User, address: str, settings: Any) -> Outcome:
    """Count one failure of `user` from `address`. The caller holds the user row (SELECT … FOR UPDATE)."""
    now = security.clock()
    await session.execute(delete(LoginFailure).where(LoginFailure.expires_at < now)
                          .execution_options(synchronize_session=False))
    row = await _row(session, user, address)
    if row is None:
        row = LoginFailure(user_id=user.id, address=address_key(address), failures=0, expires_at=now)
        session.add(row)
    here, locked = address_failure(Count(row.failures, row.first_failure_at, row.locked_until), now, settings)
    row.failures, row.first_failure_at, row.locked_until = here.failures, here.since, here.until
    row.expires_at = address_expiry(here, settings)
    account, delay = account_failure(_account_count(user), now, settings)
    user.failed_logins, user.failed_login_at, user.locked_until = account.failures, account.since, account.until
    await session.flush()
    return Outcome(locked=locked, delay=delay, failures=account.failures)


async def forgive(session: AsyncSession, user: User, address: str) -> None:
    """A right sign-in from this address: its count and the account's count start over (other addresses'
    locks stay). Only marked in the session, written at its flush: a refusal after the password (an
    organisation without passwords) counts in another transaction, which must not wait for this one."""
    if (row := await _row(session, user, address)) is not None:
        await session.delete(row)
    if user.failed_logins or user.failed_login_at is not None or user.locked_until is not None:
        user.failed_logins, user.failed_login_at, user.locked_until = 0, None, None


async def clear(session: AsyncSession, user: User) -> None:
    """Every count of the account, from every address (unlock link, password reset)."""
    await session.execute(delete(LoginFailure).where(LoginFailure.user_id == user.id)
                          .execution_options(synchronize_session=False))
    user.failed_logins, user.failed_login_at, user.locked_until = 0, None, None
