"""Demo leads for Vitaal: two campaign links and 25 leads over two months, from the ambassadors the programme's
demo seeded (none: without them), the campaigns and direct, in every state. Idempotent: campaigns by name, and
the leads only when there are none yet."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from core.plugins.api import HookContext, shorten_links, utcnow
from plugins.energizing.leads import weeks
from plugins.energizing.leads.campaigns import ORIGIN, lead_form_url, with_ref
from plugins.energizing.leads.codes import new_campaign_code
from plugins.energizing.leads.models import CampaignLink, Lead
from plugins.energizing.leads.qualify import set_state
from plugins.energizing.models import Ambassador

CAMPAIGNS = (("Overstapweken december", "https://www.vitaal.example/overstappen"),
             ("Nieuwsbrief zorgverleners", ""))
PEOPLE = ("Sanne Bakker", "Daan Visser", "Lotte Smit", "Bram de Jong", "Eva Mulder", "Thijs Bos", "Noor Vos",
          "Jesse Peters", "Fleur Hendriks", "Lucas van Dijk", "Sophie Dekker", "Milan Brouwer", "Julia de Graaf",
          "Ruben Kok", "Emma Jacobs", "Sem van Leeuwen", "Tess Willems", "Finn Meijer", "Lisa de Boer",
          "Luuk Vermeulen", "Anna Kuipers", "Stijn Verhoeven", "Iris Maas", "Gijs Prins", "Roos Koster")
ORGANISATIONS = ("", "", "Fysiotherapie De Brug", "Bakkerij Visser", "", "Huisartsenpraktijk Oost", "")
STATES = ("new", "new", "qualified", "qualified", "won", "lost", "new", "qualified")
LOST = ("Koos toch voor een andere verzekeraar.", "Geen reactie na drie pogingen.")


async def seed(ctx: HookContext) -> None:
    session = ctx.session
    base_url = ctx.settings.base_url if ctx.settings is not None else "http://127.0.0.1:8000"
    now = utcnow()
    have = set((await session.scalars(select(CampaignLink.name))).all())
    for name, target in CAMPAIGNS:
        if name in have:
            continue
        code = await new_campaign_code(session)
        link = CampaignLink(name=name, code=code,
                            target_url=with_ref(target or lead_form_url(base_url, ctx.tenant_slug), code))
        session.add(link)
        await session.flush()
        placed = await shorten_links(session, link.target_url, base_url=base_url, origin=ORIGIN, ref_id=link.id,
                                     utm={"utm_source": "energizing", "utm_medium": "referral",
                                          "utm_campaign": code})
        link.short_url = placed.links[0].short if placed.links else ""
    await session.flush()
    if await session.scalar(select(func.count()).select_from(Lead)):
        return
    campaigns = list((await session.execute(select(CampaignLink.id, CampaignLink.code))).all())
    ambassadors = list((await session.execute(select(Ambassador.id, Ambassador.referral_code)
                                              .order_by(Ambassador.points.desc()).limit(5))).all())
    rng = random.Random(7)
    for n, person in enumerate(PEOPLE):
        created = now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 10))
        kind = ("ambassador", "campaign", "direct")[n % 3]
        lead = Lead(name=person, email=person.lower().replace(" ", ".") + "@voorbeeld.nl",
                    organisation=ORGANISATIONS[n % len(ORGANISATIONS)], channel="crm" if n % 5 == 4 else "form",
                    message="Ik wil graag meer weten over de aanvullende verzekering.", consent_at=created,
                    created_at=created, state="new", source="direct")
        if kind == "ambassador" and ambassadors:
            lead.source, lead.ambassador_id, lead.ref_code = "ambassador", *ambassadors[n % len(ambassadors)]
        elif kind == "campaign" and campaigns:
            lead.source, lead.campaign_id, lead.ref_code = "campaign", *campaigns[n % len(campaigns)]
        if lead.channel == "crm":
            lead.external_id = f"CRM-{2400 + n}"
        state = STATES[n % len(STATES)]
        if state != "new":
            set_state(lead, "qualified", min(created + timedelta(days=2), now))
            if state != "qualified":
                set_state(lead, state, min(created + timedelta(days=6), now))
                lead.lost_reason = LOST[n % len(LOST)] if state == "lost" else ""
        session.add(lead)
        await session.flush()
        await weeks.count(session, lead, arrived=True, qualified=lead.qualified_at is not None)
