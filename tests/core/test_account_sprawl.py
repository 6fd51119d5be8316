"""The sprawl report: accounts per department and state, dormant ones, accounts seen in monitoring that use the
organisation's names (through `regie_account_candidates`, with monitoring active and not), one-click
registration, the brand terms, who may read it, and other tenants' accounts kept out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.accounts.models import AccountOwner, AccountWatch, SocialAccount
from core.audit.models import AuditEntry
from core.db.base import utcnow
from core.jobs.plugin_jobs import run_named_job
from core.policy.models import PolicyVersion
from core.tenancy.scope import tenant_scope
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import api_headers, login, login_as, post_form

PAGE = "/t/acme/accounts/sprawl"
API = "/api/v1/t/acme/accounts/sprawl"
SEEN_JOB = "monitoring.seen_accounts"


async def _accounts(sessionmaker, tw, *specs: tuple[str, str | None, str]) -> list[SocialAccount]:
    """(handle, department key or None, status) → registered accounts."""
    made = []
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for handle, dep, status in specs:
                account = SocialAccount(platform="x", handle=handle, status=status,
                                        department_id=tw.departments[dep].id if dep else None,
                                        status_changed_at=utcnow() - timedelta(days=45),
                                        last_post_at=utcnow() - timedelta(days=45))
                session.add(account)
                made.append(account)
    return made


async def _mentions(sessionmaker, tw, *authors: tuple[str, str, str]) -> None:
    """(handle, display name, post url) → one mention each, today."""
    from plugins.monitoring.models import Mention, Source

    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = Source(name="Netwerk", kind="api", source_type="microblog")
            session.add(source)
            await session.flush()
            for i, (handle, name, url) in enumerate(authors):
                session.add(Mention(source_id=source.id, source_type="microblog", external_id=f"m{i}", url=url,
                                    author_handle=handle, author_name=name, published_at=utcnow() - timedelta(hours=i),
                                    body="over de organisatie", content_hash=f"h{i}"))


async def _brand(sessionmaker, tw, *terms: str) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(AccountWatch(brand_terms=list(terms)))


async def test_figures_per_department_and_state_dormant_and_unowned(client, world, sessionmaker):
    made = await _accounts(sessionmaker, world.a, ("acme_nl", "marketing", "active"), ("acme_deals", "marketing",
                           "dormant"), ("acme_help", "service", "active"), ("acme_oud", None, "to_claim"),
                           ("acme_weg", "comms", "closed"))
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(AccountOwner(account_id=made[0].id, user_id=world.a.users["marketer"].id))
            session.add(PolicyVersion(number=1, strategy={}, tone_rules={}, way_of_work={"longest_silence": "30"},
                                      published_at=utcnow()))
    await _accounts(sessionmaker, world.b, ("globex_nl", "marketing", "dormant"))
    headers = await api_headers(sessionmaker, world.a, "marketer")  # a workgroup member
    body = (await client.get(API, headers=headers)).json()
    rows = {r["department"]: r for r in body["by_department"]}
    assert list(rows) == ["Communicatie", "Klantenservice", "Marketing", ""]  # by name; no department last
    assert rows["Marketing"]["counts"]["active"] == 1 and rows["Marketing"]["counts"]["dormant"] == 1
    assert rows["Marketing"]["total"] == 2 and rows[""]["counts"]["to_claim"] == 1
    assert rows["Communicatie"]["counts"]["closed"] == 1
    assert body["totals"] == {"pending": 0, "rejected": 0, "to_claim": 1, "claimed": 0, "active": 2, "dormant": 1,
                              "to_close": 0, "closed": 1}
    [dormant] = body["dormant"]
    assert (dormant["handle"], dormant["silent_days"], dormant["limit_days"]) == ("acme_deals", 45, 30)
    assert body["without_owner"] == 2  # acme_deals and acme_help; acme_nl has its owner
    assert body["candidates"] == [] and body["candidate_sources"] == []  # monitoring is not active
    assert body["names"] == ["Acme BV"]
    await login_as(client, world.a, "regie")
    page = await client.get(PAGE)
    assert page.status_code == 200 and 'id="sprawl-figures"' in page.text and "data-chart=" in page.text
    assert 'id="sprawl-dormant"' in page.text and "acme_deals" in page.text and "45 dagen" in page.text
    assert "globex" not in page.text.lower()
    assert "Geen actieve plugin zoekt naar zulke accounts" in page.text


async def test_who_may_read_the_report(client, world, sessionmaker):
    for who, code in (("regie", 200), ("marketer", 200), ("member", 403), ("viewer", 403), ("admin", 403)):
        await login_as(client, world.a, who)
        assert (await client.get(PAGE)).status_code == code, who
    client.cookies.clear()
    await login(client, world.mediator.email, "acme")
    assert (await client.get(PAGE)).status_code == 200
    await login_as(client, world.a, "regie")
    assert "/t/acme/accounts/sprawl" in (await client.get("/t/acme/accounts/")).text
    await login_as(client, world.a, "member")
    assert "/t/acme/accounts/sprawl" not in (await client.get("/t/acme/accounts/")).text


async def test_candidates_seen_in_monitoring_are_listed_and_registered_in_one_click(app, client, world, sessionmaker):
    await activate_monitoring(sessionmaker, world.a)
    await _brand(sessionmaker, world.a, "Acme")
    await _accounts(sessionmaker, world.a, ("AcmeNL", "marketing", "active"), ("acme_oud", "comms", "closed"))
    await _mentions(sessionmaker, world.a,
                    ("@acme_fans", "Fans", "https://x.com/acme_fans/status/1"),
                    ("acme_fans", "Fans", "https://x.com/acme_fans/status/2"),
                    ("acmecare_helpt", "Acme Care", "https://www.instagram.com/p/abc/"),
                    ("jansen", "Acme Care Jansen", "https://bsky.app/profile/jansen.bsky.social/post/3"),
                    ("@AcmeNL", "Acme", "https://x.com/AcmeNL/status/4"),  # registered: never a candidate
                    ("acme_oud", "Acme oud", "https://x.com/acme_oud/status/5"),  # closed, but registered
                    ("piet", "Piet", "https://x.com/piet/status/6"))  # no name of ours
    await _mentions_elsewhere(sessionmaker, world)
    assert await run_named_job(app, SEEN_JOB, world.a.id) == 3
    headers = await api_headers(sessionmaker, world.a, "regie")
    body = (await client.get(API, headers=headers)).json()
    assert body["candidate_sources"] == ["monitoring"]
    seen = {(c["platform"], c["handle"]): c for c in body["candidates"]}
    assert set(seen) == {("x", "@acme_fans"), ("instagram", "acmecare_helpt"), ("bluesky", "jansen")}
    fans = seen[("x", "@acme_fans")]
    assert fans["seen_count"] == 2 and fans["evidence_url"] == "https://x.com/acme_fans/status/1"
    assert fans["url"] == "https://x.com/acme_fans" and fans["source"] == "monitoring"
    assert body["candidates"][0]["handle"] == "@acme_fans"  # most seen first
    assert seen[("bluesky", "jansen")]["url"] == "https://bsky.app/profile/jansen"
    await login_as(client, world.a, "regie")
    page = await client.get(PAGE)
    assert 'id="sprawl-candidates"' in page.text and "@acme_fans" in page.text and "Acme Care Jansen" in page.text
    r = await post_form(client, "/t/acme/accounts/sprawl/candidates", {
        "platform": "x", "handle": "@acme_fans", "url": "https://x.com/acme_fans",
        "evidence_url": "https://x.com/acme_fans/status/1"}, follow_redirects=False)
    assert r.status_code == 303
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            account = await session.scalar(select(SocialAccount).where(SocialAccount.handle == "@acme_fans"))
    assert (account.status, account.origin, account.department_id) == ("to_claim", "seen", None)
    assert account.evidence_url == "https://x.com/acme_fans/status/1"
    body = (await client.get(API, headers=headers)).json()
    assert "@acme_fans" not in {c["handle"] for c in body["candidates"]}  # registered: gone at once
    assert body["totals"]["to_claim"] == 1
    r = await post_form(client, "/t/acme/accounts/sprawl/candidates", {"platform": "x", "handle": "@acme_fans"})
    assert r.status_code == 422 and "Dit account is al geregistreerd." in r.text
    r = await post_form(client, "/t/acme/accounts/sprawl/candidates",
                        {"platform": "myspace", "handle": "x", "evidence_url": "javascript:alert(1)"})
    assert r.status_code == 422 and "Kies een van:" in r.text and "https://" in r.text


async def _mentions_elsewhere(sessionmaker, world) -> None:
    """Tenant b's monitoring sees an author with acme's brand in its name: not acme's candidate."""
    await activate_monitoring(sessionmaker, world.b)
    await _mentions(sessionmaker, world.b, ("acme_care_globex", "Acme Care", "https://x.com/a/status/9"))


