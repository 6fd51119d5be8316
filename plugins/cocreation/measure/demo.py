"""Demo data for a demo tenant where co-creation is active (Vitaal: Productontwikkeling collects customers' ideas
for the new app): categories, a campaign, twenty ideas with votes and comments from a dozen customers, stage
changes with their public reasons, and the loop messages those changes sent. Ideas are linked to the items the
demos before this one offered (`ctx.demo_items`, looked up through `find_item`): the forum mention an idea was
made from, and the webcare case development took up. Idempotent: a tenant that has ideas is left alone. The KPIs
the demo organisation measures come back as `DemoKpi`s."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from core.plugins.api import (
    Customer,
    DemoKpi,
    HookContext,
    current_tenant,
    find_item,
    member_choices,
    utcnow,
)
from plugins.cocreation.loop.links import link_fields
from plugins.cocreation.models import (
    Campaign,
    Category,
    Comment,
    Follower,
    Idea,
    IdeaLink,
    IdeaTag,
    LoopMessage,
    Stage,
    StageChange,
    Vote,
)
from plugins.cocreation.settings import board_settings, stages

CATEGORIES = ("App en website", "Afspraken en bereikbaarheid", "Declaraties", "Vergoedingen", "Service")
CUSTOMERS = (
    ("anouk.jansen@voorbeeld.example", "Anouk J."), ("bram.devries@voorbeeld.example", "Bram de V."),
    ("carla.bakker@voorbeeld.example", "Carla B."), ("dennis.smit@voorbeeld.example", "Dennis S."),
    ("eva.meijer@voorbeeld.example", "Eva M."), ("fatima.elamrani@voorbeeld.example", "Fatima E."),
    ("gert.mulder@voorbeeld.example", "Gert M."), ("hanna.vos@voorbeeld.example", "Hanna V."),
    ("ismail.yilmaz@voorbeeld.example", "Ismail Y."), ("joke.peters@voorbeeld.example", "Joke P."),
    ("kees.hendriks@voorbeeld.example", "Kees H."), ("lieke.dekker@voorbeeld.example", "Lieke D."),
)
IDEAS: tuple[tuple[str, str, int, str, int, str, tuple[str, ...]], ...] = (
    # title, description, category, source, days ago, final stage key, tags
    ("Declaratie indienen met een foto van de nota", "In de app een foto maken van de rekening en die meteen "
     "insturen, zonder eerst een pdf te maken.", 2, "board", 58, "in-development", ("app", "declaratie")),
    ("Inloggen met vingerafdruk", "Elke keer DigiD en een sms-code is omslachtig; laat me de app openen met mijn "
     "vingerafdruk of gezicht.", 0, "board", 55, "in-development", ("app", "inloggen")),
    ("Status van mijn declaratie volgen", "Laat zien waar mijn declaratie is: ontvangen, in behandeling, "
     "uitbetaald.", 2, "mention", 52, "planned", ("declaratie",)),
    ("Terugbelverzoek in plaats van wachten", "Als het druk is aan de telefoon wil ik een terugbelmoment kiezen.",
     1, "case", 50, "planned", ("telefoon",)),
    ("Overzicht van wat mijn aanvullende verzekering nog vergoedt", "Hoeveel fysiotherapie heb ik dit jaar nog "
     "over? Dat wil ik in één oogopslag zien.", 3, "board", 47, "done", ("vergoeding", "app")),
    ("Chat openen buiten kantoortijden", "Ook 's avonds een vraag kunnen stellen, al komt het antwoord de "
     "volgende ochtend.", 4, "board", 44, "under-review", ("chat",)),
    ("Herinnering voor de tandarts-vergoeding", "Een seintje in december als ik mijn tandartsvergoeding nog niet "
     "heb gebruikt.", 3, "board", 41, "declined", ("vergoeding",)),
    ("Zorgpas in de wallet van mijn telefoon", "De zorgpas altijd bij de hand, ook als ik mijn portemonnee "
     "vergeet.", 0, "board", 39, "planned", ("app",)),
    ("Donkere modus in de app", "'s Avonds is het witte scherm fel.", 0, "board", 36, "under-review", ("app",)),
    ("Gesprek met een verpleegkundige via video", "Een korte videoconsult-optie bij twijfel over zorg.", 4,
     "question", 33, "new", ("zorg",)),
    ("Brieven digitaal in plaats van per post", "Alle post in de berichtenbox van de app, niet meer op papier.",
     4, "board", 30, "done", ("post", "duurzaam")),
    ("Vergelijken met vorig jaar", "Laat zien wat ik dit jaar aan zorg heb gedeclareerd ten opzichte van vorig "
     "jaar.", 2, "board", 27, "new", ("declaratie",)),
    ("Gezinsleden in één account", "Declaraties van mijn kinderen indienen zonder telkens uit te loggen.", 0,
     "mention", 24, "under-review", ("app", "gezin")),
    ("Eigen risico-teller", "Een teller die laat zien hoeveel van mijn eigen risico al is verbruikt.", 3,
     "board", 21, "in-development", ("eigen risico",)),
    ("Afspraak bij de servicebalie plannen", "Online een tijd kiezen voor de servicebalie in de stad.", 1,
     "board", 18, "declined", ("afspraak",)),
    ("Meldingen als een declaratie is uitbetaald", "Een pushbericht zodra het geld is overgemaakt.", 2, "board",
     15, "new", ("app", "declaratie")),
    ("Zorgverleners zoeken op de kaart", "Welke fysiotherapeut bij mij in de buurt is gecontracteerd?", 3,
     "case", 12, "under-review", ("zorgzoeker",)),
    ("Grotere letters instellen", "Voor slechtzienden: tekstgrootte in de app zelf kunnen kiezen.", 0, "board", 9,
     "new", ("toegankelijkheid",)),
    ("Uitleg bij afwijzing van een declaratie", "Als iets niet vergoed wordt, wil ik weten waarom en wat ik kan "
     "doen.", 2, "board", 6, "new", ("declaratie",)),
    ("Wachtlijstinformatie per zorgverlener", "Laat zien waar ik het snelst terechtkan.", 3, "board", 3, "new",
     ("zorgzoeker",)),
)
PATHS = {
    "new": (), "under-review": ("under-review",), "planned": ("under-review", "planned"),
    "in-development": ("under-review", "planned", "in-development"),
    "done": ("under-review", "planned", "in-development", "done"), "declined": ("under-review", "declined"),
}
REASONS = {
    "under-review": "We bekijken dit idee met het app-team en komen binnen twee weken terug met een besluit.",
    "planned": "Dit nemen we op in de planning van de nieuwe app; we laten weten wanneer het er is.",
    "in-development": "Het team is hiermee begonnen; de eerste versie testen we met een groep klanten.",
    "done": "Dit staat sinds de laatste update in de app. Dank voor het idee en de stemmen!",
    "declined": "Dit doen we niet: het past niet bij de wettelijke regels voor vergoedingen. We lichten het toe "
                "in de reacties.",
}
COMMENTS = ("Goed idee, dit mis ik ook.", "Bij mijn vorige verzekeraar kon dit al.", "Graag ook voor de website.",
            "Ik zou dit elke maand gebruiken.")
LINKED = {("case", "app_idea"): ("Declaratie indienen met een foto van de nota", 3),
          ("mention", "app_idea"): ("Gezinsleden in één account", 24)}
"""(item kind, topic) of an item another demo offered → (the idea it belongs to, days ago it was linked)."""
CAMPAIGN = ("nieuwe-app", "Hoe moet onze nieuwe app werken?",
            "We bouwen een nieuwe app. Wat moet die beslist kunnen? Deel je idee tot eind volgende maand.")


async def _customers(session: Any) -> list[Customer]:
    """The demo's customers, created once (the core's customer identity; another plugin's demo may share them)."""
    emails = [email for email, _name in CUSTOMERS]
    found = {c.email: c for c in (await session.scalars(select(Customer).where(Customer.email.in_(emails)))).all()}
    now = utcnow()
    for email, name in CUSTOMERS:
        if email not in found:
            found[email] = Customer(email=email, display_name=name, verified_at=now - timedelta(days=60))
            session.add(found[email])
    await session.flush()
    return [found[email] for email in emails]


