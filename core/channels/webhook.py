"""The signed webhook: POST a JSON document to an address the organisation set, signed with its secret.

Headers: `X-Regie-Signature: sha256=<hex HMAC-SHA256 of the raw body>` and `X-Regie-Delivery: <draft key>`
(the receiver drops a delivery id it has seen; a caller that retries uses a new id per attempt). 10 s timeout,
no redirects. The address is checked against private networks again right before the request (DNS may have
changed since it was saved). A 2xx answer is success; its JSON "url" (if any) is where the text was published.
Without `draft.document` the body is {"key", "text", "reply_to"}.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx

from core.channels.connector import (
    BaseConnector,
    Capability,
    ChannelError,
    Connection,
    Credentials,
    PostDraft,
    PostRef,
    SocialAccountLike,
)
from core.errors import DomainError
from core.net.outbound import check_outbound_url

TIMEOUT = 10.0
USER_AGENT = "Regie-Webhook/1"


def sign(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def published_url(response: httpx.Response) -> str:
    """The receiver's JSON "url" when it is a web address of sensible length, else ""."""
    try:
        data = response.json()
    except ValueError:
        return ""
    url = data.get("url") if isinstance(data, dict) else None
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")) and len(url) <= 2000:
        return url
    return ""


class Webhook(BaseConnector):
    name = "webhook"
    capabilities = frozenset({Capability.connect, Capability.publish})

    def __init__(self, settings: Any, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.transport = transport

    async def _checked(self, url: str) -> str:
        try:
            return await asyncio.to_thread(check_outbound_url, url, self.settings, "webhook_url")
        except DomainError as exc:
            raise ChannelError(str(exc)) from None

    async def connect(self, account: SocialAccountLike, credentials: Credentials) -> Connection:
        """Checks the address only (a receiver need not answer a test delivery)."""
        if not credentials.service_url or not credentials.secret:
            raise ChannelError("the webhook is not set up")
        url = await self._checked(credentials.service_url)
        return Connection(connector=self.name, service_url=url, handle=account.handle, secret=credentials.secret,
                          social_account_id=account.id)

    async def publish(self, connection: Connection, draft: PostDraft) -> PostRef:
        if not connection.service_url or not connection.secret:
            raise ChannelError("the webhook is not set up")
        url = await self._checked(connection.service_url)
        document = dict(draft.document) if draft.document is not None else {
            "key": draft.key, "text": draft.text, "reply_to": draft.reply_to.uri if draft.reply_to else ""}
        raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Regie-Signature": sign(connection.secret, raw), "X-Regie-Delivery": draft.key}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, transport=self.transport) as client:
                response = await client.post(url, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}") from None
        if 200 <= response.status_code < 300:
            return PostRef(url=published_url(response), key=draft.key, status_code=response.status_code)
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}", response.status_code)
