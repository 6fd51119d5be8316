"""Publishing in the JSON API, as on a post's page: try a failed post again, delete a published variant from its
network (only with `"confirm": true`), record where a by-hand variant went out; bad input answers with field and
reason and changes nothing; a viewer's token is refused, another tenant's post is not found.

The posts are put in their state directly (failed, published, waiting to be posted by hand); deleting from the
network goes through a stand-in connector, so nothing here needs a network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from core.accounts.models import SocialAccount
from core.plugins.api import Capability
from core.tenancy.scope import tenant_scope
from plugins.talking.models import Post, PostVariant
from plugins.talking.publishing import actions
from tests.plugins.talking.conftest import Talk, post_and_log
from tests.support import TenantWorld, api_headers

API = "/api/v1/t/acme/talking"
REMOTE = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kabcdefghijk"


async def stored_post(sessionmaker: Any, tw: TenantWorld, accounts: list[UUID], state: str, variant_state: str,
                      **variant_values: Any) -> UUID:
    """A post in `state` whose variants (one per account) are in `variant_state`, as publishing leaves them."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            post = Post(title="Openingstijden", state=state, publish_at=datetime.now(UTC) - timedelta(hours=1),
                        author_id=tw.users["marketer"].id, department_id=tw.departments["marketing"].id,
                        state_reason="by_hand" if variant_state == "by_hand" else "")
            post.variants = []
            session.add(post)
            for account_id in accounts:
                account = await session.get(SocialAccount, account_id)
                post.variants.append(PostVariant(account_id=account_id, platform=account.platform,
                                                 handle=account.handle, text="Vandaag open tot 20 uur", images=[],
                                                 links=[], publish_state=variant_state, **variant_values))
            await session.flush()
            return post.id


def reasons(response: Any) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


class StandIn:
    """A connection that deletes: remembers what it was asked to delete."""

    capabilities = frozenset({Capability.connect, Capability.publish, Capability.delete})

    def __init__(self) -> None:
        self.deleted: list[str] = []

    async def delete(self, _connection: Any, ref: Any) -> None:
        self.deleted.append(ref.uri)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> StandIn:
    connector = StandIn()

    @asynccontextmanager
    async def opened(_session: Any, _settings: Any, _account_id: Any) -> AsyncIterator[tuple[StandIn, Any]]:
        yield connector, object()

    monkeypatch.setattr(actions, "open_channel", opened)
    return connector


async def test_a_failed_post_is_tried_again_over_the_api(client: Any, talk: Talk, sessionmaker: Any) -> None:
    tw = talk.world.a
    post_id = await stored_post(sessionmaker, tw, [talk.x()], "failed", "failed", attempts=5)
    before, _log = await post_and_log(sessionmaker, tw, post_id)
    headers = await api_headers(sessionmaker, tw, "marketer")

    r = await client.post(f"{API}/posts/{post_id}/retry", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["id"], body["state"], body["revision"]) == (str(post_id), "scheduled", before.revision + 1)
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.state, post.variants[0].publish_state, post.variants[0].attempts) == ("scheduled", "", 0)

    again = await client.post(f"{API}/posts/{post_id}/retry?lang=en", headers=headers)
    assert again.status_code == 409
    assert reasons(again) == {"__all__": "Only a post that failed can be tried again; this post is scheduled."}
    assert (await post_and_log(sessionmaker, tw, post_id))[0].revision == post.revision


