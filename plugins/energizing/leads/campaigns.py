"""Campaign links: a name, a code of their own and where they lead, with a short link so clicks are counted.

The code rides on the target address as `ref=<code>`: the tenant's lead form reads it, and a site of the tenant
can pass it on to its CRM, whose webhook then names it. Without a target, the link leads to the tenant's lead form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import FieldErrors, Msg, check_web_url, clean_text, record_audit, shorten_links
from plugins.energizing.leads.codes import new_campaign_code
from plugins.energizing.leads.models import CampaignLink, Lead

ORIGIN = "energizing"


def lead_form_url(base_url: str, slug: str, code: str = "") -> str:
    """The tenant's public lead form, with a referral code when given (an ambassador's share link uses it too)."""
    url = f"{base_url.rstrip('/')}/t/{slug}/p/energizing/lead"
    return f"{url}?{urlencode({'ref': code})}" if code else url


def with_ref(url: str, code: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"] + [("ref", code)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), parts.fragment))


async def create(session: AsyncSession, principal: Any, values: dict[str, Any], *, base_url: str,
                 slug: str) -> CampaignLink:
    errors = FieldErrors()
    name = errors.clean(clean_text, values.get("name"), "name", max_length=120)
    raw_target = str(values.get("target_url") or "").strip()
    target = errors.clean(check_web_url, raw_target, "target_url") if raw_target else lead_form_url(base_url, slug)
    errors.raise_if_any()
    code = await new_campaign_code(session)
    link = CampaignLink(name=name or "", code=code, target_url=with_ref(target or "", code),
                        created_by_id=principal.user_id)
    session.add(link)
    await session.flush()
    shortened = await shorten_links(session, link.target_url, base_url=base_url, origin=ORIGIN, ref_id=link.id,
                                    utm={"utm_source": "energizing", "utm_medium": "referral", "utm_campaign": code},
                                    created_by_id=principal.user_id)
    link.short_url = shortened.links[0].short if shortened.links else ""
    await record_audit(session, principal, "energizing.campaign_link_created", subject=link,
                       summary=Msg("Campaign link {name} created", name=link.name))
    await session.flush()
    return link


def campaigns_query() -> Select[Any]:
    return select(CampaignLink).order_by(CampaignLink.created_at.desc(), CampaignLink.id)


async def lead_counts(session: AsyncSession, campaign_ids: list[UUID]) -> dict[UUID, int]:
    """Leads per campaign of one page (one grouped, indexed query)."""
    if not campaign_ids:
        return {}
    return {cid: int(n) for cid, n in (await session.execute(
        select(Lead.campaign_id, func.count()).where(Lead.campaign_id.in_(campaign_ids))
        .group_by(Lead.campaign_id))).all()}


async def choices(session: AsyncSession) -> list[tuple[UUID, str]]:
    return [(cid, name) for cid, name in (await session.execute(
        select(CampaignLink.id, CampaignLink.name).order_by(CampaignLink.name))).all()]
