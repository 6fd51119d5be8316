"""Co-creation's closed loop in a real browser, against the local AT Protocol network:

a customer on the network complains that a feature is missing and mentions the organisation's account →
monitoring reads it and webcare's routing opens a case → the agent makes an idea of the case → two customers
sign in to the public idea board by e-mail link and vote → development plans the idea with a public reason →
the loop mails the voters and writes the customer a signed-off reply, which the hub approves (Vitaal works
centralized) → it appears in the customer's thread (read back through the AppView); the idea's staff page shows
who was told what, the case shows the reply and the public idea page how many people heard.

The server is `regie demo` (Vitaal has co-creation for Productontwikkeling) with its embedded worker and
scheduler, allowed to reach the network on loopback. Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from atproto import client_utils

from tests.atnet import AtprotoNetwork
from tests.e2e.test_energizing_path import _mail_link
from tests.e2e.test_main_path import signed_in_page
from tests.e2e.test_talking_network_path import _connect, indexing, network_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e
AGENT = ("a.yilmaz@vitaal.example", "Regie-demo-2026")
DEVELOPER = ("t.vandam@vitaal.example", "Regie-demo-2026")
HUB = ("l.visser@vitaal.example", "Regie-demo-2026")
CO = "/t/vitaal/p/cocreation"
COMPLAINT = ("Waarom kan ik in het declaratieportaal nog steeds geen declaratie per gezinslid splitsen? "
             "Heel onhandig, echt slecht geregeld.")
TITLE = "Declaraties per gezinslid splitsen"
REASON = "We bouwen het splitsen per gezinslid in het tweede kwartaal in het declaratieportaal."
VOTERS = ("fatima.e2e@klant.example", "joost.e2e@klant.example")


def _mail_to(var_dir: Path, email: str, subject_part: str, timeout: float = 30) -> dict[str, Any]:
    """The newest mail to `email` whose subject contains `subject_part` (the dev mailbox writes JSON)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in sorted((var_dir / "outbox").glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = json.loads(path.read_text())
            if mail.get("to") == email and subject_part in mail.get("subject", ""):
                return mail
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} about {subject_part}")


def _vote(browser: Any, server: str, var_dir: Path, email: str, number: int, shot: Any) -> None:
    """A customer opens the idea on the board, is asked to sign in by e-mail link, signs in and votes."""
    page = browser.new_context(base_url=server, locale="nl-NL").new_page()
    page.goto(f"{CO}/board/ideas/{number}")
    page.locator(f"form[action$='/ideas/{number}/vote'] button").click()  # not signed in: the sign-in page
    page.wait_for_url(re.compile(r".*/board/signin.*"))
    page.fill("#f-email", email)
    page.fill("#f-display_name", email.split(".")[0].capitalize())
    page.locator("main form button.primary").click()
    page.locator("main", has_text=email).wait_for()  # "look in your mail"
    page.goto(_mail_link(var_dir, email, "/board/signin/"))
    page.locator("main form button.primary").click()
    page.wait_for_url(re.compile(rf".*/board/ideas/{number}$"))  # back on the idea, signed in
    before = int(page.locator("[data-votes]").get_attribute("data-votes") or 0)
    page.locator(f"form[action$='/ideas/{number}/vote'] button").click()
    page.locator(f"[data-votes='{before + 1}']").wait_for()
    page.locator(f"form[action$='/ideas/{number}/unvote']").wait_for()
    shot(page, f"voted-{email.split('.')[0]}")
    page.context.close()


