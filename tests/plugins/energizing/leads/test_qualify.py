"""Sales qualifies leads (new → qualified → won or lost, lost with a reason), audited; the list's filters; the
campaign links with their short links; the JSON API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.plugins.api import tenant_scope
from core.shortlinks.models import ShortLink
from plugins.energizing.leads.models import CampaignLink, Lead, LeadWeek
from tests.support import api_headers, login_as, post_form


async def add_lead(sessionmaker, tw, *, state="new", name="Sanne Bakker", days_ago=0, source="direct",
                   **fields) -> Lead:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            lead = Lead(name=name, email="sanne@example.org", state=state, source=source,
                        created_at=datetime.now(UTC) - timedelta(days=days_ago), **fields)
            s.add(lead)
    return lead


async def _lead(sessionmaker, tw, lead_id) -> Lead:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await s.get(Lead, lead_id)


async def test_qualification_moves_and_refuses_with_the_reason(client, leads, sessionmaker):
    a = leads.world.a
    lead = await add_lead(sessionmaker, a)
    await login_as(client, a, "marketer")
    url = f"/t/acme/p/energizing/leads/{lead.id}/state"
    refused = await post_form(client, url, {"state": "won"})
    assert refused.status_code == 409
    assert "Een lead die nieuw is, kan niet gewonnen worden (mogelijk: qualified, lost)." in refused.text
    assert (await _lead(sessionmaker, a, lead.id)).state == "new"
    assert (await post_form(client, url, {"state": "qualified"}, follow_redirects=False)).status_code == 303
    qualified = await _lead(sessionmaker, a, lead.id)
    assert qualified.state == "qualified" and qualified.qualified_at is not None
    assert qualified.changed_by_id == a.users["marketer"].id
    no_reason = await post_form(client, url, {"state": "lost", "reason": ""})
    assert no_reason.status_code == 422 and "Dit veld is verplicht." in no_reason.text
    bad = await post_form(client, url, {"state": "gone"})
    assert bad.status_code == 422 and "Kies een van" in bad.text
    assert (await _lead(sessionmaker, a, lead.id)).state == "qualified"
    done = await post_form(client, url, {"state": "lost", "reason": "Koos een ander"}, follow_redirects=False)
    assert done.status_code == 303
    lost = await _lead(sessionmaker, a, lead.id)
    assert (lost.state, lost.lost_reason) == ("lost", "Koos een ander") and lost.closed_at is not None
    assert lost.qualified_at == qualified.qualified_at
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            moves = (await s.scalars(select(AuditEntry).where(AuditEntry.action == "energizing.lead_state_changed")
                                     .order_by(AuditEntry.created_at))).all()
    assert [(m.data["from"], m.data["to"]) for m in moves] == [("new", "qualified"), ("qualified", "lost")]
    assert moves[1].reason == "Koos een ander"
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            [week] = (await s.scalars(select(LeadWeek))).all()
    assert (week.leads, week.qualified) == (0, 1)  # qualified once; losing it later does not uncount it
    page = await client.get(f"/t/acme/p/energizing/leads/{lead.id}")
    assert "Koos een ander" in page.text and "Nieuwe status" not in page.text  # lost is final


async def test_viewers_read_but_do_not_move_and_other_tenants_find_nothing(client, leads, sessionmaker):
    a, b = leads.world.a, leads.world.b
    lead = await add_lead(sessionmaker, a)
    foreign = await add_lead(sessionmaker, b, name="Globex Klant")
    await login_as(client, a, "viewer")
    assert (await client.get(f"/t/acme/p/energizing/leads/{lead.id}")).status_code == 200
    assert (await post_form(client, f"/t/acme/p/energizing/leads/{lead.id}/state",
                            {"state": "qualified"})).status_code == 403
    assert (await client.get(f"/t/acme/p/energizing/leads/{foreign.id}")).status_code == 404
    assert (await _lead(sessionmaker, a, lead.id)).state == "new"


async def test_the_list_filters(client, leads, sessionmaker):
    a = leads.world.a
    await add_lead(sessionmaker, a, name="Oud Contact", days_ago=40)
    await add_lead(sessionmaker, a, name="Via Campagne", source="campaign", campaign_id=leads.campaigns["acme"].id)
    await add_lead(sessionmaker, a, name="Via Fan", source="ambassador", ambassador_id=leads.ambassadors["acme"].id,
                   state="qualified")
    await login_as(client, a, "marketer")
    base = "/t/acme/p/energizing/leads/"
    everything = (await client.get(base)).text
    assert 'aria-label="Leads per week"' in everything or "Leads per week" in everything
    assert all(n in everything for n in ("Oud Contact", "Via Campagne", "Via Fan"))
    assert "Ambassadeur acme" in everything and "Campagne acme" in everything
    only = (await client.get(f"{base}?campaign={leads.campaigns['acme'].id}")).text
    assert "Via Campagne" in only and "Via Fan" not in only
    qualified = (await client.get(f"{base}?state=qualified&source=ambassador")).text
    assert "Via Fan" in qualified and "Oud Contact" not in qualified
    since = (date.today() - timedelta(days=7)).isoformat()
    recent = (await client.get(f"{base}?since={since}")).text
    assert "Oud Contact" not in recent and "Via Fan" in recent
    bad = await client.get(f"{base}?since=gisteren&state=x")
    assert bad.status_code == 422 and "Gebruik een datum zoals 2026-01-31." in bad.text


async def test_a_campaign_link_gets_a_code_and_a_counted_short_link(client, leads, sessionmaker):
    a = leads.world.a
    await login_as(client, a, "regie")
    bad = await post_form(client, "/t/acme/p/energizing/leads/campaigns",
                          {"name": "", "target_url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "Dit veld is verplicht." in bad.text and "https://" in bad.text
    response = await post_form(client, "/t/acme/p/energizing/leads/campaigns",
                               {"name": "Voorjaarsactie", "target_url": "https://acme.test/actie?x=1"},
                               follow_redirects=False)
    assert response.status_code == 303
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            link = await s.scalar(select(CampaignLink).where(CampaignLink.name == "Voorjaarsactie"))
            short = await s.scalar(select(ShortLink).where(ShortLink.ref_id == link.id))
            assert await s.scalar(select(func.count()).select_from(CampaignLink)) == 2
    assert len(link.code) == 8 and not set(link.code) & set("01OIl")
    assert link.target_url == f"https://acme.test/actie?x=1&ref={link.code}"
    assert short.origin == "energizing" and link.short_url.endswith(f"/l/{short.code}")
    assert f"utm_campaign={link.code}" in short.target_url
    clicked = await client.get(f"/l/{short.code}", follow_redirects=False)
    assert clicked.status_code in (302, 303, 307) and f"ref={link.code}" in clicked.headers["location"]
    listing = await client.get("/t/acme/p/energizing/leads/campaigns/")
    assert "Voorjaarsactie" in listing.text and link.code in listing.text
    # no target: the link leads to the tenant's lead form
    await post_form(client, "/t/acme/p/energizing/leads/campaigns", {"name": "Formulier"})
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            plain = await s.scalar(select(CampaignLink).where(CampaignLink.name == "Formulier"))
    assert "/t/acme/p/energizing/lead?ref=" in plain.target_url
    await login_as(client, a, "agent")  # a member of another department: works in plugins, does not configure them
    assert (await post_form(client, "/t/acme/p/energizing/leads/campaigns", {"name": "Niet"})).status_code == 403


async def test_the_api_lists_reads_and_moves_leads(client, leads, sessionmaker):
    a = leads.world.a
    lead = await add_lead(sessionmaker, a, organisation="Acme Klant")
    headers = await api_headers(sessionmaker, a, "marketer")
    base = "/api/v1/t/acme/energizing/leads"
    listed = await client.get(base, headers=headers)
    assert listed.status_code == 200 and listed.json()["items"][0]["organisation"] == "Acme Klant"
    assert listed.json()["page"]["total"] == 1
    assert (await client.get(f"{base}?state=zzz", headers=headers)).status_code == 422
    assert (await client.get(f"{base}/{lead.id}", headers=headers)).json()["state"] == "new"
    refused = await client.post(f"{base}/{lead.id}/state", json={"state": "won"}, headers=headers)
    assert refused.status_code == 409 and refused.json()["errors"][0]["field"] == "state"
    missing = await client.post(f"{base}/{lead.id}/state", json={"state": "lost"}, headers=headers)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    moved = await client.post(f"{base}/{lead.id}/state", json={"state": "qualified"}, headers=headers)
    assert moved.status_code == 200 and moved.json()["state"] == "qualified" and moved.json()["qualified_at"]
    viewer = await api_headers(sessionmaker, a, "viewer")
    assert (await client.post(f"{base}/{lead.id}/state", json={"state": "lost", "reason": "x"},
                              headers=viewer)).status_code == 403
