"""No query per row: every main page runs no more SQL statements with twelve rows of what it lists than with two.

One survey per database: a tenant with two of everything (members, departments, cases, mentions, audit
entries, ... see `tests/core/grown_tenant.py`) has each page below requested; the tenant grows to twelve of
everything and each page is requested again. A page that needs more statements the second time loads
something per row (an N+1: a lazy load in a template, a service call per row); its test fails with what ran
more often, then both statement lists (`tests/querycount.py`).

Each page is requested twice at each size and the second request counted: the first fills what the process
caches (the SLA clock's holidays, for one, are read again after webcare's settings changed), which is no
per-row cost. A new list page joins `PAGES`.
"""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import AsyncTestClient

from core.jobs.outbox import wait_for_relays
from tests.core.grown_tenant import Grower
from tests.querycount import QueryLog, count_queries, growth
from tests.support import build_world, login, login_as

SMALL, LARGE = 2, 12


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    who: str
    """Who asks: a user key of tenant a, "mediator", or "api" (the regie holder's API token)."""
    shows: str | None
    """Text only the grown tenant has (a late row of what the page lists): proof the page shows what grew."""


PAGES = [
    Page("home (regie holder)", "/t/acme/", "regie", "Iets gebeurd: 11"),
    Page("home (admin)", "/t/acme/", "admin", "Kwartaal 11"),
    Page("roadmap", "/t/acme/roadmap/", "regie", "Overgang 10"),
    Page("starting points", "/t/acme/starting-points", "regie", "Versie 12"),
    Page("plugins", "/t/acme/plugins/", "regie", "Nodig voor 2"),
    Page("workgroup", "/t/acme/workgroup/", "admin", "Periode 11"),
    Page("people", "/t/acme/people/", "admin", "nieuw11@acme.test"),
    Page("dashboard", "/t/acme/dashboard/", "regie", "Handmatige KPI 08"),
    Page("measurements", "/t/acme/measurements/", "admin", "Uit het CRM 11"),
    Page("audit log", "/t/acme/audit", "admin", "Iets gebeurd: 11"),
    Page("notifications", "/t/acme/notifications/", "regie", "Look at 11"),
    Page("monitoring overview", "/t/acme/p/monitoring/", "regie", "Profiel 11"),
    Page("mentions", "/t/acme/p/monitoring/mentions/", "regie", "Schrijver 11"),
    Page("webcare inbox", "/t/acme/p/webcare/", "agent", "Vraag 11 over de factuur"),
    Page("case page", "/t/acme/p/webcare/cases/{case_id}", "agent", "Notitie 11"),
    Page("inbox stamp", "/t/acme/p/webcare/stamp?v=0", "agent", None),  # lists nothing: one row read
    # figures the job stored, not a list: the same statements however many cases there are
    Page("webcare KPIs", "/t/acme/p/webcare/kpis/", "regie", None),
    Page("webcare KPIs, chosen dates", "/t/acme/p/webcare/kpis/?from=2026-01-01&to=2026-12-31", "regie", None),
    Page("conversation index", "/t/acme/p/monitoring/conversation-index/", "regie", None),  # a stored board
    Page("content calendar", "/t/acme/p/talking/", "marketer", "Bericht 11"),
    Page("content calendar, list", "/t/acme/p/talking/?view=list&when=all", "marketer", "Bericht 11"),
    Page("campaigns", "/t/acme/p/talking/campaigns/", "marketer", "Campagne 11"),
    Page("mediator console", "/mediator/", "mediator", "Klant 11"),
    Page("API mentions", "/api/v1/t/acme/monitoring/mentions", "api", "Schrijver 11"),
    Page("API cases", "/api/v1/t/acme/webcare/cases", "api", "Vraag 11 over de factuur"),
    Page("API posts", "/api/v1/t/acme/talking/posts?when=all", "api", "Bericht 11"),
    Page("API members", "/api/v1/t/acme/members", "api", "persoon11@acme.test"),
    # more lists the growth fills
    Page("departments", "/t/acme/people/departments/", "admin", "Afdeling 11"),
    Page("evidence: methodology", "/t/acme/evidence/methodology", "admin", "KPI 11 erbij"),
    Page("evidence: targets", "/t/acme/evidence/targets", "admin", "Doel 11"),
    Page("evidence: presentations", "/t/acme/evidence/presentations", "admin", "Kwartaal 11"),
    Page("search profiles", "/t/acme/p/monitoring/profiles/", "regie", "Profiel 11"),
    Page("alerts", "/t/acme/p/monitoring/alerts/", "regie", "Profiel 11"),
    Page("routing rules and queues", "/t/acme/p/webcare/rules/", "regie", "Wachtrij 11"),
    Page("escalations", "/t/acme/p/webcare/escalations/", "regie", "Afdeling 11"),
    Page("case timeline", "/t/acme/p/webcare/cases/{case_id}/timeline", "agent", "Notitie 11"),
    Page("case replies", "/t/acme/p/webcare/cases/{case_id}/replies", "agent", "Antwoord 11"),
    Page("mediator comparison", "/mediator/comparison/", "mediator", None),  # figures without names
    Page("benchmark", "/t/acme/benchmark/", "regie", None),  # peers' figures without names
    Page("accounts", "/t/acme/accounts/", "regie", "konto11"),
    Page("account sprawl", "/t/acme/accounts/sprawl", "regie", "acme_fan11"),
    Page("API account sprawl", "/api/v1/t/acme/accounts/sprawl", "api", "acme_fan11"),
    # co-creation (its department's agent; the board as the public sees it, and as staff)
    Page("idea board", "/t/acme/p/cocreation/board/", "agent", "Idee 11 van de klant"),
    Page("idea board, newest", "/t/acme/p/cocreation/board/?order=new", "agent", "Idee 11 van de klant"),
    Page("idea page", "/t/acme/p/cocreation/board/ideas/1", "agent", "Reactie 11 op het eerste idee"),
    Page("campaign page", "/t/acme/p/cocreation/board/campaigns/uitdaging-00", "agent", None),
    Page("idea, staff view", "/t/acme/p/cocreation/ideas/1", "agent", "Reden 11"),
    Page("idea, loop panel", "/t/acme/p/cocreation/loop/ideas/1/panel", "agent", "Vermelding 11"),
    Page("triage", "/t/acme/p/cocreation/triage/", "agent", "Idee 11 van de klant"),
    Page("moderation", "/t/acme/p/cocreation/moderation/", "agent", "Wachtend idee 11"),
    Page("co-creation campaigns", "/t/acme/p/cocreation/campaigns/", "agent", "Uitdaging 11"),
    Page("loop", "/t/acme/p/cocreation/loop/", "agent", "Bericht 11 terug"),
    Page("API ideas", "/api/v1/t/acme/cocreation/ideas", "api", "Idee 11 van de klant"),
]

