"""How the web layer answers around the pages themselves: nothing personal is kept by the browser, no link or
button leads a person to a refusal, a stranger's error page under a tenant's address names nothing of it, and
the site icon is where browsers look for it."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

from core.auth.permissions import AUTHENTICATED, PUBLIC, can
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.webcare.conftest import activate_webcare
from tests.support import api_headers, login_as

FORM = re.compile(r"<form([^>]*)>", re.S)
LINK = re.compile(r'href="(/t/acme/[^"#?]*)"')


async def test_pages_and_api_answers_are_not_kept_after_sign_out(client, world, sessionmaker):
    """`Cache-Control: no-store` on every page and API answer (a signed-in page would otherwise come back from
    the browser's cache with "back" after signing out); static files and the icon may be kept."""
    login = await client.get("/t/acme/login")
    assert login.headers["cache-control"] == "no-store"  # it carries a CSRF token bound to this session
    await login_as(client, world.a, "admin")
    people = await client.get("/t/acme/people/")
    assert people.status_code == 200 and world.a.email("viewer") in people.text
    assert people.headers["cache-control"] == "no-store"
    headers = await api_headers(sessionmaker, world.a, "admin")
    api = await client.get("/api/v1/t/acme", headers=headers)
    assert api.status_code == 200 and api.headers["cache-control"] == "no-store"
    refused = await client.get("/api/v1/t/acme")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"
    static = await client.get("/static/css/regie.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


async def test_the_site_icon_is_linked_and_answered(client, world):
    await login_as(client, world.a, "viewer")
    page = (await client.get("/t/acme/")).text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")
    legacy = await client.get("/favicon.ico")  # asked for by browsers and tools without reading the page
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith("image/svg+xml")
    assert legacy.content == icon.content and "no-store" not in legacy.headers["cache-control"]


async def test_a_strangers_403_page_names_nothing_of_the_tenant(client, world, sessionmaker):
    await activate_monitoring(sessionmaker, world.a)
    await login_as(client, world.b, "regie")
    for path in ("/t/acme/people/", "/t/acme/", "/t/acme/p/monitoring/"):
        r = await client.get(path)
        assert r.status_code == 403, path
        assert "Je mag dit niet doen." in r.text
        assert "Acme" not in r.text and "luisteren" not in r.text.lower(), path  # its name, its phase
        assert 'href="/t/acme/' not in r.text and 'action="/t/acme/' not in r.text, path
        assert "tenant-name" not in r.text and "phase-chip" not in r.text
    # a member's own refusal keeps the tenant's frame: it is theirs
    await login_as(client, world.a, "viewer")
    own = await client.get("/t/acme/audit/")
    assert own.status_code == 403 and "Acme BV" in own.text


async def _crawl(client, start: str, limit: int = 80) -> dict[str, str]:
    """Every page reachable from `start` by links of the tenant (a breadth-first walk): path → HTML."""
    pages: dict[str, str] = {}
    todo = deque([start])
    while todo and len(pages) < limit:
        path = todo.popleft()
        if path in pages or path.endswith(("/logout", "/pdf", "/export", ".csv", ".xlsx")):
            continue
        r = await client.get(path)
        pages[path] = r.text if r.status_code == 200 and "text/html" in r.headers["content-type"] else ""
        todo.extend(link for link in LINK.findall(pages[path]) if link not in pages)
    return pages


def _action_of(app: Any, path: str, method: str) -> str | None:
    return app.asgi_router.handle_routing(path.split("?")[0], method)[1].opt.get("action")


async def test_a_viewer_is_shown_no_button_and_no_link_they_may_not_use(app, client, world, sessionmaker):
    """Walk every page a viewer reaches: each form posts to a route the viewer may use, each sidebar link opens
    (the webcare inbox offered "Take new cases", the sidebar the plugins' configuration pages: all refused)."""
    await activate_monitoring(sessionmaker, world.a)
    await activate_webcare(sessionmaker, world.a)
    await login_as(client, world.a, "viewer")
    pages = await _crawl(client, "/t/acme/")
    assert "/t/acme/p/webcare/" in pages and "/t/acme/p/monitoring/" in pages
    viewer = frozenset({"viewer"})
    refused = []
    for path, html in pages.items():
        for attributes in FORM.findall(html):
            if 'method="post"' not in attributes.lower():
                continue
            target = re.search(r'action="([^"]*)"', attributes)
            action = _action_of(app, target.group(1) if target else path, "POST")
            if action not in (PUBLIC, AUTHENTICATED) and not can(viewer, action):
                refused.append((path, target.group(1) if target else path, action))
    assert refused == []
    inbox = pages["/t/acme/p/webcare/"]
    assert "Nieuwe cases aannemen" not in inbox and "availability" not in inbox
    sidebar = re.search(r'<nav class="sidenav".*?</nav>', inbox, re.S)
    assert sidebar is not None
    links = re.findall(r'href="([^"]+)"', sidebar.group(0))
    assert "/t/acme/p/webcare/" in links and "/t/acme/p/webcare/canned/" not in links
    for link in links:
        assert (await client.get(link)).status_code == 200, link
