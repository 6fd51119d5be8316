"""Pagination: exact totals, and lists counted only up to a cap that still page on to their end."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.audit.service import record
from core.auth.principal import Principal
from core.tenancy.scope import tenant_scope
from core.web import pagination
from core.web.pagination import paginate
from tests.support import World

ROWS = 12


async def _seed(sessionmaker: Any, world: World) -> None:
    """12 entries "row 00".."row 11" in tenant a; 5 of the same kind in tenant b (never counted in a)."""
    for tw, count in ((world.a, ROWS), (world.b, 5)):
        with tenant_scope(tw.id):
            async with sessionmaker() as session, session.begin():
                for i in range(count):
                    await record(session, Principal(user=tw.users["admin"]), "test.row", summary=f"row {i:02d}")


def _rows() -> Any:
    return select(AuditEntry).where(AuditEntry.action == "test.row").order_by(AuditEntry.summary)


async def _page(sessionmaker: Any, world: World, number: int, capped: bool = True) -> pagination.Page:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            return await paginate(session, _rows(), number, per_page=3, capped=capped)


def _summaries(page: pagination.Page) -> list[str]:
    return [e.summary for e in page.items]


async def test_a_capped_list_under_its_cap_counts_exactly(sessionmaker: Any, world: World,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    await _seed(sessionmaker, world)
    monkeypatch.setattr(pagination, "COUNT_CAP", ROWS)
    exact, capped = await _page(sessionmaker, world, 2, capped=False), await _page(sessionmaker, world, 2)
    assert exact.as_json() == capped.as_json() == {"page": 2, "per_page": 3, "total": ROWS, "pages": 4,
                                                  "total_exact": True, "has_next": True}
    assert _summaries(capped) == ["row 03", "row 04", "row 05"]
    last = await _page(sessionmaker, world, 99)  # past the end: the last page, as ever
    assert (last.number, _summaries(last), last.has_next) == (4, ["row 09", "row 10", "row 11"], False)


async def test_a_list_over_its_cap_says_so_and_pages_on_to_its_end(sessionmaker: Any, world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    await _seed(sessionmaker, world)
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    first = await _page(sessionmaker, world, 1)
    assert first.as_json() == {"page": 1, "per_page": 3, "total": 5, "pages": 2, "total_exact": False,
                               "has_next": True}
    assert _summaries(first) == ["row 00", "row 01", "row 02"] and (first.first, first.last) == (1, 3)
    third = await _page(sessionmaker, world, 3)  # past the counted rows: known to hold at least 9, and more
    assert third.as_json() == {"page": 3, "per_page": 3, "total": 9, "pages": 3, "total_exact": False,
                               "has_next": True}
    assert _summaries(third) == ["row 06", "row 07", "row 08"] and (third.first, third.last) == (7, 9)
    fourth = await _page(sessionmaker, world, 4)  # the end: now the total is known (tenant b's rows not in it)
    assert fourth.as_json() == {"page": 4, "per_page": 3, "total": ROWS, "pages": 4, "total_exact": True,
                                "has_next": False}
    assert _summaries(fourth) == ["row 09", "row 10", "row 11"]
    beyond = await _page(sessionmaker, world, 40)  # a page past the end lands on the last one
    assert beyond.as_json() == fourth.as_json() and _summaries(beyond) == _summaries(fourth)


def _pager(page: pagination.Page, lang: str) -> str:
    from pathlib import Path

    from jinja2 import Environment, FileSystemLoader

    from core.i18n import gettext_for
    from core.web.filters import install_filters

    env = Environment(loader=FileSystemLoader(Path(__file__).resolve().parents[2] / "frontend" / "templates"),
                      autoescape=True)
    install_filters(env)
    source = '{% from "macros.html" import pagination %}{{ pagination(page, _) }}'
    return " ".join(env.from_string(source).render(page=page, _=gettext_for(lang), lang=lang).split())


def test_the_pager_shows_a_capped_total_as_the_reader_writes_numbers() -> None:
    capped = pagination.Page(items=list(range(25)), total=10_000, number=2, per_page=25, base_path="/list/",
                             params={"q": "storing"}, total_exact=False, more=True)
    dutch = _pager(capped, "nl")
    assert "Pagina 2: 26–50 van 10.000+" in dutch
    assert 'href="/list/?q=storing&amp;page=3" rel="next"' in dutch and 'href="/list/?q=storing&amp;page=1"' in dutch
    assert "Page 2: 26–50 of 10,000+" in _pager(capped, "en")
    at_the_end = pagination.Page(items=list(range(25)), total=10_000, number=2, per_page=25, total_exact=False)
    assert 'rel="next"' not in _pager(at_the_end, "nl")
    exact = pagination.Page(items=list(range(25)), total=100, number=2, per_page=25)
    assert "Pagina 2 van 4" in _pager(exact, "nl") and "+" not in _pager(exact, "nl")
