"""Demo data for `regie demo`: a month of realistic mentions for a demo tenant where monitoring is active.

Everything goes through the real pipeline (ingestion → language, sentiment, profiles, counters), the
day rollups are settled, the Conversation Index computed and the alert check runs, so the dashboard, the
mention list and an open alert look as they would after a month of listening. Only this morning's burst is
announced to other plugins (`mention.received`), so webcare's routing rules turn it into fresh cases.
Idempotent: a tenant that has profiles is left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from core.plugins.api import DemoItem, DemoKpi, HookContext, utcnow
from plugins.monitoring.models import Mention, SearchProfile, Source

DEMO_KPIS = [
    DemoKpi("monitoring.volume", "Vermeldingen", "Vermeldingen van Vitaal per dag (herposts niet dubbel).", 1500,
            "Het overstapseizoen geeft meer gesprekken; we willen ze horen.", ended_target=400,
            ended_rationale="De eerste vier weken van de pilot: minstens 400 vermeldingen horen, op weg naar de "
                            "1.500 van het kwartaal."),
    DemoKpi("monitoring.negative_share", "Aandeel negatief", "Percentage negatieve vermeldingen: moet dalen.", 20,
            "Minder negatieve gesprekken door snelle webcare."),
    DemoKpi("monitoring.reach", "Bereik", "Opgeteld bereik van de auteurs."),
]
"""The monitoring KPIs in the demo organisation's first methodology, with the quarter's targets (and the pilot's
first four weeks', a period that has ended)."""

PROFILES = [
    ("Vitaal algemeen", 'vitaal OR "@vitaal" OR #vitaal', [], []),
    ("Premie en vergoedingen", "(vitaal OR #vitaal) AND (premie* OR vergoed* OR declar* OR eigen risico)", [], []),
    ("Klantenservice en app", "(vitaal OR #vitaal) AND (klantenservice OR wachttijd OR app OR storing OR inlog*)",
     [], []),
]
SOURCES = [
    ("Nieuwssites (regio)", "news", "nieuws.example"),
    ("X / Twitter", "microblog", "x.com"),
    ("Zorgforum", "forum", "zorgforum.example"),
    ("Reviews", "review", "klantenvertellen.example"),
    ("Blogs", "blog", "zorgblog.example"),
]
NEGATIVE = [
    "Al {n} minuten in de wacht bij de klantenservice van Vitaal. Echt belachelijk.",
    "De app van Vitaal werkt alweer niet, inloggen lukt niet sinds {n} uur. Slechte service #vitaal",
    "Mijn declaratie bij Vitaal is na {n} weken nog steeds niet vergoed. Waardeloos.",
    "Premie van Vitaal gaat {n} euro omhoog en de vergoedingen worden minder. Teleurgesteld.",
    "Storing bij Vitaal: {n} declaraties verdwenen uit de app, niemand die reageert.",
    "Vitaal's customer service is terrible, waited {n} minutes and got cut off.",
]
POSITIVE = [
    "Binnen {n} minuten vriendelijk geholpen door de klantenservice van Vitaal, top!",
    "Declaratie binnen {n} dagen vergoed door Vitaal. Zo hoort het 👍",
    "Fijne nieuwe app van Vitaal, eindelijk alles overzichtelijk. Al {n} keer gebruikt #vitaal",
    "Great experience with Vitaal, my claim was reimbursed within {n} days.",
]
NEUTRAL = [
    "Vitaal maakt de premie voor {n} op 12 november bekend.",
    "Weet iemand of Vitaal fysiotherapie vergoedt in de basisverzekering? Het gaat om {n} behandelingen.",
    "Hoe lang duurt het gemiddeld voordat Vitaal een declaratie verwerkt? Ik wacht nu {n} dagen.",
    "Vitaal opent een nieuw servicepunt aan de Dorpsstraat {n}.",
    "Does Vitaal cover dental care abroad? Looking for advice, trip of {n} weeks.",
]
AUTHORS = [("@zorgjournalist", "Zorgjournalist", 48_000), ("@jansen_petra", "Petra Jansen", 850),
           ("@nieuwsdesk", "Nieuwsdesk Regio", 120_000), ("@mvdberg", "Mark van den Berg", 310),
           ("@consumentenbond_fan", "Consument", 4_200), ("@zorgvragen", "Zorgvragen", 15_500),
           ("@lisa_b", "Lisa B.", 95), ("@huisarts_noord", "Huisarts Noord", 2_300)]

IDEA = {"external_id": "demo-forum-idee-gezin", "title": "", "place": "zorgforum.example",
        "body": "Idee voor de app van Vitaal: zet het hele gezin in één account. Nu moet ik steeds uit- en weer "
                "inloggen om de declaraties van mijn kinderen in te dienen.",
        "url": "https://zorgforum.example/t/vitaal-app-gezin/88", "author_handle": "@jansen_petra",
        "author_name": "Petra Jansen", "author_reach": 850}
IDEA_DAYS_AGO = 25
"""A customer's idea for the app on the forum, offered to a later demo (co-creation links it to an idea)."""


def _items(rng: random.Random, source_type: str, place: str, count: int, start: Any, spread: timedelta,
           negative_bias: float) -> list[dict[str, Any]]:
    items = []
    for n in range(count):
        roll = rng.random()
        pool = NEGATIVE if roll < negative_bias else POSITIVE if roll < negative_bias + 0.3 else NEUTRAL
        handle, name, reach = rng.choice(AUTHORS)
        moment = start + timedelta(seconds=rng.random() * spread.total_seconds())
        text = rng.choice(pool).format(n=rng.randint(2, 400))
        title = text.split(".")[0][:90] if source_type in ("news", "blog") else ""
        items.append({"external_id": f"demo-{source_type}-{moment.timestamp():.0f}-{n}", "published_at":
                      moment.isoformat(), "title": title, "body": text, "url": f"https://{place}/{n}",
                      "place": place, "author_handle": handle, "author_name": name,
                      "author_reach": reach + rng.randint(0, 50)})
    return items


async def seed(ctx: HookContext) -> list[DemoItem]:
    """A month of mentions; returns the items later demos may act on (the app idea on the forum)."""
    from plugins.monitoring.alerts.detect import check
    from plugins.monitoring.buzz.rollup import rebuild
    from plugins.monitoring.conversation_index import boards, figure
    from plugins.monitoring.mentions.ingest import ingest

    session = ctx.session
    if await session.scalar(select(func.count()).select_from(SearchProfile)):
        return []
    for name, query, languages, types in PROFILES:
        session.add(SearchProfile(name=name, query=query, languages=languages, source_types=types))
    sources = [Source(name=name, kind="api", source_type=kind) for name, kind, _ in SOURCES]
    session.add_all(sources)
    await session.flush()
    rng = random.Random(2026)
    now = utcnow()
    month_ago = now - timedelta(days=30)
    settings, pm = ctx.settings, ctx.pm
    for source, (_name, kind, place) in zip(sources, SOURCES, strict=True):
        calm = _items(rng, kind, place, 120, month_ago, timedelta(days=29, hours=20), 0.3)
        if place == IDEA["place"]:
            calm.append({**IDEA, "published_at": (now - timedelta(days=IDEA_DAYS_AGO)).isoformat()})
        # the month before today is history: not announced, or webcare would open a month of cases at once
        await ingest(session, source, calm, pm=None, tenant_id=ctx.tenant_id, settings=settings)
    # this morning the app broke down: a burst of complaints the alert check picks up
    burst = _items(rng, "microblog", "x.com", 60, now - timedelta(minutes=50), timedelta(minutes=45), 0.9)
    await ingest(session, sources[1], burst, pm=pm, tenant_id=ctx.tenant_id, settings=settings)
    await rebuild(session, month_ago.date(), now.date())
    await figure.refresh(session, now.date(), now=now)  # what the jobs compute ahead, there from the first view
    await boards.refresh(session, now.date(), now)
    await check(session, now=now, settings=settings, pm=pm, tenant_id=ctx.tenant_id, tenant_slug=ctx.tenant_slug)
    idea = await session.scalar(select(Mention.id).where(Mention.external_id == IDEA["external_id"]))
    return [DemoItem("mention", str(idea), "app_idea")] if idea is not None else []
