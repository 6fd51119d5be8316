"""Lead pages: the tenant's public lead form (`action: public`) and its confirmation; for staff the leads list with
its filters, a lead with its qualification, the campaign links and the CRM webhook's settings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    client_network,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    short_link_clicks_by_ref,
    tenant_of,
    user_names,
)
from plugins.energizing.leads import campaigns, form, qualify, signing, weeks
from plugins.energizing.leads.codes import clean_ref
from plugins.energizing.leads.models import CHANNELS, SOURCES, STATES, TRANSITIONS, CampaignLink, Lead
from plugins.energizing.leads.people import ambassador_choices, ambassador_names

PUBLIC = {"action": "public"}
READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
CONFIGURE = {"action": "plugin.configure"}
FIELDS = ("name", "email", "organisation", "phone", "message", "consent", "ref", "started", form.HONEYPOT)


def _base(slug: str) -> str:
    return f"/t/{slug}/p/energizing"



def _secret_key(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.secret_key)


def _lead_form(request: Request[Any, Any, Any], values: dict[str, Any], *, status: int = 200,
               errors: dict[str, str] | None = None) -> Template:
    values = {**values, "started": form.fill_token(_secret_key(request))}
    return page(request, "energizing/leads/form.html", status_code=status, form=values, errors=errors or {},
                honeypot=form.HONEYPOT)


@get("/lead", opt=PUBLIC)
async def lead_form(request: Request[Any, Any, Any]) -> Template:
    return _lead_form(request, {"ref": clean_ref(request.query_params.get("ref"))})


@post("/lead", opt=PUBLIC)
async def send_lead(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in FIELDS}
    values["ref"] = clean_ref(values["ref"])
    try:
        await form.submit(db, values, client_ip=client_network(request), secret_key=_secret_key(request))
    except DomainError as exc:
        return _lead_form(request, {k: v for k, v in values.items() if k != form.HONEYPOT}, status=exc.status_code,
                          errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/lead/sent", status_code=303)


@get("/lead/sent", opt=PUBLIC)
async def lead_sent(request: Request[Any, Any, Any]) -> Template:
    return page(request, "energizing/leads/sent.html")


@get("/leads/", opt=READ)
async def leads(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    _ = gettext_for(lang_of(request))
    options = {"states": [(k, _(v)) for k, v in STATES.items()], "sources": [(k, _(v)) for k, v in SOURCES.items()],
               "ambassadors": await ambassador_choices(db), "campaigns": await campaigns.choices(db)}
    raw = {k: request.query_params.get(k, "") for k in qualify.FILTERS}
    try:
        filters = qualify.clean_filters(raw)
    except DomainError as exc:
        return page(request, "energizing/leads/list.html", status_code=exc.status_code, rows=None, filters=raw,
                    errors=form_errors(exc.errors, lang_of(request)), **options)
    params = {k: str(v) for k, v in filters.items()}
    rows = await paginate(db, qualify.leads_query(filters), page_number(request.query_params.get("page")),
                          base_path=f"{_base(slug)}/leads/", params=params)
    trend = await weeks.trend_chart(db, _, lang_of(request))
    return page(request, "energizing/leads/list.html", rows=rows, filters=raw, states_of=STATES, sources_of=SOURCES,
                trend=trend,
                names=await ambassador_names(db, {r.ambassador_id for r in rows.items if r.ambassador_id}),
                campaign_names=dict(options["campaigns"]), errors={}, **options)


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, lead_id: UUID, *, status: int = 200,
                  errors: dict[str, str] | None = None, form_values: dict[str, Any] | None = None) -> Template:
    _ = gettext_for(lang_of(request))
    lead = await get_or_404(db, Lead, lead_id)
    campaign = await db.get(CampaignLink, lead.campaign_id) if lead.campaign_id else None
    ambassador = (await ambassador_names(db, {lead.ambassador_id})).get(lead.ambassador_id) \
        if lead.ambassador_id else None
    changed_by = (await user_names(db, {lead.changed_by_id})).get(lead.changed_by_id) if lead.changed_by_id else None
    return page(request, "energizing/leads/lead.html", status_code=status, lead=lead, campaign=campaign,
                ambassador=ambassador, changed_by=changed_by, states=STATES, sources=SOURCES, channels=CHANNELS,
                moves=[(s, _(STATES[s])) for s in TRANSITIONS[lead.state]], errors=errors or {},
                form=form_values or {})


@get("/leads/{lead_id:uuid}", opt=READ)
async def lead_page(request: Request[Any, Any, Any], db: AsyncSession, lead_id: UUID) -> Template:
    return await _detail(request, db, lead_id)


@post("/leads/{lead_id:uuid}/state", opt=WORK)
async def move_lead(request: Request[Any, Any, Any], db: AsyncSession, slug: str, lead_id: UUID, data: Form) -> Any:
    values = {"state": data.get("state", ""), "reason": data.get("reason", "")}
    try:
        await qualify.move(db, principal_of(request), lead_id, values)
    except DomainError as exc:
        return await _detail(request, db, lead_id, status=exc.status_code, form_values=values,
                             errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/leads/{lead_id}", status_code=303)


@get("/leads/campaigns/", opt=READ)
async def campaign_links(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    rows = await paginate(db, campaigns.campaigns_query(), page_number(request.query_params.get("page")),
                          base_path=f"{_base(slug)}/leads/campaigns/")
    ids = [row.id for row in rows.items]
    return page(request, "energizing/leads/campaigns.html", rows=rows,
                clicks=await short_link_clicks_by_ref(db, campaigns.ORIGIN, ids),
                lead_counts=await campaigns.lead_counts(db, ids))


@get("/leads/campaigns/new", opt=CONFIGURE)
async def new_campaign(request: Request[Any, Any, Any]) -> Template:
    return page(request, "energizing/leads/campaign_form.html", form={}, errors={})


@post("/leads/campaigns", opt=CONFIGURE)
async def create_campaign(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"name": data.get("name", ""), "target_url": data.get("target_url", "")}
    try:
        await campaigns.create(db, principal_of(request), values, base_url=request.app.state.settings.base_url,
                               slug=slug)
    except DomainError as exc:
        return page(request, "energizing/leads/campaign_form.html", status_code=exc.status_code, form=values,
                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/leads/campaigns/", status_code=303)


@get("/leads/settings", opt=CONFIGURE)
async def lead_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    settings = request.app.state.settings
    return page(request, "energizing/leads/settings.html", secret=await signing.current(db, _secret_key(request)),
                webhook_url=f"{settings.base_url.rstrip('/')}/api/v1/t/{slug}/energizing/leads/webhook",
                form_url=campaigns.lead_form_url(settings.base_url, tenant_of(request).slug))


@post("/leads/settings/secret", opt={**CONFIGURE, "takes_input": False})
async def rotate_secret(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Redirect:
    await signing.rotate(db, principal_of(request), _secret_key(request))
    return Redirect(f"{_base(slug)}/leads/settings", status_code=303)


ROUTES = [lead_form, send_lead, lead_sent, leads, lead_page, move_lead, campaign_links, new_campaign,
          create_campaign, lead_settings, rotate_secret]
