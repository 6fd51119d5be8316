"""Refusals in a real browser, with htmx boosting every form and link (starts from `regie demo`):

- a refused form post shows its translated reason next to the form that was sent, and nothing else on the
  page changes (before, htmx dropped a 403 or 409 answer and the click seemed to do nothing);
- a boosted link to a page that answers with an error shows that error page;
- "back" after signing out shows no signed-in page (htmx kept snapshots of pages in localStorage and restored
  them without asking the server; the server's pages were cacheable).

Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.e2e.test_main_path import settle_after, signed_in_page

pytestmark = pytest.mark.e2e
PASSWORD = "Regie-demo-2026"
REGIE = ("l.visser@vitaal.example", PASSWORD)
AGENT = ("a.yilmaz@vitaal.example", PASSWORD)
REFUSED = ".request-refused"


def _set_member(env: dict[str, str], email: str, active: bool) -> None:
    """Take someone out of the organisation (or back in) behind the browser's back, as an admin elsewhere would."""
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        db.execute("UPDATE membership SET is_active = ? WHERE user_id = (SELECT id FROM user_account WHERE email = ?)",
                   (1 if active else 0, email))


def answered(page: Any, locator: Any) -> None:
    """Click something that sends an htmx request and wait until its answer has been handled (swapped or not).
    Only that request's answer counts: the page's own polls (the inbox asks every second) answer meanwhile."""
    locator.evaluate("""(clicked) => {
        window.__answered = false;
        const done = (event) => {
            const sent = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
            if (!sent || !(sent === clicked || sent.contains(clicked) || clicked.contains(sent))) { return; }
            window.__answered = true;
            document.removeEventListener('htmx:afterRequest', done);
        };
        document.addEventListener('htmx:afterRequest', done);
    }""")
    locator.click()
    page.wait_for_function("() => window.__answered === true")


def boosted_link(page: Any, href: str) -> Any:
    """A link in the page's main content that htmx boosts, as every link of a page is (whatever menu holds it)."""
    page.evaluate("""(href) => { const a = document.createElement('a'); a.href = href; a.className = 'e2e-link';
        a.textContent = href; document.querySelector('main').prepend(a); htmx.process(a); }""", href)
    return page.locator(f"a.e2e-link[href='{href}']")


def _refusal_before(page: Any, form: str) -> str:
    """The text of the refusal shown right before `form` (waits for it)."""
    page.wait_for_selector(f"{REFUSED} + {form}")
    return page.locator(f"{REFUSED}:has(+ {form})").inner_text()


def test_a_refused_form_post_shows_its_reason_where_it_was_sent(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                               shot: Any) -> None:
    server, env = demo_server

    # 403: the page was opened while allowed; the person was taken out of the organisation before the click
    page = signed_in_page(browser, server, "vitaal", AGENT)
    page.goto("/t/vitaal/p/webcare/")
    form = "form[action$='/p/webcare/availability']"
    assert page.locator(form).count() == 1
    _set_member(env, AGENT[0], active=False)
    try:
        page.locator(f"{form} button").click()
        assert _refusal_before(page, form) == "Je mag dit niet doen."
        assert page.locator(f"{REFUSED}:has(+ {form})").get_attribute("role") == "alert"
        assert page.url.endswith("/t/vitaal/p/webcare/") and page.locator("main h1").inner_text() == "Inbox"
        shot(page, "refused-403")
        # the same form refused again: one reason, not a pile of them
        answered(page, page.locator(f"{form} button"))
        assert page.locator(f"{REFUSED}:has(+ {form})").count() == 1
        assert page.locator(f"{REFUSED} + {REFUSED}").count() == 0
    finally:
        _set_member(env, AGENT[0], active=True)
    page.context.close()

    # 409: two windows on one case; the second acts on what it saw before the first changed the case
    first = signed_in_page(browser, server, "vitaal", REGIE)
    first.goto("/t/vitaal/p/webcare/")
    case = first.locator("a[href*='/p/webcare/cases/']").first.get_attribute("href")
    assert case
    second = first.context.new_page()
    second.goto(case)
    first.goto(case)
    priority = first.locator("form:has(select[name=priority])")
    current = priority.locator("select").input_value()
    priority.locator("select").select_option("low" if current != "low" else "high")
    # wait for the change itself (its redirect to the case page), not for any swap: the replies panel and the
    # presence line load by themselves and would settle first on a slow machine
    with first.expect_response(lambda r: r.request.method == "GET" and r.url.split("?")[0].endswith(case)):
        priority.locator("button").click()
    note = "Klant teruggebeld, wacht op reactie"
    second.fill("#f-note", note)
    second.locator("form[action$='/note'] button").click()
    reason = _refusal_before(second, "form[action$='/note']")
    assert "Iemand anders heeft deze case intussen gewijzigd" in reason
    assert second.input_value("#f-note") == note  # what was typed is still there to send again
    shot(second, "refused-409")
    second.reload()
    assert note not in second.locator("#timeline").inner_text()  # nothing was saved

    # a boosted link to a page that does not exist shows the error page, under its address
    second.evaluate("window.__stay = 'boosted'")
    boosted_link(second, "/t/vitaal/no-such-page").click()
    second.wait_for_url("**/t/vitaal/no-such-page")
    second.wait_for_selector("section[data-error-page]")
    assert second.locator("main h1").inner_text() == "Niet gevonden"
    assert second.evaluate("window.__stay") == "boosted"  # swapped in by htmx, not a full load
    first.context.close()


def test_back_after_sign_out_shows_no_signed_in_page(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                     shot: Any) -> None:
    server, _env = demo_server
    page = signed_in_page(browser, server, "vitaal", REGIE)
    page.evaluate("window.__stay = 'boosted'")
    settle_after(page, boosted_link(page, "/t/vitaal/people/"))
    assert page.evaluate("window.__stay") == "boosted"  # one document: what htmx keeps for "back" matters
    assert "a.yilmaz@vitaal.example" in page.content()
    settle_after(page, page.locator("form[action='/t/vitaal/logout'] button"))
    assert page.locator("#f-password").count() == 1
    page.go_back()
    page.wait_for_load_state("load")
    page.wait_for_selector("#f-password")  # the server was asked again: it wants a sign-in
    shot(page, "back-after-sign-out")
    assert "a.yilmaz@vitaal.example" not in page.content()
    assert page.evaluate("() => localStorage.getItem('htmx-history-cache') || '[]'") == "[]"

    # also for a page loaded in full (not through htmx) before signing out
    page = signed_in_page(browser, server, "vitaal", REGIE)
    response = page.goto("/t/vitaal/people/")
    assert response is not None and response.headers["cache-control"] == "no-store"
    settle_after(page, page.locator("form[action='/t/vitaal/logout'] button"))
    page.go_back()
    page.wait_for_load_state("load")
    page.wait_for_selector("#f-password")
    assert "a.yilmaz@vitaal.example" not in page.content()
