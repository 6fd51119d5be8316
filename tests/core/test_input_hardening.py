"""Input hardening at the edge: JSON bodies only as application/json, NUL characters in every parsed body, JSON
nesting depth, tenant slugs in another case, plugin activation hidden from strangers, session-bound CSRF tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department
from tests.contract.populate import table_fingerprint
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.webcare.conftest import activate_webcare
from tests.support import Browser, api_headers, ensure_csrf, login, login_as, post_form

API = "/api/v1/t/acme"
NUL_REASON = "Tekst mag geen NUL-tekens bevatten."
CONTENT_TYPE_REASON = "Stuur de body als JSON met Content-Type: application/json."
BODIES = {
    "monitoring/sources": b'{"name":"a\\u0000b","kind":"api"}',
    "policy": b'{"strategy":{"function":"a\\u0000b"}}',
    "starting-points": b'{"organisation_analysis":"a\\u0000b"}',
    "webcare/cases": b'{"author_handle":"@a\\u0000b","text":"hallo","channel":"mention"}',
}
"""Per route a body with a NUL in a field it takes (the JSON escape, as a client sends it)."""
NUL_FIELDS = {"monitoring/sources": "name", "policy": "strategy.function", "starting-points": "organisation_analysis",
              "webcare/cases": "author_handle"}


async def _json_world(sessionmaker: Any, world: Any) -> dict[str, str]:
    """Monitoring and webcare active in tenant a (both owned by comms), and a token of its regie holder."""
    await activate_monitoring(sessionmaker, world.a)
    await activate_webcare(sessionmaker, world.a, department="comms")
    return await api_headers(sessionmaker, world.a, "regie")


async def unchanged(sessionmaker: Any) -> dict[str, Any]:
    """Every table's fingerprint but the token's own row (its use is noted on it: bookkeeping, not a change)."""
    found = await table_fingerprint(sessionmaker)
    found.pop("api_token", None)
    return found


async def test_json_routes_refuse_other_content_types_with_415(client, world, sessionmaker):
    """A body Litestar would parse as JSON whatever its type reached PostgreSQL unchecked (NUL → 500)."""
    headers = await _json_world(sessionmaker, world)
    before = await unchanged(sessionmaker)
    for route, body in BODIES.items():
        for content_type in ("text/plain", "application/merge-patch+json", None, "application/x-www-form-urlencoded"):
            sent = {**headers, **({"content-type": content_type} if content_type else {})}
            for content in (body, body.replace(b"\\u0000", b"\x00")):
                response = await client.post(f"{API}/{route}", headers=sent, content=content)
                assert response.status_code == 415, (route, content_type, response.text)
                assert response.json() == {"status": 415, "errors": [
                    {"field": "content-type", "reason": CONTENT_TYPE_REASON}]}, (route, content_type)
    assert await unchanged(sessionmaker) == before


async def test_json_with_nul_is_422_on_every_listed_route(client, world, sessionmaker):
    headers = await _json_world(sessionmaker, world)
    before = await unchanged(sessionmaker)
    for route, body in BODIES.items():
        for content_type in ("application/json", "application/json; charset=utf-8"):
            response = await client.post(f"{API}/{route}", content=body,
                                         headers={**headers, "content-type": content_type})
            assert response.status_code == 422, (route, response.text)
            assert response.json()["errors"] == [{"field": NUL_FIELDS[route], "reason": NUL_REASON}], route
    assert await unchanged(sessionmaker) == before


async def test_an_upload_route_still_takes_multipart(client, world, sessionmaker):
    """The 415 is for routes that take JSON; the monitoring import takes multipart and is judged by its own parser."""
    headers = await _json_world(sessionmaker, world)
    response = await client.post(f"{API}/monitoring/imports", headers=headers,
                                 files={"file": ("x.csv", b"\x00\x01", "text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] != "content-type"


async def test_form_fields_with_nul_are_refused_however_the_form_is_sent(client, world, sessionmaker):
    """The baseline upload form's title and file name (multipart), a url-encoded form handler sent multipart,
    and a url-encoded form sent as text/plain (Litestar parses it all the same): 422, nothing stored."""
    await login_as(client, world.a, "admin")
    csrf = await ensure_csrf(client)
    before = await table_fingerprint(sessionmaker)
    fields = {"title": "Nul\x00meting", "period_start": "2026-01-01", "period_end": "2026-03-31", "_csrf_token": csrf}
    response = await client.post("/t/acme/evidence/baseline", data=fields, follow_redirects=False,
                                 files={"file": ("nulmeting.txt", b"meting", "text/plain")})
    assert response.status_code == 422, response.text
    assert NUL_REASON in response.text and "title" in response.text
    boundary = "grens"
    raw = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                  for k, v in {**fields, "title": "Nulmeting"}.items())
    raw += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="nul\x00meting.txt"\r\n'
            f"Content-Type: text/plain\r\n\r\nmeting\r\n--{boundary}--\r\n")
    named = await client.post("/t/acme/evidence/baseline", content=raw.encode(), follow_redirects=False,
                              headers={"content-type": f"multipart/form-data; boundary={boundary}",
                                       "x-csrftoken": csrf})
    assert named.status_code == 422 and NUL_REASON in named.text
    department = await client.post("/t/acme/people/departments/", follow_redirects=False,
                                   data={"name": "Pers\x00zaken", "business_function": "sales", "_csrf_token": csrf},
                                   files={"unused": ("a.txt", b"a", "text/plain")})
    assert department.status_code == 422 and NUL_REASON in department.text
    as_text = await client.post("/t/acme/people/departments/", follow_redirects=False,
                                content=b"name=Pers%00zaken&business_function=sales",
                                headers={"content-type": "text/plain", "x-csrftoken": csrf})
    assert as_text.status_code == 422 and NUL_REASON in as_text.text
    assert await table_fingerprint(sessionmaker) == before


async def test_deeply_nested_json_is_refused_once_centrally(client, world, sessionmaker):
    """100,000 nested lists or 50,000 nested objects: a 422 on `body`, not a RecursionError (500)."""
    headers = await _json_world(sessionmaker, world)
    before = await unchanged(sessionmaker)
    lists = b"[" * 100_000 + b"]" * 100_000
    objects = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    admin = await api_headers(sessionmaker, world.a, "admin")
    for route in (*BODIES, "departments", "monitoring/mentions/ingest"):
        for body in (lists, objects, b'{"name":' + lists + b"}"):
            response = await client.post(f"{API}/{route}", content=body, headers={
                **(admin if route == "departments" else headers), "content-type": "application/json"})
            assert response.status_code == 422, (route, response.status_code)
            assert response.json()["errors"] == [
                {"field": "body", "reason": "De JSON is dieper genest dan 64 niveaus."}], route
    assert await unchanged(sessionmaker) == before
    at_limit = b'{"name":"Diep","business_function":"sales","x":' + b"[" * 63 + b"]" * 63 + b"}"
    decoded = await client.post(f"{API}/departments", content=at_limit,
                                headers={**admin, "content-type": "application/json"})
    assert decoded.status_code == 400 and decoded.json()["errors"][0]["reason"] == (
        "Object contains unknown field `x`")  # 64 levels pass the guard: the decoder judges the rest
    fine = await client.post(f"{API}/departments", headers=admin, json={"name": "Diep", "business_function": "sales"})
    assert fine.status_code == 201, fine.text


# --- tenant slugs in another case -------------------------------------------------------------------------------


async def test_a_slug_in_another_case_redirects_get_to_the_canonical_url_and_is_404_otherwise(client, world):
    await login(client, world.mediator.email)
    response = await client.get("/t/ACME/people/?page=2", follow_redirects=False)
    assert response.status_code == 301 and response.headers["location"] == "/t/acme/people/?page=2"
    assert response.headers["x-frame-options"] == "DENY"  # answered by the middleware: headers all the same
    assert (await client.get("/t/Acme", follow_redirects=False)).headers["location"] == "/t/acme"
    followed = await client.get("/t/ACME/people/")
    assert followed.status_code == 200 and "Acme BV" in followed.text
    api = await client.get("/api/v1/t/ACME/departments", follow_redirects=False)
    assert api.status_code == 301 and api.headers["location"] == "/api/v1/t/acme/departments"
    # the same answer for a tenant that does not exist: the redirect tells nothing about which slugs are taken
    assert (await client.get("/t/NOPE/people/", follow_redirects=False)).headers["location"] == "/t/nope/people/"
    csrf = await ensure_csrf(client)
    posted = await client.post("/t/ACME/people/departments/", headers={"x-csrftoken": csrf},
                               data={"name": "Hoofdletters", "business_function": "sales"}, follow_redirects=False)
    assert posted.status_code == 404
    assert (await client.post("/api/v1/t/ACME/departments", json={"name": "X"})).status_code == 404
    for path in ("/t/ac_me/people/", "/t/-acme/", "/api/v1/t/ac%20me/departments", "/t/ACME_/people/"):
        refused = await client.get(path, follow_redirects=False)
        assert refused.status_code == 404, path


# --- plugin activation is nobody else's business ----------------------------------------------------------------


PLUGIN_PATHS = ("/t/acme/p/monitoring/", "/t/acme/p/monitoring/sources", "/t/acme/p/webcare",
                "/t/acme/p/webcare/approvals")
PLUGIN_API = ("/api/v1/t/acme/monitoring/sources", "/api/v1/t/acme/webcare/cases")


async def _answers(client: Any, api_headers_b: dict[str, str]) -> list[tuple[str, str, int, str]]:
    """(method, path, status, location or body) of a GET and a POST on each plugin page and a GET on the API."""
    found = []
    for path in PLUGIN_PATHS:
        response = await client.get(path, follow_redirects=False)
        assert "phase-chip" not in response.text and "Acme BV · " not in response.text, path
        found.append(("GET", path, response.status_code, response.headers.get("location", "") + response.text))
        posted = await client.post(path, headers={"x-csrftoken": client.cookies.get("regie_csrf") or ""},
                                   data={}, follow_redirects=False)
        found.append(("POST", path, posted.status_code, posted.headers.get("location", "") + posted.text))
    for path in PLUGIN_API:
        response = await client.get(path, headers=api_headers_b)
        found.append(("GET", path, response.status_code, response.text))
    return found


async def test_strangers_cannot_tell_whether_a_plugin_is_active(client, world, sessionmaker):
    """Tenant b's admin (web and token) and an anonymous visitor: the same answers with and without the plugins."""
    b_token = await api_headers(sessionmaker, world.b, "admin")
    await ensure_csrf(client)
    anonymous_off = await _answers(client, {})
    await login_as(client, world.b, "admin")
    stranger_off = await _answers(client, b_token)
    await activate_monitoring(sessionmaker, world.a)
    await activate_webcare(sessionmaker, world.a)
    stranger_on = await _answers(client, b_token)
    client.cookies.clear()
    await ensure_csrf(client)
    anonymous_on = await _answers(client, {})
    assert stranger_on == stranger_off
    assert anonymous_on == anonymous_off
    assert {status for _method, _path, status, _rest in stranger_on} == {401, 403, 405}  # 405: a GET-only page
    assert {status for _method, _path, status, _rest in anonymous_on} == {303, 401, 405}
    # a member still learns that a plugin is not active: 404 for it, the page for an active one
    await login_as(client, world.a, "regie")
    assert (await client.get("/t/acme/p/monitoring/sources")).status_code == 200
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            for row in (await s.scalars(select(PluginActivation))).all():
                row.status = "paused"
    assert (await client.get("/t/acme/p/monitoring/sources")).status_code == 404


