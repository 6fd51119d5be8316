"""The roster and missions in the JSON API: list, invite, create and change missions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import Parameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    PageInfo,
    clean_choice,
    get_or_404,
    lang_of,
    page_number,
    paginate,
    principal_of,
    tenant_of,
)
from plugins.energizing.ambassadors import missions, service
from plugins.energizing.ambassadors.models import Mission
from plugins.energizing.models import KINDS, STATES, Ambassador

TAGS = ["energizing"]


@dataclass
class AmbassadorOut:
    id: str
    name: str
    email: str
    kind: str
    source: str
    state: str
    tier: str
    points: int
    points_earned: int
    referral_code: str
    consent_at: datetime | None
    consent_version: int | None
    last_active_at: datetime | None


@dataclass
class AmbassadorList:
    items: list[AmbassadorOut]
    page: PageInfo


@dataclass
class MissionOut:
    id: str
    title: str
    kind: str
    state: str
    instructions: str
    suggested_text: str
    target_url: str
    points: int
    starts_on: date
    ends_on: date
    repeatable: bool
    completions: int


@dataclass
class MissionList:
    items: list[MissionOut]
    page: PageInfo


def _person(a: Ambassador) -> AmbassadorOut:
    return AmbassadorOut(id=str(a.id), name=a.name, email=a.email, kind=a.kind, source=a.source, state=a.state,
                         tier=a.tier, points=a.points, points_earned=a.points_earned, referral_code=a.referral_code,
                         consent_at=a.consent_at, consent_version=a.consent_version, last_active_at=a.last_active_at)


def _mission(m: Mission) -> MissionOut:
    return MissionOut(id=str(m.id), title=m.title, kind=m.kind, state=m.state, instructions=m.instructions,
                      suggested_text=m.suggested_text, target_url=m.target_url, points=m.points,
                      starts_on=m.starts_on, ends_on=m.ends_on, repeatable=m.repeatable, completions=m.completions)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is not None and not isinstance(value, str | int | bool):
        raise DomainError(field=key, msgid="Use a text value.")
    return "" if value is None else str(value)


@get("/ambassadors", opt={"action": "plugin.read"}, tags=TAGS,
     summary="The ambassador roster, most points first, paginated; filter by state and kind")
async def list_ambassadors(db: AsyncSession, page: int | None = None,
                           state_: Annotated[str | None, Parameter(query="state")] = None,
                           kind: str | None = None) -> AmbassadorList:
    query = select(Ambassador).where(Ambassador.state != "erased").order_by(Ambassador.points_earned.desc(),
                                                                           Ambassador.name)
    if state_:
        query = query.where(Ambassador.state == clean_choice(state_, "state", STATES))
    if kind:
        query = query.where(Ambassador.kind == clean_choice(kind, "kind", KINDS))
    found = await paginate(db, query, page_number(page))
    return AmbassadorList(items=[_person(a) for a in found.items], page=PageInfo(**found.as_json()))


@get("/ambassadors/{ambassador_id:uuid}", opt={"action": "plugin.read"}, tags=TAGS, summary="One ambassador")
async def get_ambassador(db: AsyncSession, ambassador_id: UUID) -> AmbassadorOut:
    return _person(await get_or_404(db, Ambassador, ambassador_id))


@post("/ambassadors", opt={"action": "plugin.work"}, tags=TAGS, status_code=201,
      summary="Invite someone by mail: email, name, kind (customer or employee), handle (optional)")
async def invite(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: dict[str, Any],
                 lang: str | None = None) -> AmbassadorOut:
    language = lang_of(request, lang)
    kind = _text(data, "kind") or "customer"
    person = await service.invite(
        db, email=_text(data, "email"), name=_text(data, "name"), kind=kind, handle=_text(data, "handle"),
        source="employee" if kind == "employee" else "manual", source_ref="",
        invited_by_id=principal_of(request).user_id, lang=language,
        link_base=service.portal_base(request.app.state.settings.base_url, slug), tenant_name=tenant_of(request).name)
    return _person(person)


@get("/missions", opt={"action": "plugin.read"}, tags=TAGS, summary="Missions, the latest end first, paginated")
async def list_missions(db: AsyncSession, page: int | None = None) -> MissionList:
    found = await paginate(db, select(Mission).order_by(Mission.ends_on.desc(), Mission.title), page_number(page))
    return MissionList(items=[_mission(m) for m in found.items], page=PageInfo(**found.as_json()))


def _mission_values(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _text(data, k) for k in ("title", "kind", "instructions", "suggested_text", "target_url", "points",
                                        "starts_on", "ends_on", "repeatable")}


@post("/missions", opt={"action": "plugin.work"}, tags=TAGS, status_code=201,
      summary="Create a mission: title, kind (share, feedback, review, community), instructions, suggested_text, "
              "target_url, points, starts_on, ends_on, repeatable")
async def create_mission(request: Request[Any, Any, Any], db: AsyncSession, data: dict[str, Any],
                         lang: str | None = None) -> MissionOut:
    lang_of(request, lang)
    return _mission(await missions.save(db, principal_of(request), _mission_values(data)))


@post("/missions/{mission_id:uuid}", opt={"action": "plugin.work"}, tags=TAGS, status_code=200,
      summary="Change a mission (every field as when creating it)")
async def change_mission(request: Request[Any, Any, Any], db: AsyncSession, mission_id: UUID, data: dict[str, Any],
                         lang: str | None = None) -> MissionOut:
    lang_of(request, lang)
    mission = await get_or_404(db, Mission, mission_id)
    return _mission(await missions.save(db, principal_of(request), _mission_values(data), mission))


ROUTES = [list_ambassadors, get_ambassador, invite, list_missions, create_mission, change_mission]
