"""The OpenID Connect relying party: discovery, the authorization request, the code exchange, ID-token checks.

Every fetch goes through `check_outbound_url` first (a tenant sets the issuer: no SSRF into our network).
Discovery documents and JWKS are cached per issuer for a while; an ID token signed with a key id that is
not in the cached set refetches the JWKS once, so a provider's key rotation needs nothing from us.
A failure raises `SsoFailure(reason)`; the reason goes to the audit trail, the person sees a plain page.
"""

from __future__ import annotations

import secrets
import ssl
import time
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core.errors import DomainError
from core.net.outbound import check_outbound_url
from core.settings import Settings

CACHE_SECONDS = 3600.0
"""How long a discovery document and a JWKS are trusted before they are fetched again."""
LEEWAY_SECONDS = 60
"""Clock difference tolerated between us and the provider for `exp` and `iat`."""
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""Asymmetric only: never `none`, never HMAC (a client secret must not double as a signing key)."""
SCOPE = "openid email profile"
TIMEOUT = 10.0


class SsoFailure(Exception):
    """A refused single sign-on; `reason` is one word for the audit trail and picks the message shown."""

    def __init__(self, reason: str, email: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.email = email


@dataclass(frozen=True)
class RelyingParty:
    """Our client at one provider (a tenant's, or the consultancy's for mediators)."""

    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Pending:
    """What the start of a sign-in keeps in the session until the provider sends the person back."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> Pending:
        return cls(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                   verifier=secrets.token_urlsafe(64))


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every provider call (loading the CA bundle per request is slow)."""
    return ssl.create_default_context()


def _http() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, verify=_tls())


_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks: dict[str, tuple[float, KeySet]] = {}


def clear_caches() -> None:
    _discovery.clear()
    _jwks.clear()


async def get_json(url: str, settings: Settings) -> dict[str, Any]:
    """GET a JSON object from the provider (checked against SSRF right before the request)."""
    try:
        check_outbound_url(url, settings, field="issuer")
    except DomainError as exc:
        raise SsoFailure("unreachable") from exc
    try:
        async with _http() as http:
            response = await http.get(url, headers={"Accept": "application/json"})
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoFailure("unreachable") from exc
    if not isinstance(data, dict):
        raise SsoFailure("unreachable")
    return data


async def discover(issuer: str, settings: Settings) -> dict[str, Any]:
    """The provider's metadata; its `issuer` must be exactly the configured one (OIDC Discovery §4.3)."""
    issuer = issuer.rstrip("/")
    cached = _discovery.get(issuer)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    doc = await get_json(issuer + "/.well-known/openid-configuration", settings)
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise SsoFailure("issuer")
    if not all(isinstance(doc.get(k), str) and doc[k] for k in ("authorization_endpoint", "token_endpoint",
                                                                  "jwks_uri")):
        raise SsoFailure("unreachable")
    _discovery[issuer] = (time.monotonic(), doc)
    return doc


def authorization_url(doc: dict[str, Any], rp: RelyingParty, redirect_uri: str, pending: Pending) -> str:
    """Authorization code flow with PKCE (S256), state and nonce."""
    params = {"response_type": "code", "client_id": rp.client_id, "redirect_uri": redirect_uri, "scope": SCOPE,
              "state": pending.state, "nonce": pending.nonce,
              "code_challenge": create_s256_code_challenge(pending.verifier), "code_challenge_method": "S256"}
    endpoint = doc["authorization_endpoint"]
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


async def exchange_code(doc: dict[str, Any], rp: RelyingParty, code: str, redirect_uri: str, verifier: str,
                        settings: Settings) -> dict[str, Any]:
    """The token response for an authorization code (client_secret_basic, with the PKCE verifier)."""
    url = doc["token_endpoint"]
    try:
        check_outbound_url(url, settings, field="issuer")
    except DomainError as exc:
        raise SsoFailure("unreachable") from exc
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}
    try:
        async with _http() as http:
            response = await http.post(url, data=form, auth=(rp.client_id, rp.client_secret),
                                       headers={"Accept": "application/json"})
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SsoFailure("unreachable") from exc
    if response.status_code != 200 or not isinstance(data, dict) or not isinstance(data.get("id_token"), str):
        raise SsoFailure("token")
    return data


async def _key_set(jwks_uri: str, settings: Settings, refresh: bool = False) -> KeySet:
    cached = _jwks.get(jwks_uri)
    if cached and not refresh and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    data = await get_json(jwks_uri, settings)
    try:
        keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoFailure("signature") from exc
    _jwks[jwks_uri] = (time.monotonic(), keys)
    return keys


def _pick(keys: KeySet, kid: str | None) -> Any:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((k for k in keys.keys if k.kid == kid), None)


async def verify_id_token(id_token: str, doc: dict[str, Any], rp: RelyingParty, nonce: str,
                          settings: Settings, now: float | None = None) -> dict[str, Any]:
    """The ID token's claims once signature (JWKS), iss, aud/azp, exp, iat and nonce all hold."""
    try:
        header = jws.extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise SsoFailure("signature") from exc
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise SsoFailure("signature")
    kid = header.get("kid")
    claims = _verified(id_token, alg, _pick(await _key_set(doc["jwks_uri"], settings), kid))
    if claims is None:  # an unknown kid (or, without a kid, a key that no longer fits): the provider may have
        # rotated its keys, so the JWKS is fetched once more, never more than once per token
        claims = _verified(id_token, alg, _pick(await _key_set(doc["jwks_uri"], settings, refresh=True), kid))
    if claims is None:
        raise SsoFailure("signature")
    check_claims(claims, rp, nonce, now)
    return claims


def _verified(id_token: str, alg: str, key: Any) -> dict[str, Any] | None:
    """The claims when `key` signed the token; None otherwise."""
    if key is None:
        return None
    try:
        return jwt.decode(id_token, key, algorithms=[alg]).claims
    except (JoseError, ValueError, TypeError):
        return None


def check_claims(claims: dict[str, Any], rp: RelyingParty, nonce: str, now: float | None = None) -> None:
    """OIDC Core §3.1.3.7: the checks after the signature."""
    now = time.time() if now is None else now
    if str(claims.get("iss", "")).rstrip("/") != rp.issuer.rstrip("/"):
        raise SsoFailure("issuer")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if rp.client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != rp.client_id):
        raise SsoFailure("audience")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or now > exp + LEEWAY_SECONDS:
        raise SsoFailure("expired")
    if not isinstance(iat, int | float) or iat > now + LEEWAY_SECONDS:
        raise SsoFailure("token")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
        raise SsoFailure("nonce")
