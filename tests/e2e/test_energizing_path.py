"""Energizing in a real browser, the whole way from a survey to a qualified lead: sales uploads a contact list and
sends the invitations → a customer answers 10 and may be contacted → sales invites her to the ambassador
programme → she accepts by the mail link → signs in to the portal by e-mail link and completes a share mission
→ a visitor follows her short link to the lead form → sales qualifies the lead → the overview's widgets count it.

Starts from `regie demo` (Vitaal has energizing for Zakelijke Markt); screenshots land in test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_main_path import settle_after, signed_in_page

pytestmark = pytest.mark.e2e
SALES = ("r.dekker@vitaal.example", "Regie-demo-2026")
EN = "/t/vitaal/p/energizing"
CUSTOMER = "sanne.e2e@klant.example"
WHY = "De adviseur dacht echt met ons mee over het collectieve contract."
VISITOR = "joris.e2e@bedrijf.example"


def _mail_link(var_dir: Path, email: str, marker: str, timeout: float = 20) -> str:
    """The path of the link containing `marker` in the newest mail to `email` (the dev mailbox writes JSON)."""
    pattern = re.compile(r"https?://\S+" + re.escape(marker) + r"\S+")
    deadline = time.time() + timeout
    while time.time() < deadline:
        mails = sorted((var_dir / "outbox").glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in mails:
            mail = json.loads(path.read_text())
            found = pattern.search(mail.get("text", "")) if mail.get("to") == email else None
            if found:
                return "/" + found.group(0).split("/", 3)[3]  # the path: the link's host is the instance's BASE_URL
        time.sleep(0.2)
    raise AssertionError(f"no mail to {email} with {marker}")


def _figures(page: Any) -> dict[str, int | None]:
    """The energizing widgets' figures on the tenant's overview (None: a stored figure not computed yet)."""
    page.goto("/t/vitaal/")
    page.locator("[data-widget=energizing-leads]").wait_for()
    texts = {"ambassadors": page.locator("[data-widget=energizing-ambassadors] strong").all_inner_texts(),
             "leads": page.locator("[data-widget=energizing-leads] strong").all_inner_texts()}
    assert len(texts["ambassadors"]) == 2 and len(texts["leads"]) == 2, texts
    number = [None if t == "—" else int(t.replace(".", "")) for t in texts["ambassadors"] + texts["leads"]]
    nps_text = page.locator("p.muted", has_text="NPS van de laatste 90 dagen").first.inner_text()
    return {"answers": int(re.search(r"(\d+) antwoorden", nps_text).group(1)),  # type: ignore[union-attr]
            "active": number[0], "completed": number[1], "leads": number[2], "qualified": number[3]}


def test_survey_to_qualified_lead(browser: Any, demo_server: tuple[str, dict[str, str]], shot: Any,
                                  tmp_path: Path) -> None:
    server, env = demo_server
    var_dir = Path(env["REGIE_VAR_DIR"])
    sales = signed_in_page(browser, server, "vitaal", SALES)
    before = _figures(sales)

    # 1. Sales uploads a contact list (one row without consent) and sends the survey's invitations.
    csv = tmp_path / "klanten.csv"
    csv.write_text(f"e-mail;naam;toestemming\n{CUSTOMER};Sanne de Wit;ja\ngeen.mail@klant.example;Piet;nee\n")
    sales.goto(f"{EN}/surveys/contacts/")
    sales.set_input_files("#f-file", str(csv))
    sales.locator("form[enctype] button.primary").click()
    sales.locator("#report").wait_for()
    assert sales.locator("#report tr[data-outcome=added]", has_text=CUSTOMER).count() == 1
    assert sales.locator("#report tr[data-outcome=skipped]", has_text="geen.mail@klant.example").count() == 1
    shot(sales, "contacts-uploaded")
    sales.goto(f"{EN}/surveys/")
    sales.locator("a", has_text="Klanttevredenheid 2026").first.click()
    sales.locator("form[action$='/send'] button").wait_for()
    survey_url = sales.url
    sales.locator("form[action$='/send'] button").click()
    sales.wait_for_url(re.compile(r".*\?progress=.*"))  # back on the survey, with the job's bar
    invitation = _mail_link(var_dir, CUSTOMER, "/s/i/")
    sales.locator(".progress-box:not([hx-get])").wait_for()  # the bar stops polling once the job is done
    assert "Uitnodigingen: Klanttevredenheid 2026" in sales.locator(".progress-box").inner_text()
    shot(sales, "invitations-sent")

    # 2. The customer answers 10 with why, and may be contacted (the form needs a few seconds to be filled in).
    customer = browser.new_context(base_url=server, locale="nl-NL").new_page()
    customer.goto(invitation)
    shown = time.time()
    customer.locator("input[name=score][value='10']").check()
    customer.fill("#f-why", WHY)
    customer.locator("input[name=may_contact]").check()
    shot(customer, "survey-answer")
    time.sleep(max(0.0, 3.2 - (time.time() - shown)))  # the form's minimum fill time: a bot answers at once
    customer.locator("main button.primary").click()
    customer.locator("[data-thanks]").wait_for()
    shot(customer, "survey-thanks")

    # 3. Sales sees her answer among the promoters and invites her to the ambassador programme.
    sales.goto(survey_url)
    row = sales.locator("tr", has_text=WHY)
    row.wait_for()
    row.locator("a").first.click()
    sales.locator("form[action$='/ambassador'] button").wait_for()
    assert "promotor" in sales.locator("main").inner_text().lower()
    shot(sales, "promoter-answer")
    sales.locator("form[action$='/ambassador'] button").click()
    sales.locator("text=Uitgenodigd voor het ambassadeursprogramma").first.wait_for()
    sales.goto(f"{EN}/ambassadors/?state=invited")
    candidate = sales.locator("tr", has_text=CUSTOMER).inner_text()
    assert "NPS-promotor" in candidate and "uitgenodigd" in candidate
    shot(sales, "ambassador-invited")

    # 4. She accepts by the link in the mail.
    customer.goto(_mail_link(var_dir, CUSTOMER, "/portal/consent/"))
    customer.locator("button[value=accept]").wait_for()
    shot(customer, "consent")
    customer.locator("button[value=accept]").click()
    customer.locator("text=Je bent nu ambassadeur").first.wait_for()
    shot(customer, "consent-accepted")

    # 5. Sales creates a share mission pointing to the lead form; she signs in by e-mail link and completes it.
    today = date.today()
    sales.goto(f"{EN}/missions/new")
    sales.fill("#f-title", "Stuur ons leadformulier door")
    sales.select_option("#f-kind", "share")
    sales.fill("#f-instructions", "Deel het formulier met een collega die een collectief contract zoekt.")
    sales.fill("#f-suggested_text", "Vitaal regelt ons collectieve contract goed, vraag hier een gesprek aan. #ad\n"
                                           "Team Vitaal")  # the published policy asks for its sign-off
    sales.fill("#f-target_url", f"{server}{EN}/lead")
    sales.fill("#f-points", "25")
    sales.fill("#f-starts_on", today.isoformat())
    sales.fill("#f-ends_on", (today + timedelta(days=30)).isoformat())
    settle_after(sales, sales.locator("main form button.primary").first)
    assert re.search(r"/missions/[0-9a-f-]{36}$", sales.url), sales.locator("main .error").all_inner_texts()
    shot(sales, "mission-created")

    customer.goto(f"{EN}/portal/signin")
    customer.fill("#f-email", CUSTOMER)
    customer.locator("main button.primary").click()
    customer.locator("text=Kijk in je mail").first.wait_for()
    customer.goto(_mail_link(var_dir, CUSTOMER, "/portal/signin/"))
    customer.locator("main button.primary").click()
    customer.wait_for_url(re.compile(r".*/portal/$"))
    shot(customer, "portal-home")
    customer.locator("a", has_text="Stuur ons leadformulier door").first.click()
    short = customer.locator("main code").first
    short.wait_for()
    short_url = short.inner_text()
    assert "/l/" in short_url
    shot(customer, "portal-mission")
    customer.locator("main form button.primary").click()
    customer.locator("text=Gedaan op").first.wait_for()
    shot(customer, "portal-mission-done")

    # 6. A visitor follows her short link to the lead form and leaves his details.
    visitor = browser.new_context(base_url=server, locale="nl-NL").new_page()
    visitor.goto("/" + short_url.split("/", 3)[3])
    visitor.wait_for_url(re.compile(r".*/energizing/lead\?.*ref=.*"))
    shown = time.time()
    visitor.fill("#f-name", "Joris Bakker")
    visitor.fill("#f-email", VISITOR)
    visitor.fill("#f-organisation", "Bakker Installatietechniek")
    visitor.fill("#f-message", "Wij zoeken een collectief contract voor 40 medewerkers.")
    visitor.locator("input[name=consent]").check()
    shot(visitor, "lead-form")
    time.sleep(max(0.0, 3.2 - (time.time() - shown)))  # the form's minimum fill time
    visitor.locator("main button.primary").click()
    visitor.wait_for_url(re.compile(r".*/lead/sent.*"))
    shot(visitor, "lead-sent")

    # 7. Sales finds the lead (source: ambassador, her) and qualifies it.
    sales.goto(f"{EN}/leads/")
    lead = sales.locator("tr", has_text="Joris Bakker")
    lead.wait_for()
    assert "Sanne" in lead.inner_text()
    lead.locator("a").first.click()
    sales.locator("form[action$='/state']").first.wait_for()
    shot(sales, "lead")
    sales.select_option("#f-state", "qualified")
    sales.locator("form[action$='/state'] button.primary").click()
    sales.locator("dd[data-state=qualified]").wait_for()
    shot(sales, "lead-qualified")

    # 8. The overview's widgets: the NPS (from the rollup every answer raises) and the leads (counted at the view)
    # include her answer and the lead; the ambassadors' figures are stored by a periodic job, so they only must
    # not go down (or not be there yet).
    after = _figures(sales)
    shot(sales, "overview")
    assert after["answers"] == before["answers"] + 1
    assert after["leads"] == before["leads"] + 1  # type: ignore[operator]
    assert after["qualified"] == before["qualified"] + 1  # type: ignore[operator]
    for key in ("active", "completed"):
        assert before[key] is None or (after[key] or 0) >= before[key], (key, before, after)  # type: ignore[operator]
