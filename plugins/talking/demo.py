"""Demo data for `regie demo`: a month of the care insurer's content calendar.

The hub (Communicatie & Marketing, which owns talking) plans on its three registered accounts: a campaign for
the switching season with a goal and a budget, two always-on streams (health tips, service updates), posts of
the past weeks that went out (recorded as posted elsewhere, with the address of each), the coming weeks'
scheduled posts, one waiting for the hub's approval, a few drafts and one cancelled. Posts go through the
plugin's own service (the policy's length per platform, alternative text, short links with UTM parameters) as
the marketer's clicks would; their moments and states are then set to the story's. Nothing leaves Regie, so
`make serve` needs no network.

Idempotent: a tenant that has a campaign is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DemoKpi, HookContext, department_and_regie, member_principal, owning_department, utcnow
from plugins.talking.campaigns.service import create_campaign, create_stream
from plugins.talking.content.choices import choices
from plugins.talking.content.service import create_post
from plugins.talking.models import AccountFollowers, Campaign, Post, PostVariant, VariantInteractions
from plugins.talking.moments import ZONE

DEMO_KPIS = [
    DemoKpi("talking.objective_share", "Content gekoppeld aan doelen",
            "Aandeel van de geplande en geplaatste berichten dat een doel uit de vertrekpunten dient.", 80,
            "Vier op de vijf berichten dienen aantoonbaar een doel.", "Communicatie & Marketing"),
    DemoKpi("talking.clicks", "Kliks op links", "Kliks op de korte links in onze berichten, per dag."),
    DemoKpi("talking.interactions", "Interacties", "Likes, reposts, antwoorden en citaten op onze berichten."),
    DemoKpi("talking.engagement_rate", "Betrokkenheid",
            "Interacties op de berichten van de periode, gedeeld door het aantal volgers aan het eind ervan."),
    DemoKpi("talking.followers", "Omvang van het netwerk", "Volgers van onze eigen accounts aan het eind van de "
            "periode."),
]
SIGN = " Team Vitaal"
MEDIA = "https://vitaal.example/media"


@dataclass
class Story:
    """One post of the calendar: `day` relative to today, its time, state and texts per platform."""

    day: int
    at: time
    title: str
    theme: str
    home: str
    """"campaign", "tips", "service" or "" (none)."""
    objective: int | None
    """Index into the starting points' objectives."""
    state: str
    texts: dict[str, str]
    image: tuple[str, str] | None = None
    """(file, alternative text) shown with every variant."""


