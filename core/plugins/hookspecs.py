"""Every hook a Regie plugin can implement, in one flat file.

Conventions (decided once, for every hook):
- Implementations take a subset of the spec's arguments; new context goes into `ctx`, never a
  new positional argument, so adding to a spec breaks no plugin.
- An implementation may return a value or an awaitable of it (`def` or `async def`, as suits it): a spec
  returning `X` is typed `X | Awaitable[X]`, and the core awaits what needs awaiting (`core.plugins.host.call`).
- Hooks that take `ctx` reach only plugins active for ctx's tenant: the core calls them through
  `PluginHost.for_tenant(...)`, which decides enablement at dispatch. The exceptions say so: the privacy hooks
  are asked of every installed plugin, `regie_activation_check` of the plugin being activated. Hooks without
  `ctx` describe the plugin and are asked of every installed plugin.
- What a hook returns to be shown is a typed record (`core.plugins.records`: `NavEntry`, `Banner`, `Widget`,
  `ItemAction`, `DigestLine`, `PolicySection`, `AccountCandidate`); an item of another type is left out and
  logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # the types are for readers and the type checker: this file imports nothing of the core
    from collections.abc import Awaitable, Mapping, Sequence
    from datetime import date, datetime
    from pathlib import Path
    from typing import Literal
    from uuid import UUID

    from litestar.types import ControllerRouterHandler

    from core.demo.kpis import DemoKpi
    from core.plugins.info import (
        Department,
        DomainEvent,
        ErasureSubject,
        HookContext,
        JobSpec,
        KpiDefinition,
        PluginInfo,
    )
    from core.plugins.records import (
        AccountCandidate,
        Banner,
        DigestLine,
        Item,
        ItemAction,
        NavEntry,
        PolicySection,
        Widget,
    )

hookspec = pluggy.HookspecMarker("regie")


# --- describing a plugin ------------------------------------------------------------------------
@hookspec
def regie_plugin() -> PluginInfo:
    """Return the plugin's `PluginInfo`: name, Groundswell function, default owner, phase, prerequisites."""


@hookspec
def regie_routes() -> Sequence[ControllerRouterHandler]:
    """Return Litestar route handlers/routers, mounted under /t/{slug}/p/<plugin> and guarded by the core."""


@hookspec
def regie_api_routes() -> Sequence[ControllerRouterHandler]:
    """Return Litestar route handlers/routers, mounted under /api/v1/t/{slug}/<plugin>."""


@hookspec
def regie_templates() -> tuple[str, Path]:
    """Return `(prefix, folder)`: a template folder whose files are addressed as `<prefix>/...` (the plugin's
    name)."""


@hookspec
def regie_jobs() -> Sequence[JobSpec]:
    """Return `[JobSpec]`: background jobs the core runs in a tenant's scope (see `core.jobs.plugin_jobs`)."""


# --- per-tenant contributions -------------------------------------------------------------------
@hookspec
def regie_nav(ctx: HookContext) -> Sequence[NavEntry] | Awaitable[Sequence[NavEntry]]:
    """Return navigation entries `[NavEntry(label, href)]` for the signed-in member (`ctx.roles`)."""


@hookspec
def regie_banners(ctx: HookContext) -> Sequence[Banner] | Awaitable[Sequence[Banner]]:
    """Return banners `[Banner(text, level="crisis" | "warning" | "info", href="")]` shown at the top of
    every tenant page for every signed-in user of the tenant (`text` already in `ctx.lang`); keep it cheap."""


@hookspec
def regie_widgets(ctx: HookContext) -> Sequence[Widget] | Awaitable[Sequence[Widget]]:
    """Return widgets `[Widget(title, template, context)]` for the overview and the dashboard; read precomputed
    figures only."""


@hookspec
def regie_item_actions(ctx: HookContext, kind: str, item: Item
                       ) -> Sequence[ItemAction] | Awaitable[Sequence[ItemAction]]:
    """Return actions `[ItemAction(label, action, fields)]` this plugin offers on an item
    another plugin shows; the showing plugin renders each as a one-click POST form (`action` URL, hidden `fields`,
    the CSRF token). Kinds: "mention" (`item`: mention_id, author_handle, author_name, author_reach, title, text,
    url, sentiment, published_at, optionally uri), "case" (case_id, number, subject, author_handle, author_name,
    url, optionally uri) and "nps_answer" (the payload fields of `nps.case_requested`). Asked only for people who
    may work in plugins (not viewers); `label` already in `ctx.lang`. Keep it cheap: it runs on the item's page."""


@hookspec
def regie_find_item(ctx: HookContext, kind: str, item_id: str | UUID) -> Item | None | Awaitable[Item | None]:
    """Return the item of `kind` with id `item_id` in the tenant, as the same mapping `regie_item_actions` receives,
    or None when this plugin does not own such items or has none by that id. Lets a plugin check a reference to
    another plugin's item (a case's mention) without importing it; the first answer that is not None is used."""


