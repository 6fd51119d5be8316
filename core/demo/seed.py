"""Seeding the demo: idempotent (an organisation that exists is left alone), one transaction per run.

Rows are written with the ORM models inside `tenant_scope`, with audit entries for the decisions a
real organisation would have taken to get here, so the audit log and the gates tell a coherent story.

- Gemeente Zuiderhaven (hub and spoke, phase *listening*): workgroup of three, regie appointed,
  starting points v1 approved and acknowledged by two of the three represented departments,
  monitoring requested by Communicatie.
- Vitaal Zorgverzekeraar (centralized, phase *pilot*): starting points approved and acknowledged,
  an external baseline study, monitoring and webcare active, a first methodology, the transition
  listening → pilot and a published policy with tone-of-voice rules; once monitoring's first pilot period
  is measured with its target met, Productontwikkeling starts co-creation through the activation check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.audit.service import record
from core.auth.models import Membership, User
from core.auth.passwords import hash_password, verify_password
from core.auth.service import user_principal
from core.demo.accounts import VITAAL_SILENCE, seed_vitaal_accounts
from core.demo.measurement import WRITTEN_DAYS_AGO, methodology_kpis
from core.measurement.models import MethodologyVersion
from core.plugins.host import call
from core.policy.models import PolicyVersion
from core.roadmap.models import (
    BaselineStudy,
    PhaseTransition,
    StartingPointsAck,
    StartingPointsVersion,
    StartingPointsWish,
)
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.trainings.service import ensure_catalogue
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat

DEMO_PASSWORD = "Regie-demo-2026"
"""The one password of every demo account (documented in the README and printed by `regie demo`)."""


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    tenant: str
    """Slug, or '' for the mediator."""

    def url(self, base_url: str) -> str:
        return f"{base_url}/t/{self.tenant}/login" if self.tenant else f"{base_url}/login"


MEDIATOR = DemoAccount("mediator", "adviseur@regie-advies.example", "Eva Verhoeven (adviseur)", "")


@dataclass(frozen=True)
class _Person:
    key: str
    email: str
    name: str
    role: str
    department: str | None
    label: str


# ------------------------------------------------------------------ Gemeente Zuiderhaven

ZUIDERHAVEN: dict[str, Any] = {
    "slug": "zuiderhaven",
    "name": "Gemeente Zuiderhaven",
    "org_model": "hub_and_spoke",
    "departments": [
        ("Communicatie", "corporate_communication", True),
        ("Klantcontactcentrum", "customer_service", False),
        ("Economische Zaken", "sales", False),
        ("HR", "hr", False),
    ],
    "people": [
        _Person("admin", "m.devries@zuiderhaven.example", "Marloes de Vries", "admin", None,
                "admin (gemeentesecretaris)"),
        _Person("regie", "s.bakker@zuiderhaven.example", "Sanne Bakker", "member", "Communicatie",
                "regie holder (Communicatie)"),
        _Person("kcc", "j.smit@zuiderhaven.example", "Jeroen Smit", "member", "Klantcontactcentrum",
                "workgroup (Klantcontactcentrum)"),
        _Person("ez", "f.elamrani@zuiderhaven.example", "Fatima El Amrani", "member", "Economische Zaken",
                "workgroup (Economische Zaken)"),
        _Person("hr", "p.jansen@zuiderhaven.example", "Pieter Jansen", "member", "HR", "member (HR)"),
        _Person("viewer", "raad@zuiderhaven.example", "Griffie Zuiderhaven", "viewer", None, "viewer (griffie)"),
    ],
}

ZUIDERHAVEN_POINTS = {
    "organisation_analysis": (
        "Zuiderhaven is een middelgrote gemeente (ca. 68.000 inwoners) met een sterke havengebonden "
        "economie. Inwoners, ondernemers en maatschappelijke organisaties praten op Facebook, X, LinkedIn "
        "en in buurtgroepen op WhatsApp volop over de gemeente: over afvalinzameling, de herinrichting "
        "van de Havenkade en parkeervergunningen. Tot nu toe reageren afdelingen ieder op eigen houtje; "
        "er zijn zeven accounts waarvan niemand precies weet wie ze beheert."
    ),
    "people": (
        "Communicatie heeft twee online adviseurs; het Klantcontactcentrum beantwoordt vragen via telefoon, "
        "e-mail en balie en wil webcare erbij doen. Economische Zaken heeft accountmanagers die ondernemers "
        "persoonlijk kennen. Bij HR is behoefte aan richtlijnen voor medewerkers die privé over hun werk posten."
    ),
    "objectives": (
        "1. Luisteren: binnen drie maanden weten waar en hoe over Zuiderhaven wordt gesproken (nulmeting).\n"
        "2. Bereikbaarheid: vragen via sociale media binnen één werkdag beantwoorden.\n"
        "3. Vertrouwen: inwoners betrekken bij de herinrichting van de Havenkade."
    ),
    "strategy": (
        "Eerst luisteren, dan pas zenden. Communicatie is de hub: zij keurt nieuwe accounts goed en bewaakt "
        "de toon; de afdelingen (spokes) reageren zelf binnen hun vakgebied. De werkgroep komt elke twee "
        "weken bijeen; de regiehouder bewaakt samenhang en continuïteit."
    ),
    "technology": (
        "Een monitoringtool voor de nulmeting en dagelijkse signalering; het zaaksysteem van het KCC blijft "
        "leidend voor vragen en klachten. Bestaande accounts worden geïnventariseerd in het accountregister."
    ),
    "listening_results": (
        "Nog niet beschikbaar: de nulmeting start zodra monitoring is geactiveerd."
    ),
}

ZUIDERHAVEN_WISHES = {
    "Communicatie": "Overzicht van wat er over de gemeente gezegd wordt en snel kunnen signaleren bij "
                    "incidenten (bijvoorbeeld bij stormschade of een storing in de afvalinzameling).",
    "Klantcontactcentrum": "Vragen en klachten via Facebook en X als zaak kunnen oppakken, met dezelfde "
                           "servicenormen als de telefoon.",
    "Economische Zaken": "Ondernemers in het havengebied bereiken via LinkedIn en de ondernemersvereniging "
                         "laten meedenken over de Havenkade.",
}

# ------------------------------------------------------------------ Vitaal Zorgverzekeraar

VITAAL: dict[str, Any] = {
    "slug": "vitaal",
    "name": "Vitaal Zorgverzekeraar",
    "org_model": "centralized",
    "departments": [
        ("Communicatie & Marketing", "corporate_communication", True),
        ("Klantenservice", "customer_service", False),
        ("Zakelijke Markt", "sales", False),
        ("Productontwikkeling", "development", False),
    ],
    "people": [
        _Person("admin", "directie@vitaal.example", "Henk Mulder", "admin", None, "admin (directie)"),
        _Person("regie", "l.visser@vitaal.example", "Lotte Visser", "member", "Communicatie & Marketing",
                "regie holder (Communicatie & Marketing)"),
        _Person("service", "a.yilmaz@vitaal.example", "Ahmet Yılmaz", "member", "Klantenservice",
                "workgroup (Klantenservice, webcare)"),
        _Person("sales", "r.dekker@vitaal.example", "Roos Dekker", "member", "Zakelijke Markt",
                "workgroup (Zakelijke Markt)"),
        _Person("dev", "t.vandam@vitaal.example", "Tim van Dam", "member", "Productontwikkeling",
                "workgroup (Productontwikkeling)"),
        _Person("viewer", "ondernemingsraad@vitaal.example", "Ondernemingsraad Vitaal", "viewer", None,
                "viewer (ondernemingsraad)"),
    ],
}

VITAAL_POINTS = {
    "organisation_analysis": (
        "Vitaal is een landelijke zorgverzekeraar met 1,2 miljoen verzekerden. Rond het overstapseizoen "
        "(november–januari) pieken de vragen over premies en vergoedingen, ook op sociale media. Klanten "
        "delen ervaringen met declaraties op Facebook en X; zorgverleners praten op LinkedIn over "
        "contractering. Er is één centraal team dat alle uitingen verzorgt."
    ),
    "people": (
        "Communicatie & Marketing (6 fte) voert de regie en beheert alle accounts. Klantenservice levert "
        "drie webcaremedewerkers, opgeleid in de tone of voice. Zakelijke Markt en Productontwikkeling "
        "leveren kennis en nemen deel aan de werkgroep."
    ),
    "objectives": (
        "1. Klanttevredenheid over online service naar een 7,5 (nu 6,8).\n"
        "2. 90% van de webcarevragen binnen 4 uur beantwoord.\n"
        "3. Negatief sentiment rond het overstapseizoen met 20% verlagen."
    ),
    "strategy": (
        "Gecentraliseerd: het hub-team keurt alle berichten goed. Eerst een pilot met monitoring en webcare "
        "op Facebook en X; leren van de pilot voordat andere afdelingen (co-creatie, ambassadeurs) volgen."
    ),
    "technology": (
        "Monitoring en webcare in Regie; koppeling met het CRM voor klantdossiers; het zaaksysteem blijft "
        "de bron voor declaraties. Geen nieuwe accounts zonder toestemming van het hub-team."
    ),
    "listening_results": (
        "Nulmeting (extern bureau, september): 4.300 vermeldingen per maand, 38% negatief, vooral over "
        "doorlooptijd van declaraties en bereikbaarheid van de klantenservice. Piek in december."
    ),
}

VITAAL_WISHES = {
    "Communicatie & Marketing": "Eén overzicht van alle gesprekken over Vitaal en een tone of voice die "
                                "overal herkenbaar is.",
    "Klantenservice": "Vragen via sociale media als zaak behandelen met SLA-timers en escalatie naar de "
                      "tweede lijn.",
    "Zakelijke Markt": "Werkgevers en zorgverleners op LinkedIn informeren over collectieve contracten.",
    "Productontwikkeling": "Ideeën van klanten verzamelen voor de nieuwe app, zodra de pilot geslaagd is.",
}

VITAAL_POLICY_STRATEGY = {
    "function": "Sociale media dienen bij Vitaal voor luisteren en ondersteunen (webcare); zenden volgt "
                "het contentplan van Communicatie & Marketing.",
    "goals": "Klanttevredenheid online 7,5; 90% van de vragen binnen 4 uur beantwoord; minder negatief "
             "sentiment in het overstapseizoen.",
    "measurement_methods": "Dagelijks monitoringdashboard; wekelijkse samenvatting voor de werkgroep; "
                           "kwartaalrapportage aan de directie.",
    "targets": "Doelen per kwartaal, vastgesteld door de werkgroep na de pilot.",
}

VITAAL_POLICY_WAY_OF_WORK = {
    "roles": "Communicatie & Marketing is de hub en keurt alle berichten goed; Klantenservice beantwoordt "
             "vragen binnen de webcare-richtlijnen; de regiehouder bewaakt samenhang.",
    "tone_of_voice": "Persoonlijk, helder en behulpzaam. We tutoyeren, gebruiken geen vakjargon en "
                     "ondertekenen met je voornaam en 'Team Vitaal'.",
    "discussions": "Bij discussies reageren we eenmaal inhoudelijk en bieden we een persoonlijk gesprek "
                   "aan via privébericht. Feitelijke onjuistheden corrigeren we vriendelijk met een bron.",
    "rules_of_engagement": "Geen medische adviezen en geen persoonsgegevens in openbare reacties; "
                           "klantgegevens alleen via een beveiligd kanaal.",
    "account_conditions": "Een nieuw account vraagt een doel, een eigenaar, een vervanger en "
                          "toestemming van het hub-team.",
    "new_initiatives": "Nieuwe initiatieven worden in de werkgroep besproken en als pilot gestart.",
    "longest_silence": VITAAL_SILENCE,
}

EMBRACING = ("cocreation", "Productontwikkeling", "t.vandam@vitaal.example",
             "Ideeën van klanten voor de nieuwe app verzamelen op een openbaar ideeënbord, nu monitoring in de "
             "eerste periode van de pilot zijn doelen haalde.")
"""The function Vitaal starts last, once its prerequisite is met: (plugin, department, requester, motivation)."""

VITAAL_TONE_RULES = {
    "forbidden_words": ["helaas kunnen wij niets", "conform de polisvoorwaarden", "u dient"],
    "required_signoff": "Team Vitaal",
    "max_length": {"x": 280, "facebook": 2000, "linkedin": 3000},
    "alt_text_required": True,
}



def demo_accounts() -> list[DemoAccount]:
    accounts = [MEDIATOR]
    for spec in (ZUIDERHAVEN, VITAAL):
        accounts += [DemoAccount(p.label, p.email, p.name, spec["slug"]) for p in spec["people"]]
    return accounts


def format_accounts(accounts: list[DemoAccount], base_url: str = "http://127.0.0.1:8000") -> str:
    rows = [("role", "e-mail", "tenant", "URL")]
    rows += [(a.role, a.email, a.tenant or "-", a.url(base_url)) for a in accounts]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["Demo accounts (password for all: " + DEMO_PASSWORD + ")", ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[j]) for j, cell in enumerate(row)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def seed_demo(sessionmaker: async_sessionmaker[AsyncSession], pm: Any = None,
                    settings: Any = None) -> list[DemoAccount]:
    """Create whatever of the demo is missing, in one transaction; return the accounts.

    With a plugin manager, each demo tenant's active plugins then seed their own demo data
    (`regie_demo`, idempotent), each in a transaction of its own.
    """
    password_hash = hash_password(DEMO_PASSWORD)
    async with sessionmaker() as session, session.begin():
        await _ensure_mediator(session, password_hash)
        await ensure_catalogue(session)  # the default trainings (idempotent)
        for spec, build in ((ZUIDERHAVEN, _zuiderhaven), (VITAAL, _vitaal)):
            if await session.scalar(select(Tenant.id).where(Tenant.slug == spec["slug"])):
                continue
            tenant, people, departments = await _base(session, spec, password_hash)
            with tenant_scope(tenant.id):
                await build(session, tenant, people, departments)
                await session.flush()
    if pm is not None:
        from core.demo.measurement import demo_items, demo_kpis, seed_later_plugin, seed_measurement

        chosen = {spec["slug"]: await _plugin_demo(sessionmaker, spec["slug"], pm, settings)
                  for spec in (ZUIDERHAVEN, VITAAL)}
        # after the plugins' data it measures, with the KPIs their demos chose
        await seed_measurement(sessionmaker, pm, VITAAL["slug"], demo_kpis(chosen[VITAAL["slug"]]))
        # with the pilot's first period measured, development may start co-creation (its prerequisite)
        if await _embrace(sessionmaker, pm, VITAAL["slug"]):
            plugin = EMBRACING[0]
            later = await _plugin_demo(sessionmaker, VITAAL["slug"], pm, settings, only=plugin,
                                       items=demo_items(chosen[VITAAL["slug"]]))
            await seed_later_plugin(sessionmaker, pm, VITAAL["slug"], plugin, demo_kpis(later))
        await _summaries(sessionmaker, pm)
    return demo_accounts()


async def _summaries(sessionmaker: async_sessionmaker[AsyncSession], pm: Any) -> None:
    """Each demo tenant's summary for the mediator's pages now, so the console shows them from the start rather
    than after the summary job's first round (`core.mediator.summary`; overwritten on a second run)."""
    from core.mediator.summary import refresh

    for spec in (ZUIDERHAVEN, VITAAL):
        async with sessionmaker() as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.slug == spec["slug"]))
        if tenant is None:
            continue
        with tenant_scope(tenant.id):
            async with sessionmaker() as session, session.begin():
                await refresh(session, pm, tenant)


