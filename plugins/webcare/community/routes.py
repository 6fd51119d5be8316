"""Community pages. Public ones (`action: public`) serve customers, signed in by e-mail link or not; staff
pages (moderation, badges, question → case) go through the matrix like every other webcare page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    clean_uuid,
    client_network,
    current_customer,
    end_customer_session,
    form_errors,
    get_or_404,
    gettext_for,
    item_actions,
    lang_of,
    open_customer_link,
    page,
    page_number,
    paginate,
    permission_check,
    principal_of,
    public_names,
    request_customer_link,
    start_customer_session,
    tenant_of,
    use_customer_link,
)
from plugins.webcare.cases.items import question_item
from plugins.webcare.cases.service import config
from plugins.webcare.community import moderation, service
from plugins.webcare.models import MODERATION_MODES, Answer, CommunityProfile, Question

PUBLIC = {"action": "public"}
SPAM_LABELS = service.SPAM_REASONS


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/community/"



def _staff(request: Request[Any, Any, Any]) -> bool:
    return permission_check(principal_of(request))("plugin.work")


def _safe_next(slug: str, value: Any) -> str:
    """Only back into this tenant's community (never an open redirect)."""
    text = str(value or "")
    base = _base(slug)
    return text if text.startswith(base) and "//" not in text[len(base):] and "\\" not in text else base