@hookspec
def regie_classify_sentiment(ctx: HookContext, texts: Sequence[str], lang: str
                             ) -> Sequence[tuple[str, float]] | None | Awaitable[Sequence[tuple[str, float]] | None]:
    """Return one `(label, score)` per text, in order: label "positive", "neutral" or "negative", score in -1..1
    whose sign agrees with the label; None when this plugin does not classify. `lang` is the texts' language
    ("nl", "en"; another code: any). At most 500 texts per call. Lets a plugin label free text through
    `classify_sentiment` without importing the plugin that classifies; the first answer that is not None is used."""


@hookspec
def regie_digest(ctx: HookContext, week_start: date, week_end: date
                 ) -> Sequence[DigestLine] | Awaitable[Sequence[DigestLine]]:
    """Return the weekly digest's highlight lines `[DigestLine(text, href, level="alert" | "info")]` for
    the ISO week `week_start`..`week_end` (dates, Monday..Sunday, inclusive); `text` in `ctx.lang`, `href`
    relative to the tenant ("p/<plugin>/..."). Called by the digest job (once per tenant, week and
    language) and for the preview on the digest settings page."""


@hookspec
def regie_kpis() -> Sequence[KpiDefinition]:
    """Return KPI definitions `[KpiDefinition]` this plugin can measure."""


@hookspec
def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]
                  ) -> float | None | Awaitable[float | None]:
    """Return the value of one of this plugin's KPIs over `period` (first and last day, inclusive), or None when
    it is not this plugin's or there is nothing to measure; `ctx.memo` is shared by one run's calls."""


@hookspec
def regie_activation_check(ctx: HookContext, department: Department | None
                           ) -> Sequence[str] | Awaitable[Sequence[str]]:
    """Return reasons (in `ctx.lang`) that block activating this plugin for `department`; empty when allowed.
    Asked of this plugin only, active or not (it is being activated)."""


@hookspec
def regie_policy_sections(ctx: HookContext) -> Sequence[PolicySection] | Awaitable[Sequence[PolicySection]]:
    """Return way-of-work sections `[PolicySection(key, title, hint)]` this plugin contributes."""


@hookspec
def regie_account_candidates(ctx: HookContext) -> Sequence[AccountCandidate] | Awaitable[Sequence[AccountCandidate]]:
    """Return accounts `[AccountCandidate(platform, handle, name, url, evidence_url, seen_count, last_seen)]` this
    plugin saw that use the organisation's names (`organisation_names`) and are not registered, for the sprawl
    report; read stored figures only (it runs on the page)."""


# --- reacting to the domain ---------------------------------------------------------------------
@hookspec
def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None | Awaitable[None]:
    """React to domain events, delivered in batches (`[DomainEvent(name, payload)]`; ingestion announces a
    thousand `mention.received` at once, a phase change is one `phase.changed`). Every event is in the event
    catalogue (`core.plugins.events`, docs/hooks.md); pick the names you handle and ignore the rest. Runs in a
    savepoint of its own: raising rolls back only this plugin's writes. The emitting plugin is not asked."""


@hookspec
def regie_demo(ctx: HookContext) -> Sequence[DemoKpi] | None | Awaitable[Sequence[DemoKpi] | None]:
    """Seed this plugin's demo data for a demo tenant where it is active (`regie demo`); must be idempotent.
    `ctx.settings` and `ctx.pm` are set. May return the plugin's KPIs the demo organisation measures
    (`[DemoKpi(key, name, definition, target, rationale, department)]`): the core's demo puts them in its
    methodology and sets their targets, so the core's demo names no plugin. It may add `DemoItem`s: items it
    made that a plugin the demo activates later may act on (that plugin reads them in `ctx.demo_items`)."""


# --- privacy (AVG/GDPR) ---------------------------------------------------------------------------
@hookspec
def regie_retention(ctx: HookContext, cutoff: datetime, mode: Literal["pseudonymise", "delete"]
                    ) -> Mapping[str, int] | Awaitable[Mapping[str, int]]:
    """Pseudonymise (`mode="pseudonymise"`) or delete (`mode="delete"`) this plugin's personal data older than
    `cutoff` (an aware datetime) in `ctx.session`; return counts `{"<what>": n}` of rows changed now. Must be
    idempotent: a second run with the same cutoff changes and counts nothing. Asked of every plugin, active or
    not, by the daily `core.privacy.retention` job; see docs/security.md, "Privacy"."""


@hookspec
def regie_erase_subject(ctx: HookContext, subject: ErasureSubject
                        ) -> Mapping[str, int] | None | Awaitable[Mapping[str, int] | None]:
    """Erase one person's data on request, in `ctx.session`; return counts `{"<what>": n}`. `subject.kind` is
    "author" (`subject.platform` — "" for any, "email" when `subject.handle` is an e-mail address — and
    `subject.handle`, compared like `normal_handle`) or "user" (`subject.user_id`: a member being removed from
    the tenant; delete what is only theirs, such as saved views; keep shared work, which the core attributes to
    "Removed user"). Asked of every plugin, active or not; a failure undoes the whole erasure."""
