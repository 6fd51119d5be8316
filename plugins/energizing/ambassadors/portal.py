"""The ambassador portal's public pages (`action: public`): consent and opt-out by mailed link, sign-in by e-mail
link, and — for a signed-in ambassador — missions, points, the leaderboard and rewards.

A link in a mail only shows a page; the change happens on the button's POST, so a mail scanner that follows
links neither accepts, declines nor opts anyone out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    clean_uuid,
    client_network,
    form_errors,
    get_or_404,
    lang_of,
    page,
    page_number,
    paginate,
    tenant_of,
)
from plugins.energizing.ambassadors import missions, policy, rewards, service, signin, tokens
from plugins.energizing.ambassadors.models import (
    COMPLETION_STATES,
    MISSION_KINDS,
    POINT_REASONS,
    Completion,
    Mission,
    PointsEntry,
)
from plugins.energizing.models import Ambassador

PUBLIC = {"action": "public"}


def base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/portal/"


def render(request: Request[Any, Any, Any], template: str, slug: str, status_code: int = 200,
           **context: Any) -> Template:
    return page(request, f"energizing/portal/{template}", status_code=status_code, base=base(slug),
                tenant_name=tenant_of(request).name, mission_kinds=MISSION_KINDS, completion_states=COMPLETION_STATES,
                point_reasons=POINT_REASONS, **context)


@get("/portal/consent/{token:str}", opt=PUBLIC)
async def consent_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    found = await service.consent_page(db, token)
    if found is None:
        return render(request, "consent.html", slug, status_code=404, valid=False, token=token)
    ambassador, text = found
    return render(request, "consent.html", slug, valid=True, token=token, ambassador=ambassador, text=text)


@post("/portal/consent/{token:str}", opt=PUBLIC)
async def consent_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                         data: Form) -> Template:
    values = {k: data.get(k, "") for k in ("decision", "version")}
    try:
        ambassador = await service.answer_consent(db, token, values)
    except DomainError as exc:
        found = await service.consent_page(db, token)
        return render(request, "consent.html", slug, status_code=exc.status_code, valid=found is not None,
                      token=token, ambassador=found[0] if found else None, text=found[1] if found else None,
                      errors=form_errors(exc.errors, lang_of(request)))
    return render(request, "consent_done.html", slug, ambassador=ambassador)


@get("/portal/optout/{token:str}", opt=PUBLIC)
async def optout_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    ambassador = await service.optout_page(db, token)
    return render(request, "optout.html", slug, status_code=200 if ambassador else 404, valid=ambassador is not None,
                  token=token, ambassador=ambassador)


@post("/portal/optout/{token:str}", opt=PUBLIC)
async def optout(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Any:
    try:
        await service.opt_out_by_link(db, token)
    except DomainError as exc:
        return render(request, "optout.html", slug, status_code=exc.status_code, valid=False, token=token,
                      errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}optout-done", status_code=303)


@get("/portal/optout-done", opt=PUBLIC)
async def optout_done(request: Request[Any, Any, Any], slug: str) -> Template:
    return render(request, "optout_done.html", slug)



async def _me(request: Request[Any, Any, Any], db: AsyncSession) -> Ambassador | None:
    return await signin.current_ambassador(db, request, tenant_of(request).id)


def _to_signin(slug: str) -> Redirect:
    return Redirect(f"{base(slug)}signin", status_code=303)


@get("/portal/signin", opt=PUBLIC)
async def signin_form(request: Request[Any, Any, Any], slug: str) -> Template:
    return render(request, "signin.html", slug, form={"email": ""})


@post("/portal/signin", opt=PUBLIC)
async def signin_request(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Template:
    values = {"email": data.get("email", "")}
    settings = request.app.state.settings
    try:
        await signin.request_link(db, values["email"], client_ip=client_network(request),
                                  link_base=service.portal_base(settings.base_url, slug),
                                  tenant_name=tenant_of(request).name, lang=lang_of(request))
    except DomainError as exc:
        return render(request, "signin.html", slug, status_code=exc.status_code, form=values,
                      errors=form_errors(exc.errors, lang_of(request)))
    return render(request, "signin_sent.html", slug, email=str(values["email"]).strip().lower())


@get("/portal/signin/{token:str}", opt=PUBLIC)
async def signin_confirm(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    valid = await tokens.open_token(db, token, "signin") is not None
    return render(request, "signin_confirm.html", slug, valid=valid, token=token, status_code=200 if valid else 404)


@post("/portal/signin/{token:str}", opt=PUBLIC)
async def signin_use(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Any:
    try:
        ambassador = await signin.use_link(db, token)
    except DomainError as exc:
        return render(request, "signin_confirm.html", slug, valid=False, token=token, status_code=exc.status_code,
                      errors=form_errors(exc.errors, lang_of(request)))
    signin.start_session(request, tenant_of(request).id, ambassador)
    return Redirect(base(slug), status_code=303)


@post("/portal/signout", opt=PUBLIC)
async def signout(request: Request[Any, Any, Any], slug: str) -> Redirect:
    signin.end_session(request, tenant_of(request).id)
    return _to_signin(slug)


@get("/portal/", opt=PUBLIC)
async def home(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    """The open missions, with what this ambassador already did."""
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    listed = await paginate(db, missions.open_missions_query(), page_number(request.query_params.get("page")),
                            base_path=base(slug))
    done = set((await db.scalars(select(Completion.mission_id).where(
        Completion.ambassador_id == me.id, Completion.mission_id.in_([m.id for m in listed.items])))).all())
    return render(request, "home.html", slug, me=me, missions=listed, done=done)


async def _mission_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, me: Ambassador,
                        mission: Mission, status_code: int = 200, **extra: Any) -> Template:
    link = None
    if mission.kind == "share" and mission.state == "open":
        link = await missions.share_link(db, mission, me, request.app.state.settings.base_url)
    done = list((await db.scalars(select(Completion).where(Completion.ambassador_id == me.id,
                                                           Completion.mission_id == mission.id)
                                  .order_by(Completion.round))).all())
    return render(request, "mission.html", slug, status_code=status_code, me=me, mission=mission, link=link,
                  done=done, sections=policy.sections(), form=extra.pop("form", {}), **extra)


@get("/portal/missions/{mission_id:uuid}", opt=PUBLIC)
async def mission_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission_id: UUID) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    return await _mission_page(request, db, slug, me, await get_or_404(db, Mission, mission_id))


@post("/portal/missions/{mission_id:uuid}", opt=PUBLIC)
async def complete(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mission_id: UUID,
                   data: Form) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    mission = await get_or_404(db, Mission, mission_id)
    values = {k: data.get(k, "") for k in ("feedback", "evidence_url")}
    try:
        await missions.complete(db, me, mission, values, base_url=request.app.state.settings.base_url)
    except DomainError as exc:
        return await _mission_page(request, db, slug, me, mission, status_code=exc.status_code, form=values,
                                   errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}missions/{mission.id}", status_code=303)


@get("/portal/points", opt=PUBLIC)
async def my_points(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    history = await paginate(db, select(PointsEntry).where(PointsEntry.ambassador_id == me.id)
                             .order_by(PointsEntry.created_at.desc()), page_number(request.query_params.get("page")),
                             base_path=f"{base(slug)}points")
    return render(request, "points.html", slug, me=me, history=history)


@get("/portal/leaderboard", opt=PUBLIC)
async def leaderboard(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    """Active ambassadors by points: by name when they chose to appear, otherwise as "Ambassador #rank"."""
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    board = await paginate(db, select(Ambassador).where(Ambassador.state == "active")
                           .order_by(Ambassador.points_earned.desc(), Ambassador.created_at),
                           page_number(request.query_params.get("page")), base_path=f"{base(slug)}leaderboard")
    return render(request, "leaderboard.html", slug, me=me, board=board)


@post("/portal/leaderboard", opt=PUBLIC)
async def leaderboard_choice(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    me.on_leaderboard = data.get("on_leaderboard") in ("1", "on")
    await db.flush()
    return Redirect(f"{base(slug)}leaderboard", status_code=303)


async def _rewards_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, me: Ambassador,
                        status_code: int = 200, **extra: Any) -> Template:
    listed = await paginate(db, rewards.catalogue_query(), page_number(request.query_params.get("page")),
                            base_path=f"{base(slug)}rewards")
    return render(request, "rewards.html", slug, status_code=status_code, me=me, rewards=listed, **extra)


@get("/portal/rewards", opt=PUBLIC)
async def reward_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    return await _rewards_page(request, db, slug, me)


@post("/portal/rewards", opt=PUBLIC)
async def redeem(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    me = await _me(request, db)
    if me is None:
        return _to_signin(slug)
    try:
        reward_id = clean_uuid(data.get("reward"), "reward")
        await rewards.redeem(db, me, reward_id)
    except DomainError as exc:
        return await _rewards_page(request, db, slug, me, status_code=exc.status_code,
                                   errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{base(slug)}points", status_code=303)


ROUTES = [consent_form, consent_answer, optout_form, optout, optout_done, signin_form, signin_request,
          signin_confirm, signin_use, signout, home, mission_page, complete, my_points, leaderboard,
          leaderboard_choice, reward_list, redeem]