async def _customer(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    """The signed-in customer (the core's identity) or None; their community badge is noted for the bar."""
    customer = await current_customer(db, request, tenant_of(request).id)
    profile = await db.get(CommunityProfile, customer.id) if customer is not None else None
    request.state.webcare_ambassador = bool(profile and profile.is_ambassador)
    return customer


def _public(request: Request[Any, Any, Any], template: str, slug: str, customer: Any, status_code: int = 200,
            **context: Any) -> Template:
    return page(request, f"webcare/community/{template}", status_code=status_code, base=_base(slug),
                customer=customer, ambassador=bool(getattr(request.state, "webcare_ambassador", False)),
                staff=_staff(request), title=context.pop("title", None), **context)


@get("/community/", opt=PUBLIC)
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    customer = await _customer(request, db)
    try:
        search, state = service.clean_filters(request.query_params)
    except DomainError as exc:
        return _public(request, "index.html", slug, customer, status_code=exc.status_code, questions=None,
                       filters={"q": request.query_params.get("q", "")},
                       errors=form_errors(exc.errors, lang_of(request)))
    params = {k: v for k, v in (("q", search), ("state", state)) if v}
    questions = await paginate(db, service.questions_query(search, state), page_number(
        request.query_params.get("page")), base_path=_base(slug), params=params)
    names = await service.authors(db, {q.customer_id for q in questions.items})
    return _public(request, "index.html", slug, customer, questions=questions, names=names,
                   filters={"q": search, "state": state})


@get("/community/signin", opt=PUBLIC)
async def signin_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return _public(request, "signin.html", slug, await _customer(request, db),
                   form={"next": _safe_next(slug, request.query_params.get("next"))})


@post("/community/signin", opt=PUBLIC)
async def signin_request(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Template:
    values = {k: data.get(k, "") for k in ("email", "display_name", "next")}
    values["next"] = _safe_next(slug, values["next"])
    tenant = tenant_of(request)
    settings = request.app.state.settings
    link_base = f"{settings.base_url}{_base(slug)}signin/"
    try:
        _ = gettext_for(lang_of(request))
        await request_customer_link(db, values, client_ip=client_network(request), link_base=link_base,
                                    tenant_name=tenant.name, lang=lang_of(request),
                                    place=_("the community of {tenant}", tenant=tenant.name))
    except DomainError as exc:
        return _public(request, "signin.html", slug, None, status_code=exc.status_code, form=values,
                       errors=form_errors(exc.errors, lang_of(request)))
    request.set_session({**dict(request.session or {}), "webcare_next": values["next"]})
    return _public(request, "signin_sent.html", slug, None, email=values["email"].strip().lower())


@get("/community/signin/{token:str}", opt=PUBLIC)
async def signin_confirm(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    login = await open_customer_link(db, token)
    return _public(request, "signin_confirm.html", slug, None, valid=login is not None, token=token,
                   status_code=200 if login else 404)


@post("/community/signin/{token:str}", opt=PUBLIC)
async def signin_use(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                     data: Form) -> Any:
    try:
        customer = await use_customer_link(db, token, {"display_name": data.get("display_name", "")})
    except DomainError as exc:
        return _public(request, "signin_confirm.html", slug, None, valid=False, token=token,
                       status_code=exc.status_code, errors=form_errors(exc.errors, lang_of(request)))
    target = _safe_next(slug, (request.session or {}).get("webcare_next"))
    start_customer_session(request, tenant_of(request).id, customer)
    return Redirect(target, status_code=303)


@post("/community/signout", opt=PUBLIC)
async def signout(request: Request[Any, Any, Any], slug: str) -> Redirect:
    end_customer_session(request, tenant_of(request).id)
    return Redirect(_base(slug), status_code=303)


@get("/community/ask", opt=PUBLIC)
async def ask_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    customer = await _customer(request, db)
    if customer is None:
        return Redirect(f"{_base(slug)}signin?next={_base(slug)}ask", status_code=303)
    return _public(request, "ask.html", slug, customer, form={"title": "", "body": ""})


@post("/community/ask", opt=PUBLIC)
async def ask(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    customer = await _customer(request, db)
    if customer is None:
        return Redirect(f"{_base(slug)}signin?next={_base(slug)}ask", status_code=303)
    values = {k: data.get(k, "") for k in ("title", "body")}
    try:
        question = await service.ask(db, customer, values)
    except DomainError as exc:
        return _public(request, "ask.html", slug, customer, status_code=exc.status_code, form=values,
                       errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}questions/{question.id}", status_code=303)


async def _question_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID,
                         status_code: int = 200, **extra: Any) -> Template:
    customer = await _customer(request, db)
    staff = _staff(request)
    question = await service.visible_question(db, question_id, customer, staff)
    answers = await service.answers_of(db, question, customer, staff)
    names = await service.authors(db, {question.customer_id, *(a.customer_id for a in answers)})
    staff_ids = {a.user_id for a in answers if a.user_id}
    named = await public_names(db, staff_ids)  # a public page: a name or the organisation, never an address
    staff_names = {uid: named.get(uid) or tenant_of(request).name for uid in staff_ids}
    votes = await service.my_votes(db, customer, [question.id, *(a.id for a in answers)])
    actions = await item_actions(request, db, "question", question_item(question, slug)) if staff else []
    return _public(request, "question.html", slug, customer, status_code=status_code, question=question,
                   answers=answers, names=names, staff_names=staff_names, votes=votes, spam_labels=SPAM_LABELS,
                   title=question.title, actions=actions, **extra)


@get("/community/questions/{question_id:uuid}", opt=PUBLIC)
async def question_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID) -> Template:
    return await _question_page(request, db, slug, question_id)


@post("/community/questions/{question_id:uuid}/answers", opt=PUBLIC)
async def add_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID,
                     data: Form) -> Any:
    """A customer's answer; a signed-in member of staff answers as staff (with the staff badge)."""
    customer = await _customer(request, db)
    staff = _staff(request)
    question = await service.visible_question(db, question_id, customer, staff)
    values = {"body": data.get("body", "")}
    try:
        if staff and data.get("as") != "customer":
            await service.answer(db, question, values, staff=principal_of(request))
        elif customer is None:
            return Redirect(f"{_base(slug)}signin?next={_base(slug)}questions/{question.id}", status_code=303)
        else:
            await service.answer(db, question, values, customer=customer)
    except DomainError as exc:
        return await _question_page(request, db, slug, question_id, status_code=exc.status_code, form=values,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}questions/{question.id}#answers", status_code=303)


async def _vote(request: Request[Any, Any, Any], db: AsyncSession, slug: str, kind: str, target_id: UUID,
                question_id: UUID, data: Form) -> Any:
    customer = await _customer(request, db)
    if customer is None:
        return Redirect(f"{_base(slug)}signin?next={_base(slug)}questions/{question_id}", status_code=303)
    try:
        await service.vote(db, customer, kind, target_id, data.get("value"))
    except DomainError as exc:
        return await _question_page(request, db, slug, question_id, status_code=exc.status_code,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}questions/{question_id}", status_code=303)


@post("/community/questions/{question_id:uuid}/vote", opt=PUBLIC)
async def vote_question(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID,
                        data: Form) -> Any:
    return await _vote(request, db, slug, "question", question_id, question_id, data)


@post("/community/answers/{answer_id:uuid}/vote", opt=PUBLIC)
async def vote_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, answer_id: UUID,
                      data: Form) -> Any:
    reply = await get_or_404(db, Answer, answer_id)
    return await _vote(request, db, slug, "answer", answer_id, reply.question_id, data)


