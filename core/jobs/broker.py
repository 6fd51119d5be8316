"""The one broker factory: Redis or RabbitMQ by BROKER_URL, else an in-process stub worked by a thread."""

from __future__ import annotations

import dramatiq
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


def _middleware() -> list[dramatiq.Middleware]:
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines(), CurrentMessage(),
            Retries(min_backoff=1000, max_backoff=60_000, max_retries=10)]


def build_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if url.startswith("redis://") or url.startswith("rediss://"):
        from dramatiq.brokers.redis import RedisBroker

        broker: dramatiq.Broker = RedisBroker(url=url, middleware=_middleware(), namespace="regie")
    elif url.startswith("amqp://") or url.startswith("amqps://"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, middleware=_middleware())
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
