"""The main path in a real browser: mediator creates a tenant → admin composes the workgroup →
regie approves the starting points → the roadmap shows the pilot gate.

Screenshots of every step land in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import MEDIATOR

pytestmark = pytest.mark.e2e
PASSWORD = "Sterk-wachtwoord-2026"


def settle_after(page: Any, locator: Any) -> None:
    """Click something that submits a boosted form and wait until htmx has swapped the answer in."""
    page.evaluate("window.__settled = false; document.addEventListener('htmx:afterSettle', "
                  "() => { window.__settled = true; }, {once: true})")
    locator.click()
    page.wait_for_function("() => window.__settled === true")  # a function: a bare expression needs eval (CSP)


def signed_in_page(browser: Any, server: str, slug: str, who: tuple[str, str]) -> Any:
    """A fresh browser context signed in to tenant `slug` as (e-mail, password), on its overview."""
    page = browser.new_context(base_url=server, locale="nl-NL").new_page()
    page.goto(f"/t/{slug}/login")
    page.fill("#f-email", who[0])
    page.fill("#f-password", who[1])
    settle_after(page, page.locator("main form button[type=submit]"))
    assert f"/t/{slug}/" in page.url
    return page


def choose(select: Any, text: str) -> None:
    """Select the option whose label contains `text` (labels carry e-mail addresses too)."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def submit(page: Any, action: str) -> None:
    settle_after(page, page.locator(f'form[action="{action}"] button').first)


def accept_invitation(browser: Any, server: str, mailbox: Any, email: str, name: str, shot: Any) -> Any:
    """Read the invitation link in the development mailbox (a mediator's page), open it in a fresh browser."""
    mailbox.goto("/dev/mailbox")
    link = mailbox.locator("article.mail", has_text=email).first.locator("a[href*='/invitation/']").first
    href = link.get_attribute("href")
    assert href and "/invitation/" in href
    page = browser.new_context(base_url=server, locale="nl-NL").new_page()
    page.goto(href)
    page.fill("#f-name", name)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-password_repeat", PASSWORD)
    shot(page, f"invitation-{name.split()[0].lower()}")
    settle_after(page, page.locator("main form button[type=submit]"))
    assert "/t/" in page.url and "/invitation/" not in page.url
    return page