async def _developer(session: Any) -> UUID | None:
    people = await member_choices(session)
    return next((i for i, name in people if name == "Tim van Dam"), people[0][0] if people else None)


async def seed(ctx: HookContext) -> list[DemoKpi]:
    session = ctx.session
    if await session.scalar(select(func.count()).select_from(Idea)):
        return KPIS_CHOSEN
    settings = await board_settings(session)
    tenant = await current_tenant(session)
    name = tenant.name if tenant is not None else ctx.tenant_slug
    settings.board_title = f"Ideeën voor {name}"
    settings.board_intro = (f"Heb je een idee waardoor {name} beter werkt voor jou? Deel het hier, stem op de "
                            "ideeën van anderen en volg wat we ermee doen.")
    settings.moderation = "first_post"
    by_key = {stage.key: stage for stage in await stages(session)}
    categories = [Category(name=name, position=n) for n, name in enumerate(CATEGORIES)]
    session.add_all(categories)
    now = utcnow()
    developer = await _developer(session)
    slug, title, question = CAMPAIGN
    campaign = Campaign(slug=slug, title=title, question=question, starts_at=now - timedelta(days=20),
                        ends_at=now + timedelta(days=30), created_by_id=developer)
    session.add(campaign)
    customers = await _customers(session)
    await session.flush()
    for n, (idea_title, text, category, source, days, final, tags) in enumerate(IDEAS):
        author = customers[n % len(customers)] if source == "board" else None
        created = now - timedelta(days=days, hours=n % 7)
        idea = Idea(number=n + 1, title=idea_title, description=text, category_id=categories[category].id,
                    tags=list(tags), campaign_id=campaign.id if days <= 20 else None, status="published",
                    stage_key="new", source=source, customer_id=author.id if author else None,
                    author_user_id=None if author else developer,
                    author_name=author.display_name if author else "Tim van Dam", published_at=created,
                    created_at=created, updated_at=created)
        session.add(idea)
        await session.flush()
        session.add_all(IdeaTag(idea_id=idea.id, tag=tag) for tag in tags)
        voters = [c for k, c in enumerate(customers) if (k * 7 + n * 3) % 10 < max(2, 9 - days // 8)]
        following = {c.id for c in voters} | ({author.id} if author else set())
        for k, voter in enumerate(voters):
            at = created + timedelta(hours=3 + k * 5)
            session.add(Vote(idea_id=idea.id, customer_id=voter.id, created_at=at, updated_at=at))
        session.add_all(Follower(idea_id=idea.id, customer_id=cid) for cid in following)
        comments = 0
        for k in range(n % 3):
            who = customers[(n + k + 3) % len(customers)]
            at = created + timedelta(days=1 + k)
            session.add(Comment(idea_id=idea.id, customer_id=who.id, author_name=who.display_name,
                                body=COMMENTS[(n + k) % len(COMMENTS)], status="published", created_at=at,
                                updated_at=at))
            comments += 1
        idea.vote_count, idea.follower_count, idea.comment_count = len(voters), len(following), comments
        await _moves(session, idea, PATHS[final], by_key, developer, created, [c for c in customers
                                                                              if c.id in following])
    settings.idea_counter = len(IDEAS)
    await session.flush()
    await _links(ctx, developer)
    return KPIS_CHOSEN


async def _links(ctx: HookContext, developer: UUID | None) -> None:
    """Link the ideas to the items earlier demos offered, each looked up again as its own plugin describes it."""
    session = ctx.session
    by_title = {idea.title: idea for idea in (await session.scalars(select(Idea))).all()}
    for offered in ctx.demo_items:
        title, days = LINKED.get((offered.kind, offered.topic), ("", 0))
        idea = by_title.get(title)
        item = await find_item(session, ctx.pm, offered.kind, offered.item_id) if idea is not None else None
        if idea is None or item is None:
            continue
        at = utcnow() - timedelta(days=days)
        session.add(IdeaLink(idea_id=idea.id, kind=offered.kind, linked_by_id=developer, created_at=at,
                             updated_at=at, **link_fields(offered.kind, dict(item))))
    await session.flush()


async def _moves(session: Any, idea: Idea, path: tuple[str, ...], by_key: dict[str, Stage], developer: UUID | None,
                 created: datetime, followers: list[Customer]) -> None:
    """The idea's stage changes, a few days apart, each with its public reason; the loop told the followers of
    every move that matters to them (planned, done, declined) by e-mail."""
    previous, at = "new", created
    for step, key in enumerate(path):
        at = at + timedelta(days=2 + step * 3, hours=4)
        stage = by_key[key]
        change = StageChange(idea_id=idea.id, from_key=previous, to_key=key, to_meaning=stage.meaning,
                             reason=REASONS[key], user_id=developer, created_at=at, updated_at=at)
        session.add(change)
        await session.flush()
        if step == 0:
            idea.first_response_at = idea.triaged_at = at
        if stage.meaning in ("planned", "done", "declined"):
            session.add_all(LoopMessage(
                idea_id=idea.id, stage_change_id=change.id, channel="email", recipient=customer.email,
                text=f"Je idee \"{idea.title}\" is nu {stage.name_nl}: {REASONS[key]}", state="sent", sent_at=at,
                created_at=at, updated_at=at) for customer in followers)
        previous = key
    if path:
        idea.stage_key, idea.stage_changed_at = path[-1], at


KPIS_CHOSEN = [
    DemoKpi("cocreation.ideas", "Nieuwe ideeën", "Ideeën die klanten op het ideeënbord aandragen.", 45,
            "Vijftien ideeën per maand voor de nieuwe app.", "Productontwikkeling"),
    DemoKpi("cocreation.first_response_median", "Eerste reactie op een idee (mediaan)",
            "Tijd tot het eerste publieke woord van Productontwikkeling op een nieuw idee.", 5 * 24 * 60,
            "Binnen vijf dagen een eerste reactie, zoals het beleid belooft.", "Productontwikkeling"),
    DemoKpi("cocreation.told_shipped", "Geïnformeerd over gerealiseerd idee",
            "Klanten die hoorden dat hun idee is gerealiseerd.", 20,
            "Iedereen die meedacht hoort het als het er is.", "Productontwikkeling"),
]
