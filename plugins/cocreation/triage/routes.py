"""Development's pages: the triage queue, the staff view of an idea (triage, decide, merge), the moderation queue,
stages, categories, campaigns and the board's settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    Customer,
    DomainError,
    Form,
    doughnut,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    member_choices,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
)
from plugins.cocreation.approval import APPROVE_RULE
from plugins.cocreation.ideas import SPAM_REASONS as SPAM_LABELS
from plugins.cocreation.models import (
    MEANINGS,
    MODERATION_MODES,
    SOURCES,
    STATUSES,
    Campaign,
    Category,
    Comment,
    Flag,
    Idea,
    StageChange,
)
from plugins.cocreation.settings import board_settings, stage_name, stages
from plugins.cocreation.stages import change_stage
from plugins.cocreation.triage import service, setup

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
CONFIGURE = {"action": "plugin.configure"}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/cocreation/"


def board_url(request: Request[Any, Any, Any], slug: str) -> str:
    """The public board's address, for links in mails."""
    return f"{request.app.state.settings.base_url.rstrip('/')}{_base(slug)}board/"


async def _stage_names(db: AsyncSession, lang: str) -> dict[str, str]:
    return {stage.key: stage_name(stage, lang) for stage in await stages(db)}


# --- triage queue -------------------------------------------------------------------------------------------

@get("/triage/", opt=WORK)
async def queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    tab = request.query_params.get("tab", "new")
    tab = tab if tab in service.QUEUES else "new"
    sort = request.query_params.get("sort", "votes")
    sort = sort if sort in service.SORTS else "votes"
    rows = await paginate(db, await service.queue_query(db, tab, sort), page_number(request.query_params.get("page")),
                          base_path=f"{_base(slug)}triage/", params={"tab": tab, "sort": sort})
    return page(request, "cocreation/triage/queue.html", rows=rows, tab=tab, sort=sort, queues=service.QUEUES,
                statuses=STATUSES,
                sorts=service.SORTS, stage_names=await _stage_names(db, lang_of(request)),
                owners=await user_names(db, {i.owner_id for i in rows.items}),
                threshold=(await board_settings(db)).vote_threshold)


# --- the staff view of an idea ------------------------------------------------------------------------------

async def _idea_page(request: Request[Any, Any, Any], db: AsyncSession, number: int, *, status: int = 200,
                     errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                     which: str = "") -> Template:
    lang = lang_of(request)
    _ = gettext_for(lang)
    idea = await service.idea_of(db, number)
    history = list((await db.scalars(select(StageChange).where(StageChange.idea_id == idea.id)
                                     .order_by(StageChange.created_at.desc(), StageChange.id))).all())
    comments = await paginate(db, select(Comment).where(Comment.idea_id == idea.id)
                              .order_by(Comment.created_at.desc(), Comment.id),
                              page_number(request.query_params.get("comments_page")),
                              base_path=f"{_base(request.path_params['slug'])}ideas/{number}",
                              param="comments_page")
    all_stages = await stages(db)
    names = await user_names(db, {c.user_id for c in history} | {idea.owner_id, idea.author_user_id})
    merged_into = await db.get(Idea, idea.merged_into_id) if idea.merged_into_id else None
    category = await db.get(Category, idea.category_id) if idea.category_id else None
    campaign = await db.get(Campaign, idea.campaign_id) if idea.campaign_id else None
    triage_form = {"owner_id": str(idea.owner_id or ""), "effort": idea.effort or "", "value": idea.value or ""}
    return page(request, "cocreation/triage/idea.html", status_code=status, idea=idea, history=history,
                comments=comments, names=names, merged_into=merged_into, category=category,
                campaign=campaign, statuses=STATUSES, sources=SOURCES,
                stage_names={s.key: stage_name(s, lang) for s in all_stages},
                stage_options=[(s.key, stage_name(s, lang)) for s in all_stages
                               if s.is_active and s.key != idea.stage_key],
                member_options=[(str(i), name) for i, name in await member_choices(db)],
                score_options=[(str(n), str(n)) for n in service.SCORE],
                errors=errors or {}, which=which,
                form=form if form is not None and which == "triage" else triage_form,
                other_form=form if form is not None and which != "triage" else {})


