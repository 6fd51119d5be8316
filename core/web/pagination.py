"""Pagination for every list: one query for the page, one for the total.

A list that can grow without bound (mentions, the webcare inbox) counts its total only up to `COUNT_CAP` rows
(`paginate(..., capped=True)`): the page then says "10.000+" and its pager still goes on, page after page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

PER_PAGE = 25

COUNT_CAP = 10_000
"""How many rows a capped list counts at most. Counting every match costs time in proportion to the rows (a
million mentions take some 150–200 ms on every page view) while nobody pages through more than a few hundred;
counting up to this many stays a few milliseconds, and beyond it "10.000+" says all a reader needs."""


@dataclass
class PageInfo:
    """Where a page lies in its list: the shape of `Page.as_json()`, for API schemas to extend.

    `total_exact` false: the list was counted only up to a cap and holds more than `total` rows; `pages` is then
    the pages known so far and `has_next` says whether to ask for the next one."""

    page: int
    per_page: int
    total: int
    pages: int
    total_exact: bool
    has_next: bool


@dataclass
class Page:
    items: list[Any]
    total: int
    number: int
    per_page: int
    base_path: str = ""
    params: dict[str, str] | None = None
    param: str = "page"
    """The query parameter of this list's page number (e.g. `history_page` when two lists share a page)."""
    total_exact: bool = True
    """False when the list was counted up to a cap: it holds more than `total` rows."""
    more: bool = False
    """Rows follow this page (read as one row past it, for a list whose total is not exact)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages if self.total_exact else self.more

    @property
    def first(self) -> int:
        """The position of the page's first row in the list (1-based; 0 for an empty list)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the page's last row."""
        return (self.number - 1) * self.per_page + len(self.items)

    def url(self, number: int) -> str:
        params = {k: v for k, v in (self.params or {}).items() if v not in (None, "")}
        params[self.param] = str(number)
        return f"{self.base_path}?{urlencode(params)}"

    def as_json(self) -> dict[str, Any]:
        return asdict(PageInfo(page=self.number, per_page=self.per_page, total=self.total, pages=self.pages,
                               total_exact=self.total_exact, has_next=self.has_next))


MAX_PAGE = 1_000_000
"""No list goes further: a larger page number from the address bar would overflow the database's OFFSET."""


def page_number(value: Any) -> int:
    try:
        return min(MAX_PAGE, max(1, int(value or 1)))
    except (TypeError, ValueError):
        return 1


def _last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


async def _count(session: AsyncSession, query: Select[Any], cap: int | None = None) -> int:
    """The rows of `query`; with `cap`, at most cap + 1 of them (the database stops reading there)."""
    rows = query.order_by(None) if cap is None else query.order_by(None).limit(cap + 1)
    return await session.scalar(select(func.count()).select_from(rows.subquery())) or 0


async def _rows(session: AsyncSession, query: Select[Any], offset: int, limit: int, scalars: bool) -> list[Any]:
    result = await session.execute(query.limit(limit).offset(offset))
    return list(result.scalars().all() if scalars else result.all())


async def paginate(session: AsyncSession, query: Select[Any], number: int, per_page: int = PER_PAGE,
                   base_path: str = "", params: dict[str, str] | None = None, scalars: bool = True,
                   param: str = "page", capped: bool = False) -> Page:
    """Page `number` of `query` (a number past the end shows the last page). `capped`: count at most
    `COUNT_CAP` rows, for lists that can grow into the hundreds of thousands."""
    page = Page(items=[], total=0, number=max(1, number), per_page=per_page, base_path=base_path, params=params,
                param=param)
    if capped:
        counted = await _count(session, query, COUNT_CAP)
        if counted > COUNT_CAP:
            await _beyond_cap(session, query, page, scalars)
            return page
        page.total = counted
    else:
        page.total = await _count(session, query)
    page.number = min(page.number, _last_page(page.total, per_page))
    page.items = await _rows(session, query, (page.number - 1) * per_page, per_page, scalars)
    return page


async def _beyond_cap(session: AsyncSession, query: Select[Any], page: Page, scalars: bool) -> None:
    """Fill `page` of a list that holds more than `COUNT_CAP` rows: one row past the page tells whether
    another page follows. Reaching the list's end makes its total exact (the rows before plus this page's); a
    page number past the end (typed in, or a list that shrank) counts the whole list once to land on its last
    page, as an uncapped list does."""
    per_page = page.per_page
    offset = (page.number - 1) * per_page
    rows = await _rows(session, query, offset, per_page + 1, scalars)
    if not rows and page.number > 1:
        page.total = await _count(session, query)
        page.number = _last_page(page.total, per_page)
        page.items = await _rows(session, query, (page.number - 1) * per_page, per_page, scalars)
        return
    page.items, page.more = rows[:per_page], len(rows) > per_page
    page.total_exact = not page.more
    page.total = max(COUNT_CAP, offset + len(page.items)) if page.more else offset + len(page.items)
