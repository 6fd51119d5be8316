"""Webcare in a real browser: a negative mention comes in through the API while the agent's inbox is open → the
case appears without a reload → the agent answers with a canned response → the hub approves it (Vitaal works
centralized) → the agent records where it was posted and resolves the case.

Starts from `regie demo` (Vitaal has webcare in customer service); screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_main_path import choose, settle_after, signed_in_page
from tests.e2e.test_monitoring_path import _token

pytestmark = pytest.mark.e2e
AGENT = ("a.yilmaz@vitaal.example", "Regie-demo-2026")
HUB = ("l.visser@vitaal.example", "Regie-demo-2026")
WEB = "/t/vitaal/p/webcare"
SUBJECT = "Mijn declaratie van de tandarts is na zes weken nog steeds niet uitbetaald"


def _sign_in(browser: Any, server: str, who: tuple[str, str]) -> Any:
    return signed_in_page(browser, server, "vitaal", who)


def test_negative_mention_to_resolved_case(browser: Any, demo_server: tuple[str, dict[str, str]],
                                           shot: Any) -> None:
    server, env = demo_server
    agent = _sign_in(browser, server, AGENT)

    # 1. The agent has the inbox open; a complaint arrives through the ingestion API and appears by itself.
    agent.goto(f"{WEB}/")
    agent.wait_for_selector("#inbox-list")
    assert SUBJECT not in agent.content()
    item = {"external_id": "e2e-webcare-1", "published_at": datetime.now(UTC).isoformat(),
            "body": f"{SUBJECT}. Echt waardeloos, Vitaal!", "author_handle": "e2e_klant", "author_name": "Femke",
            "author_reach": 300, "url": "https://forum.example/t/webcare-1"}
    answer = httpx.post(f"{server}/api/v1/t/vitaal/monitoring/mentions/ingest",
                        headers={"authorization": f"Bearer {_token(env)}"},
                        json={"source": "Zorgforum", "items": [item]}, timeout=30)
    assert answer.status_code == 200, answer.text
    row = agent.locator("#inbox-list tr", has_text=SUBJECT)
    row.wait_for(timeout=10_000)  # the stamp is asked every second: no reload
    shot(agent, "inbox-live")

    # 2. The case page; the agent picks a canned response and sends it (it waits for the hub's approval).
    row.locator("a").first.click()
    agent.wait_for_selector("#f-body")
    assert "/cases/" in agent.url  # the address bar follows (a link in the live list pushes its URL)
    assert SUBJECT in agent.content() and "e2e_klant" in agent.content()
    choose(agent.locator("select[name=canned_id]"), "Excuses en privébericht")
    settle_after(agent, agent.locator("form:has(select[name=canned_id]) button[type=submit]"))
    body = agent.locator("#f-body").input_value()
    assert body.startswith("Hoi Femke") and "Team Vitaal" in body and "{" not in body
    shot(agent, "reply-from-template")
    settle_after(agent, agent.locator("form:has(#f-body) button.primary"))
    assert "wacht op goedkeuring" in agent.content().lower()
    case_url = agent.url

    # 3. The hub approves it in its approval queue.
    hub = _sign_in(browser, server, HUB)
    hub.goto(f"{WEB}/approvals/")
    entry = hub.locator("article", has_text="Hoi Femke")
    entry.wait_for()
    shot(hub, "approval-queue")
    entry.locator("form[action$='/approve'] button").click()
    entry.wait_for(state="detached")  # decided: no longer in the queue
    assert "/approvals/" in hub.url
    shot(hub, "approved")

    # 4. The agent posts it, records where, and resolves the case.
    agent.goto(case_url)
    posted = agent.locator("input[name=external_url][required]")
    posted.wait_for()
    posted.fill("https://forum.example/t/webcare-1#antwoord")
    agent.locator("form:has(input[name=external_url][required]) button").click()
    agent.locator(".badge.ok", has_text="verzonden").first.wait_for()
    agent.select_option("select[name=status]", "resolved")
    agent.locator("form:has(select[name=status]) button[type=submit]").click()
    agent.locator(".timeline", has_text="opgelost").first.wait_for()
    assert "opgelost" in agent.locator("select[name=status] option:checked").inner_text().lower()
    timeline = agent.locator("#timeline").inner_text()
    assert "Antwoord goedgekeurd" in timeline and "reply_" not in timeline  # events read as sentences
    shot(agent, "resolved")


def _sign_in_link(var_dir: Path, email: str) -> str:
    """The link from the newest sign-in mail to `email` in the instance's outbox (no SMTP in the test)."""
    for _ in range(50):
        mails = sorted((var_dir / "outbox").glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in mails:
            mail = json.loads(path.read_text())
            if mail["to"] == email:
                return re.search(r"https?://\S+/community/signin/\S+", mail["text"]).group(0)  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError(f"no sign-in mail to {email}")


def test_customer_asks_in_the_community_and_a_moderator_approves(
        browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any) -> None:
    server, env = demo_server
    community = "/t/vitaal/p/webcare/community/"
    customer = browser.new_context(base_url=server, locale="nl-NL").new_page()

    # 1. The public page: questions customers answered, without any account.
    customer.goto(community)
    assert "Hoe declareer ik een rekening van de fysiotherapeut?" in customer.content()
    customer.locator("a", has_text="Hoe declareer ik").first.click()
    customer.locator(".badge", has_text="ambassadeur").first.wait_for()
    shot(customer, "community-question")

    # 2. Sign in by e-mail link: ask for it, open it from the mail, confirm.
    customer.goto(f"{community}signin")
    customer.fill("#f-email", "noor@klant.example")
    customer.fill("#f-display_name", "Noor")
    customer.locator("main button.primary").click()
    customer.locator("text=Kijk in je mail").first.wait_for()
    link = _sign_in_link(Path(env["REGIE_VAR_DIR"]), "noor@klant.example")
    customer.goto("/" + link.split("/", 3)[3])  # the path: the link's host is the instance's BASE_URL
    customer.locator("main button.primary").click()
    customer.locator("text=Ingelogd als Noor").first.wait_for()

    # 3. Her first question waits for a moderator (the demo tenant's mode).
    customer.goto(f"{community}ask")
    customer.fill("#f-title", "Vergoedt Vitaal een sportbril op sterkte?")
    customer.locator("main button.primary").click()
    customer.locator("text=Wacht op een moderator").first.wait_for()
    shot(customer, "community-pending")

    # 4. Staff approve it in the moderation queue; then everyone sees it.
    staff = _sign_in(browser, server, AGENT)
    staff.goto(f"{community}moderation/")
    waiting = staff.locator("tr", has_text="sportbril").filter(has=staff.locator("button[value=approve]"))
    waiting.wait_for()
    shot(staff, "community-moderation")
    waiting.locator("button[value=approve]").click()
    waiting.wait_for(state="detached")  # out of the queue, into "questions without an answer"
    assert staff.locator("tr", has_text="sportbril").count() == 1
    anonymous = browser.new_context(base_url=server, locale="nl-NL").new_page()
    anonymous.goto(community)
    assert "Vergoedt Vitaal een sportbril op sterkte?" in anonymous.content()
    shot(anonymous, "community-published")
