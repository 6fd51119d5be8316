"""The public lead form: the code decides the source (ambassador, campaign, direct; another tenant's code is
unknown here), a honeypot, a minimum fill time, a rate limit per client address and a reason per bad field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.plugins.api import tenant_scope
from plugins.energizing.leads import form
from plugins.energizing.leads.models import LeadWeek
from tests.plugins.energizing.leads.conftest import CODES, lead_values, stored_leads
from tests.support import post_form

URL = "/t/acme/p/energizing/lead"


async def test_the_form_keeps_the_code_and_asks_for_consent(client, leads):
    page = await client.get(f"{URL}?ref=AMBA2345")
    assert page.status_code == 200
    assert 'name="ref" value="AMBA2345"' in page.text and 'name="consent"' in page.text and "Acme" in page.text
    odd = await client.get(f"{URL}?ref=<script>")
    assert odd.status_code == 200 and 'name="ref" value=""' in odd.text


@pytest.mark.parametrize(("ref", "source", "kept"), [
    ("AMBA2345", "ambassador", "AMBA2345"), ("amba2345", "ambassador", "amba2345"),
    ("CAMP2345", "campaign", "CAMP2345"),
    ("", "direct", ""), ("NOSUCH99", "direct", "NOSUCH99"), (CODES["globex"][0], "direct", CODES["globex"][0]),
    (CODES["globex"][1], "direct", CODES["globex"][1]),
])
async def test_the_code_decides_the_source(client, leads, sessionmaker, ref, source, kept):
    response = await post_form(client, URL, lead_values(ref=ref), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{URL}/sent"
    [lead] = await stored_leads(sessionmaker, leads.world.a)
    assert (lead.source, lead.ref_code, lead.channel, lead.state) == (source, kept, "form", "new")
    assert lead.ambassador_id == (leads.ambassadors["acme"].id if source == "ambassador" else None)
    assert lead.campaign_id == (leads.campaigns["acme"].id if source == "campaign" else None)
    assert lead.consent_at is not None and lead.email == "sanne@example.org"
    assert await stored_leads(sessionmaker, leads.world.b) == []
    with tenant_scope(leads.world.a.id):
        async with sessionmaker() as s:
            [week] = (await s.scalars(select(LeadWeek))).all()
    assert (week.source, week.leads, week.qualified) == (source, 1, 0)
    sent = await client.get(f"{URL}/sent")
    assert sent.status_code == 200 and "Acme" in sent.text


async def test_every_bad_field_gets_its_reason_and_nothing_is_stored(client, leads, sessionmaker):
    response = await post_form(client, URL, lead_values(name="", email="geen-adres", phone="bel me", message="",
                                                        consent="", organisation="x" * 201, ref="CAMP2345"))
    assert response.status_code == 422
    text = response.text
    for reason in ("Dit veld is verplicht.", "Dit is geen geldig e-mailadres.",
                   "Gebruik alleen cijfers, spaties en + - ( ), 6 tot 40 tekens.",
                   "Vink het vakje aan om akkoord te gaan met contact.", "Gebruik maximaal 200 tekens."):
        assert reason in text, reason
    assert 'name="ref" value="CAMP2345"' in text  # the code survives a second try
    assert await stored_leads(sessionmaker, leads.world.a) == []


async def test_a_filled_honeypot_stores_nothing_but_looks_the_same(client, leads, sessionmaker):
    response = await post_form(client, URL, lead_values(**{form.HONEYPOT: "http://spam.example"}),
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{URL}/sent"
    assert await stored_leads(sessionmaker, leads.world.a) == []


async def test_too_fast_or_forged_timing_is_refused(client, leads, sessionmaker):
    key = "test-secret-key-" + "x" * 32
    fast = form.fill_token(key, datetime.now(UTC))
    response = await post_form(client, URL, lead_values(started=fast))
    assert response.status_code == 422 and "Dat ging wel heel snel" in response.text
    forged = str(int((datetime.now(UTC) - timedelta(minutes=5)).timestamp())) + ".00"
    response = await post_form(client, URL, lead_values(started=forged))
    assert response.status_code == 422 and "Dit formulier is verlopen" in response.text
    stale = form.fill_token(key, datetime.now(UTC) - timedelta(days=2))
    assert (await post_form(client, URL, lead_values(started=stale))).status_code == 422
    assert await stored_leads(sessionmaker, leads.world.a) == []


async def test_one_client_address_is_limited(client, leads, sessionmaker):
    for n in range(form.PER_ADDRESS[0]):
        response = await post_form(client, URL, lead_values(email=f"p{n}@example.org"), follow_redirects=False)
        assert response.status_code == 303
    response = await post_form(client, URL, lead_values(email="one.more@example.org"))
    assert response.status_code == 429 and "Te veel aanvragen" in response.text
    assert len(await stored_leads(sessionmaker, leads.world.a)) == form.PER_ADDRESS[0]
