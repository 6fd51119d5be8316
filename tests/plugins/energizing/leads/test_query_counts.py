"""The leads and candidates pages run as many statements with twelve rows as with two (no query per row)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.plugins.api import tenant_scope
from plugins.energizing.leads.models import CampaignLink, Lead
from plugins.energizing.listening.models import Candidate, Evidence
from tests.querycount import count_queries
from tests.support import api_headers, login_as

PAGES = ("/t/acme/p/energizing/leads/", "/t/acme/p/energizing/leads/campaigns/", "/t/acme/p/energizing/candidates/",
         "/api/v1/t/acme/energizing/leads")


async def _grow(sessionmaker, leads, start: int, stop: int) -> None:
    a = leads.world.a
    now = datetime.now(UTC)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            for n in range(start, stop):
                campaign = CampaignLink(name=f"Campagne {n}", code=f"C{n:07d}", target_url="https://acme.test/")
                candidate = Candidate(handle_key=f"fan{n}", handle=f"@fan{n}", reach=900, positive_count=3,
                                      state="open", first_seen_at=now, last_seen_at=now, opened_at=now)
                s.add_all([campaign, candidate])
                await s.flush()
                s.add_all([Lead(name=f"Lead {n}", email=f"l{n}@example.org", source="campaign",
                                campaign_id=campaign.id),
                           Lead(name=f"Fan lead {n}", email=f"f{n}@example.org", source="ambassador",
                                ambassador_id=leads.ambassadors["acme"].id),
                           Evidence(candidate_id=candidate.id, url="https://social.example/x", published_at=now)])


async def _statements(app, client, headers) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        await client.get(url, headers=headers if url.startswith("/api/") else None)  # a token's first use is noted
        with count_queries(app.state.engine) as queries:
            response = await client.get(url, headers=headers if url.startswith("/api/") else None)
        assert response.status_code == 200, (url, response.text[:300])
        counts[url] = len(queries.statements)
    return counts


async def test_lists_do_not_query_per_row(app, client, leads, sessionmaker):
    await login_as(client, leads.world.a, "marketer")
    headers = await api_headers(sessionmaker, leads.world.a, "marketer")
    await _grow(sessionmaker, leads, 0, 2)
    few = await _statements(app, client, headers)
    await _grow(sessionmaker, leads, 2, 12)
    many = await _statements(app, client, headers)
    assert many == few