async def _plugin_demo(sessionmaker: async_sessionmaker[AsyncSession], slug: str, pm: Any,
                       settings: Any, only: str | None = None, items: tuple[Any, ...] = ()) -> list[Any]:
    """Each active plugin's `regie_demo` (or `only` that one's, handed the `items` earlier demos offered);
    returns their answers (the KPIs each demo chose and items it offers, or None)."""
    from core.plugins.context import hook_context

    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return []
    with tenant_scope(tenant.id):
        async with sessionmaker() as session, session.begin():
            plugins = await pm.for_tenant(session)
            if not plugins or (only is not None and only not in plugins.names):
                return []
            ctx = hook_context(session, tenant, "nl", settings=settings, pm=pm, demo_items=items)
            if only is not None:
                return await call(pm.hook("regie_demo", only=only), ctx=ctx)
            return await plugins.call("regie_demo", ctx=ctx)


async def _embrace(sessionmaker: async_sessionmaker[AsyncSession], pm: Any, slug: str) -> bool:
    """Development starts co-creation now that monitoring ran well: its request and the regie holder's approval
    each pass the activation check the catalogue runs (phase, required plugins, the plugin's own prerequisite).
    A blocker stops the demo loudly; nothing activates past it. False when it is not installed or was already
    requested (a second run)."""
    from core.activation.service import blockers

    plugin, department_name, requester_email, motivation = EMBRACING
    if plugin not in {info.name for info in pm.infos}:
        return False
    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return False
    with tenant_scope(tenant.id):
        async with sessionmaker() as session, session.begin():
            if await session.scalar(select(PluginActivation.id).where(PluginActivation.plugin == plugin)):
                return False
            tenant = await session.get(Tenant, tenant.id)
            department = await session.scalar(select(Department).where(Department.name == department_name))
            requester = await session.scalar(select(User).where(User.email == requester_email))
            regie = await session.scalar(select(User).where(User.email == "l.visser@vitaal.example"))
            if tenant is None or department is None or requester is None or regie is None:
                raise RuntimeError(f"demo: {slug} lacks the department or people to request {plugin}")
            for who in (requester, regie):  # the request, then the approval, each checked as on the catalogue
                reasons = await blockers(session, tenant, pm, plugin, department, "en", who.id)
                if reasons:
                    raise RuntimeError(f"demo: {plugin} cannot be activated for {slug}: {' '.join(reasons)}")
                if who is requester:
                    row = PluginActivation(plugin=plugin, department_id=department.id, status="requested",
                                           motivation=motivation, requested_by_id=requester.id)
                    session.add(row)
                    await session.flush()
                    await record(session, user_principal(requester), "plugin.requested", subject=row,
                                 summary=f"{plugin} — {department.name}", reason=motivation,
                                 data={"plugin": plugin, "department": department.name})
            row.status, row.decided_by_id = "active", regie.id
            row.decision_reason = "Monitoring haalde zijn doelen in de eerste periode van de pilot; de voorwaarde " \
                                  "van cocreatie is vervuld."
            row.activated_at, row.activated_in_phase = datetime.now(UTC), tenant.phase
            await session.flush()
            await record(session, user_principal(regie), "plugin.activated", subject=row,
                         summary=f"{plugin} — {department.name}", reason=row.decision_reason,
                         data={"plugin": plugin, "requested_by": str(requester.id), "second_person": False})
    return True


