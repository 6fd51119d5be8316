"""The content calendar in a real browser (demo data: Vitaal's hub plans on its accounts): a scheduled post is
dragged to another day and the calendar reloads with it there, at the same time of day; the draft editor counts
the characters as the marketer types, links counted as short links, and shows the preview per account."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_main_path import signed_in_page

pytestmark = pytest.mark.e2e
HUB = ("l.visser@vitaal.example", "Regie-demo-2026")
BASE = "/t/vitaal/p/talking"
SCHEDULED = {1: "Premievergelijker: let op je aanvullende pakket", 2: "Tip: gezond de winter door",
             6: "Overstappen: laatste week"}
"""The demo's scheduled posts, by their day after today."""


def _grid(month: date) -> list[date]:
    first = month - timedelta(days=month.weekday())
    after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = after - timedelta(days=1)
    last += timedelta(days=6 - last.weekday())
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_drag_a_post_to_another_day(browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any) -> None:
    server, _env = demo_server
    page = signed_in_page(browser, server, "vitaal", HUB)
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    offset, title, target = next(
        (o, t, d) for o, t in SCHEDULED.items() for d in _grid((today + timedelta(days=o)).replace(day=1))
        if d > today + timedelta(days=o) and d.month == (today + timedelta(days=o)).month)
    day = today + timedelta(days=offset)
    page.goto(f"{BASE}/?month={day:%Y-%m}")
    card = page.locator(f'td[data-drop-day="{day.isoformat()}"] a.cal-post', has_text=title)
    time_of_day = card.locator(".cal-time").inner_text()
    shot(page, "calendar-month")
    card.drag_to(page.locator(f'td[data-drop-day="{target.isoformat()}"]'))
    moved = page.locator(f'td[data-drop-day="{target.isoformat()}"] a.cal-post', has_text=title)
    moved.wait_for()
    assert moved.locator(".cal-time").inner_text() == time_of_day
    assert page.locator(f'td[data-drop-day="{day.isoformat()}"] a.cal-post', has_text=title).count() == 0
    shot(page, "calendar-after-drag")
    moved.click()
    page.wait_for_url(f"**{BASE}/posts/*")
    assert page.locator("#f-publish_at").input_value().startswith(target.isoformat())


def test_the_editor_counts_and_previews(browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any) -> None:
    server, _env = demo_server
    page = signed_in_page(browser, server, "vitaal", HUB)
    page.goto(f"{BASE}/posts/new")
    x = page.locator("fieldset.variant[data-platform=x]")
    area = x.locator("textarea")
    area.fill("Kijk op https://vitaal.example/een-heel-lang-adres-dat-kort-wordt-in-het-bericht")
    count = int(x.locator("output.count").inner_text())
    assert count == len("Kijk op ") + int(area.get_attribute("data-count-link"))
    area.fill("x" * 281)
    assert "over" in (x.locator("output.count").get_attribute("class") or "")
    area.fill("Hallo https://vitaal.example/a")
    x.locator("article.post-card a[href='https://vitaal.example/a']").wait_for()
    shot(page, "editor-preview")