@get("/ideas/{number:int}", opt=READ)
async def idea_page(request: Request[Any, Any, Any], db: AsyncSession, number: int) -> Template:
    return await _idea_page(request, db, number)


@post("/ideas/{number:int}/triage", opt=WORK)
async def triage(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("owner_id", "effort", "value", "triaged")}
    try:
        await service.set_triage(db, principal_of(request), await service.idea_of(db, number), values)
    except DomainError as exc:
        return await _idea_page(request, db, number, status=exc.status_code, form=values, which="triage",
                                errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}ideas/{number}", status_code=303)


@post("/ideas/{number:int}/stage", opt=WORK)
async def decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("stage", "reason")}
    principal = principal_of(request)
    try:
        await change_stage(db, await service.idea_of(db, number), values["stage"], values["reason"],
                           user_id=principal.user.id, lang=lang_of(request), principal=principal,
                           pm=request.app.state.pm)
    except DomainError as exc:
        return await _idea_page(request, db, number, status=exc.status_code, form=values, which="stage",
                                errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}ideas/{number}", status_code=303)


@post("/ideas/{number:int}/merge", opt=WORK)
async def merge(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, data: Form) -> Any:
    values = {"target": data.get("target", "")}
    lang = lang_of(request)
    try:
        source = await service.idea_of(db, number)
        target = await service.target_of(db, values["target"])
        await service.merge(db, principal_of(request), source, target, board_url=board_url(request, slug))
    except DomainError as exc:
        return await _idea_page(request, db, number, status=exc.status_code, form=values, which="merge",
                                errors=form_errors(exc.errors, lang))
    return Redirect(f"{_base(slug)}ideas/{target.number}", status_code=303)


# --- moderation ---------------------------------------------------------------------------------------------

async def _moderation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, *, status: int = 200,
                      errors: dict[str, str] | None = None) -> Template:
    params = request.query_params
    base = f"{_base(slug)}moderation/"
    ideas = await paginate(db, select(Idea).where(Idea.status == "pending").order_by(Idea.created_at, Idea.id),
                           page_number(params.get("ideas_page")), base_path=base, param="ideas_page")
    comments = await paginate(db, select(Comment).where(Comment.status == "pending")
                              .order_by(Comment.created_at, Comment.id),
                              page_number(params.get("comments_page")), base_path=base, param="comments_page")
    flags = await paginate(db, select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.created_at, Flag.id),
                           page_number(params.get("flags_page")), base_path=base, param="flags_page")
    wanted = {c.idea_id for c in comments.items} | {f.target_id for f in flags.items if f.target_kind == "idea"}
    comment_ids = {f.target_id for f in flags.items if f.target_kind == "comment"}
    flagged_comments = {c.id: c for c in (await db.scalars(select(Comment).where(Comment.id.in_(comment_ids))))
                        } if comment_ids else {}
    wanted |= {c.idea_id for c in flagged_comments.values()}
    ideas_by_id = {i.id: i for i in (await db.scalars(select(Idea).where(Idea.id.in_(wanted))))} if wanted else {}
    customer_ids = {i.customer_id for i in ideas.items} | {c.customer_id for c in comments.items} | {
        c.customer_id for c in flagged_comments.values()} | {i.customer_id for i in ideas_by_id.values()}
    customer_ids.discard(None)
    customers = {c.id: c for c in (await db.scalars(select(Customer).where(Customer.id.in_(customer_ids))))
                 } if customer_ids else {}
    _approvable, waiting = await service.comment_approvals(db, principal_of(request), comments.items)
    return page(request, "cocreation/triage/moderation.html", status_code=status, ideas=ideas, comments=comments,
                waiting=waiting,
                spam_labels=SPAM_LABELS,
                flags=flags, ideas_by_id=ideas_by_id, flagged_comments=flagged_comments, customers=customers,
                errors=errors or {})


