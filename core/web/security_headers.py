"""Security headers on every response (pages, API, errors, static files).

The Content-Security-Policy is strict: no inline script, no inline style, no eval. Templates keep to it
(tests/core/test_security_headers.py scans them all), so an injected `<script>` or `style=` does nothing.
HSTS is only sent over TLS: the request's own scheme, or X-Forwarded-Proto when the operator says a
proxy in front sets it (REGIE_TRUST_PROXY=1); sending it over plain http would pin nothing and could
lock a misconfigured deployment out of its own http fallback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
"""The one policy for the app's own pages."""

DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
"""Only for the interactive API docs (Swagger UI loads from a CDN with an inline bootstrap script)."""

DOCS_PREFIX = "/api/v1/schema"
HSTS = "max-age=31536000; includeSubDomains"
CACHEABLE = ("/static/", "/favicon.ico")
"""The only answers a browser may keep: everything else is a page or an API answer for someone (or carries a
CSRF token bound to a session), and after sign-out "back" must ask the server again, not show a kept copy."""

BASE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def over_tls(scope: Scope, trust_proxy: bool) -> bool:
    """True when the browser reached us over https (directly, or through a trusted proxy)."""
    if scope.get("scheme") == "https":
        return True
    if not trust_proxy:
        return False
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-proto":
            return value.split(b",")[0].strip().lower() == b"https"
    return False


def _headers_for(scope: Scope, trust_proxy: bool) -> list[tuple[bytes, bytes]]:
    extra = list(BASE_HEADERS)
    csp = DOCS_CSP if scope.get("path", "").startswith(DOCS_PREFIX) else CSP
    extra.append((b"content-security-policy", csp.encode()))
    if over_tls(scope, trust_proxy):
        extra.append((b"strict-transport-security", HSTS.encode()))
    if not scope.get("path", "").startswith(CACHEABLE):
        extra.append((b"cache-control", b"no-store"))
    return extra


def security_headers(trust_proxy: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """An app-level before_send hook: it sees every response start, also the router's own 404/405 (which
    never pass through the middleware stack) and static files. Headers a handler set itself are kept."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("type") != "http":
            return
        headers = list(message.get("headers", []))
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend(h for h in _headers_for(scope, trust_proxy) if h[0] not in present)
        message["headers"] = headers  # type: ignore[typeddict-unknown-key]

    return add_headers