async def _ensure_mediator(session: AsyncSession, password_hash: str) -> None:
    user = await session.scalar(select(User).where(func.lower(User.email) == MEDIATOR.email))
    if user is None:
        session.add(User(email=MEDIATOR.email, name=MEDIATOR.name, password_hash=password_hash,
                         is_mediator=True))
        await session.flush()


async def _base(session: AsyncSession, spec: dict[str, Any], password_hash: str
                ) -> tuple[Tenant, dict[str, tuple[User, Membership]], dict[str, Department]]:
    """Tenant, departments, people and memberships; the workgroup seats of every departmental member."""
    tenant = Tenant(slug=spec["slug"], name=spec["name"], org_model=spec["org_model"], phase="listening")
    session.add(tenant)
    await session.flush()
    departments: dict[str, Department] = {}
    people: dict[str, tuple[User, Membership]] = {}
    with tenant_scope(tenant.id):
        await record(session, "operator (demo)", "tenant.created", subject=tenant,
                     summary=f"{tenant.name} ({tenant.slug}, {tenant.org_model})")
        for name, function, hub in spec["departments"]:
            departments[name] = Department(name=name, business_function=function, is_hub=hub)
            session.add(departments[name])
        await session.flush()
        for person in spec["people"]:
            user = await session.scalar(select(User).where(func.lower(User.email) == person.email))
            if user is None:
                user = User(email=person.email, name=person.name, password_hash=password_hash)
                session.add(user)
                await session.flush()
            elif not verify_password(user.password_hash, DEMO_PASSWORD):
                user.password_hash = password_hash
            membership = Membership(user_id=user.id, role=person.role,
                                    department_id=departments[person.department].id if person.department else None)
            session.add(membership)
            await session.flush()
            people[person.key] = (user, membership)
            await record(session, "operator (demo)", "member.added", subject=membership,
                         summary=f"{user.email} ({person.role})")
    return tenant, people, departments


