"""Second factor in a real browser: a mediator (who must use MFA) signs in, is sent to the setup, scans
(reads) the key, confirms with a code, sees the recovery codes once; then signs in again with a code.

Screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from tests.e2e.conftest import MEDIATOR, _serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mfa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty instance with one mediator, MFA enforced as in production."""
    for url, _env in _serve(tmp_path_factory.mktemp("e2e-mfa"), "mediator", {"REGIE_MFA_ENFORCED": "1"}):
        yield url


def submit(page: Any) -> None:
    """Submit the page's main form (boosted by htmx) and wait for the swapped answer."""
    page.evaluate("window.__settled = false; document.addEventListener('htmx:afterSettle', "
                  "() => { window.__settled = true; }, {once: true})")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_function("() => window.__settled === true")


def password_step(browser: Any, server: str) -> Any:
    page = browser.new_context(base_url=server, locale="nl-NL").new_page()
    page.goto("/login")
    page.fill("#f-email", MEDIATOR[0])
    page.fill("#f-password", MEDIATOR[1])
    submit(page)
    return page


def test_mediator_enrols_and_signs_in_with_a_code(browser: Any, mfa_server: str, shot: Any) -> None:
    page = password_step(browser, mfa_server)
    assert page.url.endswith("/mfa/setup")
    assert page.locator("img.mfa-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("[data-testid=mfa-secret]").inner_text().replace(" ", "")
    shot(page, "setup")
    page.fill("#f-code", pyotp.TOTP(secret).now())
    submit(page)
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "recovery-codes")
    page.locator("a.button.primary").click()
    page.wait_for_url("**/mediator/")

    page = password_step(browser, mfa_server)
    assert page.url.endswith("/mfa/verify")
    page.fill("#f-code", pyotp.TOTP(secret).at(time.time() + 30))  # a later step than the enrolment's
    shot(page, "verify")
    submit(page)
    assert page.url.endswith("/mediator/")
    shot(page, "signed-in")
