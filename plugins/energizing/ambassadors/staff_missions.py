"""Staff pages for missions (create, edit, close, completions with rejection) and rewards (catalogue and the
redemptions to decide). Reading needs `plugin.read`; changes `plugin.work`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    form_errors,
    get_or_404,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
)
from plugins.energizing.ambassadors import missions, rewards
from plugins.energizing.ambassadors.models import (
    COMPLETION_STATES,
    MISSION_KINDS,
    MISSION_STATES,
    REDEMPTION_STATES,
    Completion,
    Mission,
    Redemption,
    Reward,
)
from plugins.energizing.models import Ambassador

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
MISSION_FIELDS = ("title", "kind", "instructions", "suggested_text", "target_url", "points", "starts_on", "ends_on",
                  "repeatable")
REWARD_FIELDS = ("name", "description", "cost", "stock", "active")


def root(slug: str) -> str:
    return f"/t/{slug}/p/energizing/"


def render(request: Request[Any, Any, Any], template: str, slug: str, status_code: int = 200,
           **context: Any) -> Template:
    return page(request, f"energizing/ambassadors/{template}", status_code=status_code,
                base=f"{root(slug)}ambassadors/", root=root(slug), mission_kinds=MISSION_KINDS,
                mission_states=MISSION_STATES, completion_states=COMPLETION_STATES,
                redemption_states=REDEMPTION_STATES, **context)


@get("/missions/", opt=READ)
async def mission_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    listed = await paginate(db, select(Mission).order_by(Mission.state.desc(), Mission.ends_on.desc()),
                            page_number(request.query_params.get("page")), base_path=f"{root(slug)}missions/")
    return render(request, "missions.html", slug, missions=listed)


def _blank() -> dict[str, Any]:
    today = date.today()
    return {"kind": "share", "points": "10", "starts_on": str(today), "ends_on": str(today + timedelta(days=30))}


@get("/missions/new", opt=WORK)
async def mission_new(request: Request[Any, Any, Any], slug: str) -> Template:
    return render(request, "mission_form.html", slug, mission=None, form=_blank())


def _values(data: Form) -> dict[str, Any]:
    return {k: str(data.get(k, "")) for k in MISSION_FIELDS}


@post("/missions/", opt=WORK)
async def mission_create(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = _values(data)
    try:
        mission = await missions.save(db, principal_of(request), values)
    except DomainError as exc:
        return render(request, "mission_form.html", slug, status_code=exc.status_code, mission=None, form=values,
                      errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}missions/{mission.id}", status_code=303)


async def _mission(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission: Mission,
                   status_code: int = 200, **extra: Any) -> Template:
    done = await paginate(db, select(Completion, Ambassador.name).join(Ambassador,
                                                                        Ambassador.id == Completion.ambassador_id)
                          .where(Completion.mission_id == mission.id).order_by(Completion.completed_at.desc()),
                          page_number(request.query_params.get("page")), base_path=f"{root(slug)}missions/{mission.id}",
                          scalars=False)
    extra.setdefault("form", {k: getattr(mission, k) for k in MISSION_FIELDS})
    return render(request, "mission_form.html", slug, status_code=status_code, mission=mission, done=done, **extra)


@get("/missions/{mission_id:uuid}", opt=READ)
async def mission_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission_id: UUID) -> Template:
    return await _mission(request, db, slug, await get_or_404(db, Mission, mission_id))


@post("/missions/{mission_id:uuid}", opt=WORK)
async def mission_change(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission_id: UUID,
                         data: Form) -> Any:
    mission = await get_or_404(db, Mission, mission_id)
    values = _values(data)
    try:
        await missions.save(db, principal_of(request), values, mission)
    except DomainError as exc:
        await db.refresh(mission)
        return await _mission(request, db, slug, mission, status_code=exc.status_code, form=values,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}missions/{mission.id}", status_code=303)


@post("/missions/{mission_id:uuid}/close", opt=WORK)
async def mission_close(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission_id: UUID) -> Redirect:
    await missions.close(db, principal_of(request), await get_or_404(db, Mission, mission_id))
    return Redirect(f"{root(slug)}missions/{mission_id}", status_code=303)


@post("/completions/{completion_id:uuid}/reject", opt=WORK)
async def completion_reject(request: Request[Any, Any, Any], db: AsyncSession, slug: str, completion_id: UUID,
                            data: Form) -> Any:
    completion = await get_or_404(db, Completion, completion_id)
    try:
        await missions.reject(db, principal_of(request), completion.id, {"reason": data.get("reason", "")})
    except DomainError as exc:
        mission = await get_or_404(db, Mission, completion.mission_id)
        return await _mission(request, db, slug, mission, status_code=exc.status_code,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}missions/{completion.mission_id}", status_code=303)


async def _rewards(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                   **extra: Any) -> Template:
    params = request.query_params
    listed = await paginate(db, select(Reward).order_by(Reward.active.desc(), Reward.cost),
                            page_number(params.get("page")), base_path=f"{root(slug)}rewards/")
    pending = await paginate(db, select(Redemption, Ambassador.name, Reward.name)
                             .join(Ambassador, Ambassador.id == Redemption.ambassador_id)
                             .join(Reward, Reward.id == Redemption.reward_id)
                             .where(Redemption.state == "requested").order_by(Redemption.created_at),
                             page_number(params.get("rpage")), base_path=f"{root(slug)}rewards/", param="rpage",
                             scalars=False)
    extra.setdefault("form", {"stock": "0", "active": "1"})
    return render(request, "rewards.html", slug, status_code=status_code, rewards=listed, pending=pending, **extra)


@get("/rewards/", opt=READ)
async def reward_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _rewards(request, db, slug)


@post("/rewards/", opt=WORK)
async def reward_create(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: str(data.get(k, "")) for k in REWARD_FIELDS}
    try:
        await rewards.save(db, principal_of(request), values)
    except DomainError as exc:
        return await _rewards(request, db, slug, status_code=exc.status_code, form=values,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}rewards/", status_code=303)


@post("/rewards/{reward_id:uuid}", opt=WORK)
async def reward_change(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reward_id: UUID,
                        data: Form) -> Any:
    reward = await get_or_404(db, Reward, reward_id)
    values = {k: str(data.get(k, "")) for k in REWARD_FIELDS}
    try:
        await rewards.save(db, principal_of(request), values, reward)
    except DomainError as exc:
        await db.refresh(reward)
        return await _rewards(request, db, slug, status_code=exc.status_code, form=values,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}rewards/", status_code=303)


@post("/redemptions/{redemption_id:uuid}", opt=WORK)
async def redemption_decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, redemption_id: UUID,
                            data: Form) -> Any:
    redemption = await get_or_404(db, Redemption, redemption_id)
    try:
        await rewards.decide(db, principal_of(request), redemption.id,
                             {"decision": data.get("decision", ""), "note": data.get("note", "")})
    except DomainError as exc:
        return await _rewards(request, db, slug, status_code=exc.status_code,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{root(slug)}rewards/", status_code=303)


ROUTES = [mission_list, mission_new, mission_create, mission_page, mission_change, mission_close, completion_reject,
          reward_list, reward_create, reward_change, redemption_decide]
