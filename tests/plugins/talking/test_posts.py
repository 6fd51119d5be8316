"""Writing posts: the editor's rules per field, short links with UTM, states and what moves them."""

from __future__ import annotations

from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.shortlinks.models import ShortLink
from core.tenancy.scope import tenant_scope
from plugins.talking.models import Post, PostVariant
from tests.plugins.talking.conftest import OBJECTIVES, post_form, publish_policy
from tests.support import login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"


async def _posts(sessionmaker, tw):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return (await s.scalars(select(Post).order_by(Post.created_at))).all()


async def _variants(sessionmaker, tw):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return (await s.scalars(select(PostVariant))).all()


async def _count(sessionmaker, tw, model):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await s.scalar(select(func.count()).select_from(model))


async def test_a_draft_is_saved_with_its_links_shortened_and_utm_added(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    r = await send(client, f"{BASE}/posts", post_form(talk, fb="Lees meer: https://example.org/app?x=1."),
                   follow_redirects=False)
    assert r.status_code == 303, r.text[:1000]
    [post] = await _posts(sessionmaker, talk.world.a)
    assert r.headers["location"] == f"{BASE}/posts/{post.id}"
    assert (post.state, post.title, post.objective) == ("draft", "Najaarsactie", OBJECTIVES[0])
    variants = {v.platform: v for v in await _variants(sessionmaker, talk.world.a)}
    x, fb = variants["x"], variants["facebook"]
    assert "https://example.org" not in x.text and x.text.startswith("Nieuw: onze app. Kijk op http://")
    [link] = x.links
    assert x.text.endswith(link["short"]) and "/l/" in link["short"]
    query = parse_qs(urlsplit(link["target"]).query)
    assert query == {"utm_source": ["x"], "utm_medium": ["social"], "utm_campaign": ["content"]}
    assert fb.text.endswith(".") and fb.links[0]["short"] + "." == fb.text.split(" ")[-1]
    assert parse_qs(urlsplit(fb.links[0]["target"]).query)["x"] == ["1"]
    assert await _count(sessionmaker, talk.world.a, ShortLink) == 2
    page = (await client.get(f"{BASE}/posts/{post.id}")).text
    assert "Najaarsactie" in page and link["short"] in page and "concept" in page


async def test_saving_again_keeps_the_codes_and_reports_no_change(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    [post] = await _posts(sessionmaker, talk.world.a)
    [variant] = await _variants(sessionmaker, talk.world.a)
    form = post_form(talk, x=variant.text, revision=str(post.revision))
    r = await send(client, f"{BASE}/posts/{post.id}", form, follow_redirects=False)
    assert r.status_code == 303
    [again] = await _variants(sessionmaker, talk.world.a)
    assert again.text == variant.text and again.links == variant.links
    assert await _count(sessionmaker, talk.world.a, ShortLink) == 1


async def test_every_field_gets_its_own_reason_and_nothing_is_stored(client, talk, sessionmaker):
    await publish_policy(sessionmaker, talk.world.a, max_length={"x": 40}, alt_text_required=True)
    await login_as(client, talk.world.a, "marketer")
    x, fb = talk.x(), talk.fb()
    form = post_form(talk, title="", objective="Iets anders", department_id="nope", publish_at="gisteren",
                     home="campaign:not-an-id", x="Een tekst die te lang is voor X met https://example.org/lang",
                     fb="Met een plaatje")
    form.update({f"variants.{fb}.images.1.url": "ftp://example.org/a.png", f"variants.{fb}.images.2.url":
                 "https://example.org/b.png", f"variants.{fb}.images.2.alt": ""})
    r = await send(client, f"{BASE}/posts", form)
    assert r.status_code == 422
    text = unescape(r.text)
    short = "http://127.0.0.1:8000/l/abcdefg"  # the test settings' BASE_URL: links count as their short link
    for reason in ("Dit veld is verplicht.", "Kies een van de doelen uit de vertrekpunten.", "Kies een geldige optie.",
                   "Gebruik een datum en tijd zoals 2026-01-31 09:30.",
                   f"heeft de tekst {36 + len(short)} tekens; het maximum voor x is 40.",
                   "Gebruik een webadres dat begint met https://.",
                   "Het beleid vraagt om een alternatieve tekst bij elke afbeelding."):
        assert reason in text, reason
    assert f'id="f-variants.{x}.text"' in text  # the form comes back with what was typed
    assert await _count(sessionmaker, talk.world.a, Post) == 0
    assert await _count(sessionmaker, talk.world.a, ShortLink) == 0


async def test_the_api_refuses_bad_input_with_field_and_reason(client, talk, sessionmaker):
    from tests.support import api_headers

    headers = await api_headers(sessionmaker, talk.world.a, "marketer")
    r = await client.post("/api/v1/t/acme/talking/posts?lang=en", headers=headers, json={
        "title": "", "department_id": str(talk.world.a.departments["marketing"].id),
        "variants": [{"account_id": str(talk.accounts["acme"]["linkedin"]), "text": "x"}]})
    assert r.status_code == 422
    errors = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert errors == {"title": "This field is required.",
                      "variants": "Choose accounts of the registry that may carry posts."}
    r = await client.post("/api/v1/t/acme/talking/posts", headers=headers, json={
        "title": "Via de API", "department_id": str(talk.world.a.departments["marketing"].id),
        "publish_at": "2099-01-02T10:00:00+01:00",
        "variants": [{"account_id": str(talk.x()), "text": "Hallo https://example.org",
                      "images": [{"url": "https://example.org/a.png", "alt": "Een logo"}]}]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["publish_at"].startswith("2099-01-02T09:00:00") and body["state"] == "draft"
    assert body["variants"][0]["links"][0]["target"].startswith("https://example.org/?utm_source=x")
    assert body["variants"][0]["images"] == [{"url": "https://example.org/a.png", "alt": "Een logo"}]
    listed = (await client.get("/api/v1/t/acme/talking/posts", headers=headers)).json()
    assert [p["title"] for p in listed["items"]] == ["Via de API"] and listed["page"]["total"] == 1


async def test_a_campaign_post_must_lie_in_the_campaign(client, talk, sessionmaker):
    from plugins.talking.models import Campaign

    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s, s.begin():
            from datetime import date
            campaign = Campaign(name="Zomer", slug="zomer", starts_on=date(2099, 6, 1), ends_on=date(2099, 6, 30))
            s.add(campaign)
    await login_as(client, talk.world.a, "marketer")
    r = await send(client, f"{BASE}/posts", post_form(talk, home=f"campaign:{campaign.id}"))
    assert r.status_code == 422
    assert "De campagne loopt van 1 jun 2099 tot 30 jun 2099" in unescape(r.text)
    r = await send(client, f"{BASE}/posts", post_form(talk, home=f"campaign:{campaign.id}",
                                                       publish_at="2099-06-10T10:00"), follow_redirects=False)
    assert r.status_code == 303
    [variant] = await _variants(sessionmaker, talk.world.a)
    assert "utm_campaign=zomer" in variant.links[0]["target"]


async def test_submit_schedules_or_waits_for_approval_by_org_model(client, talk, sessionmaker):
    """acme is hub and spoke (a spoke publishes): scheduled; globex is centralized: in review, for its hub."""
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    [post] = await _posts(sessionmaker, talk.world.a)
    r = await send(client, f"{BASE}/posts/{post.id}/submit", {}, follow_redirects=False)
    assert r.status_code == 303
    [post] = await _posts(sessionmaker, talk.world.a)
    assert (post.state, post.approval_reason) == ("scheduled", "")

    client.cookies.clear()
    await login_as(client, talk.world.b, "marketer")
    await send(client, "/t/globex/p/talking/posts", post_form(talk, "globex"))
    [other] = await _posts(sessionmaker, talk.world.b)
    await send(client, f"/t/globex/p/talking/posts/{other.id}/submit", {})
    [other] = await _posts(sessionmaker, talk.world.b)
    assert (other.state, other.approval_reason) == ("in_review", "org_model")
    assert other.approver_department_id == talk.world.b.departments["comms"].id
    page = unescape((await client.get(f"/t/globex/p/talking/posts/{other.id}")).text)
    assert "Wacht op de goedkeuring van Communicatie." in page


async def test_submit_refuses_what_the_policy_check_finds(client, talk, sessionmaker):
    await publish_policy(sessionmaker, talk.world.a, forbidden_words=["waardeloos"], required_signoff="Team Acme",
                         alt_text_required=True)
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk, x="Niet waardeloos! Team Acme", publish_at=""))
    [post] = await _posts(sessionmaker, talk.world.a)
    r = await send(client, f"{BASE}/posts/{post.id}/submit", {})
    assert r.status_code == 422
    text = unescape(r.text)
    assert "Het verboden woord" in text and "Kies een moment in de toekomst." in text
    [post] = await _posts(sessionmaker, talk.world.a)
    assert post.state == "draft"


async def test_editing_a_scheduled_post_sends_it_back_to_draft(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    [post] = await _posts(sessionmaker, talk.world.a)
    await send(client, f"{BASE}/posts/{post.id}/submit", {})
    [post] = await _posts(sessionmaker, talk.world.a)
    r = await send(client, f"{BASE}/posts/{post.id}", post_form(talk, title="Anders", revision=str(post.revision)),
                   follow_redirects=False)
    assert r.status_code == 303
    [post] = await _posts(sessionmaker, talk.world.a)
    assert (post.state, post.state_reason, post.title) == ("draft", "edited", "Anders")
    page = unescape((await client.get(f"{BASE}/posts/{post.id}")).text)
    assert "Gewijzigd na de beleidscheck: dien het opnieuw in." in page
    stale = await send(client, f"{BASE}/posts/{post.id}", post_form(talk, title="Nog eens", revision="1"))
    assert stale.status_code == 409 and "Iemand anders heeft dit bericht intussen gewijzigd" in unescape(stale.text)


async def test_cancel_withdraw_and_posted_by_hand(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk, fb="Ook op Facebook"))
    [post] = await _posts(sessionmaker, talk.world.a)
    refused = await send(client, f"{BASE}/posts/{post.id}/posted", {})
    assert refused.status_code == 409
    await send(client, f"{BASE}/posts/{post.id}/submit", {})
    r = await send(client, f"{BASE}/posts/{post.id}/withdraw", {}, follow_redirects=False)
    assert r.status_code == 303 and (await _posts(sessionmaker, talk.world.a))[0].state == "draft"
    await send(client, f"{BASE}/posts/{post.id}/submit", {})
    variants = {v.platform: v for v in await _variants(sessionmaker, talk.world.a)}
    bad = await send(client, f"{BASE}/posts/{post.id}/posted", {f"urls.{variants['x'].id}": "geen adres"})
    assert bad.status_code == 422 and "Gebruik een webadres dat begint met https://." in unescape(bad.text)
    none = await send(client, f"{BASE}/posts/{post.id}/posted", {})
    assert none.status_code == 422
    r = await send(client, f"{BASE}/posts/{post.id}/posted",
                   {f"urls.{variants['x'].id}": "https://x.com/acme_x/status/1"}, follow_redirects=False)
    assert r.status_code == 303
    [post] = await _posts(sessionmaker, talk.world.a)
    assert post.state == "published" and post.published_at is not None
    variants = {v.platform: v for v in await _variants(sessionmaker, talk.world.a)}
    assert variants["x"].external_url == "https://x.com/acme_x/status/1" and variants["facebook"].external_url == ""
    cancelled = await send(client, f"{BASE}/posts/{post.id}/cancel", {"reason": "te laat"})
    assert cancelled.status_code == 409 and "no longer" not in cancelled.text
    assert (await _posts(sessionmaker, talk.world.a))[0].state == "published"
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            actions = set((await s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("talking.%")))).all())
    assert {"talking.post_created", "talking.post_submitted", "talking.post_withdrawn",
            "talking.post_posted_elsewhere"} <= actions