def test_mediator_to_pilot_gate(browser: Any, server: str, shot: Any) -> None:
    # 1. The mediator signs in and creates the client organisation, inviting its first admin.
    mediator = browser.new_context(base_url=server, locale="nl-NL").new_page()
    mediator.goto("/login")
    mediator.fill("#f-email", MEDIATOR[0])
    mediator.fill("#f-password", MEDIATOR[1])
    mediator.locator("main form button[type=submit]").click()
    mediator.wait_for_url(re.compile(r".*/mediator/.*"))
    mediator.fill("#f-name", "Waterschap Lageland")
    mediator.fill("#f-slug", "lageland")
    mediator.select_option("#f-org_model", "hub_and_spoke")
    mediator.fill("#f-admin_email", "directie@lageland.test")
    shot(mediator, "mediator-console")
    submit(mediator, "/mediator/tenants")
    assert "Waterschap Lageland" in mediator.content()

    # 2. The admin accepts, creates two departments and invites two colleagues.
    admin = accept_invitation(browser, server, mediator, "directie@lageland.test", "Dirk Directie", shot)
    departments = (("Communicatie", "corporate_communication", True), ("Klantcontact", "customer_service", False))
    for name, function, hub in departments:
        admin.goto("/t/lageland/people/departments/")
        admin.fill("#f-name", name)
        admin.select_option("#f-business_function", function)
        if hub:
            admin.check("input[name=is_hub]")
        settle_after(admin, admin.locator("main form[method=post] button[type=submit]").last)
        assert name in admin.content()
    shot(admin, "departments")
    admin.goto("/t/lageland/people/")
    for email, department in (("regie@lageland.test", "Communicatie"), ("kcc@lageland.test", "Klantcontact")):
        admin.fill("#f-email", email)
        admin.select_option("#f-role", "member")
        admin.select_option("#f-department_id", label=department)
        submit(admin, "/t/lageland/people/invitations")
    shot(admin, "people-invited")
    regie = accept_invitation(browser, server, mediator, "regie@lageland.test", "Rita Regie", shot)
    kcc = accept_invitation(browser, server, mediator, "kcc@lageland.test", "Karel Klantcontact", shot)

    # 3. The admin composes the workgroup and proposes the regie holder; a workgroup member confirms.
    admin.goto("/t/lageland/workgroup/")
    for department, person in (("Communicatie", "Rita Regie"), ("Klantcontact", "Karel Klantcontact")):
        row = admin.locator("tr").filter(has=admin.locator("td:first-child", has_text=department)).first
        choose(row.locator("select[name=membership_id]"), person)
        settle_after(admin, row.locator("button[type=submit]").first)
    choose(admin.locator("form[action='/t/lageland/workgroup/regie'] select[name=membership_id]"), "Rita Regie")
    admin.fill("form[action='/t/lageland/workgroup/regie'] textarea[name=reason]",
               "Gekozen in de werkgroep van 12 november: Communicatie bewaakt de samenhang.")
    submit(admin, "/t/lageland/workgroup/regie")
    # the appointment takes a second person: another workgroup member confirms the admin's proposal
    kcc.goto("/t/lageland/workgroup/")
    settle_after(kcc, kcc.locator("#regie-proposal button[formaction$='/confirm']"))
    content = kcc.content()
    assert "Rita Regie heeft de regie sinds" in content and "Karel Klantcontact" in content
    shot(kcc, "workgroup")

    # 4. The regie holder writes and approves the starting points; both departments acknowledge.
    regie.goto("/t/lageland/starting-points/new")
    regie.fill("#f-organisation_analysis",
               "Waterschap met 400 medewerkers; vragen over waterpeil komen via social media.")
    regie.fill("#f-objectives", "Bereikbaar zijn waar inwoners praten; sneller signaleren van overlast.")
    regie.fill("#f-listening_results", "Nulmeting door extern bureau: 1.200 vermeldingen per maand, 18% negatief.")
    submit(regie, "/t/lageland/starting-points/")
    regie.goto("/t/lageland/starting-points/1")
    submit(regie, "/t/lageland/starting-points/1/approve")
    shot(regie, "starting-points-approved")
    submit(regie, "/t/lageland/starting-points/1/acknowledge")
    kcc.goto("/t/lageland/starting-points/1")
    submit(kcc, "/t/lageland/starting-points/1/acknowledge")
    shot(kcc, "starting-points-acknowledged")

    # 5. The external listening study is uploaded as the baseline measurement.
    regie.goto("/t/lageland/evidence/baseline")
    regie.fill("#f-title", "Nulmeting Lageland 2026")
    regie.fill("#f-period_start", "2026-09-01")
    regie.fill("#f-period_end", "2026-09-30")
    regie.set_input_files("#f-file", files=[{"name": "nulmeting.txt", "mimeType": "text/plain",
                                            "buffer": b"1200 vermeldingen, 18% negatief"}])
    submit(regie, "/t/lageland/evidence/baseline")

    # 6. The listening gate holds; the regie holder advances; the roadmap shows the pilot gate.
    regie.goto("/t/lageland/roadmap/")
    shot(regie, "roadmap-listening-gate")
    assert regie.locator(".checklist li.fail").count() == 0, regie.locator(".checklist").inner_text()
    submit(regie, "/t/lageland/roadmap/advance")
    regie.goto("/t/lageland/roadmap/")
    shot(regie, "roadmap-pilot-gate")
    text = regie.content()
    assert "pilot" in text.lower()
    assert regie.locator(".checklist li.fail").count() >= 1, "the pilot gate needs a pilot measurement first"

    # 7. The same page in English, through the visible switch.
    with regie.expect_navigation():
        regie.locator("form.lang-switch button[value=en]").click()
    shot(regie, "roadmap-pilot-gate-en")
    assert regie.locator("html").get_attribute("lang") == "en"
