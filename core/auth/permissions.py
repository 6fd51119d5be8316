"""The authorisation matrix: one declarative table of action → roles, enforced by one guard.

Roles of a principal are derived per request (see `core.auth.principal`): the tenant role
(`admin`, `member`, `viewer`), the workgroup seat (`workgroup`), the regie appointment (`regie`),
the platform role (`mediator`) and `api` for API-token calls (which also carry the member's roles).
Every tenant route names its action in `opt={"action": ...}`; a route without one is refused.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from core.errors import PermissionDenied

MEMBERS = frozenset({"admin", "member", "regie", "workgroup"})
READERS = MEMBERS | {"viewer", "mediator"}

MATRIX: dict[str, frozenset[str]] = {
    # reading a tenant's pages and API resources
    "tenant.read": READERS,
    "audit.read": frozenset({"admin", "regie", "workgroup", "mediator"}),
    # people and departments
    "department.manage": frozenset({"admin"}),
    "member.invite": frozenset({"admin", "mediator"}),
    "member.manage": frozenset({"admin"}),
    # own tokens only: a token acts as its creator, so nobody can mint another member's rights
    "token.create": frozenset({"admin", "member", "regie", "workgroup", "viewer"}),
    # see and revoke every token of the tenant
    "token.manage": frozenset({"admin"}),
    "workgroup.compose": frozenset({"admin"}),
    # the regie holder is agreed by two people: one proposes, another (neither the proposer nor the appointee,
    # checked in core/workgroup/service.py) confirms; the proposer withdraws, others may reject
    "regie.propose": frozenset({"admin", "workgroup", "mediator"}),
    "regie.confirm": frozenset({"admin", "workgroup", "mediator"}),
    # starting points and roadmap
    "starting_points.write": frozenset({"workgroup", "regie", "admin"}),
    "starting_points.approve": frozenset({"regie"}),
    "starting_points.acknowledge": frozenset({"workgroup"}),
    "baseline.upload": frozenset({"workgroup", "regie", "admin"}),
    "pilot.record": frozenset({"regie", "workgroup"}),
    "methodology.write": frozenset({"regie", "workgroup"}),
    "target.write": frozenset({"regie", "workgroup"}),
    "presentation.produce": frozenset({"regie", "workgroup"}),
    "presentation.approve": frozenset({"admin"}),
    "phase.advance": frozenset({"regie", "admin"}),
    "phase.override": frozenset({"regie"}),
    # working inside an active plugin: "owner" is added for members of the plugin's owning department
    "plugin.read": READERS,
    "plugin.work": MEMBERS | {"owner"},
    "plugin.configure": frozenset({"admin", "regie", "owner"}),
    # plugins
    "plugin.request": frozenset({"admin", "member", "workgroup", "regie"}),
    # the regie holder decides; an admin or a workgroup member only approves the regie holder's own request
    # (two people, checked per request in core/activation/service.py)
    "plugin.decide": frozenset({"regie", "admin", "workgroup"}),
    "plugin.pause": frozenset({"regie"}),
    # policy and accounts
    "policy.write": frozenset({"workgroup", "regie"}),
    "policy.publish": frozenset({"regie"}),
    "account.request": MEMBERS,
    "account.decide": frozenset({"regie", "hub"}),
    # each lifecycle move has its own rule, checked per account in core/accounts/lifecycle.py
    "account.manage": MEMBERS,
    "account.review": frozenset({"regie", "workgroup", "mediator"}),
    "account.watch": frozenset({"regie", "workgroup"}),
    # connect an account to its network: narrowed per account to its department and the regie holder
    # (core/channels/service.py)
    "account.connect": MEMBERS,
    # measurement: dashboards, measurements, reports, digest, trainings
    "measurement.read": READERS,
    "measurement.enter": MEMBERS,
    "report.generate": frozenset({"regie", "workgroup", "admin"}),
    "digest.subscribe": READERS,
    "training.manage": frozenset({"mediator"}),
    "training.enrol": frozenset({"admin", "regie", "workgroup", "mediator"}),
    # privacy (AVG/GDPR): retention, erasure on request, the tenant export
    "privacy.manage": frozenset({"admin", "mediator"}),
    # single sign-on: the tenant's own identity provider (OIDC)
    "sso.configure": frozenset({"admin"}),
    # second factor: whether the tenant's admins must use one (mediators always must)
    "mfa.configure": frozenset({"admin", "mediator"}),
    # reset a member's lost second factor (an admin only for people who work in no other tenant)
    "mfa.reset": frozenset({"admin", "mediator"}),
    # platform
    "mediator.console": frozenset({"mediator"}),
    "tenant.create": frozenset({"mediator"}),
}

READ_ACTIONS = frozenset({"tenant.read", "audit.read", "plugin.read", "measurement.read", "account.review"})
WORK_ACTIONS = frozenset({
    "token.create", "starting_points.write", "starting_points.approve", "starting_points.acknowledge",
    "baseline.upload", "pilot.record", "methodology.write", "target.write", "presentation.produce",
    "presentation.approve", "phase.advance", "phase.override", "plugin.work", "plugin.request", "plugin.decide",
    "plugin.pause", "policy.write", "policy.publish", "account.request", "account.decide", "account.manage",
    "account.watch", "account.connect", "measurement.enter",
    "report.generate", "digest.subscribe", "training.enrol",
})
TOKEN_NEVER = frozenset({"mediator.console", "tenant.create", "training.manage"})
"""Platform actions: a token never acts as a mediator, whatever its scopes."""

TOKEN_SCOPES: dict[str, frozenset[str]] = {
    "read": READ_ACTIONS,
    "write": WORK_ACTIONS,
    # everything else a member may do (people, tokens, privacy, sign-on): an action added to MATRIX later
    # lands here until it is classified, so a new action is never reachable with a read or write token
    "admin": frozenset(set(MATRIX) - READ_ACTIONS - WORK_ACTIONS - TOKEN_NEVER),
}
"""API token scope → the actions it reaches; a token reaches the union of its scopes, intersected with
what its creator's roles allow (`can`)."""


