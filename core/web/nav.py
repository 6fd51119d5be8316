"""The navigation of a tenant, grouped by area: the overview, then organisation, measurement, each active
plugin's entries under its name, and administration.

`navigation()` returns links (`label`, `href`, `active`) and groups (`label`, `area`, `items`, `open`); the
layout draws a group as a collapsible `<details>`, open when it holds the page one is on (so the current
area is unfolded and the rest stays out of the way). Each core link shows only to roles that may open it.
"""

from __future__ import annotations

from typing import Any

from core.auth.permissions import can
from core.i18n import N_, gettext_for

OVERVIEW = ("", N_("Overview"), "tenant.read")

AREAS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...], tuple[str, ...]], ...] = (
    ("organisation", N_("Organisation"), (
        ("roadmap", N_("Roadmap"), "tenant.read"),
        ("workgroup", N_("Workgroup"), "tenant.read"),
        ("starting-points", N_("Starting points"), "tenant.read"),
        ("policy", N_("Policy"), "tenant.read"),
        ("plugins", N_("Plugins"), "tenant.read"),
        ("people", N_("People"), "tenant.read"),
        ("accounts", N_("Accounts"), "tenant.read"),
        ("trainings", N_("Trainings"), "tenant.read"),
    ), ("evidence",)),
    ("measurement", N_("Measurement"), (
        ("dashboard", N_("Dashboard"), "measurement.read"),
        ("measurements", N_("Measurements"), "measurement.read"),
        ("reports", N_("Quarterly reports"), "measurement.read"),
        ("benchmark", N_("Benchmark"), "measurement.read"),
        ("digest", N_("Weekly digest"), "digest.subscribe"),
    ), ()),
    ("administration", N_("Administration"), (
        ("audit", N_("Audit log"), "audit.read"),
        ("privacy", N_("Privacy"), "privacy.manage"),
        ("sso", N_("Single sign-on"), "sso.configure"),
        ("mfa/settings", N_("Second factor"), "mfa.configure"),
    ), ()),
)
"""(area, label, links (path below /t/<slug>/, label, action), other paths that belong to the area)."""


def _under(path: str, href: str) -> bool:
    return path.rstrip("/") == href.rstrip("/") or path.startswith(href.rstrip("/") + "/")


def _group(area: str, label: str, items: list[dict[str, Any]], also_open: bool = False) -> dict[str, Any]:
    return {"label": label, "area": area, "items": items,
            "open": also_open or any(i.get("active") for i in items)}


def navigation(request: Any, principal: Any, tenant: Any, lang: str) -> list[dict[str, Any]]:
    if principal is None or principal.user is None:
        return []
    _ = gettext_for(lang)
    path = request.url.path
    if tenant is None:
        return [{"label": _("Console"), "href": "/mediator/", "active": path.startswith("/mediator")}] \
            if principal.is_mediator else []
    base = f"/t/{tenant.slug}/"
    entries: list[dict[str, Any]] = []
    if can(principal.roles, OVERVIEW[2]):
        entries.append({"label": _(OVERVIEW[1]), "href": base, "active": path.rstrip("/") == base.rstrip("/")})
    groups: dict[str, dict[str, Any]] = {}
    for area, label, links, others in AREAS:
        items = [{"label": _(text), "href": base + suffix + "/", "active": _under(path, base + suffix + "/")}
                 for suffix, text, action in links if can(principal.roles, action)]
        groups[area] = _group(area, _(label), items, any(_under(path, base + p + "/") for p in others))
    entries += [g for area, g in groups.items() if area != "administration" and g["items"]]
    entries += _plugin_groups(request, _)
    if groups["administration"]["items"]:
        entries.append(groups["administration"])
    return entries


def _plugin_groups(request: Any, _: Any) -> list[dict[str, Any]]:
    """Each active plugin's entries (`regie_nav`, gathered per request) under the plugin's name."""
    by_plugin: dict[str, dict[str, Any]] = {}
    for entry in request.scope.get("state", {}).get("plugin_nav", []):
        plugin = entry.get("plugin") or ""
        group = by_plugin.setdefault(plugin, {"label": entry.get("group") or plugin or _("Plugins"),
                                              "area": "plugins", "plugin": plugin, "items": []})
        group["items"].append({"label": entry["label"], "href": entry["href"], "active": entry.get("active", False)})
    groups = [{**g, "open": any(i["active"] for i in g["items"])} for g in by_plugin.values()]
    if groups:
        groups[0]["heading"] = _("Plugins")
    return groups