async def test_no_names_no_candidates_and_paused_monitoring_offers_none(app, client, world, sessionmaker):
    await activate_monitoring(sessionmaker, world.a)
    await _mentions(sessionmaker, world.a, ("acme_fans", "Fans", "https://x.com/acme_fans/status/1"))
    assert await run_named_job(app, SEEN_JOB, world.a.id) == 0  # "Acme BV" is in nobody's name
    await _brand(sessionmaker, world.a, "acme")
    assert await run_named_job(app, SEEN_JOB, world.a.id) == 1
    assert await run_named_job(app, SEEN_JOB, world.a.id) == 1  # again: replaced, not added
    from core.activation.models import PluginActivation

    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            activation = await session.scalar(select(PluginActivation))
            activation.status = "paused"
    headers = await api_headers(sessionmaker, world.a, "regie")
    body = (await client.get(API, headers=headers)).json()
    assert body["candidates"] == [] and body["candidate_sources"] == []


async def test_brand_terms_are_set_by_the_workgroup_with_bad_input_refused(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/accounts/sprawl/names", {"brand_terms": "Acme Care, ab"})
    assert r.status_code == 422 and "Een naam moet 3 tot 60 tekens hebben: ab." in r.text
    many = "\n".join(f"merk{i}" for i in range(21))
    r = await post_form(client, "/t/acme/accounts/sprawl/names", {"brand_terms": many})
    assert r.status_code == 422 and "Geef hoogstens 20 namen." in r.text
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await session.scalars(select(AccountWatch))).all() == []
    r = await post_form(client, "/t/acme/accounts/sprawl/names", {"brand_terms": "Acme Care\nacme care, AcmeShop"},
                        follow_redirects=False)
    assert r.status_code == 303
    page = await client.get(PAGE)
    assert "Acme BV, Acme Care, AcmeShop" in page.text
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/names", json={"brand_terms": ["Acme"]}, headers=headers)
    assert r.status_code == 200 and r.json() == {"brand_terms": ["Acme"], "names": ["Acme BV", "Acme"]}
    r = await client.post(f"{API}/names", json={"brand_terms": "Acme"}, headers=headers)
    assert r.status_code == 400
    member = await api_headers(sessionmaker, world.a, "member")
    assert (await client.post(f"{API}/names", json={"brand_terms": []}, headers=member)).status_code == 403
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            actions = (await session.scalars(select(AuditEntry.action).where(
                AuditEntry.action == "account.names_changed"))).all()
    assert len(actions) == 2
    # the other tenant's names are its own
    other = await api_headers(sessionmaker, world.b, "regie")
    assert (await client.get("/api/v1/t/globex/accounts/sprawl", headers=other)).json()["names"] == ["Globex NV"]


