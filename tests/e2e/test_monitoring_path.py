"""Listening in a real browser: create a search profile → ingest mentions through the API → see the buzz
dashboard with its charts → correct a mention's sentiment in the list.

Starts from `regie demo` (Vitaal listens with monitoring); screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ROOT
from tests.e2e.test_main_path import settle_after, signed_in_page

pytestmark = pytest.mark.e2e
REGIE = ("l.visser@vitaal.example", "Regie-demo-2026")
BASE = "/t/vitaal/p/monitoring"


def _token(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "core.cli.main", "token", "create", "--tenant", "vitaal",
                          "--email", REGIE[0], "--name", "e2e", "--scopes", "write"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return re.search(r"rg_\S+", out).group(0)  # type: ignore[union-attr]


def _items() -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    texts = ["Vitaal heeft een storing aan de declaratie-app, al {n} uur niets ingediend. Waardeloos!",
             "Weer een storing bij Vitaal, inloggen lukt niet en de wachttijd is {n} minuten.",
             "Storing bij Vitaal is na {n} minuten opgelost, netjes gecommuniceerd. Top!"]
    return [{"external_id": f"e2e-{n}", "published_at": (now - timedelta(minutes=5 * n)).isoformat(),
             "body": texts[n % 3].format(n=n + 2), "author_handle": f"klant{n}", "author_reach": 100 * n,
             "url": f"https://forum.example/t/{n}"} for n in range(9)]


def test_profile_ingest_dashboard_and_correction(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                 shot: Any) -> None:
    server, env = demo_server
    page = signed_in_page(browser, server, "vitaal", REGIE)

    # 1. A search profile, with a query the parser checks.
    page.goto(f"{BASE}/profiles/new")
    page.fill("#f-name", "Storingen")
    page.fill("#f-query", "vitaal AND (storing OR storingen)")
    shot(page, "profile-form")
    settle_after(page, page.locator("#profile-form button[type=submit]"))
    assert "Storingen" in page.content()
    shot(page, "profile-saved")

    # 2. Another tool pushes mentions in through the ingestion API with a tenant token.
    answer = httpx.post(f"{server}/api/v1{BASE.replace('/p/', '/')}/mentions/ingest",
                        headers={"authorization": f"Bearer {_token(env)}"},
                        json={"source": "Zorgforum", "items": _items()}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 9

    # 3. The buzz dashboard shows the profile's volume as charts.
    page.goto(f"{BASE}/")
    page.wait_for_selector("canvas[data-chart-ready]")
    assert page.locator("canvas[data-chart-ready]").count() >= 2
    assert "Storingen" in page.content()
    shot(page, "dashboard")

    # 4. A person corrects a sentiment in the mention list; the row changes in place.
    page.goto(f"{BASE}/mentions/?q=opgelost")
    row = page.locator("tbody tr").first
    assert "opgelost" in row.inner_text()
    settle_after(page, row.locator("button[value=neutral]"))
    row = page.locator("tbody tr").first
    assert "door een persoon" in row.inner_text() and "neutraal" in row.inner_text()
    shot(page, "corrected")
