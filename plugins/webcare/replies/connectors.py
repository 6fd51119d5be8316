"""Connectors: how a reply leaves Regie.

`Connector.send(reply, case, config) -> Result(ok, external_url, error, status_code)`:

- `PostedElsewhere`: the agent posted the reply on the platform by hand and tells us where (`reply.external_url`);
  nothing leaves Regie, the reply counts as sent with that address.
- `Webhook`: POST a JSON document to `WebcareConfig.webhook_url`, signed with the tenant's secret:
  `X-Regie-Signature: sha256=<hex HMAC-SHA256 of the raw body>` and `X-Regie-Delivery: <reply id>:<attempt>`
  (the receiver drops a delivery it has seen). 10 s timeout. The address is checked against private networks
  again right before the request (DNS may have changed). A 2xx answer is success; its JSON "url" (if any) is
  where the reply was published.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from core.plugins.api import DomainError, check_outbound_url
from plugins.webcare.models import Case, Reply, WebcareConfig

TIMEOUT = 10.0


@dataclass
class Result:
    ok: bool
    external_url: str = ""
    error: str = ""
    status_code: int | None = None


class Connector(Protocol):
    name: str
    queued: bool
    """True: `send` runs in the `webcare.deliver_reply` job (network, retries); False: at once, in the request."""

    async def send(self, reply: Reply, case: Case, config: WebcareConfig) -> Result: ...


class PostedElsewhere:
    name = "posted_elsewhere"
    queued = False

    async def send(self, reply: Reply, case: Case, config: WebcareConfig) -> Result:
        if not reply.external_url:
            return Result(ok=False, error="no address where it was posted")
        return Result(ok=True, external_url=reply.external_url)


def payload_of(reply: Reply, case: Case) -> dict[str, Any]:
    return {"reply_id": str(reply.id), "case_number": case.number, "body": reply.body,
            "author_handle": case.author_handle, "channel": reply.channel, "url": case.url}


def sign(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def _published_url(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    url = data.get("url") if isinstance(data, dict) else None
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")) and len(url) <= 2000:
        return url
    return ""


class Webhook:
    name = "webhook"
    queued = True

    def __init__(self, settings: Any, attempt: int = 1, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.attempt = attempt
        self.transport = transport

    async def send(self, reply: Reply, case: Case, config: WebcareConfig) -> Result:
        if not config.webhook_url or not config.webhook_secret:
            return Result(ok=False, error="the webhook is not set up")
        try:
            url = await asyncio.to_thread(check_outbound_url, config.webhook_url, self.settings, "webhook_url")
        except DomainError as exc:
            return Result(ok=False, error=str(exc)[:500])
        raw = json.dumps(payload_of(reply, case), separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Regie-Webhook/1",
                   "X-Regie-Signature": sign(config.webhook_secret, raw),
                   "X-Regie-Delivery": f"{reply.id}:{self.attempt}"}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, transport=self.transport) as client:
                response = await client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            return Result(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return Result(ok=True, external_url=_published_url(response), status_code=response.status_code)
        return Result(ok=False, status_code=response.status_code,
                      error=f"HTTP {response.status_code}: {response.text[:300]}")


def connector_for(name: str, settings: Any, attempt: int = 1) -> Connector:
    return Webhook(settings, attempt) if name == "webhook" else PostedElsewhere()