# --- CSRF tokens belong to one session ---------------------------------------------------------------------------


async def _departments(sessionmaker: Any, world: Any) -> list[str]:
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            return sorted((await s.scalars(select(Department.name))).all())


async def test_a_csrf_token_from_another_session_is_refused(client, world, sessionmaker):
    """A valid token pair from the attacker's own visit, planted as the victim's cookie, does not act for them."""
    attacker = Browser(client)
    await attacker.get("/login")
    planted = attacker.cookies.get("regie_csrf")
    assert planted
    await login_as(client, world.a, "admin")
    own = client.cookies.get("regie_csrf")
    assert own and own != planted
    before = await _departments(sessionmaker, world)
    client.cookies.set("regie_csrf", planted, domain="testserver.local")
    forged = await client.post("/t/acme/people/departments/", headers={"x-csrftoken": planted},
                               data={"name": "Gekaapt", "business_function": "sales", "_csrf_token": planted},
                               follow_redirects=False)
    assert forged.status_code == 403
    assert "Dit formulier is verlopen" in forged.text
    assert await _departments(sessionmaker, world) == before
    # a token of another signed-in session is refused just the same
    other = Browser(client)
    other_page = await other.get("/login")
    assert other_page.status_code == 200
    await other.post("/t/acme/login", data={"email": world.a.email("regie"), "password": "Test-wachtwoord-1",
                                            "_csrf_token": other.cookies.get("regie_csrf")})
    theirs = other.cookies.get("regie_csrf")
    assert theirs and theirs != own
    client.cookies.set("regie_csrf", theirs, domain="testserver.local")
    forged = await client.post("/t/acme/people/departments/", follow_redirects=False,
                               data={"name": "Gekaapt", "business_function": "sales", "_csrf_token": theirs})
    assert forged.status_code == 403 and await _departments(sessionmaker, world) == before
    # the page's own token works: the session's token, whatever the cookie says
    page = await client.get("/t/acme/people/departments/")
    assert f'value="{own}"' in page.text and client.cookies.get("regie_csrf") == own
    done = await post_form(client, "/t/acme/people/departments/", {"name": "Eigen", "business_function": "sales"},
                           follow_redirects=False)
    assert done.status_code == 303 and "Eigen" in await _departments(sessionmaker, world)