async def test_another_tenants_accounts_stay_out_of_reach(client, world, sessionmaker):
    [foreign] = await _accounts(sessionmaker, world.b, ("globex_nl", "marketing", "to_claim"))
    headers = await api_headers(sessionmaker, world.a, "regie")
    for method, url, json in (("GET", f"/api/v1/t/acme/accounts/{foreign.id}", None),
                              ("POST", f"/api/v1/t/acme/accounts/{foreign.id}/transition", {"to": "claimed"}),
                              ("POST", f"/api/v1/t/acme/accounts/{foreign.id}/owners", {"owner_ids": []})):
        r = await client.request(method, url, json=json, headers=headers)
        assert r.status_code == 404, url
    await login_as(client, world.a, "regie")
    assert (await client.get(f"/t/acme/accounts/{foreign.id}")).status_code == 404
    r = await post_form(client, f"/t/acme/accounts/{foreign.id}/transition", {"to": "claimed"}, follow_redirects=False)
    assert r.status_code == 404
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert (await session.get(SocialAccount, foreign.id)).status == "to_claim"
    body: dict[str, Any] = (await client.get(API, headers=headers)).json()
    assert body["totals"]["to_claim"] == 0


async def test_a_names_form_without_its_field_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/accounts/sprawl/names", {"name": "x"})
    assert r.status_code == 422 and "Dit veld is verplicht." in r.text
    r = await post_form(client, "/t/acme/accounts/sprawl/names", {"brand_terms": ""}, follow_redirects=False)
    assert r.status_code == 303  # an empty field clears the terms
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert [w.brand_terms for w in (await session.scalars(select(AccountWatch))).all()] == [[]]


async def test_candidates_of_an_unknown_network_count_as_other_and_each_account_once(world, sessionmaker):
    from types import SimpleNamespace

    from core.accounts import sprawl
    from core.plugins.records import AccountCandidate
    from core.tenancy.models import Tenant

    answers = [("een", AccountCandidate("myspace", "acme_space", seen_count=1)),
               ("een", AccountCandidate("x", "@Acme_Fan", seen_count=1)),
               ("twee", AccountCandidate("x", "acme_fan", seen_count=4)),
               ("twee", AccountCandidate("x", "  ", seen_count=9))]

    async def collect(hook: str, record: type, **kwargs: Any) -> list:
        assert hook == "regie_account_candidates" and kwargs["ctx"].tenant_slug == "acme"
        return answers

    host = SimpleNamespace(implementers=lambda hook, names: sorted(names))
    active = SimpleNamespace(names={"een", "twee"}, host=host, collect=collect)

    async def for_tenant(session: Any) -> Any:
        return active

    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            found = await sprawl.candidates(session, SimpleNamespace(for_tenant=for_tenant),
                                            await session.get(Tenant, world.a.id), "nl")
    assert found.sources == ["een", "twee"]
    assert [(p, c.platform, c.handle, c.seen_count) for p, c in found.items] == [
        ("twee", "x", "acme_fan", 4), ("een", "other", "acme_space", 1)]
