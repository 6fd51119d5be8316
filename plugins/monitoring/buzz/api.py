"""JSON API of the buzz slice: the dashboard's figures and the baseline studies (nulmeting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, lang_of, page_number, paginate, principal_of
from plugins.monitoring.buzz import baseline, service
from plugins.monitoring.models import BaselineReport

Text = str | None


@get("/buzz", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="The buzz dashboard's figures for a period and filters (the page's query parameters)")
async def buzz(db: AsyncSession, period: Text = None, date_from: Annotated[Text, Parameter(query="from")] = None,
               date_to: Annotated[Text, Parameter(query="to")] = None, granularity: Text = None,
               profile: Text = None, source_type: Text = None, sentiment: Text = None,
               language: Text = None) -> service.Dashboard:
    """period: 24h, 7d, 30d, 90d or custom (with from/to dates); granularity: hour, day or week (automatic by
    default); profile: a search profile's id; source_type, sentiment, language: one value each."""
    known = await service.profiles(db)
    params = {"period": period, "from": date_from, "to": date_to, "granularity": granularity, "profile": profile,
              "source_type": source_type, "sentiment": sentiment, "language": language}
    filters = service.parse_filters(params, [p.id for p in known])
    return await service.dashboard(db, filters, known)


@dataclass
class BaselineOut:
    id: UUID
    title: str
    period_start: date
    period_end: date
    profile_ids: list[str]
    study_id: UUID | None
    created_at: datetime
    report: dict[str, Any] | None = None
    """The frozen report (only on the detail route)."""


@dataclass
class BaselinesPage(PageInfo):
    items: list[BaselineOut]


class BaselineIn(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    period_start: str
    period_end: str
    profile_ids: list[str] = msgspec.field(default_factory=list)
    """Search profiles whose mentions count; empty: every mention."""


def _out(row: BaselineReport, full: bool = False) -> BaselineOut:
    return BaselineOut(id=row.id, title=row.title, period_start=row.period_start, period_end=row.period_end,
                       profile_ids=list(row.profile_ids or []), study_id=row.study_id, created_at=row.created_at,
                       report=row.report if full else None)


@get("/baselines", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="Frozen baseline studies (nulmeting), newest first (paginated)")
async def list_baselines(db: AsyncSession, page: Text = None) -> BaselinesPage:
    listing = await paginate(db, baseline.reports_query(), page_number(page))
    return BaselinesPage(items=[_out(r) for r in listing.items], **listing.as_json())


@get("/baselines/{report_id:uuid}", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="One frozen baseline study with its report")
async def get_baseline(db: AsyncSession, report_id: UUID) -> BaselineOut:
    return _out(await baseline.get_report(db, report_id), full=True)


@post("/baselines", opt={"action": "plugin.configure"}, tags=["monitoring"], status_code=201,
      summary="Compute and freeze a baseline study for a period (satisfies the roadmap's baseline item)")
async def create_baseline(request: Request[Any, Any, Any], db: AsyncSession, data: BaselineIn) -> BaselineOut:
    row = await baseline.freeze(db, principal_of(request), data.title, data.period_start, data.period_end,
                                data.profile_ids, lang_of(request))
    return _out(row, full=True)


ROUTES = [buzz, list_baselines, get_baseline, create_baseline]