async def test_the_csrf_token_changes_at_sign_in(client, world, sessionmaker):
    page = await client.get("/t/acme/login")
    before = client.cookies.get("regie_csrf")
    assert f'value="{before}"' in page.text
    await login_as(client, world.a, "admin")  # the sign-in form is posted with the token of no session
    after = client.cookies.get("regie_csrf")
    assert after and after != before
    stale = await client.post("/t/acme/people/departments/", headers={"x-csrftoken": before},
                              data={"name": "Oud", "business_function": "sales"}, follow_redirects=False)
    assert stale.status_code == 403 and "Oud" not in await _departments(sessionmaker, world)
    htmx = await client.post("/t/acme/people/departments/", headers={"x-csrftoken": after},
                             data={"name": "Nieuw", "business_function": "sales"}, follow_redirects=False)
    assert htmx.status_code == 303 and "Nieuw" in await _departments(sessionmaker, world)
    # a boosted navigation swaps the body's content only: the htmx header lives inside it, with the new token
    page = await client.get("/t/acme/people/departments/")
    assert f"""<header class="topbar" hx-headers='{{"x-csrftoken": "{after}"}}'>""" in page.text
    # a form posted with htmx while the header still has the old token: its own (new) field counts
    boosted = await client.post("/t/acme/people/departments/", headers={"x-csrftoken": before},
                                data={"name": "Geboost", "business_function": "sales", "_csrf_token": after},
                                follow_redirects=False)
    assert boosted.status_code == 303 and "Geboost" in await _departments(sessionmaker, world)
    signed_out = await post_form(client, "/t/acme/logout", follow_redirects=False)
    assert signed_out.status_code == 303
    await login_as(client, world.a, "admin")
    assert client.cookies.get("regie_csrf") not in (before, after)
