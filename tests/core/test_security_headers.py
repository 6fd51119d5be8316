"""Web hardening: security headers everywhere, templates that keep the CSP true, cookie flags, body limit."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from core.web.app import create_app
from core.web.security_headers import CSP
from tests.support import ensure_csrf, login_as, post_form

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}

# Never served to a browser, so the CSP does not apply: the PDF document (WeasyPrint, server-side) and the
# digest mail (mail clients drop <style> and classes; the settings-page preview strips the style attributes).
NOT_SERVED = {"reports/print.html", "digest/mail.html", "digest/_body.html"}
FORBIDDEN = {
    "inline <script> block": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on* event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on attribute (needs eval)": re.compile(r"\shx-on[:-]", re.I),
}


def _assert_headers(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    assert "camera=()" in response.headers["permissions-policy"]
    assert "strict-transport-security" not in response.headers, "no HSTS over plain http"


async def test_headers_on_page_api_404_and_static(client, world):
    await login_as(client, world.a, "admin")
    page = await client.get("/t/acme/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    _assert_headers(page)
    api = await client.get("/api/v1/t/acme")
    assert api.status_code == 401
    _assert_headers(api)
    missing = await client.get("/t/acme/no-such-page")
    assert missing.status_code == 404
    _assert_headers(missing)
    static = await client.get("/static/css/regie.css")
    assert static.status_code == 200
    _assert_headers(static)


async def test_hsts_only_over_tls(settings, world, restore_broker):
    app = create_app(settings, start_jobs=False)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        forwarded = await client.get("/login", headers={"x-forwarded-proto": "https"})
    assert "strict-transport-security" not in forwarded.headers, "X-Forwarded-Proto is not trusted by default"

    trusting = create_app(dataclasses.replace(settings, trust_proxy=True), start_jobs=False)
    async with AsyncTestClient(app=trusting, base_url="http://testserver.local") as client:
        forwarded = await client.get("/login", headers={"x-forwarded-proto": "https"})
        plain = await client.get("/login", headers={"x-forwarded-proto": "http"})
    assert "strict-transport-security" in forwarded.headers
    assert "strict-transport-security" not in plain.headers


def _templates() -> list[tuple[str, Path]]:
    folders = [ROOT / "frontend" / "templates", *sorted((ROOT / "plugins").glob("*/templates"))]
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            found.append((path.relative_to(folder).as_posix(), path))
    return found


def test_template_scan_finds_the_plugin_templates():
    names = [name for name, _ in _templates()]
    assert "layout.html" in names
    assert any(name.startswith("monitoring/") for name in names)
    assert any(name.startswith("webcare/") for name in names)


@pytest.mark.parametrize("name,path", _templates(), ids=lambda v: v if isinstance(v, str) else "")
def test_templates_keep_the_csp_true(name, path):
    if name in NOT_SERVED:
        pytest.skip("not served to a browser")
    text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # comments may name what is forbidden
    problems = [f"{what}: {m.group(0)[:80]!r}" for what, rx in FORBIDDEN.items() for m in rx.finditer(text)]
    assert not problems, f"{name} breaks the Content-Security-Policy: {problems}"


async def test_digest_preview_carries_no_inline_style(client, world):
    from core.digest.render import INLINE_STYLE, render_preview  # noqa: F401 - the preview strips them

    html = '<p style="color: red;">x</p><a href="/" style="a">y</a>'
    assert INLINE_STYLE.sub("", html) == '<p>x</p><a href="/">y</a>'


def _set_cookies(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    cookies = {}
    for header in response.headers.get_list("set-cookie"):
        cookies[header.split("=", 1)[0]] = header.lower()
    return cookies


async def test_cookie_flags_over_http(client, world):
    await ensure_csrf(client)
    response = await post_form(client, "/t/acme/login", {"email": world.a.email("admin"),
                                                         "password": "Test-wachtwoord-1"}, follow_redirects=False)
    assert response.status_code == 303
    session = _set_cookies(response)["regie_session"]
    assert "httponly" in session and "samesite=lax" in session and "secure" not in session
    fresh = await AsyncTestClient(app=client.app, base_url="http://testserver.local").__aenter__()
    try:
        csrf = _set_cookies(await fresh.get("/login"))["regie_csrf"]
    finally:
        await fresh.__aexit__(None, None, None)
    assert "httponly" in csrf and "samesite=lax" in csrf and "secure" not in csrf


async def test_cookies_are_secure_when_served_over_https(settings, world, restore_broker):
    app = create_app(dataclasses.replace(settings, base_url="https://regie.example"), start_jobs=False)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        first = await client.get("/login")
        csrf = _set_cookies(first)["regie_csrf"]
        response = await client.post("/t/acme/login", data={"email": world.a.email("admin"),
                                                            "password": "Test-wachtwoord-1",
                                                            "_csrf_token": client.cookies.get("regie_csrf")},
                                     follow_redirects=False)
        switched = await client.post("/lang", data={"lang": "en", "next": "/login",
                                                    "_csrf_token": client.cookies.get("regie_csrf")},
                                     follow_redirects=False)
    assert response.status_code == 303, response.text[:300]
    session = _set_cookies(response)["regie_session"]
    lang = _set_cookies(switched)["regie_lang"]
    for cookie in (csrf, session, lang):
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


async def test_oversize_body_is_413_not_500(client, world):
    token = await ensure_csrf(client)
    body = b"x" * (13 * 1024 * 1024)
    response = await client.post("/t/acme/login", content=body,
                                 headers={"content-type": "application/x-www-form-urlencoded",
                                          "x-csrftoken": token})
    assert response.status_code == 413
    _assert_headers(response)
    ok = await client.post("/t/acme/login", content=b"email=x%40acme.test&password=wrong",
                           headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": token})
    assert ok.status_code == 400, "a normal body still reaches the handler"
