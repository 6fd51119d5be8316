"""The webcare plugin (Groundswell: supporting). Hook implementations only; each slice lives in its package.

- `cases`: routing rules that turn `mention.received` into cases, joining, the inbox (queues, filters, saved
  views, priority, assignment, statuses, notes, author history, live updates), direct messages by API;
- `sla`: business hours and holidays per tenant, first-response and resolution deadlines, warnings and breaches;
- `replies`: canned responses, the core's outward-message check (tone of voice, approval by org model or crisis),
  connectors ("posted elsewhere", a signed webhook with retries and a delivery log);
- `measure`: the KPIs (`regie_kpis` / `regie_measure`), the overview widget, the KPI page, the way-of-work sections;
- `community`: the public customer-helps-customer Q&A (e-mail link sign-in, votes, accepted answers, moderation,
  badges, spam signals and rate limits, question → case).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.plugins.api import (
    Banner,
    DemoItem,
    DemoKpi,
    DigestLine,
    DomainEvent,
    ErasureSubject,
    HookContext,
    Item,
    ItemAction,
    JobSpec,
    KpiDefinition,
    NavEntry,
    PluginInfo,
    PolicySection,
    Widget,
    collect_slices,
    gettext_for,
    hookimpl,
)
from plugins.webcare.events import EVENTS

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="webcare",
    groundswell_function="supporting",
    default_owner="customer_service",
    min_phase="pilot",
    prerequisites=("monitoring",),
    title={"nl": "Webcare", "en": "Webcare"},
    description={
        "nl": (
            "Ondersteunen: inbox van cases uit vermeldingen, SLA, antwoorden "
            "in de eigen toon, crisismodus, klant-helpt-klant."
        ),
        "en": (
            "Supporting: case inbox from mentions, SLA, replies in your "
            "voice, crisis mode, customer-helps-customer."
        ),
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    version="0.1.0",
    contract_version=1,
    events=EVENTS,
    training_topics=("webcare",),
)
SLICES = ("cases", "sla", "inbox", "replies", "escalation", "crisis", "measure", "community")


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.webcare", SLICES, module, name)


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
    return ("webcare", HERE / "templates" / "webcare")


@hookimpl
async def regie_item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    """"Make a webcare case" on a mention's page (the monitoring plugin shows it; neither imports the other) and
    on a detractor's survey answer (the energizing plugin shows it)."""
    if kind == "nps_answer":
        from plugins.webcare.cases.nps import nps_actions

        return await nps_actions(ctx, item)
    if kind != "mention":
        return []
    from plugins.webcare.cases.routes import mention_actions

    return mention_actions(ctx, item)


@hookimpl
async def regie_find_item(ctx: HookContext, kind: str, item_id: Any) -> Item | None:
    """A case by id, for another plugin checking its reference to one (talking's "Respond publicly"); a
    community question (co-creation's "Create an idea")."""
    if kind == "question":
        from plugins.webcare.cases.items import find_question

        return await find_question(ctx.session, item_id, ctx.tenant_slug)
    if kind != "case":
        return None
    from plugins.webcare.cases.items import find_case

    return await find_case(ctx.session, item_id)


@hookimpl
def regie_nav(ctx: HookContext) -> list[NavEntry]:
    _ = gettext_for(ctx.lang)
    base = f"/t/{ctx.tenant_slug}/p/webcare"
    return [NavEntry(_("Inbox"), f"{base}/"),
            NavEntry(_("Replies awaiting approval"), f"{base}/approvals/"),
            NavEntry(_("Escalations"), f"{base}/escalations/"),
            NavEntry(_("Webcare KPIs"), f"{base}/kpis/"),
            NavEntry(_("Crisis mode"), f"{base}/crisis/"),
            NavEntry(_("Community moderation"), f"{base}/community/moderation/"),
            NavEntry(_("Canned responses"), f"{base}/canned/"),
            NavEntry(_("Routing rules"), f"{base}/rules/"),
            NavEntry(_("Reply connector"), f"{base}/connector/"),
            NavEntry(_("Webcare settings"), f"{base}/settings/")]


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    from plugins.webcare.measure.hooks import KPIS

    return KPIS


@hookimpl
async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    """Cases, first response (median, p90), resolution, within SLA, negative turned positive, community share."""
    from plugins.webcare.measure.hooks import measure

    return await measure(ctx, kpi, period)


@hookimpl
async def regie_widgets(ctx: HookContext) -> list[Widget]:
    from plugins.webcare.measure.hooks import widgets

    return await widgets(ctx)


@hookimpl
async def regie_policy_sections(ctx: HookContext) -> list[PolicySection]:
    """Way of work: response times (SLA), escalation paths, webcare's tone of voice."""
    from plugins.webcare.measure.hooks import policy_sections

    return await policy_sections(ctx)


@hookimpl
async def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    """The weekly digest: crisis mode, overdue cases, the week's cases and SLA."""
    from plugins.webcare.measure.digest import lines

    return await lines(ctx, week_start, week_end)


@hookimpl
async def regie_banners(ctx: HookContext) -> list[Banner]:
    """Crisis mode on: a banner on every page of the tenant (one indexed query)."""
    from plugins.webcare.crisis.service import banners

    return await banners(ctx)


@hookimpl
async def regie_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    """`mention.received` batches → cases where a routing rule matches (see `cases.intake`); `nps.case_requested`
    → a case per detractor's answer (see `cases.nps`); `idea.loop_replied` → co-creation's reply to a case's
    author joins the case's history (see `cases.loop`); `idea.stage_changed` → the askers of linked community
    questions are answered in their thread (see `community.loop`)."""
    mentions = [e for e in events if e.name == "mention.received"]
    if mentions:
        from plugins.webcare.cases.intake import on_mentions

        await on_mentions(ctx, mentions)
    requests = [e for e in events if e.name == "nps.case_requested"]
    if requests:
        from plugins.webcare.cases.nps import on_case_requests

        await on_case_requests(ctx, requests)
    replied = [e for e in events if e.name == "idea.loop_replied"]
    if replied:
        from plugins.webcare.cases.loop import on_loop_replies

        await on_loop_replies(ctx, replied)
    changed = [e for e in events if e.name == "idea.stage_changed"]
    if changed:
        from plugins.webcare.community.loop import on_stage_changes

        await on_stage_changes(ctx, changed)


@hookimpl(tryfirst=True)
async def regie_demo(ctx: HookContext) -> list[DemoKpi | DemoItem]:
    """Demo set-up and cases; first, so the monitoring demo's fresh mentions meet the routing rules. Returns
    the KPIs the demo organisation measures, with targets, and the case a later demo may act on."""
    from plugins.webcare.demo import DEMO_KPIS, seed

    return [*DEMO_KPIS, *await seed(ctx)]


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    from plugins.webcare.privacy.hooks import retention

    return await retention(ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int] | None:
    from plugins.webcare.privacy.hooks import erase_subject

    return await erase_subject(ctx, subject)
