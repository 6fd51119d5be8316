"""Killed workers: the messages a `regie worker` had taken reach a live worker again, on Redis and on RabbitMQ.

Each fault test runs two real `regie worker` processes on the test's PostgreSQL database: worker A takes a long
monitoring import and is frozen (SIGSTOP) after its first chunk while worker B starts; then A works on until it
has beaten again and gets `kill -9`. The import must run again on B and end with every row imported exactly once.
RabbitMQ redelivers when A's connection drops. On Redis the suite does not wait out the 30-second heartbeat
timeout: right after the kill it dates A's last heartbeat back, so what is checked is that B's maintenance finds
the dead worker's messages and hands them out. The real timing on both brokers, without that shortcut, is
measured by `tests/bench/test_worker_redelivery_bench.py`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.jobs.broker import HEARTBEAT_TIMEOUT_MS, MAINTENANCE_SECONDS, Maintenance, build_broker
from core.jobs.models import JobProgress, OutboxMessage
from core.settings import Settings
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import ImportRun, Mention, Source
from plugins.monitoring.sources.imports import CHUNK
from tests.conftest import REDIS_URL, unavailable
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import World

RABBIT_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")
ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("WORKER_FAULT_ROWS", "8000"))
"""Rows in the import: several chunks, so worker A is caught in the middle."""
QUEUES = ("default", "mail")
LIMIT = 60.0
"""Seconds within which a dead worker's messages must be worked again."""


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)


def require_rabbitmq() -> None:
    import pika

    try:
        pika.BlockingConnection(pika.URLParameters(RABBIT_URL + "?socket_timeout=2&connection_attempts=1")).close()
    except Exception as exc:  # noqa: BLE001
        unavailable("RabbitMQ", exc)


