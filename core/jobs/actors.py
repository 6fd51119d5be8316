"""Core actors, namespaced `core.*`. Declared on the broker at start-up by `install_broker`."""

from __future__ import annotations

from typing import Any

import dramatiq

from core.mail import deliver
from core.settings import Settings

ACTORS: dict[str, dramatiq.Actor] = {}


def declare(broker: dramatiq.Broker, settings: Settings) -> None:
    def send_mail(message_id: str, to: str, subject: str, text: str, html: str = "") -> None:
        """Deliver one e-mail; idempotent on message_id."""
        deliver(settings, message_id, to, subject, text, html)

    ACTORS.clear()
    ACTORS["core.send_mail"] = dramatiq.actor(send_mail, actor_name="core.send_mail", broker=broker,
                                              queue_name="mail", max_retries=10)


def actor(name: str) -> dramatiq.Actor[Any, Any]:
    return ACTORS[name]
