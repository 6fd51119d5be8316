"""The connectors that need no network of their own: the signed webhook (against a mock transport), posted
elsewhere, what each can do, record keys and post references."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from core.channels.connector import (
    Capability,
    ChannelConnector,
    ChannelError,
    Connection,
    Credentials,
    PostDraft,
    PostRef,
    Unsupported,
    is_key,
    new_key,
)
from core.channels.registry import CONNECTORS, channel_connector
from core.settings import Settings

SETTINGS = Settings(outbound_allow=("127.0.0.1",))


@dataclass(frozen=True)
class RegisteredAccount:
    id: Any
    handle: str


def hook(answers: list[httpx.Response], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    return httpx.MockTransport(handle)


async def test_the_webhook_signs_the_document_and_names_the_delivery() -> None:
    seen: list[httpx.Request] = []
    webhook = channel_connector("webhook", SETTINGS, transport=hook(
        [httpx.Response(201, json={"url": "https://x.test/p/1"}), httpx.Response(200, text="fine")], seen))
    connection = await webhook.connect(RegisteredAccount(id=None, handle="acme"),
                                       Credentials(secret="geheim", service_url="http://127.0.0.1:9/hook"))
    assert (connection.service_url, connection.secret) == ("http://127.0.0.1:9/hook", "geheim")
    assert "geheim" not in repr(connection)

    ref = await webhook.publish(connection, PostDraft(text="Hoi", key="r1:1", document={"body": "Hoi", "n": 1}))
    assert (ref.url, ref.key, ref.status_code) == ("https://x.test/p/1", "r1:1", 201)
    ref = await webhook.publish(connection, PostDraft(text="Hoi", key="r1:2", reply_to=PostRef.from_uri(
        "at://did:plc:abc/app.bsky.feed.post/3kaaaaaaaaaa2")))
    assert (ref.url, ref.status_code) == ("", 200)  # no JSON "url": published nowhere we know
    first, second = seen
    assert json.loads(first.content) == {"body": "Hoi", "n": 1}
    assert json.loads(second.content) == {"key": "r1:2", "text": "Hoi",
                                          "reply_to": "at://did:plc:abc/app.bsky.feed.post/3kaaaaaaaaaa2"}
    for request, delivery in ((first, "r1:1"), (second, "r1:2")):
        expected = "sha256=" + hmac.new(b"geheim", request.content, hashlib.sha256).hexdigest()
        assert request.headers["x-regie-signature"] == expected
        assert request.headers["x-regie-delivery"] == delivery
        assert request.headers["user-agent"] == "Regie-Webhook/1"


async def test_the_webhook_says_why_a_delivery_failed() -> None:
    seen: list[httpx.Request] = []
    connection = Connection(connector="webhook", service_url="http://127.0.0.1:9/hook", secret="s")
    webhook = channel_connector("webhook", SETTINGS, transport=hook([httpx.Response(503, text="down")], seen))
    with pytest.raises(ChannelError) as failed:
        await webhook.publish(connection, PostDraft(text="x", key="k"))
    assert (failed.value.reason, failed.value.status_code) == ("HTTP 503: down", 503)

    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ChannelError, match="ConnectError: refused"):
        await channel_connector("webhook", SETTINGS, transport=httpx.MockTransport(broken)).publish(
            connection, PostDraft(text="x", key="k"))
    with pytest.raises(ChannelError, match="not set up"):
        await webhook.publish(Connection(connector="webhook"), PostDraft(text="x", key="k"))
    with pytest.raises(ChannelError, match="private network"):  # checked again right before sending
        await webhook.publish(Connection(connector="webhook", service_url="http://10.0.0.8/hook", secret="s"),
                              PostDraft(text="x", key="k"))
    assert len(seen) == 1


async def test_posted_elsewhere_records_where_it_was_posted_by_hand() -> None:
    elsewhere = channel_connector("posted_elsewhere", None)
    connection = await elsewhere.connect(RegisteredAccount(id="a1", handle="acme"), Credentials())
    assert (connection.connector, connection.handle, connection.social_account_id) == ("posted_elsewhere", "acme", "a1")
    ref = await elsewhere.publish(connection, PostDraft(text="x", key="k", posted_url="https://x.test/s/1"))
    assert (ref.url, ref.uri, ref.key) == ("https://x.test/s/1", "", "k")
    with pytest.raises(ChannelError, match="no address"):
        await elsewhere.publish(connection, PostDraft(text="x", key="k"))


async def test_each_connector_says_what_it_can_do_and_refuses_the_rest_clearly() -> None:
    assert CONNECTORS == ("atproto", "posted_elsewhere", "webhook")
    connectors = {name: channel_connector(name, SETTINGS) for name in CONNECTORS}
    assert all(isinstance(c, ChannelConnector) for c in connectors.values())
    assert connectors["atproto"].capabilities == frozenset(Capability)
    assert connectors["webhook"].capabilities == connectors["posted_elsewhere"].capabilities == \
        {Capability.connect, Capability.publish}
    connection = Connection(connector="webhook")
    with pytest.raises(Unsupported, match="the connector webhook cannot inbound") as refused:
        await connectors["webhook"].inbound(connection, None)
    assert (refused.value.connector, refused.value.operation) == ("webhook", "inbound")
    with pytest.raises(Unsupported, match="posted_elsewhere cannot delete"):
        await connectors["posted_elsewhere"].delete(connection, PostRef())
    with pytest.raises(KeyError):
        channel_connector("fax", SETTINGS)


def test_keys_are_record_keys_that_grow() -> None:
    keys = [new_key() for _ in range(1000)]
    assert all(is_key(k) and len(k) == 13 for k in keys)
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert not is_key("r1:1") and not is_key("") and not is_key("3kaaaaaaaaaa")


def test_post_references_from_an_address_or_a_uri() -> None:
    ref = PostRef.from_url("https://bsky.app/profile/klant.bsky.social/post/3kaaaaaaaaaa2")
    assert (ref.uri, ref.repo, ref.rkey, ref.key) == ("at://klant.bsky.social/app.bsky.feed.post/3kaaaaaaaaaa2",
                                                      "klant.bsky.social", "3kaaaaaaaaaa2", "3kaaaaaaaaaa2")
    ref = PostRef.from_uri("at://did:plc:abc/app.bsky.feed.post/3kaaaaaaaaaa2", cid="bafy")
    assert (ref.repo, ref.rkey, ref.cid) == ("did:plc:abc", "3kaaaaaaaaaa2", "bafy")
    for bad in ("at://did:plc:abc/app.bsky.feed.like/3k", "https://bsky.app/profile/x/post/", "", "at://x"):
        with pytest.raises(ValueError):
            PostRef.from_uri(bad) if bad.startswith("at") or not bad else PostRef.from_url(bad)
    with pytest.raises(ValueError):
        PostRef.from_url("ftp://bsky.app/profile/x/post/3k")