async def _seats(session: AsyncSession, people: dict[str, tuple[User, Membership]], keys: list[str],
                 departments: dict[str, Department], admin: User) -> None:
    by_id = {d.id: d for d in departments.values()}
    for key in keys:
        _user, membership = people[key]
        department = by_id[membership.department_id]
        seat = WorkgroupSeat(department_id=department.id, membership_id=membership.id)
        session.add(seat)
        await session.flush()
        await record(session, user_principal(admin), "workgroup.seat_set", subject=seat,
                     summary=f"{department.name}: {_user.name}")


async def _regie(session: AsyncSession, holder: tuple[User, Membership], admin: User, reason: str,
                 when: datetime) -> None:
    appointment = RegieAppointment(membership_id=holder[1].id, appointed_by_id=admin.id, reason=reason,
                                   started_at=when)
    session.add(appointment)
    await session.flush()
    await record(session, user_principal(admin), "regie.appointed", subject=appointment,
                 summary=holder[0].name, reason=reason)


async def _starting_points(session: AsyncSession, texts: dict[str, str], wishes: dict[str, str],
                           departments: dict[str, Department], author: User, approved: datetime,
                           acks: list[tuple[str, User]], note: str) -> StartingPointsVersion:
    version = StartingPointsVersion(number=1, note=note, author_id=author.id, approved_at=approved,
                                    approved_by_id=author.id, **texts)
    session.add(version)
    await session.flush()
    for name, wish in wishes.items():
        session.add(StartingPointsWish(version_id=version.id, department_id=departments[name].id, wish=wish))
    await session.flush()
    await record(session, user_principal(author), "starting_points.approved", subject=version,
                 summary="versie 1")
    for name, user in acks:
        ack = StartingPointsAck(version_id=version.id, department_id=departments[name].id,
                                acknowledged_by_id=user.id)
        session.add(ack)
        await session.flush()
        await record(session, user_principal(user), "starting_points.acknowledged", subject=version,
                     summary=f"versie 1 — {name}")
    return version


