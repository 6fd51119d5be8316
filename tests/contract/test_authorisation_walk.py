"""Every route × every role: the guard allows exactly what `MATRIX` (and a token's scopes) says.

For each person of the test world (mediator, admin, regie holder, workgroup member, member, owning department's
member, viewer) signed in on the web, each member's API token with every scope, and the admin's token with one
scope at a time, every route of the app is requested (GET as GET, POST/PATCH/DELETE with an empty body) with
real ids of the populated tenant. Expected forbidden ⇔ 403; expected allowed ⇔ anything but 403; never a 500.
`public` and `authenticated` routes are not in the matrix (sign-in, sign-out) and are left to their own tests.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select

from core.auth.matrix_doc import object_rules
from core.auth.models import ApiToken
from core.auth.permissions import AUTHENTICATED, PUBLIC, TOKEN_SCOPES, can, scope_allows
from core.auth.principal import tenant_roles
from core.auth.tokens import digest
from core.tenancy.scope import tenant_scope
from tests.contract.populate import invitation_token, populate
from tests.contract.test_isolation_walk import MUTATING, PARAM, id_table
from tests.support import TenantWorld, login, login_as

PEOPLE: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin"}),
    "regie": frozenset({"member", "workgroup", "regie", "hub"}),
    "marketer": frozenset({"member", "workgroup"}),
    "member": frozenset({"member"}),
    "agent": frozenset({"member", "workgroup"}),
    "viewer": frozenset({"viewer"}),
}
"""Tenant a's people and the roles the world gives them (the walk checks they still hold them afterwards)."""
DEPARTMENTS = {"regie": "comms", "marketer": "marketing", "member": "marketing", "agent": "service"}
PLUGIN_OWNERS = {"monitoring": "comms", "webcare": "service", "talking": "marketing", "energizing": "marketing",
                 "cocreation": "service"}
"""The departments `populate` activates each plugin for: their members get `owner` on its routes."""
ALL_SCOPES = " ".join(TOKEN_SCOPES)
CONCURRENCY = 6
PLUGIN_PATH = re.compile(r"^(?:/api/v1)?/t/\{slug:str\}/(?:p/)?(?P<plugin>[a-z_]+)(?:/|$)")


def all_routes(app: Any) -> list[tuple[str, str, str]]:
    """(method, path template, action) of every route with a matrix action."""
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            action = handler.opt.get("action")
            if action in (None, PUBLIC, AUTHENTICATED):
                continue
            for method in handler.http_methods:
                if method not in ("HEAD", "OPTIONS"):
                    found.add((method, route.path, action))
    return sorted(found)


def plugin_of(template: str) -> str | None:
    match = PLUGIN_PATH.match(template)
    return match["plugin"] if match and match["plugin"] in PLUGIN_OWNERS else None


def roles_on(person: str, template: str) -> frozenset[str]:
    """The roles `person` has on this route: `owner` on the routes of their department's plugin."""
    if person == "mediator":
        return frozenset({"mediator"})
    if "{slug" not in template:
        return frozenset()
    plugin = plugin_of(template)
    owner = plugin is not None and DEPARTMENTS.get(person) == PLUGIN_OWNERS[plugin]
    return PEOPLE[person] | ({"owner"} if owner else set())


RULED: set[str] = set()
"""'METHOD path' of the handlers that narrow the matrix for one object (`opt["rule"]`), from the app."""


def object_rule(method: str, template: str) -> bool:
    """A handler narrowing the matrix for one object (`object_rules`): a 403 there is no contradiction."""
    return f"{method} {template}" in RULED


def fill(template: str, ids: dict[str, list[Any]]) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2) or "str"
        if name == "slug":
            return "acme"
        if kind == "uuid":
            table = id_table(name, template) or "department"
            return str(min(ids.get(table) or ids["department"], key=str))
        if kind == "int":
            return "1"
        if name == "token":
            return invitation_token("acme")
        # a plugin name no tenant has: pausing or requesting "monitoring" would switch the walk's plugin off
        return "nosuchplugin" if name == "plugin" else "x"

    return PARAM.sub(value, template)


async def _tokens(sessionmaker: Any, tw: TenantWorld) -> dict[str, dict[str, str]]:
    """Authorization headers of the tokens in `PRINCIPALS`."""
    made = {label: (who, scopes) for half in PRINCIPALS for label, who, scopes in half if scopes is not None}
    headers = {}
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            for label, (who, scopes) in made.items():
                raw = f"rg_walk-{label.replace(' ', '-')}"
                s.add(ApiToken(membership_id=tw.memberships[who].id, name=label, prefix=raw[:8],
                               token_hash=digest(raw), scopes=scopes))
                headers[label] = {"authorization": f"Bearer {raw}"}
    return headers


