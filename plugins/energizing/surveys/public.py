"""The public survey pages (no sign-in, `action: public`): the shared link, a personal invitation, and the
confirmation of a shared-link answer (a page with a button, so a mail scanner that follows the link does not
confirm it). A closed survey, a used invitation or an expired link says so; nothing is stored then."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, Form, client_network, form_errors, lang_of, page, tenant_of
from plugins.energizing.surveys import answering, contacts, sending
from plugins.energizing.surveys.answering import Reactions
from plugins.energizing.surveys.models import Survey, SurveyInvitation

PUBLIC = {"action": "public"}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/s/"



def _secret(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.secret_key)


def _reactions(request: Request[Any, Any, Any]) -> Reactions:
    return Reactions(pm=request.app.state.pm, tenant=tenant_of(request), lang=lang_of(request))


def _survey_page(request: Request[Any, Any, Any], survey: Survey | None, action: str, *, status_code: int = 200,
                 invitation: SurveyInvitation | None = None, form: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None) -> Template:
    """The form, or why there is none (unknown link, not open yet, closed, already answered)."""
    if survey is None:
        reason = "unknown"
    elif survey.state == "draft":
        reason = "draft"
    elif survey.state == "closed":
        reason = "closed"
    elif invitation is not None and invitation.answered_at is not None:
        reason = "answered"
    else:
        reason = ""
    if reason and status_code == 200:
        status_code = 404 if reason in ("unknown", "draft") else 410 if reason == "closed" else 409
    stamp = answering.form_stamp(_secret(request), survey.id) if survey is not None and not reason else ""
    return page(request, "energizing/surveys/public/answer.html", status_code=status_code, survey=survey,
                reason=reason, action=action, shared=invitation is None, stamp=stamp, form=form or {},
                errors=errors or {}, honeypot=answering.HONEYPOT, title=survey.title if survey else None,
                tenant_name=tenant_of(request).name)


async def _shared(db: AsyncSession, token: str) -> Survey | None:
    return await db.scalar(select(Survey).where(Survey.share_token == token[:48]))


@get("/s/{token:str}", opt=PUBLIC)
async def shared_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    return _survey_page(request, await _shared(db, token), f"{_base(slug)}{token}")


@post("/s/{token:str}", opt=PUBLIC)
async def shared_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                        data: Form) -> Template:
    survey = await _shared(db, token)
    target = f"{_base(slug)}{token}"
    if survey is None or survey.state != "open":
        return _survey_page(request, survey, target)
    values = dict(data)
    try:
        answering.check_stamp(_secret(request), survey.id, values.get("stamp"))
        answer = await answering.answer_shared(
            db, survey, values, client_ip=client_network(request),
            confirm_base=f"{request.app.state.settings.base_url}{_base(slug)}c/",
            tenant_name=tenant_of(request).name, lang=lang_of(request))
    except DomainError as exc:
        return _survey_page(request, survey, target, status_code=exc.status_code, form=values,
                            errors=form_errors(exc.errors, lang_of(request)))
    return page(request, "energizing/surveys/public/sent.html", survey=survey, email=answer.email,
                title=survey.title, hours=answering.CONFIRM_HOURS)


async def _invitation(db: AsyncSession, token: str) -> tuple[Survey | None, SurveyInvitation | None]:
    invited = await answering.invitation_for(db, token)
    return (invited.survey, invited.invitation) if invited is not None else (None, None)


@get("/s/i/{token:str}", opt=PUBLIC)
async def invitation_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    survey, invitation = await _invitation(db, token)
    return _survey_page(request, survey, f"{_base(slug)}i/{token}", invitation=invitation)


@post("/s/i/{token:str}", opt=PUBLIC)
async def invitation_answer(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                            data: Form) -> Template:
    invited = await answering.invitation_for(db, token)
    target = f"{_base(slug)}i/{token}"
    if invited is None or invited.survey.state != "open" or invited.invitation.answered_at is not None:
        return _survey_page(request, invited.survey if invited else None, target,
                            invitation=invited.invitation if invited else None)
    survey, values = invited.survey, dict(data)
    try:
        answering.check_stamp(_secret(request), survey.id, values.get("stamp"))
        await answering.answer_invitation(db, invited, values, client_ip=client_network(request),
                                          reactions=_reactions(request))
    except DomainError as exc:
        return _survey_page(request, survey, target, status_code=exc.status_code, invitation=invited.invitation,
                            form=values, errors=form_errors(exc.errors, lang_of(request)))
    return page(request, "energizing/surveys/public/thanks.html", survey=survey, title=survey.title)


@get("/s/c/{token:str}", opt=PUBLIC)
async def confirm_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    answer = await answering.pending_for(db, token)
    return page(request, "energizing/surveys/public/confirm.html", status_code=200 if answer else 404,
                valid=answer is not None, action=f"{_base(slug)}c/{token}")


@post("/s/c/{token:str}", opt=PUBLIC)
async def confirm(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    try:
        answer = await answering.confirm(db, token, _reactions(request))
    except DomainError as exc:
        return page(request, "energizing/surveys/public/confirm.html", status_code=exc.status_code, valid=False,
                    action=f"{_base(slug)}c/{token}", errors=form_errors(exc.errors, lang_of(request)))
    survey = await db.get(Survey, answer.survey_id)
    return page(request, "energizing/surveys/public/thanks.html", survey=survey, title=survey.title if survey else None)


async def _optout_email(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> str | None:
    invitation_id = sending.optout_invitation_id(_secret(request), token)
    invitation = await db.get(SurveyInvitation, invitation_id) if invitation_id is not None else None
    return invitation.email if invitation is not None else None


@get("/s/o/{token:str}", opt=PUBLIC)
async def optout_form(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    """A page with a button: a mail scanner that follows the link unsubscribes nobody."""
    valid = await _optout_email(request, db, token) is not None
    return page(request, "energizing/surveys/public/optout.html", status_code=200 if valid else 404, valid=valid,
                done=False, action=f"{_base(slug)}o/{token}", tenant_name=tenant_of(request).name)


@post("/s/o/{token:str}", opt=PUBLIC)
async def optout(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str) -> Template:
    email = await _optout_email(request, db, token)
    if email is not None:
        await contacts.opt_out(db, email)
    return page(request, "energizing/surveys/public/optout.html", status_code=200 if email else 404,
                valid=email is not None, done=email is not None, action=f"{_base(slug)}o/{token}",
                tenant_name=tenant_of(request).name)


ROUTES = [shared_form, shared_answer, invitation_form, invitation_answer, confirm_form, confirm, optout_form,
          optout]
