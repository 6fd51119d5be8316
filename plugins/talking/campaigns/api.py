"""Campaigns and streams in the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, lang_of, page_number, paginate, principal_of
from plugins.talking.campaigns import service
from plugins.talking.models import Campaign

TAGS = ["talking"]


@dataclass
class CampaignOut:
    id: str
    name: str
    slug: str
    """utm_campaign of its short links."""
    goal: str
    budget: str | None
    """In euros, two decimals."""
    objective: str
    starting_point: str
    starts_on: date
    ends_on: date
    department_id: str | None
    posts: int


@dataclass
class CampaignList:
    items: list[CampaignOut]
    page: PageInfo


def _out(c: Campaign, posts: int) -> CampaignOut:
    return CampaignOut(id=str(c.id), name=c.name, slug=c.slug, goal=c.goal,
                       budget=None if c.budget is None else f"{c.budget:.2f}", objective=c.objective,
                       starting_point=c.starting_point, starts_on=c.starts_on, ends_on=c.ends_on,
                       department_id=str(c.department_id) if c.department_id else None, posts=posts)


@get("/campaigns", opt={"action": "plugin.read"}, tags=TAGS, summary="Campaigns, the latest start first, paginated")
async def list_campaigns(db: AsyncSession, page: int | None = None) -> CampaignList:
    found = await paginate(db, service.campaigns_query(), page_number(page), scalars=False)
    return CampaignList(items=[_out(c, n) for c, n in found.items], page=PageInfo(**found.as_json()))


@post("/campaigns", opt={"action": "plugin.configure"}, tags=TAGS, status_code=201,
      summary="Start a campaign: name, goal, budget, objective, starting_point, starts_on, ends_on, department_id "
              "(slug optional: made from the name)")
async def create_campaign(request: Request[Any, Any, Any], db: AsyncSession, data: dict[str, Any],
                          lang: str | None = None) -> CampaignOut:
    lang_of(request, lang)
    return _out(await service.create_campaign(db, principal_of(request), data), 0)


ROUTES = [list_campaigns, create_campaign]