XFAIL: dict[str, str] = {}
"""Pages that do grow with the data: each fails (strict) until it no longer does."""


@dataclass
class Visit:
    queries: QueryLog
    status: int
    text: str


@dataclass
class Survey:
    small: dict[str, Visit] = field(default_factory=dict)
    large: dict[str, Visit] = field(default_factory=dict)
    error: str = ""
    """What broke the survey itself (growing the tenant, signing in): every test reports it."""


async def _visit(app: Any, client: Any, grower: Grower, into: dict[str, Visit]) -> None:
    """Every page, grouped by who asks: once to warm what the process caches, once counted."""
    for who in dict.fromkeys(p.who for p in PAGES):
        headers: dict[str, str] = {}
        if who == "api":
            headers = grower.headers
        elif who == "mediator":
            await login(client, grower.world.mediator.email)
        else:
            await login_as(client, grower.world.a, who)
        for page in (p for p in PAGES if p.who == who):
            url = page.path.format(case_id=grower.case_id)
            await client.get(url, headers=headers)
            await wait_for_relays()  # jobs the growth queued leave now, not while the page is counted
            with count_queries(app.state.engine) as queries:
                response = await client.get(url, headers=headers)
            into[page.name] = Visit(queries, response.status_code, response.text)


@pytest.fixture(scope="module")
async def survey(app: Any) -> AsyncIterator[Survey]:
    """Every page at both sizes, once per database (the tests' `sessionmaker` empties the tables after)."""
    found = Survey()
    try:
        world = await build_world(app.state.sessionmaker)
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            grower = Grower(app.state.sessionmaker, world, client)
            await grower.grow(SMALL)
            await _visit(app, client, grower, found.small)
            await grower.grow(LARGE)
            await _visit(app, client, grower, found.large)
    except Exception:  # noqa: BLE001 - a fixture error would skip the tests' `sessionmaker`, which empties the tables
        found.error = traceback.format_exc()
    yield found


