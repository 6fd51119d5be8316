"""How a reply leaves Regie: through the core's channel connectors (docs/channels.md).

`send(reply, case, config, settings, attempt) -> Result(ok, external_url, error, status_code)`:

- `posted_elsewhere`: the agent posted the reply on the platform by hand and tells us where (`reply.external_url`);
  nothing leaves Regie, the reply counts as sent with that address.
- `atproto` (`post_in_thread`): a reply in the thread of the case's post on the network, from the organisation's
  connected account (`Reply.account_id`), under the record key stored before the first attempt
  (`Reply.remote_key`): a retry first asks the network for the post under that key, so it never posts twice
  (docs/channels.md, "Never twice"). Sent by the `webcare.deliver_reply` job, with its retries.
- `webhook`: the core's signed webhook posts the reply's JSON document (`payload_of`) to
  `WebcareConfig.webhook_url`, signed with the tenant's secret, with the delivery id `<reply id>:<attempt>`
  (`X-Regie-Signature`, `X-Regie-Delivery`; the receiver drops a delivery it has seen). A 2xx answer is
  success; its JSON "url" (if any) is where the reply was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ChannelError, Connection, PostDraft, PostRef, channel_connector, open_channel
from plugins.webcare.models import Case, Reply, WebcareConfig

QUEUED = frozenset({"webhook", "atproto"})
"""Connectors whose sending runs in the `webcare.deliver_reply` job (network, retries); the others send at once,
in the request."""


@dataclass
class Result:
    ok: bool
    external_url: str = ""
    error: str = ""
    status_code: int | None = None
    uri: str = ""
    """The network address of the reply (in the thread on the network)."""


def payload_of(reply: Reply, case: Case) -> dict[str, Any]:
    return {"reply_id": str(reply.id), "case_number": case.number, "body": reply.body,
            "author_handle": case.author_handle, "channel": reply.channel, "url": case.url}


def connection_of(name: str, config: WebcareConfig) -> Connection:
    """The tenant's webcare settings as a connection of the core connector `name`."""
    if name == "webhook":
        return Connection(connector=name, service_url=config.webhook_url or "", secret=config.webhook_secret or "")
    return Connection(connector=name)


async def send(reply: Reply, case: Case, config: WebcareConfig, settings: Any, attempt: int = 1,
               transport: httpx.AsyncBaseTransport | None = None) -> Result:
    name = reply.connector if reply.connector in QUEUED else "posted_elsewhere"
    draft = PostDraft(text=reply.body, key=f"{reply.id}:{attempt}" if name == "webhook" else str(reply.id),
                      posted_url=reply.external_url or "", document=payload_of(reply, case))
    try:
        ref = await channel_connector(name, settings, transport=transport).publish(connection_of(name, config), draft)
    except ChannelError as exc:
        return Result(ok=False, error=exc.reason, status_code=exc.status_code)
    return Result(ok=True, external_url=ref.url, status_code=ref.status_code)


async def post_in_thread(session: AsyncSession, settings: Any, reply: Reply,
                         transport: httpx.AsyncBaseTransport | None = None) -> Result:
    """Post the reply in the thread of `reply.reply_to_uri` from `reply.account_id`, under `reply.remote_key`
    (stored before the first attempt); a later attempt finds the post already under that key instead of
    posting again. The connection's state (connected, or failing with the network's reason) is written in
    `session`: the caller commits it whatever the result."""
    if reply.account_id is None:
        return Result(ok=False, error="no account connected to the network to post from")
    if not reply.remote_key:
        return Result(ok=False, error="the reply has no record key")
    try:
        parent = PostRef.from_uri(reply.reply_to_uri)
    except ValueError:
        return Result(ok=False, error="the case's post has no network address")
    try:
        async with open_channel(session, settings, reply.account_id, transport=transport) as (connector, connection):
            ref = await connector.find(connection, reply.remote_key) or await connector.publish(
                connection, PostDraft(text=reply.body, key=reply.remote_key, reply_to=parent))
    except ChannelError as exc:
        return Result(ok=False, error=exc.reason, status_code=exc.status_code)
    return Result(ok=True, external_url=ref.url, uri=ref.uri)