async def test_a_draft_is_cancelled_with_a_reason(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    [post] = await _posts(sessionmaker, talk.world.a)
    r = await send(client, f"{BASE}/posts/{post.id}/cancel", {"reason": "Dubbel gepland"}, follow_redirects=False)
    assert r.status_code == 303
    [post] = await _posts(sessionmaker, talk.world.a)
    assert (post.state, post.state_reason) == ("cancelled", "Dubbel gepland")
    edit = await send(client, f"{BASE}/posts/{post.id}", post_form(talk))
    assert edit.status_code == 409 and "geannuleerd" in unescape(edit.text)


async def test_the_editor_offers_the_accounts_objectives_and_limits_in_both_languages(client, talk, sessionmaker):
    await publish_policy(sessionmaker, talk.world.a, max_length={"x": 280}, alt_text_required=True)
    await login_as(client, talk.world.a, "marketer")
    page = unescape((await client.get(f"{BASE}/posts/new?day=2099-03-04")).text)
    assert "Nieuw bericht" in page and OBJECTIVES[1] in page and "@acme_x" in page and "@acme_facebook" in page
    assert "@acme_linkedin" not in page  # only requested: carries no posts
    assert 'data-count-max="280"' in page and "alternatieve tekst verplicht" in page
    assert 'value="2099-03-04T09:00"' in page
    assert f'value="{talk.world.a.departments["marketing"].id}" selected' in page
    await client.post("/lang", data={"lang": "en", "next": "/", "_csrf_token": client.cookies.get("regie_csrf")})
    page = unescape((await client.get(f"{BASE}/posts/new")).text)
    assert "New post" in page and "alternative text required" in page and "Per account" in page


async def test_the_preview_shows_the_text_with_links_and_alt_text(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    x = talk.x()
    r = await client.get(f"{BASE}/partials/preview/{x}", params={
        f"variants.{x}.text": "Kijk <b>hier</b>: https://example.org/a", f"variants.{x}.images.1.url":
        "https://example.org/a.png", f"variants.{x}.images.1.alt": "Een kat op een bank"})
    assert r.status_code == 200
    assert '<a href="https://example.org/a"' in r.text and "&lt;b&gt;hier&lt;/b&gt;" in r.text
    assert "Een kat op een bank" in r.text and "@acme_x" in r.text
    linkedin = talk.accounts["acme"]["linkedin"]
    assert (await client.get(f"{BASE}/partials/preview/{linkedin}")).status_code == 404
    foreign = talk.x("globex")
    assert (await client.get(f"{BASE}/partials/preview/{foreign}")).status_code == 404
