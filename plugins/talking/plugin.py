"""The talking plugin (Groundswell: talking). Hook implementations only; each slice lives in its package.

- `calendar`: the content calendar (month, week, list; filters by account, department, campaign, stream, state),
  drag a post to another day;
- `content`: posts with a variant per registered account (the policy's length per platform, images with
  alternative text, addresses replaced by the tenant's short links), states and the policy check, "respond
  publicly" on a mention or a case;
- `campaigns`: time-boxed campaigns (goal, budget) and always-on streams;
- `approvals`: the approval chain by org model and the tenant's tiers (steps, rules), approve and reject,
  expiry, and the crisis pause (`crisis.started`) with its deliberate resume;
- `publishing`: scheduled posts go out through the accounts' channel connections (retries, the publish log,
  posting by hand where no connection sends), interactions and followers read back from the network;
- `measure`: the KPIs (posts published, share tied to objectives, links placed, clicks, interactions, engagement
  rate, followers) and the overview widget;
- `privacy`: whom a public response answered, for retention and erasure.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugins.api import (
    DemoKpi,
    DomainEvent,
    ErasureSubject,
    HookContext,
    Item,
    ItemAction,
    JobSpec,
    KpiDefinition,
    NavEntry,
    PluginInfo,
    Widget,
    collect_slices,
    gettext_for,
    hookimpl,
)

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="talking",
    groundswell_function="talking",
    default_owner="marketing",
    min_phase="pilot",
    prerequisites=(),
    title={"nl": "Praten", "en": "Talking"},
    description={
        "nl": "Praten: contentkalender, concepten per kanaal, campagnes en doorlopende stromen, eigen korte links.",
        "en": "Talking: content calendar, drafts per channel, campaigns and always-on streams, own short links.",
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    version="0.2.0",
    contract_version=1,
)
SLICES = ("calendar", "content", "campaigns", "publishing", "approvals")
WORKERS = frozenset({"admin", "member", "regie", "workgroup", "owner"})
"""Roles that may write posts (the matrix's `plugin.work`): they get the "New post" entry."""


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.talking", SLICES, module, name)


@hookimpl
def regie_plugin() -> PluginInfo:
    return INFO


@hookimpl
def regie_routes() -> list[Any]:
    return _collect("routes", "ROUTES")


@hookimpl
def regie_api_routes() -> list[Any]:
    return _collect("api", "ROUTES")


@hookimpl
def regie_jobs() -> list[JobSpec]:
    return _collect("jobs", "JOBS")


@hookimpl
def regie_templates() -> tuple[str, Path]:
    return ("talking", HERE / "templates" / "talking")


@hookimpl
async def regie_nav(ctx: HookContext) -> list[NavEntry]:
    """The calendar, writing, campaigns and streams; "Awaiting my approval" with its count (one statement) for
    those who may work; the approval settings for the regie holder and admins."""
    from plugins.talking.approvals.config import MAY_CONFIGURE
    from plugins.talking.approvals.flow import awaiting_count

    _ = gettext_for(ctx.lang)
    base = f"/t/{ctx.tenant_slug}/p/talking"
    roles = set(ctx.roles or ())
    entries = [NavEntry(_("Content calendar"), f"{base}/")]
    if WORKERS & roles:
        entries.append(NavEntry(_("New post"), f"{base}/posts/new"))
        waiting = await awaiting_count(ctx.session, ctx.user_id)
        entries.append(NavEntry(_("Awaiting my approval ({n})", n=waiting) if waiting else _("Awaiting my approval"),
                                f"{base}/approvals/"))
    entries += [NavEntry(_("Campaigns"), f"{base}/campaigns/"), NavEntry(_("Streams"), f"{base}/streams/")]
    if MAY_CONFIGURE & roles:
        entries.append(NavEntry(_("Approval settings"), f"{base}/approvals/settings"))
    return entries


@hookimpl
def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    """"Respond publicly" on a mention (monitoring) or a case (webcare): a new draft prefilled with the item."""
    from plugins.talking.content.items import respond_publicly

    return respond_publicly(ctx, kind, item)


@hookimpl
async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    """`crisis.started` pauses every post that would go out; `crisis.ended` resumes nothing by itself."""
    if any(e.name in ("crisis.started", "crisis.ended") for e in events):
        from plugins.talking.approvals.crisis import on_events

        await on_events(ctx, events)


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    from plugins.talking.measure.hooks import KPIS

    return KPIS


@hookimpl
async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    """Posts published, share of content tied to objectives, links placed, clicks."""
    from plugins.talking.measure.hooks import measure

    return await measure(ctx, kpi, period)


@hookimpl
async def regie_widgets(ctx: HookContext) -> list[Widget]:
    """The coming week's planned posts."""
    from plugins.talking.measure.hooks import widgets

    return await widgets(ctx)


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi]:
    """A month of calendar for the demo organisation: a campaign, a stream, published posts (posted elsewhere)."""
    from plugins.talking.demo import DEMO_KPIS, seed

    await seed(ctx)
    return DEMO_KPIS


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    from plugins.talking.privacy.hooks import retention

    return await retention(ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    from plugins.talking.privacy.hooks import erase_subject

    return await erase_subject(ctx, subject)