STORIES = [
    Story(-19, time(9, 0), "Overstappen: wat verandert er in 2027?", "overstappen", "campaign", 2, "published",
          {"x": "De premies voor 2027 staan online. Wat verandert er voor jou? Alles op een rij: "
                "https://vitaal.example/premie-2027" + SIGN,
           "facebook": "De nieuwe premies voor 2027 zijn bekend. We zetten op een rij wat er verandert in de "
                       "basisverzekering en de aanvullende pakketten, zonder kleine lettertjes: "
                       "https://vitaal.example/premie-2027" + SIGN},
          ("premie-2027.png", "Tabel met de premies van de basisverzekering en drie aanvullende pakketten")),
    Story(-16, time(12, 30), "Tip: zo declareer je met een foto", "declareren", "tips", 0, "published",
          {"x": "Declareren zonder envelop: maak een foto van je nota in de Vitaal-app en klaar. Zo werkt het: "
                "https://vitaal.example/declareren" + SIGN,
           "facebook": "Wist je dat je de meeste nota's met een foto declareert? Open de app, kies Declareren en "
                       "maak een foto. Meestal staat het geld binnen vijf werkdagen op je rekening. "
                       "https://vitaal.example/declareren" + SIGN},
          ("app-declareren.png", "Schermafbeelding van de Vitaal-app met de knop Declareren")),
    Story(-14, time(10, 0), "Vergoedingenwijzer vernieuwd", "vergoedingen", "campaign", 2, "published",
          {"x": "Onze vergoedingenwijzer is vernieuwd: per behandeling zie je direct wat je pakket vergoedt. "
                "https://vitaal.example/vergoedingen" + SIGN,
           "linkedin": "Voor zorgverleners en werkgevers: de vergoedingenwijzer van Vitaal is vernieuwd. Per "
                       "behandeling staat wat elk pakket vergoedt, zodat je patiënten en medewerkers snel kunt "
                       "helpen. https://vitaal.example/vergoedingen" + SIGN}),
    Story(-12, time(8, 30), "Storing app opgelost", "service", "service", 0, "published",
          {"x": "De storing in de app en Mijn Vitaal van vanochtend is opgelost. Ingediende declaraties zijn "
                "bewaard gebleven. Dank voor je geduld!" + SIGN}),
    Story(-9, time(9, 0), "Webinar collectieve verzekering voor werkgevers", "werkgevers", "", None, "published",
          {"linkedin": "Werkgevers: op 12 december laten we in een webinar van 30 minuten zien hoe een "
                       "collectieve zorgverzekering werkt en wat die je medewerkers oplevert. Aanmelden: "
                       "https://vitaal.example/webinar-werkgevers" + SIGN}),
    Story(-7, time(12, 0), "Tip: fysiotherapie in je pakket", "vergoedingen", "tips", 0, "published",
          {"facebook": "Hoeveel behandelingen fysiotherapie vergoedt jouw pakket? In de vergoedingenwijzer zie je "
                       "het per pakket. Twijfel je? Stel je vraag hieronder, we helpen je graag. "
                       "https://vitaal.example/vergoedingen/fysiotherapie" + SIGN},
          ("fysio.png", "Een fysiotherapeut begeleidt een patiënt bij een oefening voor de knie")),
    Story(-5, time(10, 30), "Overstappen in drie stappen", "overstappen", "campaign", 2, "published",
          {"x": "Overstappen naar Vitaal? Het kan tot en met 31 december, in drie stappen. Wij zeggen je oude "
                "verzekering voor je op: https://vitaal.example/overstappen" + SIGN,
           "facebook": "Overstappen is makkelijker dan je denkt: kies je pakket, vul je gegevens in en wij zeggen "
                       "je oude verzekering op. Tot en met 31 december. https://vitaal.example/overstappen" + SIGN}),
    Story(-3, time(9, 0), "Tip: je eigen risico in termijnen", "premie", "tips", 0, "published",
          {"x": "Je eigen risico in termijnen betalen? Dat kan bij Vitaal zonder extra kosten: "
                "https://vitaal.example/eigen-risico" + SIGN}),
    Story(-1, time(16, 0), "Feestdagen: bereikbaarheid klantenservice", "service", "service", 0, "cancelled",
          {"x": "Rond de feestdagen zijn we bereikbaar via de app en sociale media." + SIGN}),
    Story(1, time(9, 0), "Premievergelijker: let op je aanvullende pakket", "overstappen", "campaign", 2, "scheduled",
          {"x": "Premies vergelijken? Kijk ook naar je aanvullende pakket: daar zitten de grootste verschillen. "
                "https://vitaal.example/vergelijken" + SIGN,
           "facebook": "Vergelijk je zorgverzekeringen? Kijk niet alleen naar de premie, maar ook naar wat je "
                       "aanvullende pakket vergoedt, zoals fysiotherapie en tandarts. "
                       "https://vitaal.example/vergelijken" + SIGN},
          ("vergelijker.png", "Twee pakketten naast elkaar met hun premie en vergoedingen")),
    Story(2, time(12, 30), "Tip: gezond de winter door", "gezondheid", "tips", 0, "scheduled",
          {"facebook": "Vijf tips om gezond de winter door te komen, van de griepprik tot genoeg daglicht: "
                       "https://vitaal.example/winter" + SIGN}),
    Story(4, time(10, 0), "Werken bij Vitaal: webcare", "werken bij", "", None, "in_review",
          {"linkedin": "Help jij onze verzekerden via sociale media? Het webcareteam van Vitaal zoekt een collega "
                       "voor 32 uur. https://vitaal.example/vacatures/webcare" + SIGN}),
    Story(6, time(9, 0), "Overstappen: laatste week", "overstappen", "campaign", 2, "scheduled",
          {"x": "Nog een week om over te stappen. Regel het in vijf minuten: https://vitaal.example/overstappen"
                + SIGN}),
    Story(8, time(11, 0), "Nieuw in de app: brillen declareren", "app", "service", 0, "draft",
          {"x": "Nieuw in de app: nota's van je bril of lenzen declareer je nu ook met een foto." + SIGN}),
    Story(11, time(9, 0), "Tip: nieuwjaarsvoornemens en je pakket", "gezondheid", "tips", 0, "draft",
          {"facebook": "Meer bewegen in het nieuwe jaar? Kijk wat je pakket vergoedt aan sport en leefstijl."
                       + SIGN}),
    Story(14, time(9, 0), "Terugblik overstapseizoen", "overstappen", "campaign", 2, "draft", {}),
]


