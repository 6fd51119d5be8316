"""Leads in the JSON API: the list (with the page's filters), one lead, a qualification move, and the CRM webhook.

The webhook is public as far as API tokens go (`action: public`): the CRM proves itself with the tenant's secret
instead (see `webhook`), and a call that does not is answered 401 with nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.enums import MediaType
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, get_or_404, gettext_for, lang_of, page_number, paginate, principal_of
from plugins.energizing.leads import qualify, webhook
from plugins.energizing.leads.models import Lead

TAGS = ["energizing"]


@dataclass
class LeadOut:
    id: str
    created_at: datetime
    name: str
    email: str
    organisation: str
    phone: str
    message: str
    source: str
    """ambassador, campaign or direct."""
    channel: str
    """form or crm."""
    ref_code: str
    ambassador_id: str | None
    campaign_id: str | None
    external_id: str | None
    state: str
    """new, qualified, won or lost."""
    qualified_at: datetime | None
    closed_at: datetime | None
    lost_reason: str


@dataclass
class LeadList:
    items: list[LeadOut]
    page: PageInfo


@dataclass
class LeadMove:
    state: str
    reason: str = ""


@dataclass
class WebhookAnswer:
    id: str
    created: bool
    state: str


def _out(lead: Lead) -> LeadOut:
    return LeadOut(id=str(lead.id), created_at=lead.created_at, name=lead.name, email=lead.email,
                   organisation=lead.organisation, phone=lead.phone, message=lead.message, source=lead.source,
                   channel=lead.channel, ref_code=lead.ref_code,
                   ambassador_id=str(lead.ambassador_id) if lead.ambassador_id else None,
                   campaign_id=str(lead.campaign_id) if lead.campaign_id else None, external_id=lead.external_id,
                   state=lead.state, qualified_at=lead.qualified_at, closed_at=lead.closed_at,
                   lost_reason=lead.lost_reason)


@get("/leads", opt={"action": "plugin.read"}, tags=TAGS,
     summary="Leads, newest first, paginated; filters state, source, ambassador, campaign, since, until")
async def list_leads(request: Request[Any, Any, Any], db: AsyncSession, page: int | None = None) -> LeadList:
    filters = qualify.clean_filters({k: request.query_params.get(k, "") for k in qualify.FILTERS})
    found = await paginate(db, qualify.leads_query(filters), page_number(page))
    return LeadList(items=[_out(lead) for lead in found.items], page=PageInfo(**found.as_json()))


@get("/leads/{lead_id:uuid}", opt={"action": "plugin.read"}, tags=TAGS, summary="One lead")
async def get_lead(db: AsyncSession, lead_id: UUID) -> LeadOut:
    return _out(await get_or_404(db, Lead, lead_id))


@post("/leads/{lead_id:uuid}/state", opt={"action": "plugin.work"}, tags=TAGS, status_code=200,
      summary="Move a lead: new → qualified or lost, qualified → won or lost (lost needs a reason)")
async def move_lead(request: Request[Any, Any, Any], db: AsyncSession, lead_id: UUID, data: LeadMove,
                    lang: str | None = None) -> LeadOut:
    lang_of(request, lang)
    return _out(await qualify.move(db, principal_of(request), lead_id, {"state": data.state, "reason": data.reason}))


@post("/leads/webhook", opt={"action": "public"}, tags=TAGS, status_code=200,
      summary="The CRM reports a lead: JSON referral_code, external_id, name, email, company, status; signed "
              "(X-Regie-Timestamp, X-Regie-Signature: sha256=HMAC of '<timestamp>.<body>')")
async def crm_webhook(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    raw = await request.body()
    try:
        received = await webhook.receive(db, raw, signature=request.headers.get("x-regie-signature", ""),
                                         timestamp=request.headers.get("x-regie-timestamp", ""),
                                         secret_key=str(request.app.state.settings.secret_key))
    except webhook.BadSignature:
        reason = gettext_for(lang_of(request))("The signature or its timestamp is not valid.")
        return Response({"status": 401, "errors": [{"field": "signature", "reason": reason}]}, status_code=401,
                        media_type=MediaType.JSON)
    except webhook.Replayed:
        reason = gettext_for(lang_of(request))("This signed request was already received.")
        return Response({"status": 409, "errors": [{"field": "signature", "reason": reason}]}, status_code=409,
                        media_type=MediaType.JSON)
    return WebhookAnswer(id=str(received.lead.id), created=received.created, state=received.lead.state)


ROUTES = [list_leads, get_lead, move_lead, crm_webhook]