async def test_a_published_variant_is_deleted_from_its_network_only_when_confirmed(
        client: Any, talk: Talk, sessionmaker: Any, stand_in: StandIn) -> None:
    tw = talk.world.a
    published = datetime.now(UTC) - timedelta(minutes=5)
    post_id = await stored_post(sessionmaker, tw, [talk.x()], "published", "published", remote_uri=REMOTE,
                                published_at=published, attempts=1)
    before, _log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = before.variants
    url = f"{API}/posts/{post_id}/variants/{variant.id}/remove"
    headers = await api_headers(sessionmaker, tw, "marketer")

    for unconfirmed in ({}, {"confirm": False}, {"confirm": "yes"}, {"confirm": 1}):
        refused = await client.post(url, headers=headers, json=unconfirmed)
        assert refused.status_code == 422, unconfirmed
        assert set(reasons(refused)) == {"confirm"} and reasons(refused)["confirm"]
    refused = await client.post(url, headers=headers)  # no body at all
    assert refused.status_code == 422 and set(reasons(refused)) == {"confirm"}
    assert "Vink het vakje aan" in reasons(refused)["confirm"]  # Dutch unless asked otherwise
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert (stand_in.deleted, post.variants[0].removed_at, post.revision, log) == ([], None, before.revision, [])

    done = await client.post(url, headers=headers, json={"confirm": True})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["revision"]) == ("published", before.revision + 1)
    assert done.json()["variants"][0]["removed_at"] and done.json()["variants"][0]["publish_state"] == "published"
    assert stand_in.deleted == [REMOTE]
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert post.variants[0].removed_at is not None and [a.outcome for a in log] == ["removed"]

    # asking twice changes nothing and asks the network nothing
    twice = await client.post(url, headers=headers, json={"confirm": True})
    assert twice.status_code == 200 and twice.json()["revision"] == post.revision
    assert stand_in.deleted == [REMOTE]


async def test_a_variant_regie_did_not_send_cannot_be_deleted_from_the_network(
        client: Any, talk: Talk, sessionmaker: Any, stand_in: StandIn) -> None:
    tw = talk.world.a
    post_id = await stored_post(sessionmaker, tw, [talk.x()], "published", "published",
                                published_at=datetime.now(UTC), external_url="https://x.example/acme/1")
    [variant] = (await post_and_log(sessionmaker, tw, post_id))[0].variants
    headers = await api_headers(sessionmaker, tw, "marketer")
    r = await client.post(f"{API}/posts/{post_id}/variants/{variant.id}/remove?lang=en", headers=headers,
                          json={"confirm": True})
    assert r.status_code == 409
    assert reasons(r) == {"confirm": "Only a post Regie sent to the network can be deleted from it."}
    assert stand_in.deleted == [] and (await post_and_log(sessionmaker, tw, post_id))[0].variants[0].removed_at is None


