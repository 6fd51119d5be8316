"""The navigation of a tenant: core pages for the principal's roles plus each active plugin's entries."""

from __future__ import annotations

from typing import Any

from core.auth.permissions import can
from core.i18n import gettext_for

CORE_NAV = (
    ("", "Overview", "tenant.read"),
    ("dashboard", "Dashboard", "measurement.read"),
    ("measurements", "Measurements", "measurement.read"),
    ("digest", "Weekly digest", "digest.subscribe"),
    ("reports", "Quarterly reports", "measurement.read"),
    ("benchmark", "Benchmark", "measurement.read"),
    ("roadmap", "Roadmap", "tenant.read"),
    ("workgroup", "Workgroup", "tenant.read"),
    ("starting-points", "Starting points", "tenant.read"),
    ("plugins", "Plugins", "tenant.read"),
    ("policy", "Policy", "tenant.read"),
    ("accounts", "Accounts", "tenant.read"),
    ("people", "People", "tenant.read"),
    ("trainings", "Trainings", "tenant.read"),
    ("audit", "Audit log", "audit.read"),
    ("privacy", "Privacy", "privacy.manage"),
    ("sso", "Single sign-on", "sso.configure"),
    ("mfa/settings", "Second factor", "mfa.configure"),
)


def navigation(request: Any, principal: Any, tenant: Any, lang: str) -> list[dict[str, Any]]:
    if principal is None or principal.user is None:
        return []
    _ = gettext_for(lang)
    path = request.url.path
    if tenant is None:
        return [{"label": _("Console"), "href": "/mediator/", "active": path.startswith("/mediator")}] \
            if principal.is_mediator else []
    base = f"/t/{tenant.slug}/"
    entries = []
    for suffix, label, action in CORE_NAV:
        if can(principal.roles, action):
            href = base + (suffix + "/" if suffix else "")
            active = path.rstrip("/") == href.rstrip("/") if not suffix else path.startswith(href.rstrip("/"))
            entries.append({"label": _(label), "href": href, "active": active})
    entries.extend(request.scope.get("state", {}).get("plugin_nav", []))
    return entries
