"""Bad input on every state-changing route: a clear 4xx with field and reason, and nothing stored changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from core.auth.permissions import MATRIX, PUBLIC
from tests.contract.populate import populate, table_fingerprint
from tests.contract.test_isolation_walk import MUTATING, fill, tenant_routes
from tests.support import login_as

ROLE_TO_PERSON = [("regie", "regie"), ("admin", "admin"), ("workgroup", "marketer"), ("hub", "regie"),
                  ("member", "member"), ("viewer", "viewer")]

WEB_BODIES: list[dict[str, Any]] = [{}, {"name": "x" * 5000, "email": "not-an-email", "reason": "",
                                         "department_id": "not-a-uuid", "role": "emperor", "value": "abc"}]
API_BODIES: list[Any] = [{}, {"name": 12, "email": ["x"], "department_id": "nope", "reason": None, "value": "abc"},
                         "{not json"]


def routes_without_input(app: Any) -> set[tuple[str, str]]:
    """Routes marked `opt={"takes_input": False}` (mark all read): there is no input to get wrong."""
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("takes_input") is False:
                found |= {(m, route.path) for m in handler.http_methods}
    return found


def person_for(action: str) -> str | None:
    """Someone the matrix allows to perform `action` in the test world, so the input is what gets judged."""
    allowed = MATRIX.get(action, frozenset())
    for role, person in ROLE_TO_PERSON:
        if role in allowed:
            return person
    return None


async def _send(client: Any, method: str, url: str, api: bool, body: Any, token: str) -> Any:
    headers = {"x-csrftoken": client.cookies.get("regie_csrf") or ""}
    if api:
        headers["authorization"] = f"Bearer {token}"
        if isinstance(body, str):
            return await client.request(method, url, content=body, headers={**headers,
                                        "content-type": "application/json"})
        return await client.request(method, url, json=body, headers=headers)
    return await client.request(method, url, data=body, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("part", [0, 1])
async def test_bad_input_is_refused_clearly_and_changes_nothing(app, client, world, sessionmaker, part,
                                                               monkeypatch):
    """Every mutating route with bad bodies: a clear 4xx and no table touched. (Every other route per `part`,
    so the two halves of this long walk run in parallel.)"""
    from core.auth import security
    from core.auth.models import ApiToken
    from core.auth.tokens import digest
    from core.tenancy.scope import tenant_scope

    # a token's use is bookkeeping, not a change by the request: its token.used audit rows are left out of the
    # fingerprint, and last_used_at (moved once a minute) stays put because the tokens count as just used and
    # the clock stands still
    now = security.clock()
    monkeypatch.setattr(security, "clock", lambda: now)
    await populate(sessionmaker, world.a)
    tokens = {}
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            for person in ("regie", "admin", "marketer", "member", "viewer"):
                raw = f"rg_bad-input-{person}"
                s.add(ApiToken(membership_id=world.a.memberships[person].id, name=person, prefix=raw[:8],
                               token_hash=digest(raw), last_used_at=now))
                tokens[person] = raw
    problems: list[str] = []
    current = None
    no_input = routes_without_input(app)
    for index, (method, template, action) in enumerate(tenant_routes(app)):
        if index % 2 != part:
            continue
        if method not in MUTATING or action in (PUBLIC, "authenticated", "") or (method, template) in no_input:
            continue
        person = person_for(action)
        if person is None:
            continue
        if person != current:
            client.cookies.clear()
            await login_as(client, world.a, person)
            current = person
        api = template.startswith("/api/")
        url = fill(template, "acme", str(uuid.uuid4())).replace("/1/", "/999/")
        if url.endswith("/1"):
            url = url[:-2] + "/999"
        before = await table_fingerprint(sessionmaker)
        for body in API_BODIES if api else WEB_BODIES:
            response = await _send(client, method, url, api, body, tokens[person])
            after = await table_fingerprint(sessionmaker)
            label = f"{method} {template} as {person} with {str(body)[:40]!r}"
            if not 400 <= response.status_code < 500:
                problems.append(f"{label}: status {response.status_code}")
            changed = {t for t in before if before[t] != after[t] and t != "api_token"}
            if changed:
                problems.append(f"{label}: changed {sorted(changed)}")
            before = after  # the next body is judged against the state this one left
            if api and 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404, 405):
                errors = response.json().get("errors", [])
                if not errors or not all(e.get("field") and e.get("reason") for e in errors):
                    problems.append(f"{label}: no field/reason in {response.text[:200]}")
    assert problems == []
