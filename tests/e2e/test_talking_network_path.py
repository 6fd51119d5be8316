"""Talking, listening and webcare on a real network, in a real browser (against the local AT Protocol network):

a marketer drafts a post for the organisation's Bluesky account → the hub approves it (Vitaal works centralized)
→ the publishing job puts it on the network at its time → a customer's account answers it angrily on the
network → monitoring reads the answer and webcare's routing opens a case → the agent answers, the hub approves
the answer → it appears in the customer's thread, read back through the AppView.

The server is `regie demo` with its embedded worker and scheduler, allowed to reach the network on loopback.
The AppView indexes when asked (`settle()`): a thread keeps asking twice a second, as its own loop would.
Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.atnet import AtprotoNetwork
from tests.e2e.conftest import _serve
from tests.e2e.test_main_path import choose, settle_after, signed_in_page

pytestmark = pytest.mark.e2e
HUB = ("l.visser@vitaal.example", "Regie-demo-2026")
MARKETER = ("r.dekker@vitaal.example", "Regie-demo-2026")
AGENT = ("a.yilmaz@vitaal.example", "Regie-demo-2026")
TALK = "/t/vitaal/p/talking"
ZONE = ZoneInfo("Europe/Amsterdam")
NEWS = "Goed nieuws: declaraties worden vanaf deze week binnen vijf dagen uitbetaald. Team Vitaal"
ANGRY = "Wat een onzin, Vitaal. Mijn declaratie ligt al zes weken stil en niemand belt terug. Waardeloos!"


@pytest.fixture(scope="module")
def network_server(tmp_path_factory: pytest.TempPathFactory, atproto_network: AtprotoNetwork
                   ) -> Iterator[tuple[str, dict[str, str]]]:
    yield from _serve(tmp_path_factory.mktemp("e2e-network"), "demo", {"REGIE_OUTBOUND_ALLOW": "127.0.0.1,localhost"})


@pytest.fixture
def indexing(atproto_network: AtprotoNetwork) -> Iterator[None]:
    """Ask the AppView to index twice a second for the length of the test."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(0.5):
            with contextlib.suppress(Exception):  # the next round asks again
                atproto_network.settle()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=5)


def _connect(browser: Any, server: str, network: AtprotoNetwork, shot: Any) -> tuple[Any, Any]:
    """The hub registers the organisation's Bluesky account, approves it and connects it with an app password."""
    ours = network.create_account()
    hub = signed_in_page(browser, server, "vitaal", HUB)
    hub.goto("/t/vitaal/accounts")
    hub.select_option("select[name=platform]", "bluesky")
    hub.fill("#f-handle", ours.handle)
    hub.fill("#f-purpose", "Service en nieuws voor verzekerden op Bluesky.")
    choose(hub.locator("select[name=department_id]"), "Communicatie")
    hub.check("input[name=meets_conditions]")
    hub.locator("form:has(#f-handle) button").last.click()
    hub.locator("h1", has_text=ours.handle).wait_for()  # its page: waiting for the hub's approval
    shot(hub, "registered")
    hub.locator("button.primary", has_text="Goedkeuren").click()
    hub.locator(".badge", has_text="actief").first.wait_for()
    hub.locator("a[href$='/connection']").click()
    hub.select_option("select[name=connector]", "atproto")
    hub.fill("#f-identifier", ours.handle)
    hub.fill("#f-secret", ours.app_password or "")
    hub.fill("#f-service_url", network.pds)
    hub.locator("form:has(#f-secret) button[type=submit]").click()
    hub.locator("code", has_text=ours.did).wait_for()  # signed in on the network: its identity shows
    shot(hub, "connected")
    return hub, ours