@get("/moderation/", opt=WORK)
async def moderation(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _moderation(request, db, slug)


async def _moderated(request: Request[Any, Any, Any], db: AsyncSession, slug: str, action: Any) -> Any:
    try:
        await action
    except DomainError as exc:
        return await _moderation(request, db, slug, status=exc.status_code,
                                 errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}moderation/", status_code=303)


@post("/moderation/ideas/{number:int}/{decision:str}", opt=WORK)
async def moderate_idea(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, decision: str,
                        data: Form) -> Any:
    idea = await service.idea_of(db, number)
    return await _moderated(request, db, slug, service.moderate_idea(db, principal_of(request), idea, decision,
                                                                     dict(data)))


@post("/moderation/comments/{comment_id:uuid}/{decision:str}",
      opt={**WORK, "rule": "an official comment: " + APPROVE_RULE})
async def moderate_comment(request: Request[Any, Any, Any], db: AsyncSession, slug: str, comment_id: UUID,
                           decision: str, data: Form) -> Any:
    return await _moderated(request, db, slug, service.moderate_comment(db, principal_of(request), comment_id,
                                                                        decision, dict(data)))


@post("/moderation/flags/{flag_id:uuid}/resolve", opt=WORK)
async def resolve_flag(request: Request[Any, Any, Any], db: AsyncSession, slug: str, flag_id: UUID,
                       data: Form) -> Any:
    return await _moderated(request, db, slug, service.resolve_flag(db, principal_of(request), flag_id, dict(data)))


@post("/moderation/customers/{customer_id:uuid}/{what:str}", opt=WORK)
async def block(request: Request[Any, Any, Any], db: AsyncSession, slug: str, customer_id: UUID, what: str,
                data: Form) -> Any:
    if what not in ("block", "unblock"):
        return await _moderation(request, db, slug, status=422, errors=form_errors(
            DomainError(field="__all__", msgid="Choose a valid option.").errors, lang_of(request)))
    return await _moderated(request, db, slug, service.block_customer(db, principal_of(request), customer_id,
                                                                      blocked=what == "block", values=dict(data)))


# --- board settings, stages, categories ---------------------------------------------------------------------

@get("/settings/", opt=CONFIGURE)
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return _settings(request, setup.settings_form(await board_settings(db)))


def _settings(request: Request[Any, Any, Any], form: dict[str, Any], *, status: int = 200,
              errors: dict[str, str] | None = None) -> Template:
    _ = gettext_for(lang_of(request))
    return page(request, "cocreation/triage/settings.html", status_code=status, form=form, errors=errors or {},
                mode_options=[(k, _(v)) for k, v in MODERATION_MODES.items()])


@post("/settings/", opt=CONFIGURE)
async def save_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in setup.SETTING_FIELDS}
    try:
        await setup.save_settings(db, principal_of(request), values)
    except DomainError as exc:
        return _settings(request, values, status=exc.status_code, errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}settings/", status_code=303)


async def _stages(request: Request[Any, Any, Any], db: AsyncSession, *, status: int = 200,
                  errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                  which: str = "") -> Template:
    _ = gettext_for(lang_of(request))
    all_stages = await stages(db)
    return page(request, "cocreation/triage/stages.html", status_code=status, stages=all_stages,
                counts=await setup.ideas_per_stage(db), meanings=MEANINGS,
                meaning_options=[(k, _(v)) for k, v in MEANINGS.items()], errors=errors or {},
                form=form or {}, which=which)


@get("/settings/stages", opt=CONFIGURE)
async def stages_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _stages(request, db)


