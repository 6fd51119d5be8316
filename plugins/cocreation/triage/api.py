"""Triage in the JSON API: list ideas as the triage queue does, one idea with its stage history, move an idea to
another stage with a public reason, set its triage fields. The same services (and validation) as the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    PageInfo,
    clean_choice,
    lang_of,
    page_number,
    paginate,
    principal_of,
)
from plugins.cocreation.models import Idea, StageChange
from plugins.cocreation.stages import change_stage
from plugins.cocreation.triage import service

TAGS = ["cocreation"]


@dataclass
class StageChangeOut:
    from_stage: str
    to_stage: str
    meaning: str
    reason: str
    by_threshold: bool
    created_at: datetime


@dataclass
class IdeaOut:
    id: str
    number: int
    title: str
    description: str
    status: str
    stage: str
    source: str
    author_name: str
    tags: list[str]
    votes: int
    comments: int
    followers: int
    owner_id: str | None
    effort: int | None
    value: int | None
    triaged_at: datetime | None
    first_response_at: datetime | None
    merged_into: int | None
    created_at: datetime
    history: list[StageChangeOut] | None = None


@dataclass
class IdeaList:
    items: list[IdeaOut]
    page: PageInfo


def _idea(idea: Idea, *, merged_into: int | None = None, history: list[StageChange] | None = None) -> IdeaOut:
    return IdeaOut(id=str(idea.id), number=idea.number, title=idea.title, description=idea.description,
                   status=idea.status, stage=idea.stage_key, source=idea.source, author_name=idea.author_name,
                   tags=list(idea.tags or []), votes=idea.vote_count, comments=idea.comment_count,
                   followers=idea.follower_count, owner_id=str(idea.owner_id) if idea.owner_id else None,
                   effort=idea.effort, value=idea.value, triaged_at=idea.triaged_at,
                   first_response_at=idea.first_response_at, merged_into=merged_into, created_at=idea.created_at,
                   history=None if history is None else [_change(c) for c in history])


def _change(change: StageChange) -> StageChangeOut:
    return StageChangeOut(from_stage=change.from_key, to_stage=change.to_key, meaning=change.to_meaning,
                          reason=change.reason, by_threshold=change.user_id is None, created_at=change.created_at)


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    for key, value in data.items():
        if value is not None and not isinstance(value, str | int | bool):
            raise DomainError(field=str(key), msgid="Use a text value.")
    return data


async def _full(db: AsyncSession, idea: Idea) -> IdeaOut:
    history = list((await db.scalars(select(StageChange).where(StageChange.idea_id == idea.id)
                                     .order_by(StageChange.created_at, StageChange.id))).all())
    merged = await db.scalar(select(Idea.number).where(Idea.id == idea.merged_into_id)) if idea.merged_into_id \
        else None
    return _idea(idea, merged_into=merged, history=history)


@get("/ideas", opt={"action": "plugin.read"}, tags=TAGS,
     summary="Ideas as the triage queue lists them: queue (new, threshold, linked or all; default all) and sort "
             "(votes, age or recent), paginated")
async def list_ideas(db: AsyncSession, page: int | None = None, queue: str = "all", sort: str = "votes") -> IdeaList:
    tab = clean_choice(queue, "queue", service.QUEUES)
    order = clean_choice(sort, "sort", service.SORTS)
    found = await paginate(db, await service.queue_query(db, tab, order), page_number(page))
    return IdeaList(items=[_idea(i) for i in found.items], page=PageInfo(**found.as_json()))


@get("/ideas/{number:int}", opt={"action": "plugin.read"}, tags=TAGS,
     summary="One idea by its number, with its triage fields and stage history")
async def get_idea(db: AsyncSession, number: int) -> IdeaOut:
    return await _full(db, await service.idea_of(db, number))


@post("/ideas/{number:int}/stage", opt={"action": "plugin.work"}, tags=TAGS, status_code=200,
      summary="Move the idea to another stage: stage (its key) and reason (public, 3-2000 characters, through the "
              "policy check); the people connected to the idea are told")
async def move(request: Request[Any, Any, Any], db: AsyncSession, number: int, data: dict[str, Any]) -> IdeaOut:
    values = _body(data)
    idea = await service.idea_of(db, number)
    principal = principal_of(request)
    await change_stage(db, idea, str(values.get("stage") or ""), str(values.get("reason") or ""),
                       user_id=principal.user.id, lang=lang_of(request), principal=principal,
                       pm=request.app.state.pm)
    return await _full(db, idea)


@post("/ideas/{number:int}/triage", opt={"action": "plugin.work"}, tags=TAGS, status_code=200,
      summary="Set the triage fields: owner_id (a member, or empty), effort and value (1-5, or empty), triaged "
              "(true marks the idea triaged)")
async def triage(request: Request[Any, Any, Any], db: AsyncSession, number: int, data: dict[str, Any]) -> IdeaOut:
    values = _body(data)
    idea = await service.idea_of(db, number)
    current: dict[str, Any] = {"owner_id": str(idea.owner_id or ""), "effort": idea.effort or "",
                               "value": idea.value or ""}  # a field left out keeps its value
    current.update({k: "" if v is None else v for k, v in values.items() if k in ("owner_id", "effort", "value")})
    current["triaged"] = "1" if values.get("triaged") in (True, "1", "true") else ""
    await service.set_triage(db, principal_of(request), idea, current)
    return await _full(db, idea)


ROUTES = [list_ideas, get_idea, move, triage]
