"""A tenant that grows: `Grower.grow(n)` brings acme's lists to `n` rows each, as people and jobs make them.

Used by the query-count test: each page is requested with little data and again with more, and must not run
more statements the second time. Mentions come through the ingestion API (negative ones open cases through
the routing rules), audit entries through `record` and notifications through `notify_people`; the other rows
are inserted as their services store them: departments with a member holding their workgroup seat,
invitations, regie history, starting-point versions with wishes and acknowledgements, phase transitions,
KPIs with targets, snapshots and manual values, presentations awaiting approval, plugin requests, search
profiles with alerts, queues and cases with assignees, registered accounts with owners in every state and
accounts seen using the organisation's name, and a case whose timeline, replies, escalations and author's
other cases grow; and other tenants for the mediator's console, with every tenant's summary worked
out as the mediator's summary job does (and acme's webcare KPI figures and Conversation Index boards as their
jobs do).

Rows get their ids up front and are flushed in a few rounds (what others point to first): growing stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts.models import AccountOwner, SocialAccount
from core.activation.models import PluginActivation
from core.audit.service import record
from core.auth.models import ApiToken, Invitation, Membership, User
from core.auth.tokens import digest, new_secret
from core.i18n import Msg
from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import KpiSnapshot, ManagementPresentation, ManualMeasurement, MethodologyVersion, Target
from core.notifications.service import notify_people
from core.roadmap.models import PhaseTransition, StartingPointsAck, StartingPointsVersion, StartingPointsWish
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.workgroup.models import BusinessFunction, Department, RegieAppointment, WorkgroupSeat
from plugins.monitoring.models import Alert, SearchProfile, SeenAccount, Source
from plugins.webcare.cases.service import config, take_numbers
from plugins.webcare.models import Case, CaseMessage, CaseQueue, Escalation, Reply, RoutingRule
from tests.plugins.monitoring.conftest import item
from tests.support import _HASH, TenantWorld, World, summarise

INGEST = "/api/v1/t/acme/monitoring/mentions/ingest"
FUNCTIONS = [f.value for f in BusinessFunction]
TEXTS = ("Acme heeft de beste service, top geholpen!", "Alweer een storing bij Acme, waardeloos!",
         "Acme kondigt vandaag een nieuw abonnement aan.")
PLUGIN_REQUESTS = ("energizing",)
"""The plugins besides those switched on, requested by grown departments (as `regie plugins request
--force` can for a plugin that is still coming); the second motivation goes to co-creation, switched on
from the start."""


@dataclass
class Grower:
    """Tops acme (tenant a) up to `n` of everything; call `grow` again with a larger `n` to grow it further."""

    sessionmaker: async_sessionmaker[AsyncSession]
    world: World
    client: Any
    done: int = 0
    case_id: UUID | None = None
    """The case the case page shows: its timeline, replies, escalations and its author's other cases grow."""
    talking_accounts: tuple[UUID, UUID] = field(default_factory=lambda: (uuid4(), uuid4()))
    """The two accounts the grown posts go out on."""
    headers: dict[str, str] = field(default_factory=dict)
    """An API token of the regie holder."""
    people: list[UUID] = field(default_factory=list)
    departments: list[UUID] = field(default_factory=list)
    cocreation_motivation: tuple[str, UUID] | None = None
    """Set when the grown plugin requests are done: co-creation's activation gets a motivation by someone."""

    @property
    def tw(self) -> TenantWorld:
        return self.world.a

    async def grow(self, n: int) -> None:
        new = range(self.done, n)
        if not new:
            return
        with tenant_scope(self.tw.id):
            async with self.sessionmaker() as session, session.begin():
                if self.done == 0:
                    await self._start(session)
                memberships = self._people(session, new)
                await session.flush()
                session.add_all(memberships)
                versions, queues, profiles = self._versions(session, new), self._queues(session, new), \
                    self._profiles(session, new)
                await session.flush()
                self._seats(session, new, memberships)
                self._accounts(session, new)
                self._roadmap(session, new, versions)
                self._measurement(session, new)
                await self._activity(session, new)
                self._talking(session, new)
                cases = await self._cases(session, new, queues)
                self._alerts(session, new, profiles)
                await session.flush()
                self._timelines(session, new, cases)
                await session.flush()
                await grow_cocreation(session, self, new)
            async with self.sessionmaker() as session, session.begin():
                await self._tenants(session, new)
        await self._mentions(new)
        await summarise(self.client.app)  # the mediator's pages read each tenant's summary, as the job writes it
        for job in ("webcare.kpi_figures", "monitoring.index_boards"):  # what the KPI and index pages read
            await run_named_job(self.client.app, job, self.tw.id)
        self.done = n

    def _someone(self, i: int) -> UUID:
        return self.people[i % len(self.people)]

    # -- the start: plugins, a token, sources, the routing rule, the default queue and the case page's case ---

    async def _start(self, session: AsyncSession) -> None:
        now = datetime.now(UTC)
        service = self.tw.departments["service"].id
        raw = new_secret("rg_")
        self.headers = {"Authorization": f"Bearer {raw}"}
        queue = CaseQueue(id=uuid4(), name="Webcare", department_id=service, is_default=True)
        session.add_all([
            PluginActivation(plugin="monitoring", department_id=self.tw.departments["comms"].id, status="active",
                             activated_at=now, activated_in_phase="listening"),
            PluginActivation(plugin="webcare", department_id=service, status="active", activated_at=now,
                             activated_in_phase="listening"),
            PluginActivation(plugin="talking", department_id=self.tw.departments["marketing"].id, status="active",
                             activated_at=now, activated_in_phase="pilot"),
            PluginActivation(plugin="cocreation", department_id=service, status="active", activated_at=now,
                             activated_in_phase="pilot"),
            *(SocialAccount(id=account, platform=platform, handle=f"acme_{platform}", status="active",
                            department_id=self.tw.departments["marketing"].id)
              for account, platform in zip(self.talking_accounts, ("x", "linkedin"), strict=True)),
            ApiToken(membership_id=self.tw.memberships["regie"].id, name="paginas", prefix=raw[:8],
                     token_hash=digest(raw)),
            Source(name="Push", kind="api", source_type="microblog"),
            Source(name="Nieuws", kind="api", source_type="news"),
            RoutingRule(name="Negatief", position=1, conditions={"sentiments": ["negative"]}), queue])
        await session.flush()
        number = await take_numbers(session, await config(session), 1)
        self.case_id = uuid4()
        session.add(Case(id=self.case_id, number=number, subject="Storing in Utrecht", status="open",
                         author_handle="@vaste_klant", author_name="Vaste Klant", opened_at=now - timedelta(days=1),
                         last_message_at=now, queue_id=queue.id, department_id=service,
                         assignee_id=self.tw.users["agent"].id, keywords=["storing"]))

    # -- people: departments, each with a member in its workgroup seat; invitations; regie history -------------

    def _people(self, session: AsyncSession, new: range) -> list[Membership]:
        memberships = []
        for i in new:
            dep, user = uuid4(), uuid4()
            session.add(Department(id=dep, name=f"Afdeling {i:02d}", business_function=FUNCTIONS[i % len(FUNCTIONS)]))
            session.add(User(id=user, email=f"persoon{i:02d}@acme.test", name=f"Persoon {i:02d}", password_hash=_HASH))
            memberships.append(Membership(id=uuid4(), user_id=user, role=("member", "viewer", "admin")[i % 3],
                                          department_id=dep))
            self.people.append(user)
            self.departments.append(dep)
        return memberships

    def _seats(self, session: AsyncSession, new: range, memberships: list[Membership]) -> None:
        now = datetime.now(UTC)
        admin = self.tw.users["admin"].id
        for i, membership in zip(new, memberships, strict=True):
            session.add_all([
                WorkgroupSeat(department_id=membership.department_id, membership_id=membership.id),
                Invitation(email=f"nieuw{i:02d}@acme.test", role="member", department_id=membership.department_id,
                           token_hash=digest(uuid4().hex), expires_at=now + timedelta(days=7), invited_by_id=admin),
                RegieAppointment(membership_id=membership.id, appointed_by_id=admin, reason=f"Periode {i}",
                                 started_at=now - timedelta(days=400 - i * 10),
                                 ended_at=now - timedelta(days=395 - i * 10))])

    # -- accounts: one per grown department, in turn in each state, with its member as owner; seen accounts ----

    def _accounts(self, session: AsyncSession, new: range) -> None:
        now = datetime.now(UTC)
        for i in new:
            account = uuid4()
            status = ("active", "dormant", "to_claim", "claimed")[i % 4]
            session.add(SocialAccount(id=account, platform="x", handle=f"konto{i:02d}", status=status,
                                      department_id=self.departments[i], last_post_at=now - timedelta(days=i),
                                      status_changed_at=now - timedelta(days=40)))
            session.add(AccountOwner(account_id=account, user_id=self.people[i]))
            session.add(SeenAccount(platform="x", handle=f"acme_fan{i:02d}", handle_key=f"acme_fan{i:02d}",
                                    name=f"Fan {i:02d}", seen_count=i + 1, last_seen=now, computed_at=now))

    # -- roadmap: starting-point versions with wishes and acknowledgements, phase transitions ------------------

    def _versions(self, session: AsyncSession, new: range) -> list[StartingPointsVersion]:
        now = datetime.now(UTC)
        versions = [StartingPointsVersion(
            id=uuid4(), number=i + 1, organisation_analysis=f"Analyse {i}", people="Team", objectives="Doelen",
            strategy="Strategie", technology="Tools", listening_results="Resultaten", note=f"Versie {i + 1}",
            author_id=self._someone(i), approved_at=now - timedelta(days=30 - i), approved_by_id=self._someone(i + 1))
            for i in new]
        session.add_all(versions)
        return versions

    def _roadmap(self, session: AsyncSession, new: range, versions: list[StartingPointsVersion]) -> None:
        departments = [*(d.id for d in self.tw.departments.values()), *self.departments]
        for i, version in zip(new, versions, strict=True):
            for n, dep in enumerate(departments):
                session.add(StartingPointsWish(version_id=version.id, department_id=dep, wish=f"Wens {i}.{n}"))
                if n % 2 == 0:
                    session.add(StartingPointsAck(version_id=version.id, department_id=dep,
                                                  acknowledged_by_id=self._someone(n)))
            session.add(PhaseTransition(from_phase="listening", to_phase="pilot", by_id=self._someone(i),
                                        overridden=i % 2 == 0, reason=f"Overgang {i}, met een reden van genoeg tekst",
                                        failing_items=["baseline"] if i % 2 == 0 else []))

    # -- measurement: KPIs in a methodology, targets, snapshots, manual values, presentations -------------------

    def _measurement(self, session: AsyncSession, new: range) -> None:
        now = datetime.now(UTC)
        today = now.date()
        kpis = [{"key": "monitoring.volume", "name": "Vermeldingen", "definition": "Per dag", "source": "monitoring",
                 "kind": "plugin"}]
        kpis += [{"key": f"handmatig.{i:02d}", "name": f"Handmatige KPI {i:02d}", "definition": "Ingevoerd",
                  "source": "CRM", "kind": "manual", "unit": "count", "owner_department_id": str(self.departments[i])}
                 for i in range(new.stop)]
        for i in new:
            key = f"handmatig.{i:02d}"
            session.add_all([
                MethodologyVersion(number=i + 1, kpis=kpis[:i + 2], reason=f"KPI {i} erbij",
                                   created_by_id=self._someone(i)),
                Target(kpi=key, department_id=self.departments[i], period_start=today - timedelta(days=20),
                       period_end=today + timedelta(days=20), value=100 + i, rationale=f"Doel {i}",
                       set_by_id=self._someone(i)),
                KpiSnapshot(kpi="monitoring.volume", day=today - timedelta(days=i + 1), value=float(10 * i),
                            methodology_number=1, measured_at=now),
                ManagementPresentation(period_start=today - timedelta(days=90), period_end=today, title=f"Kwartaal {i}",
                                       produced_at=now)])
            for day in range(1, 4):
                session.add_all([
                    KpiSnapshot(kpi=key, day=today - timedelta(days=day), value=float(i + day),
                                methodology_number=i + 1, source="manual", measured_at=now),
                    ManualMeasurement(kpi=key, day=today - timedelta(days=day), value=float(i + day),
                                      note=f"Uit het CRM {i}", methodology_number=i + 1,
                                      entered_by_id=self._someone(i + day))])
            if 1 <= i <= len(PLUGIN_REQUESTS):  # the first with little data, the second only with more
                session.add(PluginActivation(plugin=PLUGIN_REQUESTS[i - 1], department_id=self.departments[i],
                                             status="requested", motivation=f"Nodig voor {i}",
                                             requested_by_id=self._someone(i)))
            elif i == len(PLUGIN_REQUESTS) + 1:
                self.cocreation_motivation = (f"Nodig voor {i}", self._someone(i))

    # -- activity: audit entries by different people, notifications for everyone who signs in -----------------

    async def _activity(self, session: AsyncSession, new: range) -> None:
        users = list(self.tw.users.values())
        settings = self.client.app.state.settings
        for i in new:
            actor = SimpleNamespace(user=SimpleNamespace(id=self._someone(i), email=f"persoon{i:02d}@acme.test"))
            await record(session, actor, f"test.action_{i % 4}", summary=f"Iets gebeurd: {i}", reason=f"Reden {i}")
            await notify_people(session, settings, users, f"test.kind_{i % 3}", Msg("Look at {n}", n=i),
                                href=f"/t/acme/roadmap/?n={i}", email=False)

    # -- webcare: a queue and a case per department; the case page's case grows ------------------------------

    def _queues(self, session: AsyncSession, new: range) -> list[CaseQueue]:
        queues = [CaseQueue(id=uuid4(), name=f"Wachtrij {i:02d}", department_id=self.departments[i]) for i in new]
        session.add_all(queues)
        return queues

    async def _cases(self, session: AsyncSession, new: range, queues: list[CaseQueue]) -> list[Case]:
        now = datetime.now(UTC)
        first = await take_numbers(session, await config(session), len(new))
        cases = []
        for n, (i, queue) in enumerate(zip(new, queues, strict=True)):
            author = "@vaste_klant" if i % 3 == 0 else f"@klant{i}"  # the case page's author: other cases
            cases.append(Case(
                id=uuid4(), number=first + n, subject=f"Vraag {i} over de factuur",
                status=("new", "open", "waiting", "reopened")[i % 4],
                priority=("urgent", "high", "normal", "low")[i % 4], channel=("mention", "dm")[i % 2],
                queue_id=queue.id, department_id=self.departments[i], assignee_id=self._someone(i),
                author_handle=author, author_name=f"Klant {i}", opened_at=now - timedelta(hours=i + 2),
                last_message_at=now - timedelta(minutes=i), first_response_due=now + timedelta(hours=i),
                resolution_due=now + timedelta(days=1), keywords=["factuur"]))
        session.add_all(cases)
        return cases

    def _timelines(self, session: AsyncSession, new: range, cases: list[Case]) -> None:
        now = datetime.now(UTC)
        for i, case in zip(new, cases, strict=True):
            session.add(CaseMessage(case_id=case.id, kind="inbound", body=f"Bericht {i}",
                                    author_handle=case.author_handle, sentiment="negative", at=case.opened_at))
            if i % 2:  # handed to its department, which has not answered yet
                session.add(Escalation(case_id=case.id, from_department_id=self.tw.departments["service"].id,
                                       to_department_id=case.department_id, reason="sales_lead",
                                       note=f"Open {i}", created_by_id=self._someone(i)))
            # the case page's case: a message of every kind, each naming other people
            at, who, other = now - timedelta(minutes=60 - i), self._someone(i), self._someone(i + 1)
            reply = uuid4()
            session.add_all([
                Reply(id=reply, case_id=self.case_id, body=f"Antwoord {i}", created_by_id=who, decided_by_id=other,
                      decided_at=at, status="sent", sent_at=at),
                CaseMessage(case_id=self.case_id, kind="inbound", body=f"Klant schrijft {i}",
                            author_handle="@vaste_klant", sentiment="negative", at=at),
                CaseMessage(case_id=self.case_id, kind="note", body=f"Notitie {i}", user_id=who, at=at),
                CaseMessage(case_id=self.case_id, kind="reply", body=f"Antwoord {i}", user_id=who, reply_id=reply,
                            at=at),
                CaseMessage(case_id=self.case_id, kind="event", user_id=who, at=at,
                            details={"event": "assigned", "to": str(other), "from_user": str(self._someone(i + 2)),
                                     "by": "hand"}),
                CaseMessage(case_id=self.case_id, kind="event", user_id=who, at=at,
                            details={"event": "escalated", "to_department": str(self.departments[i])}),
                Escalation(case_id=self.case_id, from_department_id=self.tw.departments["service"].id,
                           to_department_id=self.departments[i], reason="complaint", note=f"Door {i}",
                           status="returned", created_by_id=who, returned_by_id=other, returned_at=at)])

    # -- talking: a campaign and a post with two variants each, spread over the current month --------------------

    def _talking(self, session: AsyncSession, new: range) -> None:
        from plugins.talking.models import Campaign, Post, PostVariant
        from plugins.talking.moments import ZONE

        now = datetime.now(ZONE)
        first = now.replace(day=1, hour=9, minute=0, second=0, microsecond=0)
        for i in new:
            campaign, post = uuid4(), uuid4()
            session.add(Campaign(id=campaign, name=f"Campagne {i:02d}", slug=f"campagne-{i:02d}",
                                 starts_on=first.date(), ends_on=first.date() + timedelta(days=40),
                                 department_id=self.departments[i]))
            session.add(Post(id=post, title=f"Bericht {i:02d}", state=("draft", "scheduled", "published")[i % 3],
                             publish_at=first + timedelta(days=i % 27, hours=i % 8), campaign_id=campaign,
                             department_id=self.departments[i], author_id=self._someone(i)))
            for account, platform in zip(self.talking_accounts, ("x", "linkedin"), strict=True):
                session.add(PostVariant(post_id=post, account_id=account, platform=platform, handle=f"acme_{platform}",
                                        text=f"Tekst {i} https://acme.example/l/abc{i}"))

    # -- monitoring: search profiles with an alert each; mentions through the ingestion API ----------------------

    def _profiles(self, session: AsyncSession, new: range) -> list[SearchProfile]:
        profiles = [SearchProfile(id=uuid4(), name=f"Profiel {i:02d}", query=f"acme OR thema{i}") for i in new]
        session.add_all(profiles)
        return profiles

    def _alerts(self, session: AsyncSession, new: range, profiles: list[SearchProfile]) -> None:
        now = datetime.now(UTC)
        session.add_all([Alert(profile_id=p.id, kind=("volume", "negative")[i % 2], started_at=now - timedelta(hours=i),
                               last_seen_at=now, window_start=now - timedelta(hours=i + 1), observed=10.0 + i,
                               baseline=2.0, peak=12.0 + i) for i, p in zip(new, profiles, strict=True)])

    async def _mentions(self, new: range) -> None:
        now = datetime.now(UTC)
        items = [item(f"m{i}", f"{TEXTS[i % 3]} thema{i}", author_handle=f"@schrijver{i}", author_name=f"Schrijver {i}",
                      author_reach=100 * i, url=f"https://x.test/p/{i}",
                      published_at=(now - timedelta(minutes=5 * i)).isoformat()) for i in new]
        response = await self.client.post(INGEST, json={"source": "Push", "items": items}, headers=self.headers)
        assert response.status_code == 200 and response.json()["created"] == len(items), response.text[:500]

    # -- the mediator's pages: other tenants, each with a hub department and an admin ---------------------------

    async def _tenants(self, session: AsyncSession, new: range) -> None:
        tenants = [Tenant(id=uuid4(), slug=f"klant-{i:02d}", name=f"Klant {i:02d}",
                          org_model=("hub_and_spoke", "centralized")[i % 2]) for i in new]
        admins = [User(id=uuid4(), email=f"admin@klant-{i:02d}.test", name=f"Admin {i}", password_hash=_HASH)
                  for i in new]
        session.add_all([*tenants, *admins])
        await session.flush()
        for tenant, admin in zip(tenants, admins, strict=True):
            with tenant_scope(tenant.id):
                session.add_all([Department(name="Communicatie", business_function="corporate_communication",
                                            is_hub=True),
                                 Membership(user_id=admin.id, role="admin")])
                await session.flush()