async def _zuiderhaven(session: AsyncSession, tenant: Tenant, people: dict[str, tuple[User, Membership]],
                       departments: dict[str, Department]) -> None:
    now = datetime.now(UTC)
    admin, regie = people["admin"][0], people["regie"]
    await _seats(session, people, ["regie", "kcc", "ez"], departments, admin)
    await _regie(session, regie, admin,
                 "Sanne coördineert al de gemeentebrede communicatie en is door de werkgroep unaniem "
                 "voorgedragen; zij bewaakt de samenhang tussen de afdelingen.", now - timedelta(days=21))
    await _starting_points(
        session, ZUIDERHAVEN_POINTS, ZUIDERHAVEN_WISHES, departments, regie[0], now - timedelta(days=7),
        [("Communicatie", regie[0]), ("Klantcontactcentrum", people["kcc"][0])],
        "Eerste versie, besproken in de werkgroep; Economische Zaken bevestigt na het ondernemersoverleg.")
    activation = PluginActivation(plugin="monitoring", department_id=departments["Communicatie"].id,
                                  status="requested", requested_by_id=regie[0].id,
                                  motivation="Voor de nulmeting willen we weten waar inwoners en ondernemers "
                                             "over Zuiderhaven praten, en incidenten vroeg zien.")
    session.add(activation)
    await session.flush()
    await record(session, user_principal(regie[0]), "plugin.requested", subject=activation,
                 summary="monitoring — Communicatie")


