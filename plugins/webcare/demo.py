"""Demo data for `regie demo`: the webcare set-up of a care insurer in its pilot, and a week of cases.

It runs before the monitoring demo (`tryfirst` on the hook), so this morning's burst of complaints that the
monitoring demo ingests reaches the routing rules below and opens cases through the real intake. The month
before it is history the monitoring demo does not announce (it would open a month of cases at once).

Everything goes through the plugin's own services, as the people in the demo would have clicked it: settings,
holidays, queues, rules, canned responses and holding statements; then a handful of cases (direct messages and
mentions picked by hand) that were answered (approved by the hub, as the centralized model wants), are waiting
for the customer, went to another department and came back, or still wait for approval. Those services stamp
the present time; `Timeline` moves each step of a story afterwards to when it happened in the story (hours or
days ago), and the SLA deadlines are computed again from the moved opening time.

Idempotent: a tenant that has routing rules or canned responses is left alone.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DemoItem,
    DemoKpi,
    HookContext,
    department_and_regie,
    department_choices,
    member_principal,
    owning_department,
    utcnow,
)
from plugins.webcare.models import CannedResponse, Case, CaseMessage, Escalation, Reply, RoutingRule

DEMO_KPIS = [
    DemoKpi("webcare.cases", "Webcare-cases", "Geopende cases per dag."),
    DemoKpi("webcare.within_sla", "Binnen SLA", "Afgeronde cases binnen de SLA.", 90,
            "Negen op de tien klanten binnen de SLA geholpen.", "Klantenservice"),
]
"""The webcare KPIs in the demo organisation's first methodology, with the quarter's target."""

SIGNOFF = "Groet, {agent_name} – Team Vitaal"
"""The published demo policy requires replies to end with "Team Vitaal" (its tone: sign with your name)."""

SETTINGS = {
    "timezone": "Europe/Amsterdam", "warn_before_minutes": "30", "join_window_hours": "72", "auto_assign": "1",
    "hours_0": "08:00-20:00", "hours_1": "08:00-20:00", "hours_2": "08:00-20:00", "hours_3": "08:00-20:00",
    "hours_4": "08:00-20:00", "hours_5": "10:00-16:00", "hours_6": "",
    # the pilot's goal: 90% answered within 4 hours (of business time)
    "sla_urgent_first_response": "30", "sla_urgent_resolution": "240",
    "sla_high_first_response": "60", "sla_high_resolution": "480",
    "sla_normal_first_response": "240", "sla_normal_resolution": "1440",
    "sla_low_first_response": "480", "sla_low_resolution": "2880",
}

QUEUES = [
    ("Webcare", "Klantenservice", "Alle vragen en klachten via sociale media en privéberichten."),
    ("Storingen en app", "Klantenservice", "Meldingen over de app en Mijn Vitaal. Bij een storing eerst het "
                                           "storingsstatement gebruiken."),
    ("Pers en woordvoering", "Communicatie & Marketing", "Vragen van journalisten en berichten met groot bereik: "
                                                        "de woordvoerder reageert."),
    ("Zakelijke leads", "Zakelijke Markt", "Werkgevers en zelfstandigen die een collectieve verzekering zoeken."),
    ("Ideeën voor de app", "Productontwikkeling", "Suggesties van klanten voor de app en Mijn Vitaal."),
]

RULES = [
    ("Pers en journalisten", {"keywords": "journalist, redactie, persvraag"}, "Pers en woordvoering", "urgent"),
    ("Storing app en inloggen", {"sentiments": ["negative"], "keywords": "storing, app, inlog, mijn vitaal"},
     "Storingen en app", "high"),
    ("Negatief sentiment", {"sentiments": ["negative"]}, "Webcare", ""),
    ("Gericht aan onze eigen accounts", {"own_accounts": "1"}, "Webcare", ""),
    ("Vragen aan Vitaal", {"question": "1"}, "Webcare", ""),
]

CANNED = [
    ("Excuses en privébericht", "nl",
     "Hoi {author}, wat vervelend dat dit je overkomt! We zoeken het graag voor je uit. Stuur je ons een "
     "privébericht met je klantnummer? Dan kijken we meteen mee. " + SIGNOFF),
    ("Declaratie in behandeling", "nl",
     "Hoi {author}, dank voor je geduld. Een declaratie verwerken we meestal binnen 10 werkdagen. Stuur je ons "
     "je klantnummer via een privébericht? Dan kijken we waar die van jou nu is. " + SIGNOFF),
    ("Storing app – we werken eraan", "nl",
     "Hoi {author}, klopt: de app en Mijn Vitaal werken nu niet goed. Onze collega's werken aan een oplossing. "
     "Declaraties die je al hebt ingediend, blijven bewaard. " + SIGNOFF),
    ("Doorgezet naar een collega", "nl",
     "Hoi {author}, goede vraag! Ik heb hem doorgezet naar een collega die er alles van weet (zaak "
     "{case_number}). Je hoort binnen twee werkdagen van ons. " + SIGNOFF),
    ("Overstappen en vergoedingen", "nl",
     "Hoi {author}, overstappen kan tot en met 31 december; je nieuwe verzekering gaat dan op 1 januari in. Wat "
     "we vergoeden, zie je per behandeling in de vergoedingenwijzer op vitaal.example/vergoedingen. " + SIGNOFF),
    ("Bedankt voor je compliment", "nl",
     "Hoi {author}, wat fijn om te lezen! Dank je wel, we geven je compliment door aan het team. " + SIGNOFF),
    ("Sorry, we're on it (English)", "en",
     "Hi {author}, sorry to hear that! Could you send us a private message with your customer number? We will "
     "look into it right away. Regards, {agent_name} – Team Vitaal"),
]

STATEMENTS = [
    ("Storing app en Mijn Vitaal",
     "Hoi {author}, er is op dit moment een storing in de app en Mijn Vitaal. We werken met man en macht aan een "
     "oplossing en houden je hier op de hoogte. Ingediende declaraties gaan niet verloren. Team Vitaal"),
    ("Berichten over een datalek",
     "Hoi {author}, we hebben de berichten gezien en zoeken dit met voorrang uit. Zodra we meer weten, "
     "informeren we iedereen die het aangaat persoonlijk. Team Vitaal"),
    ("Premie en overstapseizoen",
     "Hoi {author}, de nieuwe premies staan op vitaal.example/premie. Vragen over je eigen situatie beantwoorden "
     "we graag in een privébericht. Team Vitaal"),
]

VIEWS = [("Mijn open zaken", {"assignee": "me"}), ("Spoed", {"priority": "urgent"}),
         ("Dreigt de norm te halen niet", {"breaching": "1"})]


# -- moving the stories to their own moments ------------------------------------------------------------------------

@dataclass
class Timeline:
    """Maps the present moments the services stamp to the moments of the story.

    `at(moment)` says: what happens from now on (until the next `at`) happened at `moment`. `apply` then moves
    every date of the story's cases, their timeline, replies and escalations."""

    marks: list[tuple[datetime, datetime]] = field(default_factory=list)
    case_ids: set[UUID] = field(default_factory=set)

    def at(self, moment: datetime) -> None:
        self.marks.append((utcnow(), moment))

    def moved(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        index = bisect_right([real for real, _story in self.marks], value) - 1
        if index < 0:
            return value
        real, story = self.marks[index]
        return story + (value - real)

    async def apply(self, session: AsyncSession) -> None:
        await session.flush()
        for model, key in ((Case, Case.id), (CaseMessage, CaseMessage.case_id), (Reply, Reply.case_id),
                           (Escalation, Escalation.case_id)):
            columns = [c.key for c in model.__table__.columns  # created_at / updated_at are a DateTime decorator
                       if isinstance(getattr(c.type, "impl", c.type), DateTime)]
            for row in (await session.scalars(select(model).where(key.in_(self.case_ids)))).all():
                for name in columns:
                    setattr(row, name, self.moved(getattr(row, name)))
        await session.flush()


# -- the hook ---------------------------------------------------------------------------------------------------------

async def seed(ctx: HookContext) -> list[DemoItem]:
    """The demo set-up and stories; returns the items later demos may act on (the app idea's case)."""
    session: AsyncSession = ctx.session
    if await session.scalar(select(func.count()).select_from(RoutingRule)) \
            or await session.scalar(select(func.count()).select_from(CannedResponse)):
        return []
    settings = ctx.settings
    departments = {name: i for i, name in await department_choices(session)}
    owner = await owning_department(session, "webcare")
    agents = await department_and_regie(session, owner, include_regie=False)
    regie = [u for u in await department_and_regie(session, None) if u not in agents]
    if owner is None or not agents or not regie:
        return []
    agent = await member_principal(session, agents[0].id, "webcare")
    lead = await member_principal(session, regie[0].id, "webcare")
    await _setup(session, agent, lead, departments)
    people = {name: await department_and_regie(session, i, include_regie=False) for name, i in departments.items()}
    items = await _stories(session, settings, agent, lead, departments, people)
    await _community(session, agent, lead)
    await _figures_ahead(session)
    return items


async def _figures_ahead(session: AsyncSession) -> None:
    """What the jobs keep (the widget's and the KPI page's figures), there from the first view."""
    from plugins.webcare.measure import kpi_figure, widget_figure

    await session.flush()
    moment = utcnow()
    await widget_figure.refresh(session, moment)
    await kpi_figure.refresh(session, moment)


async def _setup(session: AsyncSession, agent: Any, lead: Any, departments: dict[str, UUID]) -> None:
    from plugins.webcare.cases import service as cases
    from plugins.webcare.crisis.service import create_statement, set_lead
    from plugins.webcare.inbox.service import save_view, set_available
    from plugins.webcare.replies.service import create_canned
    from plugins.webcare.sla.service import add_holiday, save_settings

    await save_settings(session, lead, SETTINGS)
    await set_lead(session, lead, {"lead_user_id": str(agent.user_id)})  # Ahmet leads webcare
    today = utcnow().date()
    for day, name in holidays(today.year) + holidays(today.year + 1):
        if day >= today - timedelta(days=30):
            await add_holiday(session, lead, {"day": day.isoformat(), "name": name})
    queues = {}
    for name, department, description in QUEUES:
        if department in departments:
            queue = await cases.create_queue(session, lead, {"name": name, "description": description,
                                                             "department_id": str(departments[department])})
            queues[name] = queue.id
    for name, conditions, queue, priority in RULES:
        await cases.create_rule(session, lead, {"name": name, "is_active": "1", **conditions,
                                                "queue_id": str(queues.get(queue, "")), "priority": priority})
    for title, language, body in CANNED:
        await create_canned(session, lead, {"title": title, "body": body, "language": language, "is_active": "1"})
    for title, body in STATEMENTS:
        await create_statement(session, lead, {"title": title, "body": body})
    await set_available(session, agent, True)
    for name, filters in VIEWS:
        await save_view(session, agent, name, filters)


def holidays(year: int) -> list[tuple[date, str]]:
    """The Dutch public holidays an insurer's webcare is closed on (Easter by the Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    easter = date(year, month, day + 1)
    kings = date(year, 4, 27) if date(year, 4, 27).weekday() != 6 else date(year, 4, 26)
    return [(date(year, 1, 1), "Nieuwjaarsdag"), (easter - timedelta(days=2), "Goede Vrijdag"),
            (easter, "Eerste Paasdag"), (easter + timedelta(days=1), "Tweede Paasdag"), (kings, "Koningsdag"),
            (easter + timedelta(days=39), "Hemelvaartsdag"), (easter + timedelta(days=49), "Eerste Pinksterdag"),
            (easter + timedelta(days=50), "Tweede Pinksterdag"), (date(year, 12, 25), "Eerste Kerstdag"),
            (date(year, 12, 26), "Tweede Kerstdag")]


# -- the stories -------------------------------------------------------------------------------------------------------

async def _stories(session: AsyncSession, settings: Any, agent: Any, lead: Any, departments: dict[str, UUID],
                   people: dict[str, list[Any]]) -> list[DemoItem]:
    from plugins.webcare.cases.service import case_from_mention
    from plugins.webcare.escalation.service import escalate, hand_back
    from plugins.webcare.inbox.service import add_note, update_case
    from plugins.webcare.replies.service import approve, compose, record_posted

    now = utcnow()
    story = Timeline()
    canned = {c.title: c for c in (await session.scalars(select(CannedResponse))).all()}

    async def message(when: timedelta, values: dict[str, Any]) -> Case:
        story.at(now - when)
        case, _joined = await case_from_mention(session, agent, values, pm=None)  # stories name no mention
        story.case_ids.add(case.id)
        return case

    async def reply(when: timedelta, case: Case, title: str, channel: str, posted: str | None,
                    approved_after: timedelta = timedelta(minutes=12)) -> None:
        """The agent writes from a canned response; the hub approves; the agent posts it and records where."""
        story.at(now - when)
        template = canned[title]  # `compose` fills its variables for the agent
        done = await compose(session, agent, settings, case.id, {
            "body": template.body, "channel": channel, "connector": "posted_elsewhere", "canned_id": str(template.id),
            "revision": case.revision, "external_url": posted or ""})
        if done.reply.status != "pending_approval" or posted is None:
            return
        story.at(now - when + approved_after)
        await approve(session, lead, settings, done.reply.id, "Akkoord, mooi persoonlijk.")
        story.at(now - when + approved_after + timedelta(minutes=3))
        await record_posted(session, agent, done.reply.id, {"external_url": posted})

    async def status(when: timedelta, case: Case, value: str) -> None:
        story.at(now - when)
        await update_case(session, agent, case.id, {"status": value, "revision": case.revision})

    # 1. A claim that took long: answered, the customer thanks us, resolved.
    petra = await message(timedelta(days=2, hours=5), {
        "channel": "dm", "author_handle": "@jansen_petra", "author_name": "Petra Jansen", "author_reach": 850,
        "sentiment": "negative", "topic": "declaratie",
        "text": "Hoi Vitaal, mijn declaratie van de fysiotherapeut uit september staat al vijf weken op 'in "
                "behandeling'. Kunnen jullie kijken wat er aan de hand is?"})
    await reply(timedelta(days=2, hours=4, minutes=20), petra, "Declaratie in behandeling", "x",
                "https://x.com/VitaalZorg/status/1850000000000000001")
    await message(timedelta(days=2, hours=3), {
        "channel": "dm", "author_handle": "@jansen_petra", "author_name": "Petra Jansen", "author_reach": 850,
        "sentiment": "neutral", "topic": "declaratie",
        "text": "Mijn klantnummer is 40-1187-22. De nota is van 12 september."})
    story.at(now - timedelta(days=2, hours=2, minutes=40))
    await add_note(session, agent, petra.id, "Nagevraagd bij de tweede lijn declaraties: de nota lag in de "
                   "handmatige controle. Vandaag vrijgegeven, uitbetaling binnen 3 werkdagen.", petra.revision)
    await message(timedelta(days=1, hours=1), {
        "channel": "dm", "author_handle": "@jansen_petra", "author_name": "Petra Jansen", "author_reach": 850,
        "sentiment": "positive", "topic": "declaratie",
        "text": "Hij is uitbetaald, top! Dank jullie wel voor het uitzoeken."})
    await status(timedelta(days=1, minutes=50), petra, "resolved")

    # 2. On hold in the queue: answered, now waiting for the customer's private message.
    mark = await message(timedelta(hours=5, minutes=30), {
        "channel": "mention", "author_handle": "@mvdberg", "author_name": "Mark van den Berg", "author_reach": 310,
        "sentiment": "negative", "topic": "bereikbaarheid", "url": "https://x.com/mvdberg/status/1850000000000000002",
        "text": "Al 40 minuten in de wacht bij de klantenservice van Vitaal en nu weer opgehangen. Belachelijk."})
    await reply(timedelta(hours=5, minutes=5), mark, "Excuses en privébericht", "x",
                "https://x.com/VitaalZorg/status/1850000000000000003")
    await status(timedelta(hours=4, minutes=40), mark, "waiting")

    # 3. A journalist asks: handed to Communicatie & Marketing, who have it now.
    press = await message(timedelta(hours=3, minutes=10), {
        "channel": "mention", "author_handle": "@zorgjournalist", "author_name": "Zorgjournalist",
        "author_reach": 48_000, "sentiment": "neutral", "topic": "vergoedingen",
        "url": "https://x.com/zorgjournalist/status/1850000000000000004",
        "text": "Klopt het dat Vitaal volgend jaar stopt met de vergoeding van de anticonceptiepil in de "
                "aanvullende verzekering? Ik schrijf er een stuk over. Wie kan ik spreken?"})
    hub = "Communicatie & Marketing"
    if hub in departments:
        story.at(now - timedelta(hours=2, minutes=55))
        await escalate(session, agent, settings, press.id, {
            "reason": "press", "department_id": str(departments[hub]), "revision": press.revision,
            "note": "Journalist vraagt om een reactie voor een artikel. Graag via de woordvoerder; ik reageer "
                    "niet inhoudelijk."})
        story.at(now - timedelta(hours=2, minutes=20))
        await add_note(session, lead, press.id, "Ik bel haar vanmiddag terug; standpunt wordt met de directie "
                       "afgestemd.", press.revision)

    # 4. An idea for the app: to Productontwikkeling and back, answered, resolved.
    lisa = await message(timedelta(days=4, hours=6), {
        "channel": "mention", "author_handle": "@lisa_b", "author_name": "Lisa B.", "author_reach": 95,
        "sentiment": "positive", "topic": "app", "url": "https://zorgforum.example/t/app-brillen/31",
        "text": "Zou heel fijn zijn als ik in de Vitaal-app ook de nota van mijn bril met een foto kon indienen. "
                "Nu moet dat nog per post. Kan dat?"})
    development = "Productontwikkeling"
    if development in departments and people.get(development):
        story.at(now - timedelta(days=4, hours=5, minutes=40))
        escalation = await escalate(session, agent, settings, lisa.id, {
            "reason": "product_idea", "department_id": str(departments[development]), "revision": lisa.revision,
            "note": "Leuk idee voor de app. Staat dit al op de planning?"})
        story.at(now - timedelta(days=3, hours=2))
        developer = await member_principal(session, people[development][0].id, "webcare")
        await hand_back(session, developer, settings, escalation.id, {
            "revision": lisa.revision,
            "note": "Foto's van nota's voor brillen en lenzen komen in de release van het eerste kwartaal. "
                    "Mag je de klant vertellen."})
        await reply(timedelta(days=3, hours=1, minutes=30), lisa, "Doorgezet naar een collega", "",
                    "https://zorgforum.example/t/app-brillen/31#antwoord-2")
        await status(timedelta(days=3), lisa, "resolved")

    # 5. A question answered just now: the reply waits for the hub's approval.
    question = await message(timedelta(minutes=35), {
        "channel": "mention", "author_handle": "@consumentenbond_fan", "author_name": "Consument",
        "author_reach": 4_200, "sentiment": "neutral", "topic": "overstappen",
        "url": "https://x.com/consumentenbond_fan/status/1850000000000000005",
        "text": "Hoe lang kan ik nog overstappen naar Vitaal, en zit fysiotherapie dan in de aanvullende?"})
    await reply(timedelta(minutes=20), question, "Overstappen en vergoedingen", "x", None)

    # 6. An employer who wants a collective contract: a lead for Zakelijke Markt.
    lead_case = await message(timedelta(days=1, hours=4), {
        "channel": "dm", "author_handle": "@bakkerij_hendriks", "author_name": "Bakkerij Hendriks",
        "author_reach": 1_250, "sentiment": "neutral", "topic": "collectief",
        "text": "Wij hebben 35 medewerkers en zoeken een collectieve zorgverzekering. Met wie kan ik daarover "
                "praten?"})
    sales = "Zakelijke Markt"
    if sales in departments:
        story.at(now - timedelta(days=1, hours=3, minutes=45))
        await escalate(session, agent, settings, lead_case.id, {
            "reason": "sales_lead", "department_id": str(departments[sales]), "revision": lead_case.revision,
            "note": "Werkgever met 35 medewerkers, wil graag gebeld worden. Telefoonnummer staat in het "
                    "privébericht."})

    # 7. Last week, in English: answered and closed.
    anna = await message(timedelta(days=6, hours=3), {
        "channel": "mention", "author_handle": "@expat_anna", "author_name": "Anna Kowalski", "author_reach": 640,
        "sentiment": "negative", "topic": "tandarts", "url": "https://x.com/expat_anna/status/1850000000000000006",
        "text": "Vitaal rejected my dentist bill from Kraków again. Terrible, nobody explains why."})
    await reply(timedelta(days=6, hours=2, minutes=30), anna, "Sorry, we're on it (English)", "x",
                "https://x.com/VitaalZorg/status/1850000000000000007")
    await status(timedelta(days=5), anna, "resolved")
    await status(timedelta(days=2), anna, "closed")

    # 8. Urgent and still unanswered: the first-response clock has run out.
    await message(timedelta(hours=2), {
        "channel": "dm", "author_handle": "@s_devries", "author_name": "Sanne de Vries", "author_reach": 180,
        "sentiment": "negative", "topic": "machtiging",
        "text": "Mijn operatie is volgende week en de machtiging is nog steeds niet goedgekeurd. Ik word gek van "
                "het wachten, niemand belt terug!"})

    await story.apply(session)
    await _deadlines(session, story.case_ids)
    return [DemoItem("case", str(lisa.id), "app_idea")]


async def _deadlines(session: AsyncSession, case_ids: set[UUID]) -> None:
    """Deadlines again from the moved opening times (the services computed them from the present)."""
    from plugins.webcare.sla import service as sla

    config = await sla.config_of(session)
    clock = await sla.clock_of(session, config)
    for case in (await session.scalars(select(Case).where(Case.id.in_(case_ids)))).all():
        case.first_response_due = clock.add(case.opened_at, sla.sla_minutes(config, case.priority, "first_response"))
        case.resolution_due = clock.add(case.opened_at, sla.sla_minutes(config, case.priority, "resolution")
                                        + (case.paused_minutes or 0))
    await session.flush()


COMMUNITY = [
    # (asker, title, body, answers: [(author or "staff", body)], accepted answer index, approved)
    ("Sanne", "Hoe declareer ik een rekening van de fysiotherapeut?",
     "Ik heb een papieren rekening gekregen. Moet ik die opsturen?",
     [("Karel", "Maak een foto in de app onder Declareren; opsturen hoeft niet. Bij mij stond het geld er binnen "
                "een week."),
      ("staff", "Klopt! Bewaar de rekening wel tot de declaratie is uitbetaald. Groet, Ahmet – Team Vitaal")],
     0, True),
    ("Ahmed", "Wordt mijn brilmontuur vergoed uit de aanvullende verzekering?", "Ik heb Vitaal Plus.",
     [("Karel", "Bij Plus tot 100 euro per twee jaar, montuur en glazen samen. Kijk in de vergoedingenwijzer.")],
     None, True),
    ("Petra", "Mijn machtiging voor de automatische incasso is weg in Mijn Vitaal",
     "Sinds de update zie ik hem niet meer. Wordt de premie nog wel afgeschreven?", [], None, True),
    ("Joost", "Kan ik mijn eigen risico in termijnen betalen?", "", [], None, False),
]


async def _community(session: AsyncSession, agent: Any, lead: Any) -> None:
    """A few weeks of the customer-helps-customer Q&A: answered and accepted, answered, unanswered (a case
    candidate), one first question still waiting for the moderator; Karel is an ambassador."""
    from core.plugins.api import Customer
    from plugins.webcare.community import moderation, service
    from plugins.webcare.models import Answer, Question

    customers: dict[str, Customer] = {}
    for name in {q[0] for q in COMMUNITY} | {"Karel"}:
        customers[name] = Customer(email=f"{name.lower()}@klant.example", display_name=name, verified_at=utcnow())
        session.add(customers[name])
    await session.flush()
    await service.profile_of(session, customers["Karel"])
    await moderation.set_badges(session, lead, customers["Karel"].id, {"change": "ambassador", "on": "1"})

    async def approved(post: Any, kind: str, by: Any = agent) -> None:
        if post.status == "pending":
            await moderation.decide(session, by, kind, post.id, {"decision": "approve"})

    for asker, title, body, answers, accepted, approve in COMMUNITY:
        question: Question = await service.ask(session, customers[asker], {"title": title, "body": body})
        if not approve:
            continue
        await approved(question, "question")
        replies: list[Answer] = []
        for author, text in answers:
            if author == "staff":
                replies.append(await service.answer(session, question, {"body": text}, staff=agent))
                await approved(replies[-1], "answer", by=lead)
            else:
                replies.append(await service.answer(session, question, {"body": text}, customer=customers[author]))
                await approved(replies[-1], "answer")
        for voter in ("Sanne", "Ahmed", "Petra"):
            if replies and replies[0].customer_id != customers[voter].id and voter != asker:
                await service.vote(session, customers[voter], "answer", replies[0].id, "1")
        if accepted is not None:
            await service.accept(session, question, replies[accepted].id, customer=customers[asker], staff=False)
