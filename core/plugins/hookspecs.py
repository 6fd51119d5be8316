"""Every hook a Regie plugin can implement, in one flat file.

Conventions (decided once, for every hook):
- Implementations take a subset of the spec's arguments; new context goes into `ctx`, never a
  new positional argument, so adding to a spec breaks no plugin.
- An implementation may return a value or an awaitable; `core.plugins.manager.call` awaits it.
- Hooks that take `ctx` reach only plugins active for ctx's tenant (see `PluginHost.for_tenant`).
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("regie")


# --- describing a plugin ------------------------------------------------------------------------
@hookspec
def regie_plugin() -> Any:
    """Return the plugin's `PluginInfo`: name, Groundswell function, default owner, phase, prerequisites."""


@hookspec
def regie_routes() -> Any:
    """Return Litestar route handlers/routers, mounted under /t/{slug}/p/<plugin> and guarded by the core."""


@hookspec
def regie_api_routes() -> Any:
    """Return Litestar route handlers/routers, mounted under /api/v1/t/{slug}/<plugin>."""


@hookspec
def regie_templates() -> Any:
    """Return a template folder; its files are addressed as `<plugin>/...`."""


@hookspec
def regie_jobs() -> Any:
    """Return `[JobSpec]`: background jobs the core runs in a tenant's scope (see `core.jobs.plugin_jobs`)."""


# --- per-tenant contributions -------------------------------------------------------------------
@hookspec
def regie_nav(ctx: Any) -> Any:
    """Return navigation entries `[{"label": str, "href": str}]` for the current user."""


@hookspec
def regie_banners(ctx: Any) -> Any:
    """Return banners `[{"level": "crisis" | "warning" | "info", "text": str, "href": str}]` shown at the top of
    every tenant page for every signed-in user of the tenant (`text` already in `ctx.lang`); keep it cheap."""


@hookspec
def regie_widgets(ctx: Any) -> Any:
    """Return dashboard widgets `[{"title": str, "template": str, "context": dict}]`."""


@hookspec
def regie_item_actions(ctx: Any, kind: str, item: dict[str, Any]) -> Any:
    """Return actions `[{"label": str, "action": str, "fields": dict[str, str]}]` this plugin offers on an item
    another plugin shows; the showing plugin renders each as a one-click POST form (`action` URL, hidden `fields`,
    the CSRF token). Kinds: "mention" (`item`: mention_id, author_handle, author_name, author_reach, title, text,
    url, sentiment, published_at). Asked only for people who may work in plugins (not viewers); `label` already in
    `ctx.lang`. Keep it cheap: it runs on the item's page."""


@hookspec
def regie_find_item(ctx: Any, kind: str, item_id: Any) -> Any:
    """Return the item of `kind` with id `item_id` in the tenant, as the same dict `regie_item_actions` receives,
    or None when this plugin does not own such items or has none by that id. Lets a plugin check a reference to
    another plugin's item (a case's mention) without importing it; the first answer that is not None is used."""


@hookspec
def regie_digest(ctx: Any, week_start: Any, week_end: Any) -> Any:
    """Return the weekly digest's highlight lines `[{"text": str, "href": str, "level": "alert" | "info"}]` for
    the ISO week `week_start`..`week_end` (dates, Monday..Sunday, inclusive); `text` in `ctx.lang`, `href`
    relative to the tenant ("p/<plugin>/..."). Called by the digest job (once per tenant, week and
    language) and for the preview on the digest settings page."""


@hookspec
def regie_kpis() -> Any:
    """Return KPI definitions `[KpiDefinition]` this plugin can measure."""


@hookspec
def regie_measure(ctx: Any, kpi: str, period: Any) -> Any:
    """Return the value of one of this plugin's KPIs for a period, or None when it is not this plugin's."""


@hookspec
def regie_activation_check(ctx: Any, department: Any) -> Any:
    """Return reasons (translated strings) that block activating this plugin; empty when allowed."""


@hookspec
def regie_policy_sections(ctx: Any) -> Any:
    """Return way-of-work sections `[{"key": str, "title": str, "hint": str}]` this plugin contributes."""


# --- reacting to the domain ---------------------------------------------------------------------
@hookspec
def regie_event(ctx: Any, event: Any) -> Any:
    """React to a domain event (`mention.received`, `plugin.activated`, ...)."""


@hookspec
def regie_events(ctx: Any, events: list[Any]) -> Any:
    """React to a batch of domain events of one kind at once (ingestion announces a thousand mentions per
    request): a plugin that implements this gets the batch here instead of one `regie_event` call per event."""


@hookspec
def regie_demo(ctx: Any) -> Any:
    """Seed this plugin's demo data for a demo tenant where it is active (`regie demo`); must be idempotent.
    `ctx.extra` holds `settings` and `pm`."""


@hookspec
def regie_phase_changed(ctx: Any, old: str, new: str) -> Any:
    """React to the tenant moving from phase `old` to phase `new`."""


# --- privacy (AVG/GDPR) ---------------------------------------------------------------------------
@hookspec
def regie_retention(ctx: Any, cutoff: Any, mode: str) -> Any:
    """Pseudonymise (`mode="pseudonymise"`) or delete (`mode="delete"`) this plugin's personal data older than
    `cutoff` (an aware datetime) in `ctx.session`; return counts `{"<what>": n}` of rows changed now. Must be
    idempotent: a second run with the same cutoff changes and counts nothing. Asked of every plugin, active or
    not, by the daily `core.privacy.retention` job; see docs/security.md, "Privacy"."""


@hookspec
def regie_erase_subject(ctx: Any, subject: Any) -> Any:
    """Erase one person's data on request, in `ctx.session`; return counts `{"<what>": n}`. `subject.kind` is
    "author" (`subject.platform` — "" for any, "email" when `subject.handle` is an e-mail address — and
    `subject.handle`, compared like `normal_handle`) or "user" (`subject.user_id`: a member being removed from
    the tenant; delete what is only theirs, such as saved views; keep shared work, which the core attributes to
    "Removed user"). Asked of every plugin, active or not; a failure undoes the whole erasure."""
