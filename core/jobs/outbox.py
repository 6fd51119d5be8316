"""Transactional outbox: `enqueue` writes a row in the caller's transaction; `relay` sends committed rows.

A job is therefore never sent for a change that rolled back, and never lost for one that committed:
the relay runs right after a commit and on a schedule, and actors are idempotent on the outbox id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from core.jobs.models import OutboxMessage
from core.tenancy.scope import cross_tenant

log = logging.getLogger("regie.jobs")
_relay_hooks: list[Any] = []
_relay_target: dict[str, Any] = {}
_relay_by_loop: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


DELAY_KEY = "__delay_ms"
"""Where the payload carries a delay; the relay takes it out and sends the message with that delay."""
DUE_OPTION = "regie_due"
"""Message option: when a delayed message is due (ms since the epoch); dramatiq drops its own `eta` on the way."""


def enqueue(session: AsyncSession, actor: str, *, delay_ms: int | None = None, **payload: Any) -> OutboxMessage:
    """Record a job in the current transaction; it is sent after commit (and run `delay_ms` later)."""
    if delay_ms:
        payload[DELAY_KEY] = int(delay_ms)
    message = OutboxMessage(actor=actor, payload=payload)
    session.add(message)
    session.info["outbox_dirty"] = True
    return message


async def relay(sessionmaker: async_sessionmaker[AsyncSession], limit: int = 100) -> int:
    """Send committed, unsent messages to the broker. Safe to run concurrently: PostgreSQL skips rows another relay
    holds, SQLite lets one relay at a time read."""
    from core.jobs.actors import actor

    sent = 0
    with cross_tenant():
        async with sessionmaker() as session, session.begin():
            query = select(OutboxMessage).where(OutboxMessage.dispatched_at.is_(None)) \
                .order_by(OutboxMessage.created_at).limit(limit)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            else:
                # SQLite has no row locks: a write that changes nothing takes the database's write lock before the
                # read, so overlapping relays (the after-commit nudges of two loops) read one after the other and
                # never send a row twice
                await session.execute(update(OutboxMessage).where(OutboxMessage.id.is_(None))
                                      .values(attempts=OutboxMessage.attempts)
                                      .execution_options(synchronize_session=False))
            for message in (await session.scalars(query)).all():
                message.attempts += 1
                try:
                    payload = dict(message.payload)
                    if message.actor == "core.send_mail":
                        payload.setdefault("message_id", str(message.id))
                    delay = payload.pop(DELAY_KEY, None)
                    options = {"delay": delay, DUE_OPTION: int(time.time() * 1000) + delay} if delay else {}
                    actor(message.actor).send_with_options(kwargs=payload, **options)
                except Exception as exc:  # noqa: BLE001 - keep the row for the next relay
                    message.last_error = str(exc)[:2000]
                    log.warning("outbox relay failed for %s: %s", message.id, exc)
                    continue
                message.dispatched_at = datetime.now(UTC)
                message.payload = {"redacted": True}  # mails carry invitation links: keep no copy
                sent += 1
    return sent


def register_relay_target(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The sessionmaker the after-commit relay uses on the running loop (a job worker thread has its own)."""
    with contextlib.suppress(RuntimeError):
        _relay_by_loop[asyncio.get_running_loop()] = sessionmaker


def install_after_commit_relay(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Nudge the relay after a commit that wrote outbox rows, so jobs leave at once."""
    first = not _relay_target
    _relay_target["sessionmaker"] = sessionmaker
    if not first:
        return

    def _after_commit(session: Session) -> None:
        if not session.info.pop("outbox_dirty", False):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(relay(_relay_by_loop.get(loop) or _relay_target["sessionmaker"]))
        _relay_hooks.append(task)
        task.add_done_callback(_relay_hooks.remove)

    def _after_rollback(session: Session) -> None:
        session.info.pop("outbox_dirty", None)

    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


async def wait_for_relays(timeout: float = 10.0) -> None:
    """Let pending after-commit relays finish (tests, shutdown), also those running on another loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while _relay_hooks and loop.time() < deadline:
        own = [t for t in list(_relay_hooks) if t.get_loop() is loop]
        if own:
            await asyncio.gather(*own, return_exceptions=True)
        else:
            await asyncio.sleep(0.01)