class QueryPerRow(AssertionError):
    """The page ran more statements with more rows (what an expected failure in `XFAIL` must raise)."""


def _param(page: Page) -> Any:
    marks = [pytest.mark.xfail(strict=True, raises=QueryPerRow, reason=XFAIL[page.name])] \
        if page.name in XFAIL else []
    return pytest.param(page, id=page.name, marks=marks)


@pytest.mark.parametrize("page", [_param(p) for p in PAGES])
async def test_page_runs_no_query_per_row(survey: Survey, sessionmaker: Any, page: Page) -> None:
    """(`sessionmaker` for its clean-up: the survey's rows are gone after the first test.)"""
    assert not survey.error, survey.error
    small, large = survey.small[page.name], survey.large[page.name]
    for visit in (small, large):
        assert visit.status == 200, (page.path, visit.status, visit.text[:500])
    if page.shows:
        assert page.shows in large.text and page.shows not in small.text, f"{page.name} does not list what grew"
    if len(large.queries) > len(small.queries):
        raise QueryPerRow(f"{page.name} runs a query per row:\n{growth(small.queries, large.queries)}")


async def test_pages_of_stored_figures_are_counted_showing_them(survey: Survey, sessionmaker: Any) -> None:
    """The grower runs the jobs that store the webcare KPI and index pages' figures: those pages were counted
    showing figures, not "being computed"."""
    assert not survey.error, survey.error
    for name in ("webcare KPIs", "webcare KPIs, chosen dates"):
        for visit in (survey.small[name], survey.large[name]):
            assert 'data-webcare="pending"' not in visit.text and "data-as-of=" in visit.text, name
    for visit in (survey.small["conversation index"], survey.large["conversation index"]):
        assert 'data-ci="tenant"' in visit.text and 'data-ci="pending"' not in visit.text


async def test_counting_groups_a_statement_whatever_its_values(app: Any, sessionmaker: Any) -> None:
    """The helper itself: every statement in the block and none after it; one group for one statement, however
    many values its IN list carries; savepoints and PostgreSQL's tenant settings counted like queries."""
    from sqlalchemy import func, select

    from core.auth.models import User

    ids = [uuid4() for _ in range(12)]
    async with sessionmaker() as session, session.begin():
        with count_queries(app.state.engine) as queries:
            await session.scalars(select(User).where(User.id.in_(ids[:2])))
            await session.scalars(select(User).where(User.id.in_(ids)))
            async with session.begin_nested():
                await session.scalars(select(User).where(User.email == "x@y.test"))
        await session.scalar(select(func.count()).select_from(User))
    groups = queries.grouped()
    settings = 1 if app.state.engine.dialect.name == "postgresql" else 0  # set_config as the transaction begins
    assert len(queries) == 5 + settings and sum(groups.values()) == len(queries)
    [(in_list, twice)] = [(text, n) for text, n in groups.items() if " IN (…)" in text]
    assert twice == 2 and "user_account.id IN (…)" in in_list
    assert groups["SAVEPOINT sa_savepoint_N"] == 1 and groups["RELEASE SAVEPOINT sa_savepoint_N"] == 1
    assert "count(*)" not in queries.report() and "  2× SELECT user_account.id" in queries.report()
    assert "ran more often:\n\nwith little data" in growth(queries, queries)
