"""Jobs: the transactional outbox, idempotent mail delivery, and real Redis / RabbitMQ brokers."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import dramatiq
import dramatiq.broker
import pytest
from dramatiq import Worker
from sqlalchemy import select

from core.auth.models import Invitation
from core.jobs import actors
from core.jobs.broker import build_broker
from core.jobs.models import OutboxMessage
from core.jobs.outbox import enqueue, relay, wait_for_relays
from core.jobs.runtime import start_in_process_worker, stop_worker
from core.mail import outbox
from core.settings import Settings
from core.tenancy.scope import tenant_scope
from tests.conftest import REDIS_URL, unavailable
from tests.core.test_worker_faults import rabbitmq_exclusive
from tests.support import login, login_as

RABBIT_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")


def _work(broker: dramatiq.Broker, queue: str = "mail", timeout_ms: int = 30_000) -> None:
    """Run a dramatiq Worker in-process until the queue is drained."""
    worker = Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        broker.join(queue, timeout=timeout_ms)
        worker.join()
    finally:
        worker.stop(timeout=5000)


def _mails(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


# ------------------------------------------------------------------ outbox (embedded stub broker)


async def test_committed_mail_is_relayed_and_delivered_once(app, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = app.state.settings
    broker = app.state.broker
    async with sessionmaker() as session, session.begin():
        message = enqueue(session, "core.send_mail", to="ina@example.nl", subject="Welkom", text="Hallo Ina")
    await wait_for_relays()  # the after-commit nudge
    assert await relay(sessionmaker) == 0, "already sent by the after-commit relay"
    async with sessionmaker() as session:
        row = await session.get(OutboxMessage, message.id)
        assert row is not None and row.dispatched_at is not None and row.attempts == 1

    _work(broker)
    mails = outbox(settings)
    assert [(m["id"], m["to"], m["subject"]) for m in mails] == [(str(message.id), "ina@example.nl", "Welkom")]

    # at-least-once delivery: the same message arrives again → still one mail
    actors.actor("core.send_mail").send(message_id=str(message.id), to="ina@example.nl", subject="Welkom",
                                        text="Hallo Ina")
    _work(broker)
    assert len(outbox(settings)) == 1
    assert len(_mails(settings.outbox_dir)) == 1


async def test_rolled_back_transaction_sends_nothing(app, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    broker = app.state.broker

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with sessionmaker() as session, session.begin():
            enqueue(session, "core.send_mail", to="niemand@example.nl", subject="Nooit", text="-")
            await session.flush()
            raise Boom
    await wait_for_relays()
    assert await relay(sessionmaker) == 0
    async with sessionmaker() as session:
        assert (await session.scalars(select(OutboxMessage))).all() == []
    assert broker.queues.get("mail") is None or broker.queues["mail"].qsize() == 0
    _work(broker)
    assert outbox(app.state.settings) == []


async def test_overlapping_relays_send_every_message_once(app, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    """Relays nudged by commits on different loops overlap; a row goes to the broker once on either database."""
    from sqlalchemy import insert

    async with sessionmaker() as session, session.begin():  # written past `enqueue`: no after-commit nudge
        await session.execute(insert(OutboxMessage), [
            {"actor": "core.send_mail", "payload": {"to": f"p{n}@example.nl", "subject": "Hoi", "text": "-"}}
            for n in range(20)])
    sent = await asyncio.gather(*(relay(sessionmaker) for _ in range(4)))
    assert sum(sent) == 20
    queue = app.state.broker.queues.get("mail")
    sent_to = [dramatiq.Message.decode(m).kwargs["to"] for m in list(queue.queue)] if queue else []
    assert sorted(sent_to) == sorted(f"p{n}@example.nl" for n in range(20))


async def test_relay_keeps_a_message_whose_actor_is_unknown(app, sessionmaker) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session, session.begin():
        message = enqueue(session, "nobody.declared_this", x=1)
    await wait_for_relays()
    async with sessionmaker() as session:
        row = await session.get(OutboxMessage, message.id)
        assert row.dispatched_at is None and row.attempts >= 1 and "nobody.declared_this" in row.last_error


async def test_invitation_mail_end_to_end_embedded(app, client, sessionmaker, world) -> None:  # type: ignore[no-untyped-def]
    """Embedded mode: invite → outbox → after-commit relay → in-process worker → dev mailbox."""
    from core.auth.service import invite, user_principal

    worker = start_in_process_worker(app.state.broker, threads=1)
    try:
        async with sessionmaker() as session, session.begin():
            with tenant_scope(world.a.id):
                await invite(session, user_principal(world.a.users["admin"]), world.a.tenant,
                             "nieuwe.collega@example.nl", "member", None, "http://testserver.local")
        await wait_for_relays()
        app.state.broker.join("mail", timeout=30_000)
        worker.join()
    finally:
        stop_worker(worker)
    mails = outbox(app.state.settings)
    assert len(mails) == 1
    assert mails[0]["to"] == "nieuwe.collega@example.nl"
    assert "Acme BV" in mails[0]["subject"]
    assert f"/t/{world.a.slug}/invitation/" in mails[0]["text"]
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            assert (await session.scalars(select(Invitation.email))).all() == ["nieuwe.collega@example.nl"]
    assert (await client.get("/dev/mailbox", follow_redirects=False)).status_code == 303  # anonymous
    await login_as(client, world.a, "admin")
    assert (await client.get("/dev/mailbox")).status_code == 403  # invitation links are not for members
    client.cookies.clear()
    await login(client, world.mediator.email)
    page = await client.get("/dev/mailbox")
    assert page.status_code == 200
    assert "nieuwe.collega@example.nl" in page.text and "Acme BV" in page.text


# ------------------------------------------------------------------ external brokers


def _broker_round_trip(settings: Settings) -> None:
    broker = build_broker(settings)
    actors.declare(broker, settings)
    broker.flush_all()
    message_id = str(uuid.uuid4())
    send = actors.actor("core.send_mail")
    send.send(message_id=message_id, to="klant@example.nl", subject="Bevestiging", text="Dank u")
    send.send(message_id=message_id, to="klant@example.nl", subject="Bevestiging", text="Dank u")  # redelivery
    try:
        _work(broker)
    finally:
        broker.flush_all()
        broker.close()
    mails = outbox(settings)
    assert [(m["id"], m["to"]) for m in mails] == [(message_id, "klant@example.nl")]


def test_redis_broker_delivers_mail(tmp_path: Path, restore_broker: None) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    settings = Settings.from_env(var_dir=tmp_path, broker_url=REDIS_URL, secret_key="k" * 40)
    broker = build_broker(settings)
    assert type(broker).__name__ == "RegieRedisBroker"
    broker.close()
    _broker_round_trip(settings)


def test_rabbitmq_broker_delivers_mail(tmp_path: Path, restore_broker: None) -> None:
    import pika

    try:
        pika.BlockingConnection(pika.URLParameters(RABBIT_URL + "?socket_timeout=2&connection_attempts=1")).close()
    except Exception as exc:  # noqa: BLE001
        unavailable("RabbitMQ", exc)
    settings = Settings.from_env(var_dir=tmp_path, broker_url=RABBIT_URL, secret_key="k" * 40)
    broker = build_broker(settings)
    assert type(broker).__name__ == "RegieRabbitmqBroker"
    broker.close()
    with rabbitmq_exclusive():  # the fault tests' workers would take this mail
        _broker_round_trip(settings)


def test_no_broker_url_is_an_in_process_stub(tmp_path: Path) -> None:
    settings = Settings.from_env(var_dir=tmp_path, broker_url="", secret_key="k" * 40)
    assert type(build_broker(settings)).__name__ == "StubBroker"
    with pytest.raises(ValueError, match="redis:// or amqp://"):
        build_broker(Settings.from_env(var_dir=tmp_path, broker_url="kafka://x", secret_key="k" * 40))


def test_regie_worker_relays_the_outbox_over_redis(tmp_path: Path, restore_broker: None) -> None:
    """`regie worker`'s loop: scheduler relays a committed outbox row, the worker delivers it, a stop ends it."""
    import asyncio
    import threading
    import time

    import redis

    from core.db.engine import make_engine, make_sessionmaker
    from core.db.migrate import upgrade
    from core.jobs.runtime import run_worker

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    settings = Settings.from_env(var_dir=tmp_path, broker_url=REDIS_URL, secret_key="k" * 40,
                                 database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    upgrade(settings)
    flush = build_broker(settings)
    flush.flush_all()
    flush.close()

    async def write() -> str:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                message = enqueue(session, "core.send_mail", to="wachtrij@example.nl", subject="Via de worker",
                                  text="Hallo")
            return str(message.id)
        finally:
            await engine.dispose()

    message_id = asyncio.run(write())  # committed before the worker starts: only the relay can send it
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(target=run_worker, args=(settings,),
                              kwargs={"threads": 1, "relay_interval": 1, "on_ready": ready.set, "stop_event": stop},
                              daemon=True)
    thread.start()
    try:
        assert ready.wait(60), "worker did not start"
        deadline = time.monotonic() + 60
        while not outbox(settings) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive()
    assert [(m["id"], m["to"]) for m in outbox(settings)] == [(message_id, "wachtrij@example.nl")]


class _Started:
    """Stands in for the in-process worker and the scheduler: records what the web process starts."""

    def __init__(self, log: list[str], what: str) -> None:
        self.log, self.what = log, what

    def start(self) -> None:
        self.log.append(self.what)

    def add_job(self, *args: object, **kwargs: object) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:
        pass

    def stop(self, timeout: int = 0) -> None:
        pass


@pytest.mark.parametrize(("broker_url", "expected"), [("", ["worker", "scheduler"]), (REDIS_URL, [])],
                         ids=["embedded", "with a broker"])  # the URL differs per xdist worker: not in the id
async def test_the_web_process_works_and_schedules_jobs_only_without_a_broker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_broker: None, broker_url: str,
        expected: list[str]) -> None:
    """With a broker `regie worker` works the jobs and sends the periodic ones: several web processes
    (`regie serve --workers N`) would otherwise each send every periodic job."""
    from litestar.testing import AsyncTestClient

    import core.web.app as web_app

    started: list[str] = []

    def worker(broker: object) -> _Started:
        started.append("worker")
        return _Started(started, "unused")

    monkeypatch.setattr(web_app, "start_in_process_worker", worker)
    monkeypatch.setattr(web_app, "build_scheduler", lambda sessionmaker: _Started(started, "scheduler"))
    settings = Settings.from_env(var_dir=tmp_path, broker_url=broker_url, secret_key="k" * 40,
                                 database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    async with AsyncTestClient(app=web_app.create_app(settings)):
        assert started == expected
