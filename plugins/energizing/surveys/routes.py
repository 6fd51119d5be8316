"""Staff pages of the surveys: the list, the form, a survey's results (from the rollup) with its "why" texts, an
answer's page with the actions other plugins offer, the contact list and its upload, and the settings. Viewers
read; members of the owning department manage. The public pages are in `public.py`."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    Form,
    MultipartForm,
    Series,
    chart,
    classify_sentiment,
    doughnut,
    enqueue_job,
    form_errors,
    get_or_404,
    gettext_for,
    item_actions,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    start_progress,
    tenant_of,
    utcnow,
)
from plugins.energizing.surveys import contacts, followup, public, results, service
from plugins.energizing.surveys.items import KIND, answer_item
from plugins.energizing.surveys.models import (
    CATEGORIES,
    QUESTION_KINDS,
    SENTIMENTS,
    STATES,
    ZONE,
    Survey,
    SurveyAnswer,
)

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
CONFIGURE = {"action": "plugin.configure"}
UPLOAD_LIMIT = contacts.MAX_BYTES + 64 * 1024


def _base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/surveys/"


def _today() -> date:
    return utcnow().astimezone(ZONE).date()


def _form_of(survey: Survey) -> dict[str, Any]:
    form: dict[str, Any] = {"title": survey.title, "intro": survey.intro,
                            "period_start": survey.period_start.isoformat() if survey.period_start else "",
                            "period_end": survey.period_end.isoformat() if survey.period_end else "",
                            "reminder_days": str(survey.reminder_days)}
    for n, question in enumerate(survey.questions or [], start=1):
        form[f"question_{n}"], form[f"kind_{n}"] = question["label"], question["kind"]
    return form


def _form_page(request: Request[Any, Any, Any], form: dict[str, Any], row: Survey | None = None,
               errors: dict[str, str] | None = None, status: int = 200) -> Template:
    _ = gettext_for(lang_of(request))
    return page(request, "energizing/surveys/form.html", status_code=status, form=form, row=row, errors=errors or {},
                kinds=[(k, _(v)) for k, v in QUESTION_KINDS.items()], slots=range(1, service.MAX_QUESTIONS + 1),
                base=_base(request.path_params["slug"]))


@get("/surveys/", opt=READ)
async def survey_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    found = await paginate(db, service.surveys_query(), page_number(request.query_params.get("page")),
                           base_path=_base(slug))
    counts = await service.answer_counts(db, [s.id for s in found.items])
    return page(request, "energizing/surveys/list.html", rows=found, counts=counts, states=STATES, base=_base(slug))


@get("/surveys/new", opt=WORK)
async def new_survey(request: Request[Any, Any, Any]) -> Template:
    return _form_page(request, {"reminder_days": "5"})


@post("/surveys", opt=WORK)
async def create_survey(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        survey = await service.create_survey(db, principal_of(request), dict(data))
    except DomainError as exc:
        return _form_page(request, dict(data), errors=form_errors(exc.errors, lang_of(request)),
                          status=exc.status_code)
    return Redirect(f"{_base(slug)}{survey.id}", status_code=303)


@get("/surveys/{survey_id:uuid}/edit", opt=WORK)
async def edit_survey(request: Request[Any, Any, Any], db: AsyncSession, survey_id: UUID) -> Template:
    survey = await get_or_404(db, Survey, survey_id)
    return _form_page(request, _form_of(survey), row=survey)


@post("/surveys/{survey_id:uuid}", opt=WORK)
async def update_survey(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID,
                        data: Form) -> Any:
    survey = await get_or_404(db, Survey, survey_id)
    try:
        await service.update_survey(db, principal_of(request), survey_id, dict(data))
    except DomainError as exc:
        await db.refresh(survey)
        return _form_page(request, dict(data), row=survey, errors=form_errors(exc.errors, lang_of(request)),
                          status=exc.status_code)
    return Redirect(f"{_base(slug)}{survey_id}", status_code=303)


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey: Survey,
                  status_code: int = 200, errors: dict[str, str] | None = None) -> Template:
    lang = lang_of(request)
    _ = gettext_for(lang)
    params = request.query_params
    errors = dict(errors or {})
    try:
        start, end = results.clean_period(params, (survey.period_start, survey.period_end))
    except DomainError as exc:
        errors.update(form_errors(exc.errors, lang))
        status_code = exc.status_code
        start, end = survey.period_start, survey.period_end
    category = params.get("category") or ""
    if category and category not in CATEGORIES:
        errors["category"] = _("Choose a valid option.")
        status_code, category = 422, ""
    data = await results.report(db, survey.id, start, end, _today())
    labels = results.month_labels(m for m, _n in data.trend)
    trend_chart = chart("line", labels, [Series(_("NPS"), [None if n.score is None else round(n.score, 1)
                                                           for _m, n in data.trend])],
                        title=_("NPS per month"))
    split = doughnut([_("promoters"), _("passives"), _("detractors")],
                     [data.figures.promoters, data.figures.passives, data.figures.detractors],
                     colors=["#2e7d32", "#9e9e9e", "#c62828"], title=_("Answers by category"))
    query = followup.answers_query(survey.id, start, end, category)
    keep = {k: v for k, v in (("from", params.get("from")), ("to", params.get("to")),
                              ("month", params.get("month")), ("category", category)) if v and k not in errors}
    answers = await paginate(db, query, page_number(params.get("page")), base_path=f"{_base(slug)}{survey.id}",
                             params=keep, capped=True)
    # no item actions per row (each plugin may query per item): they are on the answer's own page
    sentiment_ready = await classify_sentiment(db, request.app.state.pm, []) is not None
    share_link = f"{request.app.state.settings.base_url}/t/{slug}/p/energizing/s/{survey.share_token}"
    return page(request, "energizing/surveys/detail.html", status_code=status_code, survey=survey, report=data,
                trend_chart=trend_chart, split=split, answers=answers, states=STATES,
                categories=CATEGORIES, sentiments=SENTIMENTS, share_link=share_link, errors=errors,
                sentiment_ready=sentiment_ready,
                filters={"from": params.get("from", ""), "to": params.get("to", ""), "month": params.get("month", ""),
                         "category": category},
                transitions=service.TRANSITIONS[survey.state], base=_base(slug),
                reliable_from=results.RELIABLE_FROM, may_invite=followup.may_invite,
                progress_id=_uuid_or_none(params.get("progress")))


def _uuid_or_none(value: Any) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


@get("/surveys/{survey_id:uuid}", opt=READ)
async def survey_detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID) -> Template:
    return await _detail(request, db, slug, await get_or_404(db, Survey, survey_id))


@post("/surveys/{survey_id:uuid}/state", opt=WORK)
async def change_state(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID,
                       data: Form) -> Any:
    survey = await get_or_404(db, Survey, survey_id)
    try:
        await service.set_state(db, principal_of(request), survey_id, data.get("state"))
    except DomainError as exc:
        return await _detail(request, db, slug, survey, exc.status_code, form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}{survey_id}", status_code=303)


async def _start_job(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID, job: str,
                     title: str, not_open: str) -> Any:
    """`title` and `not_open` are msgids (marked with N_ where they are given), translated here."""
    survey = await get_or_404(db, Survey, survey_id)
    _ = gettext_for(lang_of(request))
    if survey.state != "open":
        return await _detail(request, db, slug, survey, 409, {"__all__": _(not_open)})
    progress = start_progress(db, job, title=f"{_(title)}: {survey.title}",
                              started_by_id=getattr(principal_of(request), "user_id", None))
    await db.flush()
    enqueue_job(db, job, survey_id=str(survey.id), progress_id=str(progress.id), lang=lang_of(request))
    # back to the survey, which shows the job's bar (the bar alone is a fragment, not a page)
    return Redirect(f"{_base(slug)}{survey.id}?progress={progress.id}", status_code=303)


@post("/surveys/{survey_id:uuid}/send", opt=WORK)
async def send(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID) -> Any:
    """Invite every consenting contact not invited yet (a job with progress)."""
    return await _start_job(request, db, slug, survey_id, "energizing.send_invitations", N_("Invitations"),
                            N_("Open the survey before sending invitations."))


@post("/surveys/{survey_id:uuid}/remind", opt=WORK)
async def remind(request: Request[Any, Any, Any], db: AsyncSession, slug: str, survey_id: UUID) -> Any:
    """The one reminder, now, to those invited at least the survey's reminder days ago who did not answer."""
    return await _start_job(request, db, slug, survey_id, "energizing.send_reminders", N_("Reminders"),
                            N_("Open the survey before sending the reminder."))


