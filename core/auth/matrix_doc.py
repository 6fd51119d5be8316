"""docs/authorisation.md, generated from the matrix and the app's route table (`regie docs authorisation`).

Generated, never written by hand, so the page cannot drift from what the guard enforces; a test compares
the committed page with this output.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from core.auth.permissions import AUTHENTICATED, MATRIX, PUBLIC, TOKEN_SCOPES

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "authorisation.md"

ROLES: tuple[tuple[str, str], ...] = (
    ("mediator", "consultancy staff (platform role); never carried by an API token"),
    ("admin", "management of the organisation (tenant role)"),
    ("regie", "the one regie holder of the organisation"),
    ("workgroup", "holds a workgroup seat for a department"),
    ("member", "a department member (tenant role)"),
    ("owner", "a (non-viewer) member of the department that owns the plugin, on that plugin's routes"),
    ("hub", "a member of a hub department (hub-and-spoke models)"),
    ("viewer", "read-only tenant role"),
)

DESCRIPTIONS: dict[str, str] = {
    "tenant.read": "read the organisation's pages and API resources",
    "audit.read": "read the audit log",
    "department.manage": "create and edit departments",
    "member.invite": "invite people and withdraw open invitations",
    "member.manage": "change a member's role, department or active flag",
    "token.create": "create, list and revoke one's own API tokens",
    "token.manage": "see and revoke every API token of the organisation",
    "workgroup.compose": "seat and unseat department representatives in the workgroup",
    "regie.propose": "propose a regie holder (oneself included); withdraw one's own open proposal",
    "regie.confirm": "confirm or reject the open regie proposal (confirming: neither its proposer nor the appointee)",
    "starting_points.write": "draft a version of the shared starting points",
    "starting_points.approve": "approve a version of the starting points",
    "starting_points.acknowledge": "acknowledge approved starting points for one's department",
    "baseline.upload": "upload an external baseline study (nulmeting)",
    "pilot.record": "record a pilot measurement",
    "methodology.write": "write a methodology version (chosen KPIs)",
    "target.write": "set targets",
    "presentation.produce": "produce the management presentation",
    "presentation.approve": "approve the management presentation or a quarterly report",
    "phase.advance": "move to the next phase when its gate holds",
    "phase.override": "override a failing gate with a written reason",
    "plugin.read": "read inside an active plugin",
    "plugin.work": "do the day-to-day work inside an active plugin",
    "plugin.configure": "configure an active plugin (sources, profiles, queues, rules)",
    "plugin.request": "request a plugin for a department",
    "plugin.decide": "approve or reject a plugin request",
    "plugin.pause": "pause or resume an active plugin",
    "policy.write": "draft a policy version",
    "policy.publish": "publish a policy version",
    "account.request": "register a social account (a new one, or an existing one to be claimed)",
    "account.decide": "approve or reject a requested account, mark an account to close",
    "account.manage": "move an account through its lifecycle (claim, put in use, close) and name its owners",
    "account.review": "read the account sprawl report",
    "account.watch": "set the brand terms the account sprawl report looks for",
    "account.connect": "connect a social account to its network (connector, credentials) or disconnect it",
    "measurement.read": "read dashboards, measurements and reports",
    "measurement.enter": "enter a measurement by hand",
    "report.generate": "generate a quarterly report",
    "digest.subscribe": "subscribe to the weekly digest",
    "training.manage": "manage the platform's trainings",
    "training.enrol": "enrol people in a training and record completion",
    "privacy.manage": "retention, erasure on request and the tenant export",
    "sso.configure": "configure the organisation's single sign-on (OIDC)",
    "mfa.configure": "require a second factor for the organisation's admins",
    "mfa.reset": "reset a member's lost second factor (they enrol again)",
    "mediator.console": "the mediator's console across tenants",
    "tenant.create": "create an organisation",
}
"""One line per action for the page; an action without one shows as undescribed (add it here)."""

SKIPPED_METHODS = ("HEAD", "OPTIONS")
NO_ACTION = "(none)"
"""Routes outside the guard's routers (the OpenAPI schema Litestar serves)."""


