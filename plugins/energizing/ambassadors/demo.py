"""The demo organisation's ambassador programme: twelve ambassadors (promoters from the NPS survey, a few
employees, some added by hand), three tiers, consent text version 1, three missions with completions and points,
three rewards with one redemption. Written once: a second run finds the missions and adds nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DemoKpi, HookContext, current_tenant, utcnow
from plugins.energizing.ambassadors import missions, points, service
from plugins.energizing.ambassadors.models import Completion, Mission, Redemption, Reward, Tier
from plugins.energizing.models import Ambassador

PEOPLE = (
    ("Sanne de Boer", "nps", "customer"), ("Mehmet Yilmaz", "nps", "customer"), ("Lotte Visser", "nps", "customer"),
    ("Ruben Jansen", "nps", "customer"), ("Fatima el Idrissi", "nps", "customer"), ("Jeroen Bakker", "nps", "customer"),
    ("Anouk Smit", "employee", "employee"), ("Daan Mulder", "employee", "employee"),
    ("Iris de Graaf", "employee", "employee"), ("Kees van Dijk", "manual", "customer"),
    ("Noor Hendriks", "listening", "customer"), ("Tim Vos", "manual", "customer"),
)
KPIS = [
    DemoKpi("energizing.active_ambassadors", "Actieve ambassadeurs", "Ambassadeurs met toestemming aan het eind van "
            "de periode.", 25, "Van twaalf naar vijfentwintig in een kwartaal: elke maand de promotors uit de NPS "
            "uitnodigen."),
    DemoKpi("energizing.missions_completed", "Uitgevoerde missies", "Missies die ambassadeurs uitvoerden.", 60,
            "Gemiddeld vijf per actieve ambassadeur per kwartaal."),
]


async def seed(ctx: HookContext) -> list[DemoKpi]:
    session: AsyncSession = ctx.session
    if await session.scalar(select(Mission.id).limit(1)) is not None:
        return KPIS
    tenant = await current_tenant(session)
    name = tenant.name if tenant else "Vitaal"
    now = utcnow()
    for tier, threshold in service.DEFAULT_TIERS:
        if await session.scalar(select(Tier.id).where(Tier.name == tier)) is None:
            session.add(Tier(name=tier, threshold=threshold))
    consent = await service.current_consent(session, tenant_name=name, lang="nl")
    people = []
    for n, (person, source, kind) in enumerate(PEOPLE):
        email = person.lower().replace(" ", ".") + "@voorbeeld.nl"
        found = await session.scalar(select(Ambassador).where(Ambassador.email == email))
        if found is None:
            found = Ambassador(name=person, email=email, source=source, kind=kind, source_ref="", handle="",
                               state="active" if n < 11 else "invited", invited_at=now - timedelta(days=60 - n),
                               consent_at=now - timedelta(days=55 - n) if n < 11 else None,
                               consent_version=consent.version if n < 11 else None, tier="", points=0,
                               points_earned=0, on_leaderboard=n % 3 == 0, notes="",
                               referral_code=await service.new_referral_code(session))
            session.add(found)
            await session.flush()
        people.append(found)
    today = now.date()
    base_url = ctx.settings.base_url if ctx.settings else "http://localhost:8000"
    specs = (
        {"title": "Deel de nieuwe vergoedingenwijzer", "kind": "share", "points": 20,
         "target_url": "https://vitaal.example/vergoedingen",
         "suggested_text": f"Handig: bij {name} zie je in één keer wat je vergoed krijgt. #samenwerking",
         "instructions": "Deel de vergoedingenwijzer met je eigen link, in je eigen woorden."},
        {"title": "Schrijf een review over je ervaring", "kind": "review", "points": 30,
         "target_url": "https://www.klantenvertellen.example/vitaal", "suggested_text": "",
         "instructions": "Vertel eerlijk hoe je het declareren ervaart; zet de link naar je review hieronder."},
        {"title": "Wat kan de app beter?", "kind": "feedback", "points": 10, "target_url": "", "suggested_text": "",
         "instructions": "Vertel ons in een paar zinnen wat je mist in de app."},
    )
    made = []
    for spec in specs:
        mission = Mission(**spec, policy_notes="", starts_on=today - timedelta(days=30),
                          ends_on=today + timedelta(days=30), repeatable=False, state="open", completions=0)
        session.add(mission)
        made.append(mission)
    await session.flush()
    share, review, feedback = made
    plan = [(share, people[:8]), (review, people[:4]), (feedback, people[2:9])]
    for mission, who in plan:
        for n, person in enumerate(who):
            evidence = f"https://www.klantenvertellen.example/vitaal/review-{n + 1}" if mission.kind == "review" else ""
            if mission.kind == "share":
                await missions.share_link(session, mission, person, base_url)
            session.add(Completion(mission_id=mission.id, ambassador_id=person.id, round=1, kind=mission.kind,
                                   state="verified" if mission.kind == "feedback" else "self_reported",
                                   evidence_url=evidence, points=mission.points, reason="",
                                   feedback="De app mag sneller laten zien wat al vergoed is."
                                   if mission.kind == "feedback" else "",
                                   completed_at=now - timedelta(days=20 - n)))
            mission.completions += 1
            await session.flush()
            await points.earn(session, person.id, mission.points, reason="mission", ref_id=mission.id,
                              label=mission.title)
    rewards = [Reward(name="Vitaal-waterfles", description="Een stevige waterfles voor onderweg.", cost=40, stock=25,
                      reserved=1, active=True),
               Reward(name="Bon voor een sportles", description="Eén les bij een sportschool naar keuze.", cost=80,
                      stock=10, reserved=0, active=True),
               Reward(name="Donatie aan het Hartfonds", description="Wij doneren € 10 namens jou.", cost=120,
                      stock=100, reserved=0, active=True)]
    session.add_all(rewards)
    await session.flush()
    redemption = Redemption(reward_id=rewards[0].id, ambassador_id=people[0].id, points=40, state="requested",
                            note="")
    session.add(redemption)
    await session.flush()
    await points.spend(session, people[0].id, 40, ref_id=redemption.id, label=rewards[0].name)
    return KPIS
