"""Demo candidates for Vitaal: three authors over the thresholds with their evidence and one dismissed, beside any
that monitoring's demo mentions made through `mention.received`. Idempotent (by handle)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.plugins.api import HookContext, normal_handle, utcnow
from plugins.energizing.listening.models import Candidate, Decision, Evidence

AUTHORS = (
    ("@zorgzaam_ellen", "Ellen de Vries", 2400, "open",
     ("Binnen een week vergoed door Vitaal, en vriendelijk geholpen ook.", "De nieuwe Vitaal-app werkt echt fijn.",
      "Tip voor wie twijfelt: Vitaal regelt het overstappen voor je.", "Weer snel geholpen via de chat van Vitaal.")),
    ("@fysio_mark", "Mark Jansen", 5100, "open",
     ("Mijn patiënten zijn blij met de vergoedingenwijzer van Vitaal.", "Heldere uitleg van Vitaal over fysio.",
      "Vitaal denkt mee met zorgverleners, dat is zeldzaam.")),
    ("@annevanderberg", "Anne van der Berg", 880, "open",
     ("Declareren met een foto in de Vitaal-app: klaar in een minuut.", "Top service van Vitaal vandaag!",
      "Vitaal belde zelf terug over mijn vraag. Netjes.")),
    ("@dealjager_nl", "", 12000, "dismissed",
     ("Vitaal heeft de beste deal, klik hier voor korting!", "Vitaal aanrader!!", "Vitaal top, zie link.")),
)


async def seed(ctx: HookContext) -> None:
    session = ctx.session
    now = utcnow()
    have = set((await session.scalars(select(Candidate.handle_key).where(Candidate.source == "microblog"))).all())
    for handle, name, reach, state, texts in AUTHORS:
        key = normal_handle(handle)
        if key in have:
            continue
        days = [3 + 9 * i for i in range(len(texts))]
        candidate = Candidate(source="microblog", handle_key=key, handle=handle, name=name, reach=reach,
                              positive_count=len(texts), state=state, first_seen_at=now - timedelta(days=max(days)),
                              last_seen_at=now - timedelta(days=min(days)), opened_at=now - timedelta(days=2))
        session.add(candidate)
        await session.flush()
        for n, (text, ago) in enumerate(zip(texts, days, strict=True)):
            session.add(Evidence(candidate_id=candidate.id, url=f"https://bsky.app/profile/{key}.bsky.social/post/"
                                 f"3kdemo{n}{key[:6]}", title=text, score=0.6 + 0.1 * (n % 3),
                                 published_at=now - timedelta(days=ago)))
        if state == "dismissed":
            session.add(Decision(candidate_id=candidate.id, handle=handle, decision="dismissed",
                                 reason="Reclameaccount: deelt kortingslinks, geen echte klant.",
                                 decided_at=now - timedelta(days=1)))
    await session.flush()