def routes_by_action(app: Any) -> dict[str, list[str]]:
    """action → sorted 'METHOD path' of every route handler naming it (`opt["action"]`)."""
    found: dict[str, set[str]] = defaultdict(set)
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            action = handler.opt.get("action")
            for method in handler.http_methods:
                if method not in SKIPPED_METHODS:
                    found[action or NO_ACTION].add(f"{method} {route.path}")
    return {action: sorted(items, key=lambda r: (r.split(" ", 1)[1], r)) for action, items in found.items()}


def object_rules(app: Any) -> dict[str, str]:
    """'METHOD path' → rule, for every route whose handler narrows the matrix further for one object or person.

    The rule is declared on the handler itself, next to its action (`opt={"action": ..., "rule": "..."}`), by
    the core and by plugins alike. The matrix still decides first; a rule may refuse (403) a role the matrix
    allows, never allow one it refuses.
    """
    found: dict[str, str] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            rule = handler.opt.get("rule")
            for method in handler.http_methods:
                if rule and method not in SKIPPED_METHODS:
                    found[f"{method} {route.path}"] = str(rule)
    return dict(sorted(found.items(), key=lambda item: (item[0].split(" ", 1)[1], item[0])))


def token_scopes_for(action: str) -> list[str]:
    return [scope for scope, actions in TOKEN_SCOPES.items() if action in actions]


def render(app: Any) -> str:
    """The whole page as Markdown."""
    routes = routes_by_action(app)
    role_names = [name for name, _ in ROLES]
    lines = [
        "# Authorisation matrix",
        "",
        "<!-- generated by `regie docs authorisation` from core/auth/permissions.py and the app's routes;"
        " do not edit by hand -->",
        "",
        "Every route names one action (`opt[\"action\"]`); one guard (`core.auth.permissions.authorise`) allows",
        "it when one of the principal's roles is in the action's row of `MATRIX`. An API token acts as its",
        "creator (never as a mediator) and reaches an action only when one of its scopes lists it as well:",
        "the token column is intersected with the creator's roles, it never widens them.",
        "`tests/contract/test_authorisation_walk.py` tries every route as each role and each token scope and",
        "checks allowed ⇔ this table; `tests/core/test_authorisation_matrix.py` fails when this page is stale.",
        "",
        "## Roles",
        "",
        *[f"- **{name}**: {text}" for name, text in ROLES],
        "",
        "Token scopes: " + "; ".join(f"**{scope}** ({len(actions)} actions)" for scope, actions in TOKEN_SCOPES.items())
        + ".",
        "",
        "## Role × action",
        "",
        "| action | what it allows | " + " | ".join(role_names) + " | token scope |",
        "|---|---|" + "---|" * len(role_names) + "---|",
    ]
    for action, roles in MATRIX.items():
        cells = ["✓" if name in roles else "" for name in role_names]
        scopes = ", ".join(token_scopes_for(action)) or "—"
        lines.append(f"| `{action}` | {DESCRIPTIONS.get(action, '(undescribed)')} | " + " | ".join(cells)
                     + f" | {scopes} |")
    lines += ["", f"`{PUBLIC}`: anyone, signed in or not. `{AUTHENTICATED}`: anyone signed in (and any valid token).",
              "", "## Rules per object", "",
              "After the matrix allows a route, these handlers narrow it for one object or person (each declares",
              "its rule next to its action, `opt[\"rule\"]`):", "",
              *[f"- `{route}`: {rule}" for route, rule in object_rules(app).items()],
              "", "## Routes per action", ""]
    for action in [*MATRIX, PUBLIC, AUTHENTICATED, *sorted(set(routes) - set(MATRIX) - {PUBLIC, AUTHENTICATED})]:
        items = routes.get(action, [])
        lines += [f"### `{action}`" if action != NO_ACTION else "### no action (outside the guard)", ""]
        lines += [f"- `{item}`" for item in items] or ["- (no route)"]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write(app: Any, path: Path = DOC_PATH) -> Path:
    path.write_text(render(app), encoding="utf-8")
    return path
