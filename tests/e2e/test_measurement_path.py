"""Measurement in a real browser: the regie holder writes a new methodology version → sets a target on one of
its KPIs → sees the KPI against that target on the organisation dashboard → generates the quarterly report,
watches its progress bar finish, reads the report and downloads its PDF.

Starts from `regie demo` (Vitaal measures since five weeks: the demo wrote methodology version 1 and the daily
snapshots of its plugins' data); screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.test_main_path import settle_after, signed_in_page

pytestmark = pytest.mark.e2e
REGIE = ("l.visser@vitaal.example", "Regie-demo-2026")
BASE = "/t/vitaal"
KPI_LINES = "\n".join([
    "monitoring.volume | Vermeldingen | Vermeldingen per dag | monitoring | plugin | count | Communicatie & Marketing",
    "monitoring.negative_share | Aandeel negatief | Moet dalen | monitoring | plugin | percent | "
    "Communicatie & Marketing",
    "monitoring.reach | Bereik | Opgeteld bereik van de auteurs | monitoring | plugin | count | "
    "Communicatie & Marketing",
    "webcare.cases | Webcare-cases | Geopende cases | webcare | plugin | count | Klantenservice",
    "leads | Leads | Zakelijke leads uit het CRM | CRM | manual | count | Zakelijke Markt",
])


def _quarter() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = {1: "03-31", 4: "06-30", 7: "09-30", 10: "12-31"}[first_month]
    return f"{today.year}-{first_month:02d}-01", f"{today.year}-{end}"


def test_methodology_target_dashboard_and_quarterly_report(browser: Any, demo_server: tuple[str, dict[str, str]],
                                                           shot: Any) -> None:
    server, _env = demo_server
    page = signed_in_page(browser, server, "vitaal", REGIE)

    # 1. A new methodology version: webcare's first-response median is dropped, so the reason is required.
    page.goto(f"{BASE}/evidence/methodology")
    assert "Versie 1" in page.content()
    page.fill("#f-kpis", KPI_LINES)
    page.fill("#f-reason", "Reactietijd meten we voortaan in het webcare-rapport; bereik blijft.")
    settle_after(page, page.locator(f'form[action="{BASE}/evidence/methodology"] button[type=submit]'))
    assert "Versie 2" in page.content()
    shot(page, "methodology")

    # 2. A target for reach this quarter, with its rationale.
    start, end = _quarter()
    page.goto(f"{BASE}/evidence/targets")
    page.select_option("#f-kpi", "monitoring.reach")
    page.fill("#f-period_start", start)
    page.fill("#f-period_end", end)
    page.fill("#f-value", "30000000")
    page.fill("#f-rationale", "Dertig miljoen bereik in het overstapseizoen")
    settle_after(page, page.locator(f'form[action="{BASE}/evidence/targets"] button[type=submit]'))
    targets = page.locator("#targets table")
    assert "Dertig miljoen bereik" in targets.inner_text()
    shot(page, "target")

    # 3. The dashboard shows reach against that target, with the methodology version it uses.
    page.goto(f"{BASE}/dashboard/")
    reach = page.locator('article[data-kpi="monitoring.reach"]')
    reach.wait_for()
    text = reach.inner_text()
    assert "Bereik" in text and "Dertig miljoen bereik" in text
    assert reach.locator("progress").count() >= 1
    assert reach.locator("canvas").count() == 1  # the trend chart
    assert page.locator("[data-methodology]").inner_text() == "Methodiekversie 2"
    assert page.locator('article[data-kpi="webcare.first_response_median"]').count() == 0
    shot(page, "dashboard")

    # 4. The quarterly report: generated as a job, its progress bar finishes, the report reads back the KPIs.
    page.goto(f"{BASE}/reports/")
    assert page.input_value("#f-period_start")  # the last full quarter by default; here: this quarter so far
    page.fill("#f-title", "Kwartaalrapportage Q4 tot nu toe")
    page.fill("#f-period_start", start)
    page.fill("#f-period_end", (datetime.now(UTC).date() - timedelta(days=1)).isoformat())
    page.fill("#f-strategy", "Luisteren, snel antwoorden en zakelijke gesprekken opvolgen.")
    page.fill("#f-fte", "2,5")
    page.fill("#f-budget", "15000")
    page.fill("#f-growth_scenarios", "Ambassadeurs in het tweede kwartaal.")
    settle_after(page, page.locator(f'form[action="{BASE}/reports/"] button[type=submit]'))
    page.wait_for_selector("progress")
    shot(page, "report-progress")
    page.wait_for_selector(".progress-box a", timeout=90_000)  # done: "show the result"
    page.goto(page.url)  # the finished report page
    content = page.locator("main").inner_text()
    assert "Kwartaalrapportage Q4 tot nu toe" in content
    assert "Bereik" in content and "Leads" in content and "Dertig miljoen bereik" in content
    assert "In deze periode is niets gemeten" not in content
    assert page.locator("main img[src^='data:image/png']").count() >= 2  # the charts
    assert "Luisteren, snel antwoorden" in content
    assert "2,5" in content and "15.000" in content
    assert "Methodiekversie 1" in content  # the version in force in the period (v2 is from today)
    shot(page, "report")
    pdf_href = page.locator('a[href$="/pdf"]').first.get_attribute("href")
    answer = page.request.get(pdf_href)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-" and len(answer.body()) > 20_000
