"""The CRM webhook: signed with the tenant's secret over the timestamp and the raw body, within five minutes;
idempotent by external_id; a bad signature is 401 with nothing stored, a bad body 422 with the field."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import insert, select

from core.audit.models import AuditEntry
from core.plugins.api import tenant_scope
from plugins.energizing.leads import signing, webhook
from plugins.energizing.leads.models import CrmReceipt, Lead, LeadWeek
from tests.plugins.energizing.leads.conftest import signed, stored_leads

URL = "/api/v1/t/acme/energizing/leads/webhook"
KEY = "test-secret-key-" + "x" * 32
BODY = {"referral_code": "AMBA2345", "external_id": "CRM-1", "name": "Daan Visser", "email": "daan@example.org",
        "company": "Visser BV"}


async def _secret(sessionmaker, tw) -> str:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await signing.rotate(s, "test", KEY)


async def test_a_signed_call_creates_then_updates_the_lead(client, leads, sessionmaker):
    a = leads.world.a
    secret = await _secret(sessionmaker, a)
    raw, headers = signed(secret, BODY)
    response = await client.post(URL, content=raw, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["created"] is True and response.json()["state"] == "new"
    [lead] = await stored_leads(sessionmaker, a)
    assert (lead.source, lead.channel, lead.ambassador_id, lead.organisation) == (
        "ambassador", "crm", leads.ambassadors["acme"].id, "Visser BV")
    raw, headers = signed(secret, {**BODY, "status": "qualified", "company": "Visser & Zn"})
    again = await client.post(URL, content=raw, headers=headers)
    assert again.status_code == 200 and again.json() == {"id": str(lead.id), "created": False, "state": "qualified"}
    [lead] = await stored_leads(sessionmaker, a)
    assert (lead.state, lead.organisation) == ("qualified", "Visser & Zn") and lead.qualified_at is not None
    # a retry, signed again with a new timestamp, changes nothing more
    raw, headers = signed(secret, {**BODY, "status": "qualified", "company": "Visser & Zn"}, at=time.time() + 1)
    assert (await client.post(URL, content=raw, headers=headers)).json()["created"] is False
    assert len(await stored_leads(sessionmaker, a)) == 1
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            entries = (await s.scalars(select(AuditEntry).where(
                AuditEntry.action == "energizing.lead_state_changed"))).all()
    assert [e.data["to"] for e in entries] == ["qualified"] and entries[0].actor_label == "CRM"
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            [week] = (await s.scalars(select(LeadWeek))).all()
    assert (week.source, week.leads, week.qualified) == ("ambassador", 1, 1)  # counted once, whatever the retries


async def test_unknown_and_foreign_codes_make_direct_leads(client, leads, sessionmaker):
    secret = await _secret(sessionmaker, leads.world.a)
    for n, code in enumerate(("", "GCMP6789", "CAMP2345")):
        raw, headers = signed(secret, {**BODY, "external_id": f"X-{n}", "referral_code": code})
        assert (await client.post(URL, content=raw, headers=headers)).status_code == 200
    assert [lead.source for lead in await stored_leads(sessionmaker, leads.world.a)] == ["direct", "direct",
                                                                                          "campaign"]


async def test_bad_signatures_are_refused_and_store_nothing(client, leads, sessionmaker):
    a = leads.world.a
    raw, headers = signed("anything", BODY)
    no_secret = await client.post(URL, content=raw, headers=headers)
    assert no_secret.status_code == 401 and no_secret.json()["errors"][0]["field"] == "signature"
    secret = await _secret(sessionmaker, a)
    b_secret = await _secret(sessionmaker, leads.world.b)
    cases = [signed("wrong", BODY), signed(b_secret, BODY), signed(secret, BODY, at=time.time() - 301),
             signed(secret, BODY, at=time.time() + 400)]
    raw, headers = signed(secret, BODY)
    cases.append((raw + b" ", headers))  # the body changed after signing
    cases.append((raw, {**headers, "x-regie-timestamp": str(int(time.time()) + 1)}))  # the timestamp changed
    cases.append((raw, {k: v for k, v in headers.items() if k != "x-regie-signature"}))
    cases.append((raw, {k: v for k, v in headers.items() if k != "x-regie-timestamp"}))
    for raw, headers in cases:
        response = await client.post(URL, content=raw, headers=headers)
        assert response.status_code == 401, (headers, response.text)
    assert await stored_leads(sessionmaker, a) == []


async def test_a_bad_body_is_422_with_the_field(client, leads, sessionmaker):
    secret = await _secret(sessionmaker, leads.world.a)
    for body, field in ((b"{not json", "body"), (b"[1, 2]", "body"), ({**BODY, "email": "nope"}, "email"),
                        ({**BODY, "external_id": ""}, "external_id"), ({**BODY, "name": 12}, "name"),
                        ({**BODY, "status": "maybe"}, "status"), ({**BODY, "referral_code": "x" * 17},
                                                                   "referral_code")):
        raw, headers = signed(secret, body)
        response = await client.post(URL, content=raw, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], (body, response.json())
    assert await stored_leads(sessionmaker, leads.world.a) == []


async def test_the_same_signed_request_twice_is_refused(client, leads, sessionmaker):
    """Within the five minutes a captured request would pass its timestamp; its signature was seen, so it does not."""
    a = leads.world.a
    secret = await _secret(sessionmaker, a)
    stamp = time.time()
    won_raw, won_headers = signed(secret, {**BODY, "status": "won"}, at=stamp - 60)
    assert (await client.post(URL, content=won_raw, headers=won_headers)).status_code == 200
    raw, headers = signed(secret, {**BODY, "status": "lost"}, at=stamp - 30)
    assert (await client.post(URL, content=raw, headers=headers)).json()["state"] == "lost"
    replay = await client.post(URL, content=won_raw, headers=won_headers)
    assert replay.status_code == 409
    assert replay.json()["errors"][0]["field"] == "signature" and "al ontvangen" in replay.json()["errors"][0]["reason"]
    [lead] = await stored_leads(sessionmaker, a)
    assert lead.state == "lost"
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            entries = (await s.scalars(select(AuditEntry).where(
                AuditEntry.action == "energizing.lead_state_changed"))).all()
    assert sorted(e.data["to"] for e in entries) == ["lost", "won"]
    # the other tenant's CRM may send the same bytes signed with its own secret: a signature of its own
    other = await _secret(sessionmaker, leads.world.b)
    raw, headers = signed(other, {**BODY, "referral_code": ""}, at=stamp)
    assert (await client.post(URL.replace("acme", "globex"), content=raw, headers=headers)).status_code == 200


async def test_receipts_older_than_their_timestamps_can_pass_are_removed(leads, sessionmaker):
    a = leads.world.a
    secret = await _secret(sessionmaker, a)
    now = datetime.now(UTC)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add_all([CrmReceipt(signature="a" * 64, received_at=now - timedelta(minutes=11)),
                       CrmReceipt(signature="b" * 64, received_at=now - timedelta(minutes=9))])
        raw, headers = signed(secret, BODY, at=now.timestamp())
        async with sessionmaker() as s, s.begin():
            await webhook.receive(s, raw, signature=headers["x-regie-signature"],
                                  timestamp=headers["x-regie-timestamp"], secret_key=KEY, now=now)
        async with sessionmaker() as s:
            kept = set((await s.scalars(select(CrmReceipt.signature))).all())
    assert kept == {"b" * 64, headers["x-regie-signature"].removeprefix("sha256=")}


async def test_the_crm_may_reopen_a_closed_lead(client, leads, sessionmaker):
    """The CRM is where deals are worked: a won deal reopened there is reopened here, counted as qualified once."""
    a = leads.world.a
    secret = await _secret(sessionmaker, a)
    stamp = time.time()
    for n, status in enumerate(("won", "qualified")):
        raw, headers = signed(secret, {**BODY, "status": status}, at=stamp + n)
        assert (await client.post(URL, content=raw, headers=headers)).status_code == 200
    [lead] = await stored_leads(sessionmaker, a)
    assert (lead.state, lead.closed_at) == ("qualified", None) and lead.qualified_at is not None
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            [week] = (await s.scalars(select(LeadWeek))).all()
    assert (week.leads, week.qualified) == (1, 1)


async def test_two_calls_for_the_same_new_lead_make_one_lead(client, leads, sessionmaker, monkeypatch):
    """The other call stored the lead between this call's look-up and its insert: this one updates that lead."""
    a = leads.world.a
    secret = await _secret(sessionmaker, a)
    real_resolve = webhook.resolve

    async def resolve_while_the_other_call_stores(session, code):
        found = await real_resolve(session, code)
        monkeypatch.setattr(webhook, "resolve", real_resolve)
        await session.execute(insert(Lead).values(  # as the other call's committed insert: the unique index holds
            id=uuid4(), tenant_id=a.id, channel="crm", external_id=BODY["external_id"], source="direct",
            ref_code="", state="new", name="Eerste aanroep", email="daan@example.org", organisation="",
            phone="", message="", client_ip="", lost_reason="", created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC)))
        return found

    monkeypatch.setattr(webhook, "resolve", resolve_while_the_other_call_stores)
    raw, headers = signed(secret, {**BODY, "status": "qualified"})
    response = await client.post(URL, content=raw, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["created"] is False and response.json()["state"] == "qualified"
    [lead] = await stored_leads(sessionmaker, a)
    assert (lead.name, lead.organisation, lead.state) == ("Daan Visser", "Visser BV", "qualified")
