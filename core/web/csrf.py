"""CSRF tokens bound to the session.

Litestar's `CSRFMiddleware` is a double-submit cookie: any token it ever signed passes, as long as the
cookie carries the same one. Someone who can set a cookie for the site (a neighbouring subdomain, plain http
on the way) could plant a pair of their own and post as the victim. Here the token lives in the server-side
session: a form or htmx request must carry its own session's token, whatever the cookie says.

A session gets its token on its first page. A session set anew (sign-in, the second-factor step: a new
session under a new id) gets a new token at once (`SessionRequest.set_session`), so the token changes at
sign-in and a page rendered in the same response already carries the new one. The cookie is kept equal to
the session's token for clients that read it there (it is HttpOnly: scripts get the token from the page).

Only a request whose session holds nothing yet (a first visit that starts with a POST, a session the store
lost, one that just ended) is checked the old way, cookie against field: such a request acts for nobody.
"""

from __future__ import annotations

from secrets import compare_digest
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware, generate_csrf_token
from litestar.plugins.htmx import HTMXRequest
from litestar.types import EmptyType, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

SESSION_KEY = "csrf"
"""Where the session keeps its token."""


def session_of(scope: Scope) -> dict[str, Any] | None:
    """The request's session as a dict, or None when it was ended (Empty) or there is none."""
    session = scope.get("session")
    return session if isinstance(session, dict) else None


def token_of(session: dict[str, Any] | None) -> str | None:
    token = session.get(SESSION_KEY) if session is not None else None
    return token if isinstance(token, str) and token else None


def bind_new_token(scope: Scope, session: dict[str, Any]) -> str:
    """Give `session` a fresh token and make it the one this response's pages carry."""
    token = session[SESSION_KEY] = generate_csrf_token(secret=scope["app"].state.settings.secret_key)
    ScopeState.from_scope(scope).csrf_token = token
    return token


class SessionRequest(HTMXRequest):  # type: ignore[misc]
    """The app's request class: a session set without a CSRF token (a new session) gets a new one at once."""

    def set_session(self, value: dict[str, Any] | Any | EmptyType) -> None:
        super().set_session(value)
        if isinstance(value, dict) and token_of(value) is None:
            bind_new_token(self.scope, value)


class SessionCSRFMiddleware(CSRFMiddleware):
    """The session's token for pages and forms; the double-submit cookie only for a session without data."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
                scope=scope, scopes=self.scopes, exclude_opt_key=self.config.exclude_from_csrf_key,
                exclude_path_pattern=self.exclude):
            await self.app(scope, receive, send)
            return
        cookie = ASGIConnection(scope).cookies.get(self.config.cookie_name)
        session = session_of(scope)
        bound = token_of(session)
        state = ScopeState.from_scope(scope)
        if scope["method"] in self.config.safe_methods:
            if bound is None and session is not None:
                bound = bind_new_token(scope, session)
            state.csrf_token = bound or cookie or generate_csrf_token(secret=self.config.secret)
        else:
            submitted = await self._submitted(scope, receive, bound)
            if bound is not None:
                accepted = bool(submitted) and compare_digest(submitted, bound)
            else:
                # nothing bound yet: only a session without data may fall back to the cookie (a session from
                # before tokens were bound, still signed in, must reload its page first)
                accepted = not session and bool(submitted and cookie) \
                    and self._csrf_tokens_match(submitted, cookie or "")
                if accepted and session is not None:
                    session[SESSION_KEY] = submitted  # the token this visitor's page carries
            if not accepted:
                raise PermissionDeniedException("CSRF token verification failed")
            state.csrf_token = submitted
        await self.app(scope, receive, self._following_send(scope, send, cookie))

    async def _submitted(self, scope: Scope, receive: Receive, bound: str | None) -> str:
        """The token the request carries: the header (htmx), else (or when the header is not the session's:
        a page from before the sign-in) the form field of a plain or boosted form."""
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        header = request.headers.get(self.config.header_name) or ""
        if header and (bound is None or compare_digest(header, bound)):
            return header
        if request.content_type[0] in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
            field = (await request.form()).get("_csrf_token")  # cached: the handler reads the form again
            if isinstance(field, str) and field:
                return field
        return header

    def _following_send(self, scope: Scope, send: Send, cookie: str | None) -> Send:
        """The cookie follows the token: the session's (as it is when the response starts), else the request's."""

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = session_of(scope)
                token = token_of(session) or (bind_new_token(scope, session) if session is not None else None) \
                    or ScopeState.from_scope(scope).csrf_token
                if isinstance(token, str) and token != cookie:
                    self._set_cookie_if_needed(message=message, token=token)  # type: ignore[arg-type]
            await send(message)

        return send_wrapper
