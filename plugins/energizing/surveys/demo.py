"""Demo data for `regie demo`: the care insurer's customer survey "Klanttevredenheid 2026".

Six months of answers (a few hundred, by personal invitation), the NPS climbing from about +5 to about +30 as
the story goes (faster claims handling, the new app), with Dutch "why" texts to match each score, and the
contact list they were invited from. Answers and invitations are written directly with their past moments;
the rollup is raised exactly as counting would have raised it. Idempotent: a tenant that has the survey is
left alone.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from core.plugins.api import DemoKpi, HookContext, bulk_insert, utcnow
from plugins.energizing.surveys.models import (
    ZONE,
    Survey,
    SurveyAnswer,
    SurveyContact,
    SurveyDayCount,
    SurveyInvitation,
    category_of,
)

TITLE = "Klanttevredenheid 2026"
DEMO_KPIS = [
    DemoKpi("energizing.nps", "Net Promoter Score", "Percentage promotors min percentage criticasters onder de "
            "klanten die de enquête invulden.", 20, "Van +5 naar +20: klanten bevelen ons vaker aan dan ze ons "
            "afraden, dankzij snellere declaraties.", "Zakelijke Markt"),
    DemoKpi("energizing.answers", "NPS-antwoorden", "Bevestigde antwoorden op de klanttevredenheidsenquête."),
]
WHY = {
    "promoter": ["Mijn declaratie was binnen twee dagen vergoed, echt top.",
                 "Vriendelijke medewerkers aan de telefoon, ze denken met je mee.",
                 "De nieuwe app werkt heel fijn, alles snel geregeld.",
                 "Goede dekking voor een eerlijke prijs.",
                 "Altijd snel antwoord via de chat."],
    "passive": ["Prima verzekeraar, niets bijzonders.", "Het werkt, maar de website kan duidelijker.",
                "Redelijke premie, soms lang wachten aan de telefoon.", "Ik heb er weinig mee te maken gehad."],
    "detractor": ["Mijn declaratie duurde zes weken, dat is veel te lang.",
                  "Onduidelijke brief over mijn eigen risico gekregen.",
                  "Drie keer gebeld en steeds een ander verhaal.",
                  "De premie is weer omhoog gegaan zonder uitleg."],
}
FIRST = ["Anna", "Bram", "Carla", "Daan", "Eva", "Finn", "Greet", "Hugo", "Iris", "Joost", "Kim", "Lars", "Mila",
         "Noah", "Olga", "Pim", "Roos", "Sem", "Tess", "Vera"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]


def _score(rng: random.Random, month: int) -> int:
    """Month 0 (oldest) to 5: promoters from 35% to 50%, detractors from 30% to 20%."""
    promoters, detractors = 0.35 + 0.03 * month, 0.30 - 0.02 * month
    roll = rng.random()
    if roll < promoters:
        return rng.choice((9, 10, 10))
    if roll < promoters + detractors:
        return rng.choice((3, 4, 5, 6, 6))
    return rng.choice((7, 8))


async def seed(ctx: HookContext) -> list[DemoKpi]:
    session = ctx.session
    if await session.scalar(select(Survey.id).where(Survey.title == TITLE)) is not None:
        return DEMO_KPIS
    rng = random.Random(2026)
    now = utcnow()
    survey = Survey(title=TITLE, intro="We horen graag hoe je onze dienstverlening ervaart. Het kost je een minuut.",
                    state="open", share_token=hashlib.sha256(f"demo-{ctx.tenant_id}".encode()).hexdigest()[:24],
                    questions=[{"key": "q1", "label": "Hoe tevreden ben je over de snelheid van declareren?",
                                "kind": "scale"}],
                    reminder_days=5, invited=0, opened_at=now - timedelta(days=183))
    session.add(survey)
    await session.flush()
    people = [(f"{f} {last}", f"{f.lower()}.{last.lower().replace(' ', '')}{n}@voorbeeld.nl")
              for n, (f, last) in enumerate(((f, last) for last in LAST for f in FIRST), start=1)]
    for name, email in people[:60]:
        session.add(SurveyContact(email=email, name=name, consent=True, consent_text="ja"))
    answers, invitations, rollup = [], [], {}
    for n in range(320):
        month = n * 6 // 320
        day = (now - timedelta(days=180 - month * 30 - rng.randrange(30))).astimezone(ZONE).date()
        moment = datetime.combine(day, time(9 + rng.randrange(11), rng.randrange(60)), tzinfo=ZONE).astimezone(UTC)
        name, email = people[n % len(people)]
        email = email.replace("@", f"+{n}@")
        score = _score(rng, month)
        category = category_of(score)
        invitation = SurveyInvitation(survey_id=survey.id, email=email, name=name, sent_at=moment - timedelta(days=1),
                                      answered_at=moment, token_digest=hashlib.sha256(f"demo-{n}".encode()).hexdigest())
        invitations.append(invitation)
        answers.append((invitation, dict(survey_id=survey.id, state="counted", email=email, counted_email=email,
                                         name=name, score=score, category=category, why=rng.choice(WHY[category]),
                                         extra={"q1": max(1, min(5, score // 2))}, may_contact=rng.random() < 0.4,
                                         answered_at=moment, confirmed_at=moment, client_ip="",
                                         sentiment_label="")))
        rollup[(day, score)] = rollup.get((day, score), 0) + 1
    session.add_all(invitations)
    await session.flush()
    session.add_all([SurveyAnswer(invitation_id=inv.id, **values) for inv, values in answers])
    await bulk_insert(session, SurveyDayCount, [{"survey_id": survey.id, "day": d, "score": s, "answers": c}
                                                for (d, s), c in sorted(rollup.items())],
                      conflict=("tenant_id", "survey_id", "day", "score"), increment=("answers",))
    survey.invited = len(invitations)
    await session.flush()
    return DEMO_KPIS