async def test_where_a_by_hand_variant_went_out_is_recorded_over_the_api(
        client: Any, talk: Talk, sessionmaker: Any) -> None:
    tw = talk.world.a
    post_id = await stored_post(sessionmaker, tw, [talk.x(), talk.fb()], "scheduled", "by_hand")
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    x = next(v for v in post.variants if v.account_id == talk.x())
    fb = next(v for v in post.variants if v.account_id == talk.fb())
    headers = await api_headers(sessionmaker, tw, "marketer")

    r = await client.post(f"{API}/posts/{post_id}/variants/{x.id}/posted", headers=headers,
                          json={"url": "https://x.example/acme/1"})
    assert r.status_code == 200, r.text
    shown = next(v for v in r.json()["variants"] if v["id"] == str(x.id))
    assert shown["external_url"] == "https://x.example/acme/1" and shown["published_at"]
    assert r.json()["state"] == "scheduled"  # facebook still waits

    r = await client.post(f"{API}/posts/{post_id}/variants/{fb.id}/posted", headers=headers,
                          json={"url": "https://fb.example/acme/1", "published_at": "2026-01-31T09:30:00+01:00"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "published" and r.json()["published_at"].startswith("2026-01-31T08:30:00")
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert {v.publish_state for v in post.variants} == {"published"}
    assert [a.outcome for a in log] == ["published", "published"]

    # recorded once: the variant no longer waits
    again = await client.post(f"{API}/posts/{post_id}/variants/{fb.id}/posted", headers=headers,
                              json={"url": "https://fb.example/acme/2"})
    assert again.status_code == 409 and set(reasons(again)) == {"url"}


async def test_bad_input_answers_with_field_and_reason_and_changes_nothing(
        client: Any, talk: Talk, sessionmaker: Any) -> None:
    tw = talk.world.a
    post_id = await stored_post(sessionmaker, tw, [talk.x()], "scheduled", "by_hand")
    before, _log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = before.variants
    url = f"{API}/posts/{post_id}/variants/{variant.id}/posted?lang=en"
    headers = await api_headers(sessionmaker, tw, "marketer")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()

    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({}, {"url": "Use a web address starting with https://."}),
        ({"url": "geen adres"}, {"url": "Use a web address starting with https://."}),
        ({"url": "https://x.example/1", "published_at": "gisteren"},
         {"published_at": "Use a date and time like 2026-01-31 09:30."}),
        ({"url": "https://x.example/1", "published_at": future}, {"published_at": "Choose a moment that has passed."}),
        ({"url": 5, "published_at": 20260131},
         {"url": "Use a web address starting with https://.",
          "published_at": "Use a date and time like 2026-01-31 09:30."}),
        ({"url": ["https://x.example/1"], "published_at": {"at": "2026-01-31"}},
         {"url": "Use a web address starting with https://.",
          "published_at": "Use a date and time like 2026-01-31 09:30."}),
    ]
    for sent, expected in cases:
        r = await client.post(url, headers=headers, json=sent)
        assert r.status_code == 422, (sent, r.text)
        assert reasons(r) == expected, sent

    not_json = await client.post(url, headers={**headers, "content-type": "application/json"}, content=b"{url: x")
    assert 400 <= not_json.status_code < 500 and reasons(not_json)
    listed = await client.post(url, headers=headers, json=["https://x.example/1"])
    assert 400 <= listed.status_code < 500 and reasons(listed)

    for path in (f"{API}/posts/{uuid4()}/variants/{variant.id}/posted", f"{API}/posts/{post_id}/variants/{uuid4()}/"
                 "posted", f"{API}/posts/{uuid4()}/retry", f"{API}/posts/{post_id}/variants/{uuid4()}/remove"):
        missing = await client.post(path, headers=headers, json={"url": "https://x.example/1", "confirm": True})
        assert missing.status_code == 404, path
    bad_id = await client.post(f"{API}/posts/not-an-id/retry", headers=headers)
    assert 400 <= bad_id.status_code < 500

    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.revision, post.state, post.variants[0].publish_state, post.variants[0].published_at, log) == (
        before.revision, "scheduled", "by_hand", None, [])


async def test_a_viewer_token_is_refused_and_another_tenants_post_is_not_found(
        client: Any, talk: Talk, sessionmaker: Any, stand_in: StandIn) -> None:
    a, b = talk.world.a, talk.world.b
    failed = await stored_post(sessionmaker, a, [talk.x()], "failed", "failed")
    waiting = await stored_post(sessionmaker, a, [talk.x()], "scheduled", "by_hand")
    [variant] = (await post_and_log(sessionmaker, a, waiting))[0].variants
    requests = [(f"posts/{failed}/retry", None), (f"posts/{waiting}/variants/{variant.id}/remove", {"confirm": True}),
                (f"posts/{waiting}/variants/{variant.id}/posted", {"url": "https://x.example/1"})]

    viewer = await api_headers(sessionmaker, a, "viewer")
    for path, body in requests:
        assert (await client.post(f"{API}/{path}", headers=viewer, json=body)).status_code == 403, path
    assert (await post_and_log(sessionmaker, a, failed))[0].state == "failed"
    assert (await post_and_log(sessionmaker, a, waiting))[0].variants[0].publish_state == "by_hand"

    # globex's marketer names acme's posts under globex: not found, nothing changes
    other = await api_headers(sessionmaker, b, "marketer")
    for path, body in requests:
        r = await client.post(f"/api/v1/t/globex/talking/{path}", headers=other, json=body)
        assert r.status_code == 404, (path, r.text)
    assert (await post_and_log(sessionmaker, a, failed))[0].state == "failed"
    assert (await post_and_log(sessionmaker, a, waiting))[0].variants[0].publish_state == "by_hand"
    assert stand_in.deleted == []
