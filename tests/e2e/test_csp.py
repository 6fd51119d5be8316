"""The strict Content-Security-Policy in a real browser: the demo's main pages report no violation, and
what the policy could break still works (htmx-boosted navigation, Chart.js charts drawn on canvas).

Starts from `regie demo`; a `securitypolicyviolation` listener is installed before any page script runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_main_path import signed_in_page

pytestmark = pytest.mark.e2e
REGIE = ("l.visser@vitaal.example", "Regie-demo-2026")
LISTENER = ("window.__csp = []; document.addEventListener('securitypolicyviolation', e => "
            "window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + "
            "(e.sourceFile || '') + ':' + e.lineNumber));")
PAGES = ["/t/vitaal/", "/t/vitaal/dashboard/", "/t/vitaal/p/monitoring/", "/t/vitaal/p/monitoring/mentions/",
         "/t/vitaal/p/webcare/", "/t/vitaal/reports/", "/t/vitaal/digest/", "/t/vitaal/no-such-page"]


def _watch(page: Any) -> list[str]:
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.context.add_init_script(LISTENER)
    return console


def _violations(page: Any, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *console]


def test_main_pages_have_no_csp_violation_and_still_work(browser: Any,
                                                         demo_server: tuple[str, dict[str, str]]) -> None:
    server, _env = demo_server
    page = signed_in_page(browser, server, "vitaal", REGIE)
    console = _watch(page)
    charts = 0
    for path in PAGES:
        response = page.goto(path)
        assert response is not None
        assert response.status == (404 if "no-such" in path else 200), path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # charts.js runs on DOMContentLoaded; let violations surface
        charts += page.locator("canvas[data-chart-ready]").count()
        assert _violations(page, console) == [], f"CSP violation on {path}: {_violations(page, console)}"

    # A chart is really drawn (pixels on the canvas), not only an empty element.
    page.goto("/t/vitaal/dashboard/")
    if not page.locator("canvas[data-chart]").count():
        page.goto("/t/vitaal/p/monitoring/")
    page.wait_for_selector("canvas[data-chart-ready]")
    drawn = page.evaluate("""() => {
        const c = document.querySelector('canvas[data-chart-ready]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
        return false; }""")
    assert charts >= 1 and drawn, "Chart.js draws under the CSP"

    # htmx-boosted navigation: the page is swapped, not reloaded (a marker on window survives).
    page.goto("/t/vitaal/")
    page.evaluate("window.__stay = 'boosted'")
    link = page.locator("nav.sidenav a[href='/t/vitaal/dashboard/']")
    link.click()
    page.wait_for_url("**/t/vitaal/dashboard/")
    page.wait_for_function("() => document.querySelector('nav.sidenav a.active') !== null")
    assert page.evaluate("window.__stay") == "boosted", "htmx boost still swaps pages"
    assert _violations(page, console) == []