async def _vitaal(session: AsyncSession, tenant: Tenant, people: dict[str, tuple[User, Membership]],
                  departments: dict[str, Department]) -> None:
    now = datetime.now(UTC)
    admin, regie = people["admin"][0], people["regie"]
    hub = "Communicatie & Marketing"
    await _seats(session, people, ["regie", "service", "sales", "dev"], departments, admin)
    await _regie(session, regie, admin,
                 "Lotte leidt het centrale team Communicatie & Marketing, dat in ons gecentraliseerde model "
                 "alle uitingen goedkeurt.", now - timedelta(days=90))
    await _starting_points(
        session, VITAAL_POINTS, VITAAL_WISHES, departments, regie[0], now - timedelta(days=60),
        [(hub, regie[0]), ("Klantenservice", people["service"][0]), ("Zakelijke Markt", people["sales"][0]),
         ("Productontwikkeling", people["dev"][0])],
        "Vastgesteld in de werkgroep van september.")
    today = now.date()
    study = BaselineStudy(source="external", title="Nulmeting sociale media Vitaal (extern bureau)",
                          period_start=today - timedelta(days=160), period_end=today - timedelta(days=70),
                          summary=VITAAL_POINTS["listening_results"], file_name=None,
                          data={"mentions_per_month": 4300, "negative_share": 0.38, "positive_share": 0.21},
                          created_by_id=regie[0].id)
    session.add(study)
    await session.flush()
    await record(session, user_principal(regie[0]), "baseline.uploaded", subject=study, summary=study.title)
    for plugin, department, phase, days, motivation in (
        ("monitoring", hub, "listening", 70, "Dagelijks zien wat er over Vitaal gezegd wordt, "
                                             "en de nulmeting bijhouden."),
        ("webcare", "Klantenservice", "pilot", 40, "Pilot: vragen via Facebook en X als zaak afhandelen "
                                                   "binnen vier uur."),
        ("talking", hub, "pilot", 35, "Pilot: elke dag relevante content op de eigen kanalen, gepland in één "
                                      "kalender en gekoppeld aan onze doelen."),
        ("energizing", "Zakelijke Markt", "pilot", 21, "Pilot: NPS meten onder klanten, promotors uitnodigen als "
                                                       "ambassadeur en leads uit hun aanbevelingen meten."),
    ):  # the regie holder's own requests, approved by a second person (the admin), as the platform requires
        activation = PluginActivation(plugin=plugin, department_id=departments[department].id, status="active",
                                      motivation=motivation, requested_by_id=regie[0].id,
                                      decided_by_id=admin.id, decision_reason="Past binnen de vertrekpunten.",
                                      activated_at=now - timedelta(days=days), activated_in_phase=phase)
        session.add(activation)
        await session.flush()
        await record(session, user_principal(admin), "plugin.activated", subject=activation,
                     summary=f"{plugin} — {department}", reason=activation.decision_reason,
                     data={"plugin": plugin, "requested_by": str(regie[0].id), "second_person": True})
    await seed_vitaal_accounts(session, tenant, regie[0], admin, people["sales"][0], departments, now)
    transition = PhaseTransition(from_phase="listening", to_phase="pilot", by_id=regie[0].id, overridden=False,
                                 reason="Alle voorwaarden van de luisterfase zijn vervuld.", failing_items=[])
    session.add(transition)
    tenant.phase = "pilot"
    await session.flush()
    await record(session, user_principal(regie[0]), "phase.advanced", subject=transition,
                 summary="listening → pilot", reason=transition.reason)
    written = now - timedelta(days=WRITTEN_DAYS_AGO)  # measured daily since then (core.demo.measurement)
    methodology = MethodologyVersion(number=1, kpis=methodology_kpis(departments), created_by_id=regie[0].id,
                                     reason="Eerste keuze van KPI's voor de pilot met monitoring en webcare: "
                                            "buzz en sentiment, webcare, en leads uit het CRM.",
                                     created_at=written, updated_at=written)
    session.add(methodology)
    await session.flush()
    await record(session, user_principal(regie[0]), "methodology.created", subject=methodology,
                 summary="versie 1", reason=methodology.reason)
    policy = PolicyVersion(number=1, strategy=VITAAL_POLICY_STRATEGY, way_of_work=VITAAL_POLICY_WAY_OF_WORK,
                           tone_rules=VITAAL_TONE_RULES, note="Beleid voor de pilotfase.",
                           author_id=regie[0].id, published_at=now - timedelta(days=30),
                           published_by_id=regie[0].id)
    session.add(policy)
    await session.flush()
    await record(session, user_principal(regie[0]), "policy.published", subject=policy, summary="versie 1")
