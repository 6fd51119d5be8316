"""API: the starting points' versions, approval, acknowledgement and comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.startingpoints import service
from core.web.forms import principal_of
from core.web.params import VersionNumber

TAGS = ["starting points"]
BASE = "/t/{slug:str}/starting-points"


@dataclass
class DepartmentRef:
    id: UUID
    name: str


@dataclass
class VersionOut:
    number: int
    status: str
    is_latest: bool
    organisation_analysis: str
    people: str
    objectives: str
    strategy: str
    technology: str
    listening_results: str
    note: str
    wishes: dict[str, str]
    """Department id → wish."""
    created_at: datetime
    approved_at: datetime | None
    acknowledged_by: list[DepartmentRef]
    missing: list[DepartmentRef]


@dataclass
class VersionIn:
    """Omitted fields are taken over from the latest version (a new version is always created)."""

    organisation_analysis: str | None = None
    people: str | None = None
    objectives: str | None = None
    strategy: str | None = None
    technology: str | None = None
    listening_results: str | None = None
    note: str | None = None
    wishes: dict[str, str] = field(default_factory=dict)


@dataclass
class ApproveIn:
    reason: str = ""


@dataclass
class AcknowledgeIn:
    department_id: str


@dataclass
class VersionList:
    items: list[VersionOut]
    approved_and_acknowledged: bool
    reason: str


@dataclass
class CompareOut:
    a: int
    b: int
    sections: list[dict[str, Any]]


def _out(s: service.VersionStatus) -> VersionOut:
    v = s.version
    return VersionOut(
        number=v.number, status=s.status, is_latest=s.is_latest,
        organisation_analysis=v.organisation_analysis, people=v.people, objectives=v.objectives,
        strategy=v.strategy, technology=v.technology, listening_results=v.listening_results, note=v.note,
        wishes={str(w.department_id): w.wish for w in v.wishes}, created_at=v.created_at,
        approved_at=v.approved_at,
        acknowledged_by=[DepartmentRef(d.id, d.name) for d in s.acknowledged],
        missing=[DepartmentRef(d.id, d.name) for d in s.missing],
    )


async def _status(db: AsyncSession, number: int) -> VersionOut:
    version = await service.get_version(db, number)
    return _out(await service.status_of(db, version))


@get(BASE, opt={"action": "tenant.read"}, tags=TAGS, summary="All versions of the starting points, newest first")
async def list_versions(request: Request[Any, Any, Any], db: AsyncSession) -> VersionList:
    represented = await service.represented_departments(db)
    rows = await service.list_versions(db)
    latest_no = rows[0].number if rows else 0
    holds, reason, params = await service.approved_and_acknowledged(db)
    from core.i18n import gettext_for

    return VersionList(items=[_out(await service.status_of(db, v, represented, latest_no)) for v in rows],
                       approved_and_acknowledged=holds,
                       reason=gettext_for(request.scope["state"]["lang"])(reason, **params))


@post(BASE, opt={"action": "starting_points.write"}, tags=TAGS, summary="Write a new version")
async def create_version(request: Request[Any, Any, Any], db: AsyncSession, data: VersionIn) -> VersionOut:
    payload: dict[str, Any] = {k: getattr(data, k) for k in (*service.STARTING_POINT_SECTIONS, "note")}
    payload["wishes"] = data.wishes
    version = await service.write_version(db, principal_of(request), payload)
    return await _status(db, version.number)


@get(BASE + "/compare", opt={"action": "tenant.read"}, tags=TAGS, summary="Compare two versions per section",
     description="What changed from the older version to the newer, whichever order `a` and `b` are given in: "
                 "the answer's `a` is the older, `b` the newer.")
async def compare(db: AsyncSession, a: VersionNumber, b: VersionNumber) -> CompareOut:
    old, new, diffs = await service.compare(db, a, b)
    return CompareOut(a=old.number, b=new.number,
                      sections=[d.as_json(f"v{old.number}", f"v{new.number}") for d in diffs])


@get(BASE + "/{number:int}", opt={"action": "tenant.read"}, tags=TAGS, summary="One version")
async def detail(db: AsyncSession, number: VersionNumber) -> VersionOut:
    return await _status(db, number)


@post(BASE + "/{number:int}/approve", opt={"action": "starting_points.approve"}, tags=TAGS,
      summary="Approve a version (regie holder)", status_code=200)
async def approve(request: Request[Any, Any, Any], db: AsyncSession, number: VersionNumber,
                  data: ApproveIn | None = None) -> VersionOut:
    await service.approve(db, principal_of(request), number, (data or ApproveIn()).reason)
    return await _status(db, number)


@post(BASE + "/{number:int}/acknowledge", opt={"action": "starting_points.acknowledge"}, tags=TAGS,
      summary="Acknowledge an approved version for a department you represent", status_code=200)
async def acknowledge(request: Request[Any, Any, Any], db: AsyncSession, number: VersionNumber,
                      data: AcknowledgeIn) -> VersionOut:
    await service.acknowledge(db, principal_of(request), number, data.department_id)
    return await _status(db, number)


ROUTES = [list_versions, create_version, compare, detail, approve, acknowledge]
