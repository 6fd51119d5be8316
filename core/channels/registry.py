"""The connectors by name: what a stored connection or a plugin's setting names."""

from __future__ import annotations

from typing import Any

import httpx

from core.channels.atproto import Atproto
from core.channels.connector import ChannelConnector
from core.channels.elsewhere import PostedElsewhere
from core.channels.webhook import Webhook

CONNECTORS = ("atproto", "posted_elsewhere", "webhook")
"""Every connector's name, in the order a form offers them."""


def channel_connector(name: str, settings: Any, *, transport: httpx.AsyncBaseTransport | None = None
                      ) -> ChannelConnector:
    """The connector called `name`; `settings` decide which outbound addresses are allowed (`outbound_allow`).
    KeyError for an unknown name."""
    if name == "atproto":
        return Atproto(settings, transport)
    if name == "webhook":
        return Webhook(settings, transport)
    if name == "posted_elsewhere":
        return PostedElsewhere()
    raise KeyError(f"unknown channel connector {name!r}")
