"""API: daily KPI snapshots (read) and manual KPI values (entered by the KPI's owner department)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.measurement import manual
from core.measurement.routes import filters_of
from core.measurement.snapshots import snapshots_query
from core.web.forms import principal_of
from core.web.pagination import page_number, paginate


@dataclass
class SnapshotOut:
    kpi: str
    day: str
    value: float | None
    source: str
    methodology_number: int | None


@dataclass
class SnapshotPage:
    items: list[SnapshotOut]
    total: int
    page: int
    pages: int


@dataclass
class ManualIn:
    kpi: str
    day: str
    value: float | str
    note: str = ""


@dataclass
class ManualOut:
    id: str
    kpi: str
    day: str
    value: float
    methodology_number: int | None


@get("/t/{slug:str}/snapshots", opt={"action": "measurement.read"}, tags=["measurement"],
     summary="Daily KPI snapshots, newest day first; ?kpi=&start=&end=&page=")
async def snapshots(request: Request[Any, Any, Any], db: AsyncSession) -> SnapshotPage:
    kpi, start, end, errors = filters_of(request)
    if errors:
        from core.errors import DomainError

        raise DomainError(field=next(iter(errors)), msgid="Use a date like 2026-01-31.")
    result = await paginate(db, snapshots_query(kpi, start, end), page_number(request.query_params.get("page")),
                            per_page=100)
    return SnapshotPage(items=[SnapshotOut(s.kpi, s.day.isoformat(), s.value, s.source, s.methodology_number)
                               for s in result.items], total=result.total, page=result.number, pages=result.pages)


@post("/t/{slug:str}/manual-measurements", opt={"action": "measurement.enter"}, tags=["measurement"],
      status_code=201, summary="Enter a manual KPI value for a day (the KPI's owner department, regie or admin)")
async def enter_manual(request: Request[Any, Any, Any], db: AsyncSession, data: ManualIn) -> ManualOut:
    row = await manual.enter(db, principal_of(request), request.app.state.pm, data.kpi, data.day, data.value,
                             data.note)
    return ManualOut(str(row.id), row.kpi, row.day.isoformat(), row.value, row.methodology_number)


ROUTES: list[Any] = [snapshots, enter_manual]