def scope_allows(scopes: frozenset[str] | set[str], action: str) -> bool:
    """Whether a token holding `scopes` may reach `action` at all (the creator's roles decide the rest)."""
    if action in (PUBLIC, AUTHENTICATED):
        return True
    return any(action in TOKEN_SCOPES.get(scope, frozenset()) for scope in scopes)


PUBLIC = "public"
"""Routes anyone may reach (login, invitation acceptance, static files)."""
AUTHENTICATED = "authenticated"
"""Routes for any signed-in person (language switch, sign out)."""


def can(roles: frozenset[str] | set[str], action: str) -> bool:
    allowed = MATRIX.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}")
    return bool(allowed & set(roles))


def action_of(route_handler: BaseRouteHandler) -> str | None:
    return route_handler.opt.get("action")


async def authorise(connection: ASGIConnection[Any, Any, Any, Any], route_handler: BaseRouteHandler) -> None:
    """The one guard: every route names its action; the principal's roles must allow it. Async on purpose:
    Litestar runs a sync guard in a worker thread, a thread hop on every request for a check that does no I/O."""
    check_access(connection, route_handler)


def check_access(connection: ASGIConnection[Any, Any, Any, Any], route_handler: BaseRouteHandler) -> None:
    """What `authorise` decides, callable from another guard."""
    action = action_of(route_handler)
    if action is None:
        raise PermissionDenied("route without an action")
    if action == PUBLIC:
        return
    principal = connection.scope.get("state", {}).get("principal")
    if principal is None or principal.user is None:
        raise NotAuthenticated()
    if action == AUTHENTICATED:
        return
    if not can(principal.roles, action):
        raise PermissionDenied(action)
    if principal.via_token and not scope_allows(principal.scopes, action):
        raise PermissionDenied(action)


class NotAuthenticated(Exception):
    """No one is signed in: pages redirect to the login, the API answers 401."""