async def _real_baseline_report(sessionmaker: Any, tw: TenantWorld) -> None:
    """`populate` stores a placeholder report body; the report page draws charts from a real one."""
    from datetime import UTC, datetime, timedelta

    from plugins.monitoring import models as m
    from plugins.monitoring.buzz.baseline import compute_report

    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            profiles = list((await s.scalars(select(m.SearchProfile))).all())
            today = datetime.now(UTC).date()
            body = await compute_report(s, today - timedelta(days=7), today, profiles)
            for row in (await s.scalars(select(m.BaselineReport))).all():
                row.report = body


async def _request(client: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    if method in MUTATING:
        body: dict[str, Any] = {"json": {}} if url.startswith("/api/") else {"data": {}}
        return await client.request(method, url, headers=headers, follow_redirects=False, **body)
    return await client.request(method, url, headers=headers, follow_redirects=False)


async def _sweep(client: Any, routes: list[tuple[str, str, str]], ids: dict[str, list[Any]], who: str,
                 person: str, scopes: frozenset[str] | None, headers: dict[str, str]) -> list[str]:
    """One principal against its routes (web routes for a session, API routes for a token). The requests of
    one principal run a few at a time: the walk is long, and each waits mostly on the database."""
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(method: str, template: str, action: str) -> str | None:
        expected = can(roles_on(person, template), action) and (scopes is None or scope_allows(scopes, action))
        request_headers = dict(headers)
        if scopes is None:
            request_headers["x-csrftoken"] = client.cookies.get("regie_csrf") or ""
        async with limit:
            response = await _request(client, method, fill(template, ids), request_headers)
        code = response.status_code
        if code >= 500:
            return f"{who}: {method} {template} ({action}) -> {code}"
        if expected and code in (401, 403) and not (code == 403 and object_rule(method, template)):
            return f"{who}: {method} {template} ({action}) refused ({code}) but the matrix allows it"
        if not expected and code != 403:
            return f"{who}: {method} {template} ({action}) -> {code}, the matrix forbids it"
        return None

    mine = [r for r in routes if r[1].startswith("/api/") == (scopes is not None)]
    found = await asyncio.gather(*(one(*route) for route in mine))
    return [problem for problem in found if problem]


async def _seat_changes(sessionmaker: Any, tw: TenantWorld) -> str:
    """For the failure message: which audited decisions touched seats or people during the walk."""
    from core.audit.models import AuditEntry

    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            entries = (await s.scalars(select(AuditEntry).where(
                AuditEntry.action.like("workgroup.%") | AuditEntry.action.like("member.%")
                | AuditEntry.action.like("regie.%")))).all()
    return "the walk changed someone's roles: " + "; ".join(f"{e.action} by {e.actor_label}: {e.summary}"
                                                            for e in entries)


async def _roles_now(sessionmaker: Any, tw: TenantWorld) -> dict[str, frozenset[str]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return {who: (await tenant_roles(s, tw.users[who], tw.tenant)).roles for who in PEOPLE}


PRINCIPALS: tuple[tuple[tuple[str, str, str | None], ...], ...] = (
    (("viewer token", "viewer", ALL_SCOPES), ("member token", "member", ALL_SCOPES),
     ("agent token", "agent", ALL_SCOPES), ("regie token", "regie", ALL_SCOPES),
     ("mediator", "mediator", None), ("viewer", "viewer", None), ("member", "member", None)),
    (("marketer", "marketer", None), ("agent", "agent", None), ("regie", "regie", None),
     # the admin goes last: only the admin's routes (workgroup seats) could change someone else's roles
     ("admin", "admin", None), *((f"admin token [{scope}]", "admin", scope) for scope in TOKEN_SCOPES),
     ("admin token", "admin", ALL_SCOPES)),
)
"""(label, person, token scopes or None for a web session) in two halves, each with a world of its own. Every
member's token has every scope (their roles on the API), the admin's also one scope at a time; the marketer
(a workgroup member like the agent, without webcare) has no token of its own."""


@pytest.mark.postgresql_only  # ~2,000 requests: one backend keeps the suite's time (PostgreSQL: production, RLS)
@pytest.mark.parametrize("part", [0, 1])
async def test_every_route_answers_every_role_as_the_matrix_says(app, client, world, sessionmaker, part):
    """(Two halves, so this long walk runs in parallel.)"""
    ids = await populate(sessionmaker, world.a)
    await _real_baseline_report(sessionmaker, world.a)
    headers = await _tokens(sessionmaker, world.a)
    routes = all_routes(app)
    assert len(routes) > 100
    RULED.update(object_rules(app))
    problems: list[str] = []
    for label, person, scopes in PRINCIPALS[part]:
        if label == "admin":  # before the admin's first sweep
            assert await _roles_now(sessionmaker, world.a) == PEOPLE, await _seat_changes(sessionmaker, world.a)
        client.cookies.clear()
        if scopes is None and person == "mediator":
            await login(client, world.mediator.email)
        elif scopes is None:
            await login_as(client, world.a, person)
        scope_set = None if scopes is None else frozenset(scopes.split())
        problems += await _sweep(client, routes, ids, label, person, scope_set, headers.get(label, {}))
    assert not problems, "\n".join(problems)
