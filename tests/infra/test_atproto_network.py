"""The local AT Protocol network works from Python the way the Bluesky integration will use it: accounts, a post
under a chosen record key with a mention, a reply, a like and a follow, read back through the AppView (thread
counts, notifications, search, profile), and deleting the post.

Run with `-s` to see how long the network took to start and how much memory it holds.
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest
from atproto import client_utils, models
from atproto.exceptions import AtProtocolError

from tests import atnet
from tests.atnet import AtprotoNetwork

ROOT = Path(__file__).resolve().parents[2]
RKEY = "3kregiepost22"  # a post's record key is a TID: 13 characters of base32-sortable


def test_posts_replies_likes_follows_and_deletes(atproto_network: AtprotoNetwork) -> None:
    network = atproto_network
    rss = network.rss_mb()
    print(f"\nAT Protocol network: started in {network.started_in:.1f} s, RSS "
          + (f"{rss:.0f} MB" if rss is not None else "unknown"))
    author, reader = network.create_account(), network.create_account()
    assert author.did.startswith("did:plc:") and author.app_password
    a = network.client(author)  # signs in with the app password, what an integration stores
    b = network.client(reader)

    word = f"regie{secrets.token_hex(4)}"  # the network lives for the whole run: search for what only this test wrote
    text = client_utils.TextBuilder().text(f"Hallo van {word}, ").mention(f"@{reader.handle}", reader.did)
    record = models.AppBskyFeedPost.Record(text=text.build_text(), facets=text.build_facets(),
                                           created_at=a.get_current_time_iso())
    created = a.com.atproto.repo.create_record(models.ComAtprotoRepoCreateRecord.Data(
        repo=author.did, collection="app.bsky.feed.post", rkey=RKEY, record=record))
    assert created.uri == f"at://{author.did}/app.bsky.feed.post/{RKEY}"
    network.settle()  # the parent is indexed before the reply, or the reply notifies nobody

    post = models.create_strong_ref(created)
    b.send_post("Welkom!", reply_to=models.AppBskyFeedPost.ReplyRef(parent=post, root=post))
    b.like(created.uri, created.cid)
    b.follow(author.did)
    network.settle()

    thread = a.get_post_thread(created.uri).thread
    assert isinstance(thread, models.AppBskyFeedDefs.ThreadViewPost)
    assert (thread.post.like_count, thread.post.reply_count) == (1, 1)
    assert [r.post.record.text for r in thread.replies or []] == ["Welkom!"]
    reasons = {n.reason for n in a.app.bsky.notification.list_notifications().notifications}
    assert reasons == {"reply", "like", "follow"}
    mentions = b.app.bsky.notification.list_notifications().notifications
    assert [(n.reason, n.uri) for n in mentions] == [("mention", created.uri)]
    found = b.app.bsky.feed.search_posts({"q": word}).posts
    assert [p.uri for p in found] == [created.uri]
    assert a.get_profile(author.did).followers_count == 1

    assert a.delete_post(created.uri)
    network.settle()
    with pytest.raises(AtProtocolError, match="not found"):
        a.get_post_thread(created.uri)
    assert b.app.bsky.feed.search_posts({"q": word}).posts == []


def test_schema_names_are_letters_only_and_differ_per_worker() -> None:
    assert atnet.schema_name("") == "regie_atnet"
    assert atnet.schema_name("gw0") == "regie_atnet_gwa"
    assert atnet.schema_name("gw12") == "regie_atnet_gwbc"


def test_the_install_is_found_by_the_hash_of_the_lock_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REGIE_ATPROTO_NET_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    script = subprocess.run(["sha256sum", str(atnet.NET_DIR / "package-lock.json")], capture_output=True,
                            text=True, check=True)
    assert atnet.install_dir() == tmp_path / "regie" / "atproto-net" / script.stdout.split()[0]


@pytest.mark.parametrize("ci", [False, True])
def test_a_missing_network_skips_on_a_laptop_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch, ci: bool) -> None:
    monkeypatch.setattr(atnet, "IN_CI", ci)
    with pytest.raises(pytest.fail.Exception if ci else pytest.skip.Exception):
        atnet.unavailable("the AT Protocol network is not installed")


def test_make_test_installs_the_network_first(tmp_path: Path) -> None:
    planned = subprocess.run(["make", "-n", "-C", str(ROOT), "test", f"VENV={tmp_path / 'venv'}"],
                             capture_output=True, text=True, check=True).stdout
    assert "infra/atproto-net/install.sh" in planned
    assert planned.index("install.sh") < planned.index("bin/pytest -q")