async def _answer_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, answer_id: UUID,
                       status_code: int = 200, errors: dict[str, str] | None = None) -> Template:
    answer = await get_or_404(db, SurveyAnswer, answer_id)
    survey = await get_or_404(db, Survey, answer.survey_id)
    actions = await item_actions(request, db, KIND, answer_item(answer, survey, slug)) \
        if answer.state == "counted" else []
    return page(request, "energizing/surveys/answer.html", status_code=status_code, answer=answer, survey=survey,
                actions=actions, categories=CATEGORIES, sentiments=SENTIMENTS, base=_base(slug),
                may_invite=followup.may_invite(answer), errors=errors or {})


@get("/surveys/answers/{answer_id:uuid}", opt=READ)
async def answer_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, answer_id: UUID) -> Template:
    return await _answer_page(request, db, slug, answer_id)


@post("/surveys/answers/{answer_id:uuid}/ambassador", opt=WORK)
async def invite_ambassador(request: Request[Any, Any, Any], db: AsyncSession, slug: str, answer_id: UUID) -> Any:
    answer = await get_or_404(db, SurveyAnswer, answer_id)
    survey = await get_or_404(db, Survey, answer.survey_id)
    try:
        await followup.invite_promoter(db, principal_of(request), answer, survey,
                                       base_url=request.app.state.settings.base_url, slug=slug,
                                       tenant_name=tenant_of(request).name, lang=lang_of(request))
    except DomainError as exc:
        return await _answer_page(request, db, slug, answer_id, exc.status_code,
                                  form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}answers/{answer_id}", status_code=303)