@post("/community/questions/{question_id:uuid}/accept", opt=PUBLIC)
async def accept(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID,
                 data: Form) -> Any:
    customer = await _customer(request, db)
    staff = _staff(request)
    question = await service.visible_question(db, question_id, customer, staff)
    try:
        answer_id = clean_uuid(data.get("answer_id"), "answer_id")
        await service.accept(db, question, answer_id, customer=customer, staff=staff)
    except DomainError as exc:
        return await _question_page(request, db, slug, question_id, status_code=exc.status_code,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}questions/{question.id}", status_code=303)


# -- staff ----------------------------------------------------------------------------------------------------

async def _moderation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                      exc: DomainError | None = None) -> Template:
    params = request.query_params
    base = _base(slug)
    questions = await paginate(db, moderation.pending_questions(), page_number(params.get("qpage")),
                               base_path=f"{base}moderation/", param="qpage")
    answers = await paginate(db, moderation.pending_answers(), page_number(params.get("apage")),
                             base_path=f"{base}moderation/", param="apage", scalars=False)
    unanswered = await paginate(db, moderation.unanswered_questions(), page_number(params.get("upage")),
                                base_path=f"{base}moderation/", param="upage")
    ids = {q.customer_id for q in questions.items} | {a.customer_id for a, _t in answers.items} \
        | {q.customer_id for q in unanswered.items}
    cfg = await config(db)
    return page(request, "webcare/community/moderation.html", status_code=exc.status_code if exc else status_code,
                base=base, questions=questions, answers=answers, unanswered=unanswered,
                names=await service.authors(db, ids), spam_labels=SPAM_LABELS, modes=MODERATION_MODES,
                mode=cfg.community_moderation, errors=form_errors(exc.errors, lang_of(request)) if exc else {})


@get("/community/moderation/", opt={"action": "plugin.work"})
async def moderation_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _moderation(request, db, slug)


@post("/community/moderation/{kind:str}/{target_id:uuid}", opt={"action": "plugin.work"})
async def moderate(request: Request[Any, Any, Any], db: AsyncSession, slug: str, kind: str, target_id: UUID,
                   data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("decision", "note")}
    try:
        await moderation.decide(db, principal_of(request), kind, target_id, values)
    except DomainError as exc:
        return await _moderation(request, db, slug, exc=exc)
    return Redirect(f"{_base(slug)}moderation/", status_code=303)


@post("/community/customers/{customer_id:uuid}/badges", opt={"action": "plugin.work"})
async def badges(request: Request[Any, Any, Any], db: AsyncSession, slug: str, customer_id: UUID,
                 data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("change", "on")}
    try:
        await moderation.set_badges(db, principal_of(request), customer_id, values)
    except DomainError as exc:
        return await _moderation(request, db, slug, exc=exc)
    return Redirect(_safe_next(slug, data.get("next") or f"{_base(slug)}moderation/"), status_code=303)


@post("/community/settings", opt={"action": "plugin.configure"})
async def settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await moderation.set_mode(db, principal_of(request), {"community_moderation":
                                                              data.get("community_moderation", "")})
    except DomainError as exc:
        return await _moderation(request, db, slug, exc=exc)
    return Redirect(f"{_base(slug)}moderation/", status_code=303)


@post("/community/questions/{question_id:uuid}/case", opt={"action": "plugin.work"})
async def make_case(request: Request[Any, Any, Any], db: AsyncSession, slug: str, question_id: UUID) -> Any:
    question = await get_or_404(db, Question, question_id)
    url = f"{request.app.state.settings.base_url}{_base(slug)}questions/{question.id}"
    try:
        case = await moderation.to_case(db, principal_of(request), question.id, url)
    except DomainError as exc:
        return await _question_page(request, db, slug, question_id, status_code=exc.status_code,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/p/webcare/cases/{case.id}", status_code=303)


ROUTES = [index, signin_form, signin_request, signin_confirm, signin_use, signout, ask_form, ask, question_page,
          add_answer, vote_question, vote_answer, accept, moderation_page, moderate, badges, settings, make_case]