def test_draft_approve_publish_complaint_case_and_answer_in_the_thread(
        browser: Any, network_server: tuple[str, dict[str, str]], atproto_network: AtprotoNetwork, indexing: None,
        shot: Any) -> None:
    server, _env = network_server
    hub, ours = _connect(browser, server, atproto_network, shot)

    # 1. A marketer drafts a post for the Bluesky account, due at the next whole minute at least 40 s away.
    marketer = signed_in_page(browser, server, "vitaal", MARKETER)
    due = (datetime.now(ZONE) + timedelta(seconds=100)).replace(second=0, microsecond=0)
    marketer.goto(f"{TALK}/posts/new")
    marketer.fill("#f-title", "Declaraties sneller uitbetaald")
    choose(marketer.locator("select[name=department_id]"), "Zakelijke Markt")
    marketer.fill("#f-publish_at", due.strftime("%Y-%m-%dT%H:%M"))
    bluesky = marketer.locator("fieldset.variant[data-platform=bluesky]")
    bluesky.locator("textarea").fill(NEWS)
    marketer.locator("form.post-editor button.primary").click()
    marketer.wait_for_url(f"**{TALK}/posts/*")
    shot(marketer, "draft")
    marketer.locator("form[action$='/submit'] button").click()
    marketer.wait_for_timeout(3000)
    shot(marketer, "submitted")
    marketer.locator(".badge", has_text="in beoordeling").first.wait_for()
    post_url = marketer.url

    # 2. The hub approves it in its queue; it is scheduled.
    hub.goto(f"{TALK}/approvals/")
    hub.locator("a", has_text="Declaraties sneller uitbetaald").wait_for()
    shot(hub, "approval-queue")
    hub.locator("form[action$='/approve'] button").first.click()
    hub.locator("text=Er wacht niets op je goedkeuring").wait_for()  # decided: the queue is empty
    hub.goto(post_url)
    hub.locator(".badge", has_text="ingepland").first.wait_for()

    # 3. At its time the publishing job puts it on the network; the post page shows where.
    hub.wait_for_timeout(max(0, (due - datetime.now(ZONE)).total_seconds() * 1000))
    for _ in range(60):
        hub.reload()
        if hub.locator(".badge", has_text="gepubliceerd").count():
            break
        hub.wait_for_timeout(1000)
    assert hub.locator(".badge", has_text="gepubliceerd").count(), hub.content()[:3000]
    shot(hub, "published")
    customer_account = atproto_network.create_account()
    customer = atproto_network.client(customer_account)
    feed = customer.get_author_feed(actor=ours.did).feed
    assert [item.post.record.text for item in feed] == [NEWS]  # once, never twice
    published = feed[0].post

    # 4. A customer answers it angrily on the network; monitoring reads it and webcare opens a case.
    from atproto import models

    parent = models.create_strong_ref(published)
    customer.send_post(ANGRY, reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=parent))
    agent = signed_in_page(browser, server, "vitaal", AGENT)
    agent.goto("/t/vitaal/p/webcare/")
    row = agent.locator("#inbox-list tr", has_text="Mijn declaratie ligt al zes weken stil")
    row.wait_for(timeout=90_000)  # read every 20 s, the inbox asks every second
    shot(agent, "case-in-inbox")

    # 5. The agent answers in the thread; the hub approves the answer; it appears under the customer's post.
    row.locator("a").first.click()
    agent.wait_for_selector("#f-body")
    agent.fill("#f-body", "Hoi, wat vervelend dat je zo lang wacht. We zoeken het vandaag voor je uit. Team Vitaal")
    shot(agent, "case-page")
    settle_after(agent, agent.locator("form:has(#f-body) button.primary"))
    shot(agent, "answer-waits")
    assert "wacht op goedkeuring" in agent.content().lower()  # Vitaal works centralized: the hub approves
    hub.goto("/t/vitaal/p/webcare/approvals/")
    answer = hub.locator("article", has_text="We zoeken het vandaag voor je uit")
    answer.wait_for()
    answer.locator("form[action$='/approve'] button").click()
    answer.wait_for(state="detached")
    thread = None
    for _ in range(60):
        view = customer.get_post_thread(uri=published.uri, depth=3).thread
        replies = [r for reply in (view.replies or []) for r in (reply.replies or [])]
        if replies:
            thread = replies
            break
        hub.wait_for_timeout(1000)
    assert thread and "We zoeken het vandaag voor je uit" in thread[0].post.record.text
    assert thread[0].post.author.did == ours.did
    agent.reload()
    rkey = thread[0].post.uri.rsplit("/", 1)[1]
    agent.locator(f"a[href$='/post/{rkey}']").first.wait_for()  # the case shows where its answer is
    shot(agent, "answered-in-thread")
