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
REGIE_HOLDERS = {"vitaal": REGIE, "zuiderhaven": ("s.bakker@zuiderhaven.example", "Regie-demo-2026")}
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
    link.evaluate("a => { const group = a.closest('details'); if (group) group.open = true; }")  # a folded group
    link.click()
    page.wait_for_url("**/t/vitaal/dashboard/")
    page.wait_for_function("() => document.querySelector('nav.sidenav a.active') !== null")
    assert page.evaluate("window.__stay") == "boosted", "htmx boost still swaps pages"
    assert _violations(page, console) == []


def _problems(page: Any) -> list[str]:
    """Every console message about the CSP, and every answer of 400 or more the page's own resources got
    (the page itself may be a 404 on purpose; the icon may not)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    page.context.add_init_script(LISTENER)
    return problems


def test_every_main_page_of_both_tenants_is_clean_in_the_console(browser: Any,
                                                                 demo_server: tuple[str, dict[str, str]]) -> None:
    """Each page the sidebar of either demo organisation leads to: no CSP violation (console or event), no
    failed resource, an icon linked and answered (no favicon 404), also at /favicon.ico."""
    server, _env = demo_server
    for slug, who in REGIE_HOLDERS.items():
        page = signed_in_page(browser, server, slug, who)
        problems = _problems(page)
        page.goto(f"/t/{slug}/")
        paths = page.evaluate("(slug) => [...new Set([...document.querySelectorAll('nav a[href]')]"
                              ".map(a => a.getAttribute('href')).filter(h => h.startsWith(`/t/${slug}/`)))]", slug)
        assert len(paths) >= 10, paths
        for path in [*paths, f"/t/{slug}/no-such-page"]:
            response = page.goto(path)
            assert response is not None and response.status == (404 if "no-such" in path else 200), path
            page.wait_for_load_state("load")
            page.wait_for_timeout(150)  # charts.js runs on DOMContentLoaded; let violations surface
            found = [*page.evaluate("window.__csp || []"), *problems]
            assert found == [], f"{path}: {found}"
            assert page.locator("link[rel=icon]").count() == 1, f"{path}: no icon linked"
            assert page.request.get(page.locator("link[rel=icon]").get_attribute("href")).status == 200, path
        favicon = page.request.get("/favicon.ico")
        assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/svg+xml")
        page.context.close()
