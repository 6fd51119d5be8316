"""The measuring slice's part in the per-tenant hooks: the activation prerequisite, the KPIs, the dashboard cards,
the weekly digest, the navigation, the way-of-work section of the policy, privacy and the demo data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import (
    N_,
    DemoKpi,
    DigestLine,
    ErasureSubject,
    HookContext,
    NavEntry,
    PolicySection,
    Widget,
    collect_slices,
    doughnut,
    gettext_for,
    ngettext_for,
    utcnow,
)
from plugins.cocreation.measure import figures, kpis, privacy
from plugins.cocreation.measure.activation import activation_check as _activation_check
from plugins.cocreation.models import Idea

KPIS = kpis.KPIS
BASE = "p/cocreation"
WAITING_DAYS = 14
"""A published idea without any word from the organisation after this many days is named in the digest."""
NAV: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    (N_("Idea board"), "/board/", None),
    (N_("Triage"), "/triage/", frozenset({"admin", "member", "workgroup", "regie", "owner"})),
    (N_("Moderation"), "/moderation/", frozenset({"admin", "member", "workgroup", "regie", "owner"})),
    (N_("Loop"), "/loop/", frozenset({"admin", "member", "workgroup", "regie", "owner"})),
    (N_("Campaigns"), "/campaigns/", frozenset({"admin", "member", "workgroup", "regie", "owner"})),
    (N_("Board settings"), "/settings/", frozenset({"admin", "regie", "owner"})),
)
"""(label msgid, path under the plugin, roles that see it; None: every reader)."""
POLICY: tuple[tuple[str, str, str], ...] = (
    ("cocreation_ideas", N_("Ideas from customers (co-creation)"),
     N_("How development handles customers' ideas: who triages the board and how often; the promise of a first "
     "public word on every new idea (within how many working days); that every stage change carries a public "
     "reason, a declined idea too; and the loop: everyone who raised, voted for or follows an idea hears when it "
     "is planned, done or declined, in the channel they came from.")),
)


async def measure(ctx: HookContext, kpi: str, period: tuple[date, date]) -> float | None:
    return await kpis.measure(ctx.session, kpi, period)


async def activation_check(ctx: HookContext, department: Any) -> list[str]:
    return await _activation_check(ctx, department)


@cache
def _pages() -> frozenset[str]:
    """The paths the slices' pages answer (relative to the plugin, without a trailing slash, as Litestar keeps
    them): the navigation links only to those."""
    paths: set[str] = set()
    for handler in collect_slices("plugins.cocreation", ("board", "triage", "loop", "measure"), "routes", "ROUTES"):
        paths |= set(getattr(handler, "paths", ()) or ())
    return frozenset(paths)


def nav(ctx: HookContext) -> list[NavEntry]:
    _ = gettext_for(ctx.lang)
    pages = _pages()
    return [NavEntry(_(label), f"/t/{ctx.tenant_slug}/{BASE}{path}") for label, path, roles in NAV
            if path.rstrip("/") in pages and (roles is None or roles & ctx.roles)]


async def widgets(ctx: HookContext) -> list[Widget]:
    """Two cards from the figures the job `cocreation.figures` stored: the board (ideas this month, ideas per
    stage as a doughnut) and the ideas with most votes. Nothing is counted here."""
    _ = gettext_for(ctx.lang)
    stored, at = await figures.read(ctx.session)
    this_month = utcnow().date().replace(day=1).isoformat()
    per_stage = [(row["nl"] if ctx.lang == "nl" else row["en"], row["n"]) for row in stored.get("per_stage", [])]
    names = {row["key"]: row["nl"] if ctx.lang == "nl" else row["en"] for row in stored.get("per_stage", [])}
    shown = [(label, n) for label, n in per_stage if n]
    chart = doughnut([label for label, _n in shown], [n for _label, n in shown], title=_("Ideas per stage"),
                     height=160) if shown else None
    base = f"/t/{ctx.tenant_slug}/{BASE}"
    board = {"ideas_month": stored.get("ideas_month", 0) if stored.get("month") == this_month else 0,
             "computed": bool(stored), "chart": chart, "per_stage": per_stage, "href": f"{base}/board/"}
    top = {"ideas": [dict(idea, stage_name=names.get(idea["stage"], idea["stage"])) for idea in stored.get("top", [])],
           "computed": bool(stored), "href": f"{base}/board/"}
    return [Widget(_("Idea board"), "cocreation/measure/widget_board.html", board, as_of=at),
            Widget(_("Top ideas"), "cocreation/measure/widget_top.html", top, as_of=at)]


async def digest(ctx: HookContext, week_start: date, week_end: date) -> list[DigestLine]:
    """The week in ideas, and the published ideas still waiting for a first word (an alert)."""
    window = kpis.Window.of(week_start, week_end)
    session = ctx.session
    new, votes, adopted = (await kpis.ideas(session, window), await kpis.votes(session, window),
                           await kpis.adopted(session, window))
    waiting = int(await session.scalar(select(func.count()).select_from(Idea).where(
        Idea.first_response_at.is_(None), Idea.status == "published",
        Idea.published_at < window.end - timedelta(days=WAITING_DAYS))) or 0)
    _ = gettext_for(ctx.lang)
    lines = []
    if new or votes or adopted:
        lines.append(DigestLine(_("Idea board this week: new ideas {ideas}, votes {votes}, ideas adopted {adopted}.",
                                  ideas=new, votes=votes, adopted=adopted), f"{BASE}/board/"))
    if waiting:
        ngettext = ngettext_for(ctx.lang)
        lines.append(DigestLine(ngettext("{n} idea has waited more than {days} days for a first word from the "
                                         "organisation.",
                                         "{n} ideas have waited more than {days} days for a first word from the "
                                         "organisation.", waiting, days=WAITING_DAYS),
                                f"{BASE}/triage/" if "/triage" in _pages() else f"{BASE}/board/", level="alert"))
    return lines


def policy_sections(ctx: HookContext) -> list[PolicySection]:
    _ = gettext_for(ctx.lang)
    return [PolicySection(key, _(title), _(hint)) for key, title, hint in POLICY]


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    return await privacy.retention(ctx.session, cutoff, mode)


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    return await privacy.erase_subject(ctx.session, subject)


async def seed_demo(ctx: HookContext) -> list[DemoKpi]:
    from plugins.cocreation.measure.demo import seed

    kpis_chosen = await seed(ctx)
    await figures.store(ctx.session)  # the cards' first figures, as the periodic job keeps them
    return kpis_chosen