async def _contacts_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                         report: contacts.ImportReport | None = None, errors: dict[str, str] | None = None) -> Template:
    search = str(request.query_params.get("q") or "")[:100]
    found = await paginate(db, contacts.contacts_query(search), page_number(request.query_params.get("page")),
                           base_path=f"{_base(slug)}contacts/", params={"q": search} if search else None)
    return page(request, "energizing/surveys/contacts.html", status_code=status_code, rows=found, report=report,
                outcomes=contacts.OUTCOMES, errors=errors or {}, base=_base(slug), filters={"q": search})


@get("/surveys/contacts/", opt=READ)
async def contact_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _contacts_page(request, db, slug)


@post("/surveys/contacts/", opt=WORK, request_max_body_size=UPLOAD_LIMIT)
async def upload_contacts(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: MultipartForm) -> Any:
    file = data.get("file")
    content, name = None, ""
    if isinstance(file, UploadFile) and file.filename:
        content, name = await file.read(contacts.MAX_BYTES + 1), file.filename
    try:
        report = await contacts.import_contacts(db, principal_of(request), content, name)
    except DomainError as exc:
        return await _contacts_page(request, db, slug, exc.status_code,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return await _contacts_page(request, db, slug, report=report)


@get("/surveys/settings", opt=CONFIGURE)
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    found = await service.settings_of(db)
    return page(request, "energizing/surveys/settings.html", base=_base(slug),
                form={"auto_case": "1" if found.auto_case else "", "case_threshold": str(found.case_threshold)})


@post("/surveys/settings", opt=CONFIGURE)
async def change_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.change_settings(db, principal_of(request), dict(data))
    except DomainError as exc:
        return page(request, "energizing/surveys/settings.html", status_code=exc.status_code, base=_base(slug),
                    form=dict(data), errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}settings", status_code=303)


ROUTES = [survey_list, new_survey, create_survey, edit_survey, update_survey, survey_detail, change_state, send,
          remind, answer_page, invite_ambassador, contact_list, upload_contacts, settings_page,
          change_settings, *public.ROUTES]