@contextmanager
def rabbitmq_exclusive() -> Iterator[None]:
    """Hold the test RabbitMQ vhost alone: its queues (`default`, `mail`) are shared by every process using it,
    so two pytest-xdist workers (or two runs) would take or purge each other's messages. A file lock per URL."""
    digest = hashlib.sha256(RABBIT_URL.encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"regie-test-rabbitmq-{digest}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def purge(settings: Settings) -> None:
    """Empty the job queues on the broker, so no earlier test's messages are worked here."""
    broker = build_broker(settings)
    try:
        for queue in QUEUES:
            if settings.broker_url.startswith("amqp"):
                broker.declare_queue(queue, ensure=True)  # type: ignore[call-arg]
            else:
                broker.declare_queue(queue)
        broker.flush_all()
    finally:
        broker.close()


# ------------------------------------------------------------------ the scenario


@dataclass
class Figures:
    redelivered: float
    """Seconds from the kill until the import ran again (its first write on the live worker)."""
    finished: float
    """Seconds from the kill until the import was done."""
    rows_before_kill: int
    requeued: float | None = None
    """Redis: seconds from the kill until the message left the dead worker's hands (back on its queue)."""
    silent_before_kill: float | None = None
    """Redis: seconds between the dead worker's last heartbeat and the kill."""


def _csv(rows: int) -> bytes:
    lines = ["id,created_at,text,screen_name"]
    lines += [f"r{i},2026-01-05T09:{i % 60:02d}:00Z,Acme bericht nummer {i} over levering {i * 7},@klant{i}"
              for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


async def queue_import(sessionmaker: async_sessionmaker[AsyncSession], world: World, rows: int) -> tuple[UUID, UUID]:
    """An import of `rows` valid rows, queued through the outbox as the import page does; only a worker's relay
    sends it (no after-commit nudge in this process)."""
    await activate_monitoring(sessionmaker, world.a)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            source = Source(name="Export", kind="import", source_type="microblog")
            session.add(source)
            await session.flush()
            run = ImportRun(source_id=source.id, file_name="export.csv", file_format="csv", data=_csv(rows),
                            status="queued", total_rows=rows,
                            mapping={"external_id": "id", "published_at": "created_at", "body": "text",
                                     "author_handle": "screen_name"})
            progress = JobProgress(kind="monitoring.import", title="export.csv", total=rows, status="queued")
            session.add_all([run, progress])
            await session.flush()
            run.progress_id = progress.id
            session.add(OutboxMessage(actor="monitoring.import", payload={
                "tenant_id": str(world.a.id), "import_id": str(run.id), "progress_id": str(progress.id)}))
            return run.id, progress.id


async def import_state(sessionmaker: async_sessionmaker[AsyncSession], world: World, run_id: UUID,
                       progress_id: UUID) -> tuple[ImportRun, JobProgress]:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            run = await session.get(ImportRun, run_id)
            progress = await session.get(JobProgress, progress_id)
            assert run is not None and progress is not None
            return run, progress


class WorkerProcess:
    """A real `regie worker` process with its output in a file."""

    def __init__(self, settings: Settings, name: str) -> None:
        self.log_path = settings.var_dir / f"worker-{name}.log"
        env = {**os.environ, "DATABASE_URL": settings.database_url, "BROKER_URL": settings.broker_url,
               "SECRET_KEY": settings.secret_key, "REGIE_VAR_DIR": str(settings.var_dir),
               "REGIE_DB_ROLE": settings.db_role, "REDIS_URL": "", "SMTP_URL": "", "PYTHONUNBUFFERED": "1"}
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", "core.cli.main", "worker", "--threads", "2",
                                      "--relay-interval", "1"], env=env, cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log_path.read_text()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while "Worker running" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("worker did not start:\n" + self.output()[-3000:])
            time.sleep(0.1)

    def freeze(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def holder_of(settings: Settings, actor_name: str) -> tuple[str, str]:
    """Redis: (worker id, key of its set of unacknowledged messages) of the worker holding a message of
    `actor_name` (the keys are dramatiq's, namespace `regie`)."""
    import redis

    client = redis.Redis.from_url(settings.broker_url)
    prefix = "regie:__acks__."
    for key in client.scan_iter(prefix + "*"):
        worker_id, queue = key.decode()[len(prefix):].split(".", 1)
        for message_id in client.smembers(key):
            data = client.hget(f"regie:{queue}.msgs", message_id) or b""
            if f'"actor_name":"{actor_name}"'.encode() in data.replace(b" ", b""):
                return worker_id, key.decode()
    raise AssertionError(f"no worker holds a {actor_name} message")


def last_heartbeat(settings: Settings, worker_id: str) -> float:
    """Redis: when the worker last beat (seconds since the epoch)."""
    import redis

    score = redis.Redis.from_url(settings.broker_url).zscore("regie:__heartbeats__", worker_id)
    assert score is not None
    return score / 1000


def date_back_heartbeat(settings: Settings, worker_id: str) -> None:
    """Redis: set a worker's last heartbeat to the epoch, as if the heartbeat timeout had passed."""
    import redis

    redis.Redis.from_url(settings.broker_url).zadd("regie:__heartbeats__", {worker_id: 0})


def _exists(settings: Settings, key: str) -> bool:
    import redis

    return bool(redis.Redis.from_url(settings.broker_url).exists(key))


async def _async(value: Any) -> Any:
    return value


async def _poll(check: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


async def kill_a_worker_mid_import(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], world: World,
                                   *, date_back: bool = False, rows: int = ROWS, wait: float = LIMIT + 30) -> Figures:
    """Worker A takes the import, B starts, A is killed halfway; the import must finish on B, each row once."""
    redis = settings.broker_url.startswith("redis")
    purge(settings)
    run_id, progress_id = await queue_import(sessionmaker, world, rows)
    a = WorkerProcess(settings, "a")
    b: WorkerProcess | None = None
    try:
        a.wait_ready()

        async def a_is_halfway() -> bool:
            _run, progress = await import_state(sessionmaker, world, run_id, progress_id)
            assert progress.status != "done", "the import ended before the worker was killed: raise ROWS"
            return progress.status == "running" and progress.done >= CHUNK

        await _poll(a_is_halfway, 120, "worker A to import a first chunk", interval=0.05)
        a.freeze()  # A keeps the message while B starts, so the import cannot end before the kill
        b = WorkerProcess(settings, "b")
        b.wait_ready()
        holder = holder_of(settings, "monitoring.import") if redis else None
        thawed = time.time()
        a.thaw()  # A works and beats again: the kill hits a live, busy worker
        if holder is not None:
            await _poll(lambda: _async(last_heartbeat(settings, holder[0]) > thawed), 10, "worker A to beat again",
                        interval=0.02)
        else:
            await asyncio.sleep(0.2)
        run, progress = await import_state(sessionmaker, world, run_id, progress_id)
        assert progress.status == "running", "the import ended before the worker was killed: raise ROWS"
        rows_before_kill = progress.done
        killed_at, killed_wall = time.monotonic(), datetime.now(UTC)
        a.kill()
        figures = Figures(0.0, 0.0, rows_before_kill)
        if holder is not None:
            figures.silent_before_kill = killed_wall.timestamp() - last_heartbeat(settings, holder[0])
            if date_back:
                date_back_heartbeat(settings, holder[0])

        async def touched_again() -> datetime | None:
            # A is dead: a later write to the run or its progress bar is the import running again elsewhere
            if holder is not None and figures.requeued is None and not _exists(settings, holder[1]):
                figures.requeued = time.monotonic() - killed_at
            run, progress = await import_state(sessionmaker, world, run_id, progress_id)
            stamps = [run.updated_at, progress.updated_at]
            later = [s for s in stamps if s > killed_wall]
            return min(later) if later else None

        # a generous bound: only a message that never comes back (or the old minutes) breaks it
        rerun_at = await _poll(touched_again, wait, "the import to run again on worker B", interval=0.1)
        figures.redelivered = (rerun_at - killed_wall).total_seconds()

        async def finished() -> bool:
            _run, progress = await import_state(sessionmaker, world, run_id, progress_id)
            return progress.finished

        await _poll(finished, 300, "the import to finish on worker B", interval=0.5)
        figures.finished = time.monotonic() - killed_at
        run, progress = await import_state(sessionmaker, world, run_id, progress_id)
    finally:
        a.stop()
        if b is not None:
            b.stop()
        purge(settings)
    print(f"\n{settings.broker_url.split(':')[0]}: kill -9 at {rows_before_kill}/{rows} rows"
          + (f", {figures.silent_before_kill:.1f} s after its last heartbeat" if holder else "")
          + (f"; message back on the queue after {figures.requeued:.1f} s" if figures.requeued is not None else "")
          + f"; the import ran again after {figures.redelivered:.1f} s and was done after {figures.finished:.1f} s "
          f"(imported {run.imported}, duplicates {run.duplicates})")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            mentions = await session.scalar(select(func.count()).select_from(Mention))
    assert (progress.status, progress.error) == ("done", ""), b.output()[-3000:] if b else ""
    assert mentions == rows, "every row of the export is a mention, once"
    assert (run.status, run.total_rows, run.error) == ("done", rows, "")
    assert (run.imported, run.duplicates) == (rows, 0), \
        "the resumed run counts the rows the killed worker had imported as imported, not as duplicates"
    assert (progress.done, progress.total) == (rows, rows)
    return figures


# ------------------------------------------------------------------ the suite's checks


def test_redis_workers_beat_and_requeue_within_a_bounded_time(tmp_path: Path) -> None:
    """The Redis broker counts a silent worker dead after 30 s, and each worker runs maintenance every 5 s, so
    a dead worker's messages are back well within a minute (dramatiq's defaults: 60 s and 0.1 % chance)."""
    settings = Settings.from_env(var_dir=tmp_path, broker_url=REDIS_URL, secret_key="k" * 40)
    broker = build_broker(settings)
    try:
        assert broker.heartbeat_timeout == HEARTBEAT_TIMEOUT_MS == 30_000  # type: ignore[attr-defined]
        [maintenance] = [m for m in broker.middleware if isinstance(m, Maintenance)]
        assert maintenance.interval == MAINTENANCE_SECONDS == 5.0
        assert HEARTBEAT_TIMEOUT_MS / 1000 + MAINTENANCE_SECONDS + 1 <= LIMIT  # + one idle fetch interval
        # several missed beats before a busy, live worker could be taken for dead
        assert HEARTBEAT_TIMEOUT_MS / 1000 >= 5 * MAINTENANCE_SECONDS
    finally:
        broker.close()


def test_rabbitmq_consumers_ask_for_a_short_heartbeat(tmp_path: Path) -> None:
    """A worker that cannot close its connection (lost host, frozen) is given up after about three heartbeats: its
    consumers ask for 10 s unless BROKER_URL says otherwise (the server's default of 60 s took three minutes).
    Publishing connections, idle between jobs, keep the server's heartbeat (a short one would drop them)."""
    from core.jobs.broker import AMQP_HEARTBEAT_SECONDS, with_amqp_heartbeat

    assert AMQP_HEARTBEAT_SECONDS == 10 and 3 * AMQP_HEARTBEAT_SECONDS <= LIMIT
    assert with_amqp_heartbeat("amqp://u:p@mq:5672") == "amqp://u:p@mq:5672?heartbeat=10"
    assert with_amqp_heartbeat("amqp://u:p@mq:5672/regie?channel_max=9") == \
        "amqp://u:p@mq:5672/regie?channel_max=9&heartbeat=10"
    assert with_amqp_heartbeat("amqp://mq/v?heartbeat=30") == "amqp://mq/v?heartbeat=30"  # the operator's choice
    assert with_amqp_heartbeat("amqp://a/v;amqp://b/v?heartbeat=5") == "amqp://a/v?heartbeat=10;amqp://b/v?heartbeat=5"
    settings = Settings.from_env(var_dir=tmp_path, broker_url="amqp://guest:guest@127.0.0.1:5672/regie",
                                 secret_key="k" * 40)
    broker: Any = build_broker(settings)  # connects lazily: no server needed
    assert (broker.consumer_parameters.heartbeat, broker.consumer_parameters.virtual_host) == (10, "regie")
    assert (broker.parameters.heartbeat, broker.parameters.virtual_host) == (None, "regie")  # None: the server's


def test_regie_worker_takes_no_more_messages_than_it_can_run(tmp_path: Path) -> None:
    """Per queue, `regie worker` holds at most one message per thread (dramatiq: two), so messages do not wait in a
    busy worker while another is idle, and fewer wait for redelivery when it dies; delayed ones are unchanged."""
    from core.jobs.runtime import external_worker

    settings = Settings.from_env(var_dir=tmp_path, broker_url=REDIS_URL, secret_key="k" * 40)
    broker = build_broker(settings)
    try:
        worker = external_worker(broker, threads=3)
        assert (worker.worker_threads, worker.queue_prefetch, worker.delay_prefetch) == (3, 3, 3000)
    finally:
        broker.close()


def test_maintenance_hands_a_dead_workers_message_to_a_live_worker(tmp_path: Path, restore_broker: None) -> None:
    """A message taken by a worker that died is worked by another worker once the dead one is past its timeout,
    without any other traffic on the queue (dramatiq alone would wait for a 0.1 % chance)."""
    import uuid

    import dramatiq
    import redis
    from dramatiq import Worker

    from core.jobs import actors
    from core.mail import outbox

    require_redis()
    settings = Settings.from_env(var_dir=tmp_path, broker_url=REDIS_URL, secret_key="k" * 40)
    dead = build_broker(settings)
    dramatiq.set_broker(dead)
    actors.declare(dead, settings)
    dead.flush_all()
    message_id = str(uuid.uuid4())
    actors.actor("core.send_mail").send(message_id=message_id, to="wees@example.nl", subject="Opnieuw", text="-")
    consumer = dead.consume("mail", prefetch=1, timeout=100)
    taken = next(m for m in consumer if m is not None)  # the "dead" worker took it and will never ack
    assert taken.kwargs["message_id"] == message_id
    client = redis.Redis.from_url(REDIS_URL)
    client.zadd("regie:__heartbeats__", {dead.broker_id: 0})  # silent since long before the timeout
    live = build_broker(settings)
    dramatiq.set_broker(live)
    actors.declare(live, settings)
    worker = Worker(live, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        deadline = time.monotonic() + 30  # generous: one maintenance round (5 s) is what it takes
        while not outbox(settings) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop(timeout=5000)
        live.flush_all()
        live.close()
        dead.close()
    assert [(m["id"], m["to"]) for m in outbox(settings)] == [(message_id, "wees@example.nl")]
    assert not client.exists(f"regie:__acks__.{dead.broker_id}.mail"), "the dead worker holds nothing anymore"


@pytest.mark.postgresql_only
async def test_killed_redis_worker_import_finishes_on_another_worker(
        settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    require_redis()
    fault = dataclasses.replace(settings, broker_url=REDIS_URL)
    figures = await kill_a_worker_mid_import(fault, sessionmaker, world, date_back=True)
    assert figures.redelivered <= LIMIT  # generous: one maintenance round (5 s) after the dating back


@pytest.mark.postgresql_only
async def test_killed_rabbitmq_worker_import_finishes_on_another_worker(
        settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    require_rabbitmq()
    fault = dataclasses.replace(settings, broker_url=RABBIT_URL)
    with rabbitmq_exclusive():
        figures = await kill_a_worker_mid_import(fault, sessionmaker, world)
    assert figures.redelivered <= LIMIT  # generous: RabbitMQ requeues as the connection drops
