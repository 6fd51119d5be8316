"""The layout and the wording of the demo's main pages at 1,366 px, in Dutch, in a real browser.

At that width (a common laptop) no page is wider than the window, not even a case whose note holds a very
long URL; the top bar stays one line; the side navigation is grouped by area with the current area open;
tables in cards show all their columns. The visible text of every page reads as Dutch written for people:
no scientific notation, no English decimal point, no "dag(en)" or "KPI('s)", no raw keys such as
"monitoring.negative_share" or "webcare.sla_warning", no "@@handle", no UTC times.

Starts from `regie demo` (two organisations); screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.core.test_i18n import WRONG_TEXT
from tests.e2e.test_main_path import settle_after

pytestmark = pytest.mark.e2e
WIDTH = 1366
PASSWORD = "Regie-demo-2026"
VITAAL = ("vitaal", "l.visser@vitaal.example")
ZUIDERHAVEN = ("zuiderhaven", "s.bakker@zuiderhaven.example")
MEDIATOR = "adviseur@regie-advies.example"
HEADER_ONE_LINE = 60
"""px: the top bar is about 47 px high on one line and about 75 px once it wraps."""

VITAAL_PAGES = ["/t/vitaal/", "/t/vitaal/roadmap/", "/t/vitaal/starting-points/", "/t/vitaal/policy/",
                "/t/vitaal/dashboard/", "/t/vitaal/measurements/",
                "/t/vitaal/measurements/?kpi=monitoring.negative_share",
                "/t/vitaal/evidence/", "/t/vitaal/audit/", "/t/vitaal/notifications/", "/t/vitaal/trainings/",
                "/t/vitaal/p/monitoring/", "/t/vitaal/p/monitoring/mentions/", "/t/vitaal/p/monitoring/alerts/",
                "/t/vitaal/p/monitoring/conversation-index/", "/t/vitaal/p/monitoring/profiles/",
                "/t/vitaal/p/monitoring/sources/", "/t/vitaal/p/webcare/", "/t/vitaal/p/webcare/kpis/",
                "/t/vitaal/p/webcare/settings/", "/t/vitaal/p/webcare/approvals/", "/t/vitaal/p/talking/",
                "/t/vitaal/p/talking/?view=week", "/t/vitaal/p/talking/?view=list&when=all",
                "/t/vitaal/p/talking/campaigns/", "/t/vitaal/p/talking/posts/new"]
ZUIDERHAVEN_PAGES = ["/t/zuiderhaven/", "/t/zuiderhaven/roadmap/", "/t/zuiderhaven/starting-points/",
                     "/t/zuiderhaven/dashboard/", "/t/zuiderhaven/measurements/", "/t/zuiderhaven/audit/"]
MEDIATOR_PAGES = ["/mediator/", "/mediator/comparison/"]


def _page(browser: Any, server: str, login: str, email: str) -> Any:
    """A Dutch browser window 1,366 px wide, signed in."""
    page = browser.new_context(base_url=server, locale="nl-NL", viewport={"width": WIDTH, "height": 800}).new_page()
    page.goto(login)
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    settle_after(page, page.locator("main form button[type=submit]"))
    return page


def _open(page: Any, path: str) -> dict[str, Any]:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("load")
    return page.evaluate("""() => ({
        scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
        header: document.querySelector('header.topbar').getBoundingClientRect().height,
        text: (() => {  // what a reader reads: deliberate code (a KPI's key in its definition, a query) aside
            const main = document.querySelector('main').cloneNode(true);
            main.querySelectorAll('code').forEach(c => c.remove());
            document.body.appendChild(main);
            const text = main.innerText;
            main.remove();
            return text; })()})""")


def _check(page: Any, path: str, shot: Any) -> str:
    """The page fits the window, its top bar is one line, and its text has none of the wrong forms."""
    seen = _open(page, path)
    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/"))[:60] or "home"
    if seen["scroll"] > seen["client"] or seen["header"] > HEADER_ONE_LINE:
        shot(page, name)
    assert seen["scroll"] <= seen["client"], f"{path} is {seen['scroll']} px wide in a {seen['client']} px window"
    assert seen["header"] <= HEADER_ONE_LINE, f"the top bar wraps on {path}: {seen['header']} px"
    for what, pattern in WRONG_TEXT.items():
        found = pattern.search(seen["text"])
        assert found is None, f"{what} on {path}: …{seen['text'][max(0, found.start() - 60):found.end() + 40]}…"
    return seen["text"]


def test_main_pages_fit_1366_px_and_read_as_dutch(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                 shot: Any) -> None:
    server, _env = demo_server
    page = _page(browser, server, "/t/vitaal/login", VITAAL[1])
    for path in VITAAL_PAGES:
        _check(page, path, shot)
    # one of each kind of detail page: a case, a mention (its author's handle), an alert
    for listing, link in (("/t/vitaal/p/webcare/", "a[href*='/p/webcare/cases/']"),
                          ("/t/vitaal/p/monitoring/mentions/", "a[href*='/p/monitoring/mentions/']"),
                          ("/t/vitaal/p/monitoring/alerts/", "a[href*='/p/monitoring/alerts/']")):
        page.goto(listing)
        hrefs = [h for h in page.locator(link).evaluate_all("els => els.map(e => e.getAttribute('href'))")
                 if re.search(r"/[0-9a-f-]{36}$", h or "")]
        assert hrefs, f"no detail link on {listing}"
        _check(page, hrefs[0], shot)

    zuiderhaven = _page(browser, server, "/t/zuiderhaven/login", ZUIDERHAVEN[1])
    for path in ZUIDERHAVEN_PAGES:
        _check(zuiderhaven, path, shot)
    mediator = _page(browser, server, "/login", MEDIATOR)
    for path in MEDIATOR_PAGES:
        _check(mediator, path, shot)


def test_a_long_url_in_a_case_note_wraps_inside_the_page(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                         shot: Any) -> None:
    server, _env = demo_server
    page = _page(browser, server, "/t/vitaal/login", VITAAL[1])
    page.goto("/t/vitaal/p/webcare/")
    case = page.locator("a[href*='/p/webcare/cases/']").first.get_attribute("href")
    page.goto(case)
    # one unbroken word of 2,400 characters (no hyphen or space to break at), as a tracking link is
    url = "https://voorbeeld.example/r?u=" + "aHR0cHM6Ly93d3cudml0YWFsLmV4YW1wbGU" * 70
    page.fill("#f-note", url)
    with page.expect_response(lambda r: r.url.endswith("/note")) as answer:
        page.locator("form[action$='/note'] button[type=submit]").click()
    assert answer.value.status in (200, 303), answer.value.status
    page.goto(case)
    assert url in page.locator("main").inner_text()
    seen = _open(page, case)
    shot(page, "case-with-a-long-url")
    assert seen["scroll"] <= seen["client"], f"the note widens the page to {seen['scroll']} px"


def test_the_navigation_is_grouped_by_area_with_the_current_area_open(
        browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any) -> None:
    server, _env = demo_server
    page = _page(browser, server, "/t/vitaal/login", VITAAL[1])
    page.goto("/t/vitaal/dashboard/")
    groups = page.evaluate("""() => [...document.querySelectorAll('nav.sidenav details.nav-group')].map(d => ({
        area: d.dataset.area, plugin: d.dataset.plugin || '', open: d.open,
        links: [...d.querySelectorAll('a')].map(a => a.getAttribute('href'))}))""")
    areas = [g["area"] for g in groups]
    assert areas[:2] == ["organisation", "measurement"] and areas[-1] == "administration", areas
    plugins = {g["plugin"] for g in groups if g["area"] == "plugins"}
    assert plugins == {"cocreation", "energizing", "monitoring", "talking", "webcare"}
    assert [g["area"] for g in groups if g["open"]] == ["measurement"], "only the current area is open"
    by_area = {(g["area"], g["plugin"]): g["links"] for g in groups}
    assert "/t/vitaal/dashboard/" in by_area[("measurement", "")]
    assert "/t/vitaal/audit/" in by_area[("administration", "")]
    assert "/t/vitaal/p/webcare/kpis/" in by_area[("plugins", "webcare")]
    # a closed group hides its links; clicking its name opens it
    assert not page.locator("nav.sidenav a[href='/t/vitaal/roadmap/']").is_visible()
    page.locator("details.nav-group[data-area=organisation] > summary").click()
    assert page.locator("nav.sidenav a[href='/t/vitaal/roadmap/']").is_visible()
    page.goto("/t/vitaal/p/webcare/kpis/")
    open_now = page.evaluate("""() => [...document.querySelectorAll('nav.sidenav details[open]')]
        .map(d => d.dataset.plugin || d.dataset.area)""")
    assert open_now == ["webcare"]
    assert page.locator("nav.sidenav a[aria-current=page]").get_attribute("href") == "/t/vitaal/p/webcare/kpis/"
    shot(page, "navigation-on-a-plugin-page")


def test_tables_in_cards_show_every_column(browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any) -> None:
    """The buzz dashboard's rankings (top authors with reach and mentions, places) fit their cards."""
    server, _env = demo_server
    page = _page(browser, server, "/t/vitaal/login", VITAAL[1])
    page.goto("/t/vitaal/p/monitoring/")
    cut = page.evaluate("""() => [...document.querySelectorAll('.card table')].filter(t => {
        const card = t.closest('.card');
        return t.getBoundingClientRect().right > card.getBoundingClientRect().right + 0.5
            || t.scrollWidth > t.clientWidth + 1 || card.scrollWidth > card.clientWidth; })
        .map(t => t.closest('.card').querySelector('h2')?.innerText)""")
    shot(page, "buzz-rankings")
    assert cut == [], f"tables cut off in: {cut}"
    headers = page.locator(".card table th").all_inner_texts()
    assert "Bereik" in headers and headers.count("Vermeldingen") >= 3


def test_chart_labels_are_dates_in_the_reader_s_language(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                          shot: Any) -> None:
    """A chart's days read "7 dec", not "2026-12-07" (the server sends ISO days; charts.js writes them)."""
    server, _env = demo_server
    page = _page(browser, server, "/t/vitaal/login", VITAAL[1])
    page.goto("/t/vitaal/p/monitoring/")
    page.wait_for_selector("canvas[data-chart-ready]")
    labels = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart-ready]')]
        .flatMap(c => window.Chart.getChart(c).data.labels.map(String))""")
    assert labels and not [x for x in labels if re.fullmatch(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?", x)], labels[:5]
    assert any(re.fullmatch(r"\d{1,2} [a-z]{3}\.?", x) for x in labels), labels[:5]
