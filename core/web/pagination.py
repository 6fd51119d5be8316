"""Pagination for every list: one query for the page, one for the total."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

PER_PAGE = 25


@dataclass
class PageInfo:
    """Where a page lies in its list: the shape of `Page.as_json()`, for API schemas to extend."""

    page: int
    per_page: int
    total: int
    pages: int


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        params = {k: v for k, v in (self.params or {}).items() if v not in (None, "")}
        params[self.param] = str(number)
        return f"{self.base_path}?{urlencode(params)}"

    def as_json(self) -> dict[str, Any]:
        return asdict(PageInfo(page=self.number, per_page=self.per_page, total=self.total, pages=self.pages))


def page_number(value: Any) -> int:
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


async def paginate(session: AsyncSession, query: Select[Any], number: int, per_page: int = PER_PAGE,
                   base_path: str = "", params: dict[str, str] | None = None, scalars: bool = True,
                   param: str = "page") -> Page:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(max(1, number), max(1, -(-total // per_page)))
    result = await session.execute(query.limit(per_page).offset((number - 1) * per_page))
    items = list(result.scalars().all() if scalars else result.all())
    return Page(items=items, total=total, number=number, per_page=per_page, base_path=base_path, params=params,
                param=param)
