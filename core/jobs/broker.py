"""The one broker factory: Redis or RabbitMQ by BROKER_URL, else an in-process stub worked by a thread.

A worker that dies (`kill -9`, out of memory, a lost host) leaves the messages it had taken unacknowledged.
RabbitMQ hands them out again as soon as the worker's connection closes, or, for a worker that cannot close it,
after about three missed heartbeats (`AMQP_HEARTBEAT_SECONDS`). dramatiq's Redis broker does it only in
"maintenance", which by default runs on 0.1 % of broker commands and only for the queue of that command, for
workers silent for a minute: a killed worker's import stayed "running" for minutes. `RegieRedisBroker` and the
`Maintenance` middleware bound it: every worker beats every `MAINTENANCE_SECONDS` and runs maintenance on every
queue, and a worker silent for `HEARTBEAT_TIMEOUT_MS` counts as dead. "Jobs and workers" in docs/operations.md
has the guarantees and the measured figures.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import dramatiq
import pika
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from core.settings import Settings

log = logging.getLogger("regie.jobs")

HEARTBEAT_TIMEOUT_MS = 30_000
"""Redis: a worker without a heartbeat for this long counts as dead and its unacknowledged messages go back
to their queues. Six missed beats (`MAINTENANCE_SECONDS`): a live but busy worker is never taken for dead."""
MAINTENANCE_SECONDS = 5.0
"""Redis: how often each worker beats and requeues dead workers' messages on every queue. A dead worker's
messages are therefore back within HEARTBEAT_TIMEOUT_MS + MAINTENANCE_SECONDS (35 s), plus at most one fetch
interval (1 s) until a live worker takes them."""
AMQP_HEARTBEAT_SECONDS = 10
"""RabbitMQ: the AMQP heartbeat a worker's consumers ask for unless BROKER_URL sets `heartbeat=`. A worker that
dies closes its connections and RabbitMQ requeues its messages at once; a worker that cannot close them (a lost
host, a network split, a frozen process) is given up after about three heartbeats: measured 30 s with 10 s,
178 s with the server's default of 60 s."""


def with_amqp_heartbeat(url: str, seconds: int = AMQP_HEARTBEAT_SECONDS) -> str:
    """BROKER_URL with `heartbeat=seconds` added to each URL (dramatiq takes several, `;`-separated) that sets none."""
    def one(part: str) -> str:
        if "heartbeat=" in part.partition("?")[2]:
            return part
        return f"{part}{'&' if '?' in part else '?'}heartbeat={seconds}"

    return ";".join(one(part) for part in url.split(";"))


class RegieRabbitmqBroker(RabbitmqBroker):
    """dramatiq's RabbitMQ broker whose consumers ask for a heartbeat of `AMQP_HEARTBEAT_SECONDS`.

    Only consumers hold messages, and a consumer thread services its connection all the time, so it answers
    heartbeats. Publishing connections sit idle between jobs and pika answers heartbeats only when it is called:
    with a short heartbeat the server would drop an idle one after half a minute (an error in the log, then a
    reconnect on the next send). They keep the server's heartbeat.
    """

    def __init__(self, *, url: str, **kwargs: Any) -> None:
        super().__init__(url=url, **kwargs)
        parts = [pika.URLParameters(part) for part in with_amqp_heartbeat(url).split(";")]
        self.consumer_parameters = parts if len(parts) > 1 else parts[0]

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> dramatiq.Consumer:
        return self.consumer_class(_AsConsumer(self), queue_name, prefetch, timeout)


class _AsConsumer:
    """The broker as its consumers see it: connecting with `consumer_parameters`."""

    def __init__(self, broker: RegieRabbitmqBroker) -> None:
        self._broker = broker
        self.parameters = broker.consumer_parameters

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)


class RegieRedisBroker(RedisBroker):
    """dramatiq's Redis broker with maintenance on demand (`maintain`), and a heartbeat timeout of 30 s."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("heartbeat_timeout", HEARTBEAT_TIMEOUT_MS)
        super().__init__(**kwargs)

    def _should_do_maintenance(self, command: str) -> int:
        # dramatiq's dispatch script beats and, when asked, requeues dead workers' messages before any command;
        # the command "maintain" does nothing else, and always asks
        return 1 if command == "maintain" else super()._should_do_maintenance(command)

    def maintain(self) -> None:
        """Beat, and requeue the messages of dead workers on every queue this process knows (delay queues too)."""
        for queue_name in sorted(self.queues | self.delay_queues):
            self.do_maintain(queue_name)


class Maintenance(dramatiq.Middleware):
    """Runs `RegieRedisBroker.maintain` on a thread while a worker runs.

    dramatiq beats only when a consumer fetches, and a consumer whose prefetch is full of long jobs does not
    fetch: with a short heartbeat timeout such a busy worker would be taken for dead and its jobs run twice.
    This thread beats regardless of how busy the worker is, and does the maintenance that dramatiq leaves to
    chance. Cost per worker: two small Lua calls per queue every `MAINTENANCE_SECONDS`.
    """

    def __init__(self, interval: float = MAINTENANCE_SECONDS) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        if self._thread is not None or not isinstance(broker, RegieRedisBroker):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(broker,), name="regie-broker-maintenance",
                                        daemon=True)
        self._thread.start()

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        """After the worker's own threads stopped: a worker finishing its jobs still counts as alive."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(self.interval + 5)

    def _run(self, broker: RegieRedisBroker) -> None:
        while True:
            try:
                broker.maintain()
            except Exception as exc:  # noqa: BLE001 - Redis away for a moment: try again next round
                log.warning("broker maintenance failed: %s", exc)
            if self._stop.wait(self.interval):
                return


def _middleware() -> list[dramatiq.Middleware]:
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), CurrentMessage(),
            Retries(min_backoff=1000, max_backoff=60_000, max_retries=10)]


def build_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if url.startswith("redis://") or url.startswith("rediss://"):
        broker: dramatiq.Broker = RegieRedisBroker(url=url, middleware=[*_middleware(), Maintenance()],
                                                   namespace="regie")
    elif url.startswith("amqp://") or url.startswith("amqps://"):
        broker = RegieRabbitmqBroker(url=url, middleware=_middleware())
    elif url:
        raise ValueError(f"BROKER_URL must start with redis:// or amqp://, not {url.split(':')[0]}://")
    else:
        broker = StubBroker(middleware=_middleware())
        broker.emit_after("process_boot")
    return broker


def install_broker(settings: Settings) -> dramatiq.Broker:
    """Set the process's broker and declare every actor on it (actors bind at declaration)."""
    broker = build_broker(settings)
    dramatiq.set_broker(broker)
    from core.jobs import actors

    actors.declare(broker, settings)
    return broker
