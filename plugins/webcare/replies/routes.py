"""Reply pages: canned responses (/canned/), the replies panel of a case (/cases/{id}/replies, an htmx fragment the
case page loads, also a page of its own), the approval queue (/approvals/) and the webhook settings (/connector/)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    Form,
    NotFound,
    department_choices,
    form_errors,
    get_or_404,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    published_tone_rules,
    user_names,
)
from plugins.webcare.models import CONNECTORS, REPLY_STATUSES, CannedResponse, Case, Reply
from plugins.webcare.replies import service
from plugins.webcare.sla.service import config_of

CANNED_FIELDS = ("title", "body", "language", "is_active", "is_holding_statement")
COMPOSE_FIELDS = ("body", "channel", "connector", "canned_id", "external_url", "revision")
APPROVAL_REASONS = {"org_model": N_("the organisation model"), "crisis": N_("crisis mode"),
                    "training": N_("an author without a publishing training")}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare"


def _htmx(request: Request[Any, Any, Any]) -> bool:
    return bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")


def _values(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: data.get(k, "") for k in names}


# -- canned responses -----------------------------------------------------------------------------------------------

def _canned_context(slug: str, canned: CannedResponse | None, form: dict[str, Any],
                    errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"base": f"{_base(slug)}/canned/", "canned": canned, "form": form, "errors": errors or {},
            "variables": service.VARIABLES}


@get("/canned/", opt={"action": "plugin.work"})
async def canned_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    base = f"{_base(slug)}/canned/"
    items = await paginate(db, service.canned_query(), page_number(request.query_params.get("page")), base_path=base)
    return page(request, "webcare/replies/canned_list.html", base=base, items=items, variables=service.VARIABLES)


@get("/canned/new", opt={"action": "plugin.configure"})
async def canned_new(request: Request[Any, Any, Any], slug: str) -> Template:
    return page(request, "webcare/replies/canned_form.html", **_canned_context(slug, None, service.canned_form(None)))


@post("/canned/new", opt={"action": "plugin.configure"})
async def canned_create(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = _values(data, CANNED_FIELDS)
    try:
        await service.create_canned(db, principal_of(request), values)
    except DomainError as exc:
        return page(request, "webcare/replies/canned_form.html", status_code=exc.status_code,
                    **_canned_context(slug, None, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(f"{_base(slug)}/canned/", status_code=303)


@get("/canned/{canned_id:uuid}/edit", opt={"action": "plugin.configure"})
async def canned_edit(request: Request[Any, Any, Any], db: AsyncSession, slug: str, canned_id: UUID) -> Template:
    canned = await get_or_404(db, CannedResponse, canned_id)
    return page(request, "webcare/replies/canned_form.html",
                **_canned_context(slug, canned, service.canned_form(canned)))


@post("/canned/{canned_id:uuid}/edit", opt={"action": "plugin.configure"})
async def canned_update(request: Request[Any, Any, Any], db: AsyncSession, slug: str, canned_id: UUID,
                        data: Form) -> Any:
    canned = await get_or_404(db, CannedResponse, canned_id)
    values = _values(data, CANNED_FIELDS)
    try:
        await service.update_canned(db, principal_of(request), canned.id, values)
    except DomainError as exc:
        await db.refresh(canned)
        return page(request, "webcare/replies/canned_form.html", status_code=exc.status_code,
                    **_canned_context(slug, canned, values, form_errors(exc.errors, lang_of(request))))
    return Redirect(f"{_base(slug)}/canned/", status_code=303)


@post("/canned/{canned_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def canned_delete(request: Request[Any, Any, Any], db: AsyncSession, slug: str, canned_id: UUID) -> Redirect:
    await service.delete_canned(db, principal_of(request), canned_id)
    return Redirect(f"{_base(slug)}/canned/", status_code=303)


# -- the replies panel of a case --------------------------------------------------------------------------------------

async def _panel(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case: Case, form: dict[str, Any],
                 errors: dict[str, str] | None = None, status_code: int = 200, notice: str = "") -> Template:
    base = _base(slug)
    url = f"{base}/cases/{case.id}/replies"
    replies = await paginate(db, service.replies_query(case.id), page_number(request.query_params.get("rpage")),
                             base_path=url, param="rpage")
    items: list[Reply] = list(replies.items)
    deliveries = await service.deliveries_of(db, [r.id for r in items])
    names = await user_names(db, [r.created_by_id for r in items] + [r.decided_by_id for r in items])
    canned = (await db.scalars(service.canned_query(active_only=True).limit(200))).all()
    cfg = await config_of(db)
    principal = principal_of(request)
    template = "webcare/replies/_panel.html" if _htmx(request) else "webcare/replies/case_replies.html"
    channels = await _channels(db)
    # an empty channel shows the case's platform, named as the policy's length rules name it (as compose reads it)
    form = {**form, "channel": form.get("channel") or service.guess_channel(case.url, channels["channel_limits"])}
    network_ready = bool(case.source_uri) and await service.reply_account(db, case) is not None
    if not network_ready and form.get("connector") == service.NETWORK_CONNECTOR and not errors:
        form["connector"] = "posted_elsewhere"
    return page(request, template, status_code=status_code, case=case, base=base, url=url, replies=replies,
                network_ready=network_ready,
                deliveries=deliveries, names=names, canned=canned, form=form, errors=errors or {},
                connectors=CONNECTORS, statuses=REPLY_STATUSES, reasons=APPROVAL_REASONS,
                webhook_ready=bool(cfg.webhook_url), **channels,
                crisis=await service.open_crisis(db), may_decide=lambda r: service.may_decide(principal, r),
                notice=notice)


async def _channels(db: AsyncSession) -> dict[str, Any]:
    """Channel names to suggest: those with a length rule in the published policy (with their maximum) first,
    then others used before."""
    limits = (await published_tone_rules(db)).get("max_length") or {}
    used = [c for c in await service.channels_used(db) if c not in limits]
    return {"channels": [*sorted(limits), *used], "channel_limits": limits}


def _compose_form(case: Case, canned: CannedResponse | None = None, values: dict[str, str] | None = None
                  ) -> dict[str, Any]:
    # a case from the network: the reply goes into its thread unless the agent chooses otherwise
    connector = service.NETWORK_CONNECTOR if case.source_uri else "posted_elsewhere"
    form = {"body": "", "channel": "", "connector": connector, "canned_id": "", "external_url": "",
            "revision": case.revision}
    if canned is not None:
        form["canned_id"], form["body"] = str(canned.id), service.fill(canned.body, values or {})
    return form


@get("/cases/{case_id:uuid}/replies", opt={"action": "plugin.read"})
async def case_replies(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> Template:
    case = await get_or_404(db, Case, case_id)
    canned = None
    picked = request.query_params.get("canned_id")
    if picked:
        try:
            canned = await db.get(CannedResponse, UUID(str(picked)))
        except ValueError:
            canned = None
    form = _compose_form(case, canned, service.variables_for(case, principal_of(request)))
    return await _panel(request, db, slug, case, form)


@post("/cases/{case_id:uuid}/replies", opt={"action": "plugin.work"})
async def compose(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID, data: Form) -> Any:
    case = await get_or_404(db, Case, case_id)
    values = _values(data, COMPOSE_FIELDS)
    try:
        done = await service.compose(db, principal_of(request), request.app.state.settings, case.id, values,
                                     slug=slug)
    except DomainError as exc:
        return await _panel(request, db, slug, case, {**values, "revision": values.get("revision") or case.revision},
                            form_errors(exc.errors, lang_of(request)), exc.status_code)
    if not _htmx(request):
        return Redirect(f"{_base(slug)}/cases/{case.id}", status_code=303)
    notice = {"pending_approval": N_("The reply awaits approval."), "sending": N_("The reply is being delivered."),
              "sent": N_("The reply was recorded as sent.")}.get(done.reply.status, "")
    return await _panel(request, db, slug, case, _compose_form(case), notice=notice)


@post("/cases/{case_id:uuid}/replies/{reply_id:uuid}/posted", opt={"action": "plugin.work"})
async def record_posted(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID,
                        reply_id: UUID, data: Form) -> Any:
    reply = await get_or_404(db, Reply, reply_id)
    case = await get_or_404(db, Case, case_id)
    if reply.case_id != case.id:
        raise NotFound()
    try:
        await service.record_posted(db, principal_of(request), reply.id, {"external_url": data.get("external_url")})
    except DomainError as exc:
        rendered = form_errors(exc.errors, lang_of(request))
        return await _panel(request, db, slug, case, _compose_form(case),
                            {f"posted_{reply_id}": " ".join(rendered.values())}, exc.status_code)
    return Redirect(f"{_base(slug)}/cases/{case.id}", status_code=303)


@post("/cases/{case_id:uuid}/replies/{reply_id:uuid}/retry", opt={"action": "plugin.work", "takes_input": False})
async def retry(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID, reply_id: UUID) -> Any:
    """A failed delivery (webhook, or in the thread on the network), tried again by hand (a repeated click changes
    nothing)."""
    reply = await get_or_404(db, Reply, reply_id)
    case = await get_or_404(db, Case, case_id)
    if reply.case_id != case.id:
        raise NotFound()
    try:
        await service.retry(db, principal_of(request), reply.id)
    except DomainError as exc:
        rendered = form_errors(exc.errors, lang_of(request))
        return await _panel(request, db, slug, case, _compose_form(case),
                            {f"retry_{reply_id}": " ".join(rendered.values())}, exc.status_code)
    if _htmx(request):
        await db.refresh(case)
        return await _panel(request, db, slug, case, _compose_form(case), notice=N_("The reply is being delivered."))
    return Redirect(f"{_base(slug)}/cases/{case.id}", status_code=303)


# -- approvals -------------------------------------------------------------------------------------------------------

async def _approvals(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                     errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    base = f"{_base(slug)}/approvals/"
    principal = principal_of(request)
    pending = await paginate(db, service.approvals_query(principal), page_number(request.query_params.get("page")),
                             base_path=base, scalars=False)
    names = await user_names(db, [r.created_by_id for r, _c in pending.items])
    departments = {i: n for i, n in await department_choices(db)}
    return page(request, "webcare/replies/approvals.html", status_code=status_code, base=base, cases=_base(slug),
                pending=pending, names=names, departments=departments, reasons=APPROVAL_REASONS,
                errors=errors or {})


@get("/approvals/", opt={"action": "plugin.work"})
async def approvals(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _approvals(request, db, slug)


@post("/approvals/{reply_id:uuid}/approve", opt={"action": "plugin.work", "rule": service.DECIDE_RULE})
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reply_id: UUID, data: Form) -> Any:
    try:
        await service.approve(db, principal_of(request), request.app.state.settings, reply_id, data.get("note"),
                              slug=slug)
    except DomainError as exc:
        rendered = form_errors(exc.errors, lang_of(request))
        return await _approvals(request, db, slug, {str(reply_id): " ".join(rendered.values())}, exc.status_code)
    return Redirect(f"{_base(slug)}/approvals/", status_code=303)


@post("/approvals/{reply_id:uuid}/reject", opt={"action": "plugin.work", "rule": service.DECIDE_RULE})
async def reject(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reply_id: UUID, data: Form) -> Any:
    try:
        await service.reject(db, principal_of(request), request.app.state.settings, reply_id, data.get("note"),
                             slug=slug)
    except DomainError as exc:
        rendered = form_errors(exc.errors, lang_of(request))
        return await _approvals(request, db, slug, {str(reply_id): " ".join(rendered.values())}, exc.status_code)
    return Redirect(f"{_base(slug)}/approvals/", status_code=303)


# -- the webhook connector ---------------------------------------------------------------------------------------

@get("/connector/", opt={"action": "plugin.configure"})
async def connector(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    cfg = await config_of(db)
    return page(request, "webcare/replies/connector.html", base=f"{_base(slug)}/connector/", config=cfg,
                form={"webhook_url": cfg.webhook_url}, secret="")


@post("/connector/", opt={"action": "plugin.configure"})
async def connector_save(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"webhook_url": data.get("webhook_url"), "regenerate": data.get("regenerate")}
    try:
        cfg, secret = await service.save_connector(db, principal_of(request), request.app.state.settings, values)
    except DomainError as exc:
        cfg = await config_of(db)
        return page(request, "webcare/replies/connector.html", status_code=exc.status_code,
                    base=f"{_base(slug)}/connector/", config=cfg, form=values, secret="",
                    errors=form_errors(exc.errors, lang_of(request)))
    if secret:  # shown once: render instead of redirecting
        return page(request, "webcare/replies/connector.html", base=f"{_base(slug)}/connector/", config=cfg,
                    form={"webhook_url": cfg.webhook_url}, secret=secret, saved=True)
    return Redirect(f"{_base(slug)}/connector/", status_code=303)


ROUTES = [canned_list, canned_new, canned_create, canned_edit, canned_update, canned_delete, case_replies, compose,
          record_posted, retry, approvals, approve, reject, connector, connector_save]
