"""The monitoring plugin (Groundswell: listening). Hook implementations only; each slice lives in its package.

- `profiles`: search profiles with the boolean query language (`query.py`), re-tagging past mentions;
- `sources`: RSS/Atom feeds polled by jobs, platform exports imported with progress and a rejection report;
- `mentions`: the ingestion pipeline (API, feeds, imports), the mention list, corrections and the
  tenant's learning sentiment classifier (`sentiment.py`, `language.py`);
- `buzz`: the pre-aggregated dashboard, KPIs, widgets and the frozen baseline study (nulmeting);
- `alerts`: spike and negative-surge detection per profile, one alert per episode, notifications;
- `conversation_index`: the seven-component Conversation Index per profile over time, its KPI and widget;
- `accounts`: authors who use the organisation's names without a registered account, for the sprawl report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from core.plugins.api import (
    AccountCandidate,
    DemoItem,
    DemoKpi,
    DigestLine,
    ErasureSubject,
    HookContext,
    Item,
    JobSpec,
    KpiDefinition,
    NavEntry,
    PluginInfo,
    Widget,
    collect_slices,
    gettext_for,
    hookimpl,
)
from plugins.monitoring.events import EVENTS

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="monitoring",
    groundswell_function="listening",
    default_owner="research",
    min_phase="listening",
    prerequisites=(),
    title={"nl": "Monitoring", "en": "Monitoring"},
    description={
        "nl": "Luisteren: zoekprofielen, bronnen, vermeldingen, sentiment dat leert, buzz en nulmeting.",
        "en": "Listening: search profiles, sources, mentions, sentiment that learns, buzz and baseline study.",
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    version="0.1.0",
    contract_version=1,
    events=EVENTS,
)
SLICES = ("buzz", "mentions", "alerts", "profiles", "sources", "conversation_index", "accounts")


def _collect(module: str, name: str) -> list[Any]:
    return collect_slices("plugins.monitoring", SLICES, module, name)


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
    return ("monitoring", HERE / "templates" / "monitoring")


@hookimpl
def regie_nav(ctx: HookContext) -> list[NavEntry]:
    _ = gettext_for(ctx.lang)
    base = f"/t/{ctx.tenant_slug}/p/monitoring"
    return [NavEntry(_("Buzz"), f"{base}/"),
            NavEntry(_("Mentions"), f"{base}/mentions/"),
            NavEntry(_("Alerts"), f"{base}/alerts/"),
            NavEntry(_("Conversation Index"), f"{base}/conversation-index/"),
            NavEntry(_("Search profiles"), f"{base}/profiles/"),
            NavEntry(_("Sources"), f"{base}/sources/")]


@hookimpl
async def regie_widgets(ctx: HookContext) -> list[Widget]:
    from plugins.monitoring.buzz.hooks import widgets
    from plugins.monitoring.conversation_index import hooks as ci

    return [*await widgets(ctx), *await ci.widgets(ctx)]


@hookimpl
def regie_kpis() -> list[KpiDefinition]:
    from plugins.monitoring.buzz.hooks import KPIS
    from plugins.monitoring.conversation_index import hooks as ci

    return [*KPIS, *ci.KPIS]


@hookimpl
async def regie_measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    from plugins.monitoring.buzz.hooks import measure
    from plugins.monitoring.conversation_index import hooks as ci

    return await (ci.measure(ctx, kpi, period) if kpi == ci.KPI else measure(ctx, kpi, period))


@hookimpl
async def regie_find_item(ctx: HookContext, kind: str, item_id: str | UUID) -> Item | None:
    """A mention by id, for another plugin checking its reference to one (webcare's case from a mention)."""
    if kind != "mention":
        return None
    from plugins.monitoring.mentions.items import find_mention

    return await find_mention(ctx.session, item_id)


@hookimpl
async def regie_classify_sentiment(ctx: HookContext, texts: Sequence[str], lang: str) -> list[tuple[str, float]]:
    """Other plugins' texts labelled by this tenant's sentiment classifier (it learns from mention corrections)."""
    from plugins.monitoring.mentions.classify_hook import classify

    return await classify(ctx, texts, lang)


@hookimpl
async def regie_account_candidates(ctx: HookContext) -> list[AccountCandidate]:
    """Authors of mentions who use the organisation's names and have no registered account (stored daily)."""
    from plugins.monitoring.accounts.service import candidates

    return await candidates(ctx.session)


@hookimpl
async def regie_digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    """The weekly digest: the week's alerts, alerts still open, the buzz against the week before."""
    from plugins.monitoring.alerts.digest import lines

    return await lines(ctx, week_start, week_end)


@hookimpl
async def regie_demo(ctx: HookContext) -> list[DemoKpi | DemoItem]:
    """A month of mentions; returns the KPIs the demo organisation measures, with targets, and the mention a
    later demo may act on."""
    from plugins.monitoring.demo import DEMO_KPIS, seed

    return [*DEMO_KPIS, *await seed(ctx)]


@hookimpl
async def regie_retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    from plugins.monitoring.privacy.hooks import retention

    return await retention(ctx, cutoff, mode)


@hookimpl
async def regie_erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int] | None:
    from plugins.monitoring.privacy.hooks import erase_subject

    return await erase_subject(ctx, subject)