async def seed(ctx: HookContext) -> None:
    session: AsyncSession = ctx.session
    if await session.scalar(select(func.count()).select_from(Campaign)):
        return
    owner = await owning_department(session, "talking")
    people = await department_and_regie(session, owner) if owner else []
    if owner is None or not people:
        return
    author = await member_principal(session, people[0].id, "talking")
    ch = await choices(session)
    if author is None or not ch.accounts:
        return
    today = utcnow().astimezone(ZONE).date()
    objectives = ch.objectives
    campaign = await create_campaign(session, author, {
        "name": "Overstapseizoen 2026", "goal": "20% meer bezoekers van de premiepagina dan vorig jaar en minder "
                                                "negatieve reacties over premies.",
        "budget": "12500", "objective": "traffic", "department_id": str(owner),
        "starting_point": objectives[2] if len(objectives) > 2 else "",
        "starts_on": (today - timedelta(days=20)).isoformat(), "ends_on": (today + timedelta(days=15)).isoformat()})
    tips = await create_stream(session, author, {
        "name": "Tips voor verzekerden", "description": "Elke week een praktische tip over declareren, vergoedingen "
                                                       "en gezondheid.",
        "starting_point": objectives[0] if objectives else "", "department_id": str(owner)})
    service = await create_stream(session, author, {
        "name": "Service-updates", "description": "Storingen, bereikbaarheid en nieuwe functies in de app.",
        "starting_point": objectives[0] if objectives else "", "department_id": str(owner)})
    homes = {"campaign": f"campaign:{campaign.id}", "tips": f"stream:{tips.id}", "service": f"stream:{service.id}"}
    accounts = {a.platform: a for a in ch.accounts}
    base_url = str(getattr(ctx.settings, "base_url", "") or "http://127.0.0.1:8000")
    for n, story in enumerate(STORIES):
        variants = {str(accounts[p].id): {"text": text, "images": _images(story)}
                    for p, text in story.texts.items() if p in accounts}
        post = await create_post(session, author, {
            "title": story.title, "theme": story.theme, "home": homes.get(story.home, ""),
            "objective": objectives[story.objective] if story.objective is not None and
            story.objective < len(objectives) else "",
            "department_id": str(owner), "variants": variants}, ch, base_url=base_url)
        await _tell(session, post, story, today, n)
    await _network_figures(session, list(accounts.values()), today)


def _images(story: Story) -> list[dict[str, str]]:
    return [{"url": f"{MEDIA}/{story.image[0]}", "alt": story.image[1]}] if story.image else []


async def _tell(session: AsyncSession, post: Post, story: Story, today: Any, n: int) -> None:
    """The story's moment and state (the hub approved what is scheduled or went out, as the centralized model
    wants); what went out gets the address where each variant was posted."""
    moment = datetime.combine(today + timedelta(days=story.day), story.at, tzinfo=ZONE).astimezone(UTC)
    post.publish_at = moment
    post.state = story.state
    if story.state == "in_review":
        post.approval_reason, post.approver_department_id = "org_model", post.department_id
    if story.state == "cancelled":
        post.state_reason = "Dubbel met het bericht over de feestdagen in de app."
    if story.state == "published":
        post.published_at = moment + timedelta(minutes=2)
        for i, variant in enumerate(post.variants):
            variant.published_at, variant.publish_state = post.published_at, "published"
            variant.external_url = _where(variant.platform, variant.handle, 1_860_000_000_000_000_000 + n * 10 + i)
    await session.flush()


FOLLOWERS = {"x": 8400, "facebook": 21300, "linkedin": 3900}
"""Each account's followers a month ago; they grow a little every day."""


async def _network_figures(session: AsyncSession, accounts: list[Any], today: Any) -> None:
    """What the networks said back, as the interactions and followers jobs would have stored it: the counts of
    every published variant and a month of daily follower readings per account."""
    now = utcnow()
    variants = (await session.scalars(select(PostVariant).where(PostVariant.published_at.is_not(None)))).all()
    for n, variant in enumerate(variants):
        session.add(VariantInteractions(variant_id=variant.id, account_id=variant.account_id, likes=40 + 13 * (n % 5),
                                        reposts=6 + n % 4, replies=3 + n % 3, quotes=n % 2, read_at=now))
    for account in accounts:
        start = FOLLOWERS.get(account.platform, 2500)
        for back in range(30, -1, -1):
            session.add(AccountFollowers(account_id=account.id, day=today - timedelta(days=back),
                                         followers=start + (30 - back) * (start // 900), follows=300,
                                         posts=1200 + (30 - back), read_at=now))
    await session.flush()


def _where(platform: str, handle: str, number: int) -> str:
    if platform == "x":
        return f"https://x.com/{handle}/status/{number}"
    if platform == "facebook":
        return f"https://facebook.com/{handle}/posts/{number}"
    return f"https://linkedin.com/feed/update/urn:li:activity:{number}"
