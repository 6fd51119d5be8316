"""Every talking page answers in Dutch and in English, and no route of the plugin gives another tenant's user
anything (the walks in tests/contract try every route of the app; these name talking's own)."""

from __future__ import annotations

import re
from html import unescape
from uuid import uuid4

import pytest

from tests.contract.test_isolation_walk import tenant_routes
from tests.plugins.talking.conftest import post_form
from tests.support import api_headers, login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"
PAGES = [
    ("/", "Contentkalender", "Content calendar"),
    ("/?view=week", "Week van", "Week of"),
    ("/?view=list&when=past", "Contentkalender", "Content calendar"),
    ("/posts/new", "Nieuw bericht", "New post"),
    ("/posts/{post}", "Per account", "Per account"),
    ("/posts/{post}/edit", "Bericht bewerken", "Edit post"),
    ("/campaigns/", "Campagnes", "Campaigns"),
    ("/campaigns/new", "Nieuwe campagne", "New campaign"),
    ("/streams/", "Stromen", "Streams"),
    ("/streams/new", "Nieuwe stroom", "New stream"),
    ("/partials/preview/{account}", "Nog niets geschreven voor dit account.", "Nothing written for this account yet."),
    ("/partials/calendar?view=month", "Volgende maand", "Next month"),
]


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_every_page_in_both_languages(client, talk, sessionmaker, lang):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    listed = (await client.get(f"{BASE}/?view=list&when=all")).text
    post_id = re.search(r"/posts/([0-9a-f-]{36})", listed).group(1)
    if lang == "en":
        await client.post("/lang", data={"lang": "en", "next": "/", "_csrf_token": client.cookies.get("regie_csrf")})
    for path, dutch, english in PAGES:
        r = await client.get(BASE + path.format(post=post_id, account=talk.x()))
        assert r.status_code == 200, (path, r.status_code)
        assert (dutch if lang == "nl" else english) in unescape(r.text), path


async def test_no_talking_route_serves_another_tenants_user(app, client, talk, sessionmaker):
    """globex's admin on acme's talking routes (acme's real ids), and acme's regie holder with globex's ids."""
    await login_as(client, talk.world.b, "marketer")
    await send(client, "/t/globex/p/talking/posts", post_form(talk, "globex"))
    listed = (await client.get("/t/globex/p/talking/?view=list&when=all")).text
    foreign_post = re.search(r"/posts/([0-9a-f-]{36})", listed).group(1)
    client.cookies.clear()
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    own_post = re.search(r"/posts/([0-9a-f-]{36})", (await client.get(f"{BASE}/?view=list&when=all")).text).group(1)
    routes = [(m, p) for m, p, _a in tenant_routes(app) if "/p/talking" in p or "/talking/" in p]
    assert len(routes) >= 25

    def url(template: str, post: str, account: str) -> str:
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: {"slug": "acme", "post_id": post, "account_id": account}.get(
            m.group(1), str(uuid4())), template)

    web = {"x-csrftoken": client.cookies.get("regie_csrf") or ""}
    api = await api_headers(sessionmaker, talk.world.a, "marketer")
    for method, template in routes:
        if "{post_id" not in template and "{account_id" not in template:
            continue
        is_api = template.startswith("/api/")
        body = {"json": {"publish_at": "2099-01-01T10:00"}} if is_api and method == "POST" else {}
        r = await client.request(method, url(template, foreign_post, str(talk.x("globex"))),
                                 headers=api if is_api else web, follow_redirects=False, **body)
        assert r.status_code == 404, (method, template, r.status_code)
    client.cookies.clear()
    await login_as(client, talk.world.b, "admin")
    headers = {"x-csrftoken": client.cookies.get("regie_csrf") or ""}
    for method, template in routes:
        if template.startswith("/api/"):
            continue
        r = await client.request(method, url(template, own_post, str(talk.x())), headers=headers,
                                 follow_redirects=False)
        assert r.status_code in (403, 404), (method, template, r.status_code)
        assert "Acme" not in r.text and "Najaarsactie" not in r.text, (method, template)