def test_a_complaint_becomes_an_idea_and_the_customer_hears_back_in_the_thread(
        browser: Any, network_server: tuple[str, dict[str, str]], atproto_network: AtprotoNetwork,  # noqa: F811
        indexing: None, shot: Any) -> None:  # noqa: F811
    server, env = network_server
    var_dir = Path(env["REGIE_VAR_DIR"])
    hub, ours = _connect(browser, server, atproto_network, shot)

    # 1. A customer mentions the organisation's account on the network about a missing feature.
    customer_account = atproto_network.create_account()
    customer = atproto_network.client(customer_account)
    text = client_utils.TextBuilder().text(COMPLAINT + " ").mention(f"@{ours.handle}", ours.did)
    mention = customer.send_post(text)

    # 2. Monitoring reads it, webcare opens a case; the agent opens it and makes an idea of it.
    agent = signed_in_page(browser, server, "vitaal", AGENT)
    agent.goto("/t/vitaal/p/webcare/")
    row = agent.locator("#inbox-list tr", has_text="declaratie per gezinslid splitsen")
    row.wait_for(timeout=90_000)  # read every 20 s, the inbox asks every second
    shot(agent, "case-in-inbox")
    row.locator("a").first.click()
    agent.wait_for_selector("#f-body")
    case_url = agent.url
    create = agent.locator(f"form[action='{CO}/loop/from-item'] button").first
    create.wait_for()
    shot(agent, "case-with-idea-action")
    create.click()
    agent.wait_for_selector("#f-title")
    shot(agent, "idea-from-case")
    agent.fill("#f-title", TITLE)
    agent.locator(f"form[action='{CO}/loop/ideas'] button.primary").click()
    agent.wait_for_url(re.compile(rf".*{CO}/ideas/\d+$"))
    number = int(agent.url.rsplit("/", 1)[1])
    agent.locator("#cocreation-loop", has_text=customer_account.handle).wait_for()  # linked to the case
    shot(agent, "idea-created")

    # 3. Two customers sign in to the board by e-mail link and vote.
    for email in VOTERS:
        _vote(browser, server, var_dir, email, number, shot)

    # 4. Development plans it with a public reason on the idea's staff page.
    developer = signed_in_page(browser, server, "vitaal", DEVELOPER)
    developer.goto(f"{CO}/ideas/{number}")
    developer.locator("main p", has_text="Stemmen: 2").wait_for()
    developer.select_option("#decide select[name=stage]", "planned")
    developer.fill("#decide textarea[name=reason]", REASON)
    shot(developer, "deciding")
    developer.locator("#decide button.primary").click()
    developer.locator("li[data-change=planned]").wait_for()

    # 5. The voters hear it by e-mail; the loop answers the customer in their thread.
    for email in VOTERS:
        mail = _mail_to(var_dir, email, f"#{number}")
        assert REASON in mail["text"] and f"/board/ideas/{number}" in mail["text"]
    mine = f"@{customer_account.handle}"
    for _ in range(60):  # the loop's job runs after commit; the panel shows where it got
        developer.reload()
        developer.locator("#cocreation-loop h3").wait_for()  # the panel's own content, loaded by htmx
        if developer.locator("#cocreation-loop .timeline li", has_text=mine).count():
            break
        developer.wait_for_timeout(500)
    told = developer.locator("#cocreation-loop .timeline li", has_text=mine).inner_text()
    shot(developer, "loop-after-decision")
    # Vitaal works centralized: the hub approves the reply; the policy has nothing against it (signed off)
    assert "De regels van de organisatie vragen dat iemand het goedkeurt." in told and "ondertekening" not in told
    assert "Team Vitaal" in told, told
    hub.goto(f"{CO}/loop/")
    waiting = hub.locator("li", has_text=mine).first
    waiting.wait_for()
    shot(hub, "loop-reply-waits")
    waiting.locator("form[action$='/approve'] button.primary").click()
    hub.locator("li", has_text=mine).first.wait_for(state="detached")  # sent: it leaves the list
    shot(hub, "loop-reply-approved")
    reply = None
    for _ in range(60):
        thread = customer.get_post_thread(uri=mention.uri, depth=2).thread
        replies = [r.post for r in (thread.replies or []) if r.post.author.did == ours.did]
        if replies:
            reply = replies[0]
            break
        time.sleep(0.5)
    assert reply is not None, "no reply in the customer's thread"
    assert TITLE in reply.record.text and "gepland" in reply.record.text
    rkey = reply.uri.rsplit("/", 1)[1]

    # 6. The idea's staff page shows who was told what, when; the case shows the reply.
    developer.goto(f"{CO}/ideas/{number}")
    panel = developer.locator("#cocreation-loop")
    panel.locator(".timeline li", has_text=mine).locator(".badge.ok").wait_for()
    voters = panel.locator(".timeline li", has_text="iemand die stemde of volgt")  # by e-mail, without names
    assert voters.count() == len(VOTERS), panel.inner_text()
    shot(developer, "loop-on-idea")
    agent.goto(case_url)
    agent.locator(f"a[href$='/post/{rkey}']").first.wait_for()
    shot(agent, "case-shows-loop-reply")
    board = browser.new_context(base_url=server, locale="nl-NL").new_page()
    board.goto(f"{CO}/board/ideas/{number}")
    board.locator("#history", has_text=REASON).wait_for()
    board.locator("#cocreation-told", has_text="3 mensen hoorden het").wait_for()  # two voters and the author
    shot(board, "board-idea-planned")