async def grow_cocreation(session: AsyncSession, grower: Grower, new: range) -> None:
    """Co-creation: per step a customer with a published idea (numbers from 2) in a category and campaign of its
    own, one waiting for moderation and a waiting comment with a flag; idea 1 (made at the start) gets the
    customer's vote, follow and comment, a stage change, a link and a reply of the loop that waits."""
    from sqlalchemy import select, update

    from core.customers.models import Customer
    from plugins.cocreation import models as c
    from plugins.cocreation.settings import board_settings

    now = datetime.now(UTC)
    settings = await board_settings(session)
    if grower.done == 0:
        session.add(c.Idea(id=uuid4(), number=1, title="Eerste idee", description="Het begin", status="published",
                           stage_key="new", author_name="Team", published_at=now - timedelta(days=30)))
        await session.flush()
    first = await session.scalar(select(c.Idea).where(c.Idea.number == 1))
    assert first is not None
    if grower.cocreation_motivation is not None:
        motivation, by = grower.cocreation_motivation
        await session.execute(update(PluginActivation).where(PluginActivation.plugin == "cocreation")
                              .values(motivation=motivation, requested_by_id=by))
    customers = {i: Customer(id=uuid4(), email=f"bedenker{i}@acme.test", display_name=f"Bedenker {i:02d}")
                 for i in new}
    categories = {i: c.Category(id=uuid4(), name=f"Categorie {i:02d}", position=i) for i in new}
    campaigns = {i: c.Campaign(id=uuid4(), slug=f"uitdaging-{i:02d}", title=f"Uitdaging {i:02d}",
                               starts_at=now - timedelta(days=i + 1), ends_at=now + timedelta(days=30),
                               created_by_id=grower._someone(i)) for i in new}
    session.add_all([*customers.values(), *categories.values(), *campaigns.values()])
    await session.flush()
    ideas = {i: c.Idea(id=uuid4(), number=2 * i + 2, title=f"Idee {i:02d} van de klant", status="published",
                       description=f"Beschrijving {i}", category_id=categories[i].id, campaign_id=campaigns[i].id,
                       tags=[f"tag{i}"], customer_id=customers[i].id, author_name=f"Bedenker {i:02d}",
                       stage_key=("new", "under-review", "planned")[i % 3], vote_count=1, follower_count=1,
                       published_at=now - timedelta(hours=i)) for i in new}
    waiting = {i: c.Idea(id=uuid4(), number=2 * i + 3, title=f"Wachtend idee {i:02d}", status="pending",
                         customer_id=customers[i].id, author_name=f"Bedenker {i:02d}", spam_reasons=["links"])
               for i in new}
    session.add_all([*ideas.values(), *waiting.values()])
    await session.flush()
    comments = {i: c.Comment(id=uuid4(), idea_id=first.id, customer_id=customers[i].id,
                             author_name=f"Bedenker {i:02d}", body=f"Reactie {i:02d} op het eerste idee",
                             status="published") for i in new}
    pending = {i: c.Comment(id=uuid4(), idea_id=ideas[i].id, customer_id=customers[i].id,
                            author_name=f"Bedenker {i:02d}", body=f"Wachtende reactie {i:02d}", status="pending")
               for i in new}
    changes = {i: c.StageChange(id=uuid4(), idea_id=first.id, from_key="new", to_key="planned",
                                to_meaning="planned", reason=f"Reden {i:02d}", user_id=grower._someone(i),
                                created_at=now - timedelta(minutes=60 - i)) for i in new}
    links = {i: c.IdeaLink(id=uuid4(), idea_id=first.id, kind="mention", ref_id=str(uuid4()),
                           title=f"Vermelding {i:02d}", author_handle=f"@schrijver{i}",
                           linked_by_id=grower._someone(i)) for i in new}
    session.add_all([*comments.values(), *pending.values(), *changes.values(), *links.values()])
    for i in new:
        session.add_all([
            c.IdeaTag(idea_id=ideas[i].id, tag=f"tag{i}"),
            c.Vote(idea_id=ideas[i].id, customer_id=customers[i].id),
            c.Vote(idea_id=first.id, customer_id=customers[i].id),
            c.Follower(idea_id=ideas[i].id, customer_id=customers[i].id),
            c.Follower(idea_id=first.id, customer_id=customers[i].id),
            c.Flag(target_kind="idea", target_id=ideas[i].id, customer_id=customers[i].id,
                   reason=f"Melding {i:02d}")])
    await session.flush()
    session.add_all([c.LoopMessage(idea_id=first.id, stage_change_id=changes[i].id, link_id=links[i].id,
                                   channel="network", recipient=f"@schrijver{i}", text=f"Bericht {i:02d} terug",
                                   state=("waiting", "failed")[i % 2], detail=f"Wacht {i:02d}") for i in new])
    first.vote_count += len(new)
    first.follower_count += len(new)
    first.comment_count += len(new)
    settings.idea_counter = 2 * max(new) + 3