async def _changed(request: Request[Any, Any, Any], action: Awaitable[Any],
                   again: Callable[..., Awaitable[Template]], to: str, values: dict[str, Any], which: str) -> Any:
    """A settings change: on refusal the page `again` with the errors next to what was typed in the form `which`
    (one page holds a form per row), else back to the page at `to`."""
    try:
        await action
    except DomainError as exc:
        return await again(request, status=exc.status_code, form=values, which=which,
                           errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(to, status_code=303)


async def _staged(request: Request[Any, Any, Any], db: AsyncSession, slug: str, action: Awaitable[Any],
                  values: dict[str, Any], which: str) -> Any:
    return await _changed(request, action, partial(_stages, db=db), f"{_base(slug)}settings/stages", values, which)


@post("/settings/stages", opt=CONFIGURE)
async def add_stage(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("key", "meaning", "name_nl", "name_en")}
    return await _staged(request, db, slug, setup.add_stage(db, principal_of(request), values), values, "add")


@post("/settings/stages/{stage_id:uuid}/rename", opt=CONFIGURE)
async def rename_stage(request: Request[Any, Any, Any], db: AsyncSession, slug: str, stage_id: UUID,
                       data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("name_nl", "name_en")}
    return await _staged(request, db, slug, setup.rename_stage(db, principal_of(request), stage_id, values),
                         values, str(stage_id))


@post("/settings/stages/{stage_id:uuid}/move", opt=CONFIGURE)
async def move_stage(request: Request[Any, Any, Any], db: AsyncSession, slug: str, stage_id: UUID,
                     data: Form) -> Any:
    return await _staged(request, db, slug, setup.move_stage(db, principal_of(request), stage_id,
                                                             data.get("direction", "")), {}, "")


@post("/settings/stages/{stage_id:uuid}/active", opt=CONFIGURE)
async def stage_active(request: Request[Any, Any, Any], db: AsyncSession, slug: str, stage_id: UUID,
                       data: Form) -> Any:
    active = data.get("active", "") == "1"
    return await _staged(request, db, slug, setup.set_stage_active(db, principal_of(request), stage_id, active),
                         {}, "")


async def _categories(request: Request[Any, Any, Any], db: AsyncSession, *, status: int = 200,
                      errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                      which: str = "") -> Template:
    return page(request, "cocreation/triage/categories.html", status_code=status,
                categories=await setup.categories(db), errors=errors or {}, form=form or {}, which=which)


@get("/settings/categories", opt=CONFIGURE)
async def categories_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _categories(request, db)


async def _categorised(request: Request[Any, Any, Any], db: AsyncSession, slug: str, action: Awaitable[Any],
                       values: dict[str, Any], which: str) -> Any:
    return await _changed(request, action, partial(_categories, db=db), f"{_base(slug)}settings/categories",
                          values, which)


@post("/settings/categories", opt=CONFIGURE)
async def add_category(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"name": data.get("name", "")}
    return await _categorised(request, db, slug, setup.add_category(db, principal_of(request), values), values,
                              "add")


@post("/settings/categories/{category_id:uuid}/rename", opt=CONFIGURE)
async def rename_category(request: Request[Any, Any, Any], db: AsyncSession, slug: str, category_id: UUID,
                          data: Form) -> Any:
    values = {"name": data.get("name", "")}
    return await _categorised(request, db, slug, setup.rename_category(db, principal_of(request), category_id,
                                                                       values), values, str(category_id))


@post("/settings/categories/{category_id:uuid}/move", opt=CONFIGURE)
async def move_category(request: Request[Any, Any, Any], db: AsyncSession, slug: str, category_id: UUID,
                        data: Form) -> Any:
    return await _categorised(request, db, slug, setup.move_category(db, principal_of(request), category_id,
                                                                     data.get("direction", "")), {}, "")


@post("/settings/categories/{category_id:uuid}/active", opt=CONFIGURE)
async def category_active(request: Request[Any, Any, Any], db: AsyncSession, slug: str, category_id: UUID,
                          data: Form) -> Any:
    return await _categorised(request, db, slug, setup.set_category_active(
        db, principal_of(request), category_id, data.get("active", "") == "1"), {}, "")


# --- campaigns ----------------------------------------------------------------------------------------------

@get("/campaigns/", opt=WORK)
async def campaigns(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    rows = await paginate(db, select(Campaign).order_by(Campaign.starts_at.desc(), Campaign.id),
                          page_number(request.query_params.get("page")), base_path=f"{_base(slug)}campaigns/")
    return page(request, "cocreation/triage/campaigns.html", rows=rows,
                counts=await setup.campaign_counts(db, [c.id for c in rows.items]))


def _campaign_form(request: Request[Any, Any, Any], campaign: Campaign | None, form: dict[str, Any], *,
                   status: int = 200, errors: dict[str, str] | None = None) -> Template:
    return page(request, "cocreation/triage/campaign_form.html", status_code=status, campaign=campaign, form=form,
                errors=errors or {})


@get("/campaigns/new", opt=WORK)
async def new_campaign(request: Request[Any, Any, Any]) -> Template:
    return _campaign_form(request, None, {})


async def _campaign_saved(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form,
                          campaign: Campaign | None) -> Any:
    """Create (`campaign` None) or change a campaign from its form: the form again with the errors, else the
    campaign's results."""
    values = {k: data.get(k, "") for k in setup.CAMPAIGN_FIELDS}
    try:
        saved = await setup.save_campaign(db, principal_of(request), values, campaign)
    except DomainError as exc:
        return _campaign_form(request, campaign, values, status=exc.status_code,
                              errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}campaigns/{saved.id}", status_code=303)


@post("/campaigns/new", opt=WORK)
async def create_campaign(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    return await _campaign_saved(request, db, slug, data, None)


@get("/campaigns/{campaign_id:uuid}/edit", opt=WORK)
async def edit_campaign(request: Request[Any, Any, Any], db: AsyncSession, campaign_id: UUID) -> Template:
    campaign = await get_or_404(db, Campaign, campaign_id)
    return _campaign_form(request, campaign, setup.campaign_form(campaign))


@post("/campaigns/{campaign_id:uuid}/edit", opt=WORK)
async def save_campaign(request: Request[Any, Any, Any], db: AsyncSession, slug: str, campaign_id: UUID,
                        data: Form) -> Any:
    return await _campaign_saved(request, db, slug, data, await get_or_404(db, Campaign, campaign_id))


@get("/campaigns/{campaign_id:uuid}", opt=WORK)
async def campaign_results(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                           campaign_id: UUID) -> Template:
    lang = lang_of(request)
    _ = gettext_for(lang)
    campaign = await get_or_404(db, Campaign, campaign_id)
    rows = await paginate(db, select(Idea).where(Idea.campaign_id == campaign.id, Idea.status == "published")
                          .order_by(Idea.vote_count.desc(), Idea.number),
                          page_number(request.query_params.get("page")),
                          base_path=f"{_base(slug)}campaigns/{campaign.id}")
    per_stage = await setup.ideas_per_stage(db, campaign_id=campaign.id)
    all_stages = await stages(db)
    labels = [stage_name(s, lang) for s in all_stages if per_stage.get(s.key)]
    values = [per_stage[s.key] for s in all_stages if per_stage.get(s.key)]
    figure = doughnut(labels, values, title=_("Ideas per stage")) if values else None
    return page(request, "cocreation/triage/campaign.html", campaign=campaign, rows=rows, figure=figure,
                stage_names={s.key: stage_name(s, lang) for s in all_stages})


ROUTES = [queue, idea_page, triage, decide, merge, moderation, moderate_idea, moderate_comment, resolve_flag, block,
          settings_page, save_settings, stages_page, add_stage, rename_stage, move_stage, stage_active,
          categories_page, add_category, rename_category, move_category, category_active,
          campaigns, new_campaign, create_campaign, edit_campaign, save_campaign, campaign_results]
