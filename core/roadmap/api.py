"""API: the roadmap (phase, gate items with explanations, history), advance and override."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.roadmap import service
from core.roadmap.gates import evaluate
from core.tenancy.models import Tenant
from core.web.forms import lang_of, principal_of, tenant_of


@dataclass
class GateItemOut:
    key: str
    ok: bool
    title: str
    explanation: str


@dataclass
class TransitionOut:
    from_phase: str
    to_phase: str
    at: datetime
    overridden: bool
    reason: str
    failing_items: list[str]


@dataclass
class RoadmapOut:
    phase: str
    next_phase: str | None
    gate_holds: bool
    items: list[GateItemOut]
    history: list[TransitionOut] = field(default_factory=list)


@dataclass
class OverrideIn:
    reason: str



async def _out(db: AsyncSession, request: Request[Any, Any, Any], lang: str | None) -> RoadmapOut:
    lang = lang_of(request, lang)
    tenant = await db.get(Tenant, tenant_of(request).id)
    report = await evaluate(db, tenant, request.app.state.pm, lang)
    return RoadmapOut(
        phase=report.phase, next_phase=report.next_phase, gate_holds=report.ok,
        items=[GateItemOut(i.key, i.ok, i.title.render(lang), i.text) for i in report.items],
        history=[TransitionOut(t.from_phase, t.to_phase, t.created_at, t.overridden, t.reason,
                               list(t.failing_items or [])) for t in await service.history(db)])


@get("/t/{slug:str}/roadmap", opt={"action": "tenant.read"}, tags=["roadmap"],
     summary="Phase, the current gate item by item (explained in ?lang=nl|en) and the phase history")
async def roadmap(request: Request[Any, Any, Any], db: AsyncSession, lang: str | None = None) -> RoadmapOut:
    return await _out(db, request, lang)


@post("/t/{slug:str}/roadmap/advance", opt={"action": "phase.advance"}, tags=["roadmap"], status_code=200,
      summary="Advance to the next phase (409 while any gate item fails)")
async def advance(request: Request[Any, Any, Any], db: AsyncSession, lang: str | None = None) -> RoadmapOut:
    code = lang_of(request, lang)
    await service.advance(db, principal_of(request), tenant_of(request), request.app.state.pm, code)
    return await _out(db, request, code)


@post("/t/{slug:str}/roadmap/override", opt={"action": "phase.override"}, tags=["roadmap"], status_code=200,
      summary="Regie holder only: move on past a failing gate with a written reason "
              "(at least 20 characters after trimming, else 422 on reason)")
async def override(request: Request[Any, Any, Any], db: AsyncSession, data: OverrideIn,
                   lang: str | None = None) -> RoadmapOut:
    code = lang_of(request, lang)
    await service.override(db, principal_of(request), tenant_of(request), request.app.state.pm, data.reason, code)
    return await _out(db, request, code)


ROUTES = [roadmap, advance, override]
