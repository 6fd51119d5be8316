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

from pathlib import Path
from typing import Any

from core.plugins.api import HookContext, PluginInfo, collect_slices, gettext_for, hookimpl

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
def regie_jobs() -> list[Any]:
    return _collect("jobs", "JOBS")


@hookimpl
def regie_templates() -> tuple[str, Path]:
    return ("webcare", HERE / "templates" / "webcare")


@hookimpl
def regie_item_actions(ctx: HookContext, kind: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    """"Make a webcare case" on a mention's page (the monitoring plugin shows it; neither imports the other)."""
    if kind != "mention":
        return []
    from plugins.webcare.cases.routes import mention_actions

    return mention_actions(ctx, item)


@hookimpl
def regie_nav(ctx: HookContext) -> list[dict[str, str]]:
    _ = gettext_for(ctx.lang)
    base = f"/t/{ctx.tenant_slug}/p/webcare"
    return [{"label": _("Inbox"), "href": f"{base}/"},
            {"label": _("Replies awaiting approval"), "href": f"{base}/approvals/"},
            {"label": _("Escalations"), "href": f"{base}/escalations/"},
            {"label": _("Webcare KPIs"), "href": f"{base}/kpis/"},
            {"label": _("Crisis mode"), "href": f"{base}/crisis/"},
            {"label": _("Community moderation"), "href": f"{base}/community/moderation/"},
            {"label": _("Canned responses"), "href": f"{base}/canned/"},
            {"label": _("Routing rules"), "href": f"{base}/rules/"},
            {"label": _("Reply connector"), "href": f"{base}/connector/"},
            {"label": _("Webcare settings"), "href": f"{base}/settings/"}]


@hookimpl
def regie_kpis() -> list[Any]:
    from plugins.webcare.measure.hooks import KPIS

    return KPIS


@hookimpl
def regie_measure(ctx: HookContext, kpi: str, period: Any) -> Any:
    """Cases, first response (median, p90), resolution, within SLA, negative turned positive, community share."""
    from plugins.webcare.measure.hooks import measure

    return measure(ctx, kpi, period)


@hookimpl
def regie_widgets(ctx: HookContext) -> Any:
    from plugins.webcare.measure.hooks import widgets

    return widgets(ctx)


@hookimpl
def regie_policy_sections(ctx: HookContext) -> Any:
    """Way of work: response times (SLA), escalation paths, webcare's tone of voice."""
    from plugins.webcare.measure.hooks import policy_sections

    return policy_sections(ctx)


@hookimpl
async def regie_digest(ctx: HookContext, week_start: Any, week_end: Any) -> list[dict[str, Any]]:
    """The weekly digest: crisis mode, overdue cases, the week's cases and SLA."""
    from plugins.webcare.measure.digest import lines

    return await lines(ctx, week_start, week_end)


@hookimpl
async def regie_banners(ctx: HookContext) -> list[dict[str, str]]:
    """Crisis mode on: a banner on every page of the tenant (one indexed query)."""
    from plugins.webcare.crisis.service import banners

    return await banners(ctx)


@hookimpl
async def regie_events(ctx: HookContext, events: list[Any]) -> None:
    """`mention.received` batches → cases where a routing rule matches (see `cases.intake`)."""
    mentions = [e for e in events if e.name == "mention.received"]
    if mentions:
        from plugins.webcare.cases.intake import on_mentions

        await on_mentions(ctx, mentions)


@hookimpl(tryfirst=True)
async def regie_demo(ctx: HookContext) -> None:
    """Demo set-up and cases; first, so the monitoring demo's fresh mentions meet the routing rules."""
    from plugins.webcare.demo import seed

    await seed(ctx)


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: Any, mode: str) -> dict[str, int]:
    from plugins.webcare.privacy.hooks import retention

    return await retention(ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: Any) -> dict[str, int] | None:
    from plugins.webcare.privacy.hooks import erase_subject

    return await erase_subject(ctx, subject)
