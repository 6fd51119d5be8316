"""Give a tenant a row in every tenant-owned table, so a route walk has a foreign id for everything."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts.models import AccountOwner, AccountWatch, SocialAccount
from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.auth.models import ApiToken, Invitation
from core.auth.tokens import digest
from core.channels.models import ChannelConnection
from core.customers.models import Customer, CustomerLogin
from core.db.base import TenantScoped
from core.db.models import metadata
from core.jobs.models import JobProgress
from core.measurement.models import ManagementPresentation, MethodologyVersion, QuarterlyReport, Target
from core.notifications.models import Notification
from core.policy.models import PolicyVersion
from core.privacy.models import PrivacyRecord, PrivacySetting
from core.roadmap.models import (
    BaselineStudy,
    PhaseTransition,
    PilotMeasurement,
    StartingPointsAck,
    StartingPointsVersion,
    StartingPointsWish,
)
from core.sso.models import OidcProvider
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.support import TenantWorld


def invitation_token(slug: str) -> str:
    return f"{slug}-invitation-token"


def api_token(slug: str) -> str:
    return f"rg_{slug}-api-token"


async def populate(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, list[UUID]]:
    """Fill every tenant-owned table for `tw`; returns table name → ids of `tw`'s rows."""
    now = datetime.now(UTC)
    dep = tw.departments
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            sp = StartingPointsVersion(number=1, organisation_analysis=f"Analyse van {tw.tenant.name}",
                                       people="p", objectives="o", strategy="s", technology="t",
                                       listening_results="l", approved_at=now,
                                       approved_by_id=tw.users["regie"].id)
            s.add(sp)
            await s.flush()
            s.add(StartingPointsWish(version_id=sp.id, department_id=dep["marketing"].id, wish="bereik"))
            s.add(StartingPointsAck(version_id=sp.id, department_id=dep["comms"].id,
                                    acknowledged_by_id=tw.users["regie"].id))
            act = PluginActivation(plugin="monitoring", department_id=dep["comms"].id, status="active",
                                   activated_at=now, activated_in_phase="listening")
            s.add(act)
            await s.flush()
            s.add(PilotMeasurement(activation_id=act.id, period_start=date(2026, 1, 1),
                                   period_end=date(2026, 2, 1), summary="pilot", values={"mentions": 10}))
            s.add(BaselineStudy(source="external", title=f"Nulmeting {tw.tenant.name}", summary="buzz",
                                file_name="nulmeting.txt", content_type="text/plain", file_data=b"nulmeting"))
            s.add(PhaseTransition(from_phase="listening", to_phase="pilot", overridden=True, reason="override",
                                  failing_items=["baseline"]))
            s.add(PolicyVersion(number=1, strategy={"function": "luisteren"}, way_of_work={"roles": "r"},
                                published_at=now))
            account = SocialAccount(platform="x", handle=f"{tw.slug}_nl", department_id=dep["comms"].id,
                                    status="pending", purpose=f"Nieuws van {tw.tenant.name}")
            account.owners = [AccountOwner(user_id=tw.users["regie"].id)]
            s.add(account)
            await s.flush()
            s.add(ChannelConnection(social_account_id=account.id, connector="atproto", status="failing",
                                    remote_handle=f"{tw.slug}.bsky.social", service_url=f"https://pds.{tw.slug}.test",
                                    last_error=f"Geweigerd voor {tw.tenant.name}", inbound_cursor=""))
            s.add(AccountWatch(brand_terms=[f"Merk {tw.tenant.name}"]))
            s.add(MethodologyVersion(number=1, kpis=[{"key": "mentions", "name": "Vermeldingen"}], reason="start"))
            s.add(Target(kpi="mentions", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), value=100))
            s.add(ManagementPresentation(period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                                         title=f"Kwartaal {tw.tenant.name}", produced_at=now))
            s.add(QuarterlyReport(period_start=date(2026, 4, 1), period_end=date(2026, 6, 30), status="done",
                                  title=f"Kwartaalrapportage {tw.tenant.name}", inputs={"strategy": tw.tenant.name},
                                  html=f"<p>{tw.tenant.name}</p>", pdf=b"%PDF-1.7 " + tw.tenant.name.encode(),
                                  generated_at=now))
            s.add(Invitation(email=f"new@{tw.slug}.test", role="member", token_hash=digest(invitation_token(tw.slug)),
                             expires_at=now + timedelta(days=7)))
            s.add(ApiToken(membership_id=tw.memberships["admin"].id, name="walk", prefix=api_token(tw.slug)[:8],
                           token_hash=digest(api_token(tw.slug))))
            s.add(AuditEntry(action="test.populated", actor_label="system", summary=f"{tw.tenant.name} populated"))
            await populate_monitoring(s, tw, now)
            s.add(PluginActivation(plugin="webcare", department_id=dep["service"].id, status="active",
                                   activated_at=now, activated_in_phase="pilot"))
            await populate_webcare(s, tw, now)
            s.add(PluginActivation(plugin="talking", department_id=dep["marketing"].id, status="active",
                                   activated_at=now, activated_in_phase="pilot"))
            await populate_talking(s, tw, now, account)
            s.add(PluginActivation(plugin="energizing", department_id=dep["marketing"].id, status="active",
                                   activated_at=now, activated_in_phase="pilot"))
            await populate_energizing(s, tw, now)
            s.add(PluginActivation(plugin="cocreation", department_id=dep["service"].id, status="active",
                                   activated_at=now, activated_in_phase="pilot"))
            await populate_cocreation(s, tw, now)
            s.add(JobProgress(kind="monitoring.import", title=f"Import {tw.tenant.name}", status="done"))
            s.add(Notification(user_id=tw.users["regie"].id, kind="monitoring.alert", title=f"Alert {tw.tenant.name}"))
            s.add(JobProgress(kind="tenant_export", title=f"Export {tw.tenant.name}", status="done"))
            s.add(PrivacySetting(retention_months=24, retention_mode="pseudonymise"))
            s.add(PrivacyRecord(kind="erase_author", subject_ref="0" * 64, reason=f"Verzoek {tw.tenant.name}",
                                counts={"monitoring": {"mentions_pseudonymised": 0}}))
            await populate_trainings(s, tw, now)
            s.add(OidcProvider(name=f"{tw.tenant.name} ID", issuer="http://127.0.0.1:9", client_id=f"{tw.slug}-client",
                               client_secret_sealed="", allowed_domains=[f"{tw.slug}.test"], role_map={},
                               department_map={}, jit_enabled=False, enabled=True, local_passwords_enabled=True))
    ids: dict[str, list[UUID]] = {}
    with cross_tenant():
        async with sessionmaker() as s:
            for table in metadata.sorted_tables:
                if table.name in TenantScoped.table_names():
                    rows = (await s.execute(select(table.c.id).where(table.c.tenant_id == tw.id))).scalars().all()
                    ids[table.name] = list(rows)
    return ids


async def populate_trainings(s: AsyncSession, tw: TenantWorld, now: datetime) -> None:
    """A (platform) training of the walk, with a suggestion and an enrolment of the tenant."""
    from core.trainings.models import Enrolment, Training, TrainingSuggestion

    training = Training(key=f"walk-{tw.slug}", title={"nl": "Training van de walk"}, topic="webcare")
    s.add(training)
    await s.flush()
    s.add(TrainingSuggestion(training_id=training.id, reason="plugin.activated:webcare",
                             department_id=tw.departments["service"].id))
    s.add(Enrolment(training_id=training.id, user_id=tw.users["agent"].id, note=f"Notitie {tw.tenant.name}"))


async def populate_monitoring(s: AsyncSession, tw: TenantWorld, now: datetime) -> None:
    """The monitoring plugin's tables, with the tenant's name in every text a page could show."""
    from plugins.monitoring import models as m

    name = tw.tenant.name
    source = m.Source(name=f"Feed {name}", kind="feed", source_type="news", url=f"https://{tw.slug}.example/rss",
                      last_error=f"Error at {name}")
    profile = m.SearchProfile(name=f"Profiel {name}", query=f'"{name}" OR {tw.slug}')
    s.add_all([source, profile])
    await s.flush()
    mention = m.Mention(source_id=source.id, source_type="news", external_id=f"{tw.slug}-1",
                        url=f"https://{tw.slug}.example/1", place=f"{tw.slug}.example", author_handle=f"@{tw.slug}",
                        author_name=f"Auteur {name}", published_at=now, title=f"Titel over {name}",
                        body=f"Tekst over {name}", language="nl", sentiment="negative", content_hash=f"h-{tw.slug}")
    s.add(mention)
    await s.flush()
    s.add(m.MentionProfile(mention_id=mention.id, profile_id=profile.id, published_at=now))
    s.add(m.SentimentCorrection(mention_id=mention.id, user_id=tw.users["regie"].id, old_label="neutral",
                                new_label="negative", predicted_label="neutral", text=f"Tekst over {name}"))
    s.add(m.ClassifierState(state=b"", learned=0))
    s.add(m.Alert(profile_id=profile.id, kind="volume", started_at=now, last_seen_at=now, window_start=now,
                  details={"profile": name}))
    s.add(m.HourStat(hour=now.replace(minute=0, second=0, microsecond=0), profile_key=m.ALL_PROFILES,
                     source_type="news", language="nl", sentiment="negative", mentions=1, reach=0))
    s.add(m.DayStat(day=now.date(), kind="term", profile_key=m.ALL_PROFILES, source_type="news", language="nl",
                    sentiment="negative", key=tw.slug, label=name, mentions=1))
    s.add(m.DirtyDay(day=now.date()))
    s.add(m.ImportRun(source_id=source.id, file_name=f"{tw.slug}.csv", file_format="csv", status="done",
                      rejected=[{"row": 2, "field": "body", "reason": f"Leeg bij {name}"}]))
    s.add(m.BaselineReport(title=f"Nulmeting {name}", period_start=now.date(), period_end=now.date(),
                           report={"summary": name}))
    s.add(m.SeenAccount(platform="x", handle=f"{tw.slug}_fan", handle_key=f"{tw.slug}_fan", name=f"Fan van {name}",
                        evidence_url=f"https://x.com/{tw.slug}_fan/status/1", seen_count=2, last_seen=now,
                        computed_at=now))


async def populate_webcare(s: AsyncSession, tw: TenantWorld, now: datetime) -> None:
    """The webcare plugin's tables, with the tenant's name in every text a page could show."""
    from plugins.webcare import models as w

    name, user = tw.tenant.name, tw.users["agent"].id
    s.add(w.WebcareConfig(webhook_url=f"https://{tw.slug}.example/hook", webhook_secret=f"secret-{tw.slug}"))
    s.add(w.Holiday(day=now.date(), name=f"Feestdag {name}"))
    queue = w.CaseQueue(name=f"Wachtrij {name}", department_id=tw.departments["service"].id, is_default=True)
    crisis = w.Crisis(title=f"Crisis {name}", started_at=now)
    s.add_all([queue, crisis])
    await s.flush()
    rule = w.RoutingRule(name=f"Regel {name}", conditions={"keywords": [tw.slug]}, queue_id=queue.id)
    s.add(rule)
    await s.flush()
    case = w.Case(number=1, subject=f"Klacht van {name}", queue_id=queue.id, rule_id=rule.id, assignee_id=user,
                  department_id=tw.departments["service"].id, author_handle=f"@{tw.slug}", opened_at=now,
                  last_message_at=now, crisis_id=crisis.id)
    customer = Customer(email=f"klant@{tw.slug}.test", display_name=f"Klant {name}")
    s.add_all([case, customer])
    await s.flush()
    s.add(w.CommunityProfile(id=customer.id))
    await s.flush()
    reply = w.Reply(case_id=case.id, body=f"Antwoord namens {name}", created_by_id=user)
    question = w.Question(customer_id=customer.id, title=f"Vraag over {name}", body=name, status="published",
                          case_id=case.id)
    s.add_all([reply, question])
    await s.flush()
    answer = w.Answer(question_id=question.id, customer_id=customer.id, body=f"Antwoord over {name}",
                      status="published")
    s.add_all([
        w.CaseMessage(case_id=case.id, kind="inbound", body=f"Bericht over {name}", at=now),
        w.Delivery(reply_id=reply.id, attempt=1, url=f"https://{tw.slug}.example/hook", error=name),
        w.CannedResponse(title=f"Sjabloon {name}", body=f"Groet van {name}"),
        w.Escalation(case_id=case.id, to_department_id=tw.departments["comms"].id, reason="press", note=name),
        w.SavedView(user_id=user, name=f"Weergave {name}", filters={"q": name}),
        w.AgentState(user_id=user, available=True),
        w.CaseViewer(case_id=case.id, user_id=user, seen_at=now),
        w.CrisisEntry(crisis_id=crisis.id, at=now, kind="note", text=f"Notitie {name}"),
        CustomerLogin(customer_id=customer.id, token_digest=f"{tw.slug}-login".ljust(64, "0"),
                        expires_at=now + timedelta(hours=1)),
        answer,
    ])
    await s.flush()
    s.add(w.Vote(customer_id=customer.id, target_kind="answer", target_id=answer.id, value=1))


async def populate_talking(s: AsyncSession, tw: TenantWorld, now: datetime, account: SocialAccount) -> None:
    """The talking plugin's tables and the short links it places, with the tenant's name in every text."""
    from core.shortlinks.models import ShortLink, ShortLinkClick
    from plugins.talking import models as t

    name = tw.tenant.name
    campaign = t.Campaign(name=f"Campagne {name}", slug=f"campagne-{tw.slug}", goal=f"Doel van {name}",
                          starts_on=now.date(), ends_on=now.date() + timedelta(days=30))
    stream = t.Stream(name=f"Stroom {name}", slug=f"stroom-{tw.slug}", description=name)
    s.add_all([campaign, stream])
    await s.flush()
    post = t.Post(title=f"Bericht van {name}", theme=name, campaign_id=campaign.id, state="scheduled",
                  publish_at=now + timedelta(days=1), department_id=tw.departments["marketing"].id,
                  source_kind="mention", source_author=f"@{tw.slug}", source_url=f"https://{tw.slug}.example/1")
    s.add(post)
    await s.flush()
    image = {"url": f"https://{tw.slug}.example/a.png", "alt": name}
    variant = t.PostVariant(post_id=post.id, account_id=account.id, platform="x", handle=account.handle,
                            text=f"Nieuws van {name}", images=[image])
    s.add(variant)
    await s.flush()
    s.add(t.PublishAttempt(post_id=post.id, variant_id=variant.id, attempt=1, at=now, outcome="retry",
                           reason=f"Fout bij {name}", remote_uri=""))
    waiting = t.Post(title=f"Ter goedkeuring van {name}", theme=name, state="in_review", approval_reason="rule",
                     approval_round=1, approval_step=1, approval_chain=[{"users": [], "departments": [], "hub": True}],
                     publish_at=now + timedelta(days=2), department_id=tw.departments["marketing"].id,
                     author_id=tw.users["marketer"].id)
    s.add(waiting)
    await s.flush()
    s.add_all([t.Approver(post_id=waiting.id, round=1, step=1, user_id=tw.users["regie"].id),
               t.ApprovalEvent(post_id=waiting.id, round=1, step=1, kind="requested", reason=f"Reden van {name}",
                               data={"reasons": ["rule:keyword"]}, at=now),
               t.ApprovalSettings(expiry_days=14, steps=[], keywords=[name], platforms=[], account_ids=[],
                                  campaign_ids=[], untrained=False)])
    link = ShortLink(code=f"{tw.slug[:4]}walk", target_url=f"https://{tw.slug}.example/?utm_source=x", origin="talking",
                     ref_id=variant.id)
    s.add(link)
    await s.flush()
    s.add(ShortLinkClick(link_id=link.id, day=now.date(), clicks=3))


_FINGERPRINT_SQL: dict[str, Any] = {}
"""The fingerprint's statement per dialect, compiled once: building and compiling a select over every table
each time cost more than running it."""


async def table_fingerprint(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Row count and newest update per table: equal before and after means nothing changed. One statement for
    every table (a UNION ALL), because the bad-input walk takes a fingerprint around every request."""
    from sqlalchemy import String, func, literal, text, union_all

    def part(table: Any) -> Any:
        query = select(literal(table.name, String).label("name"), func.count().label("rows"),
                       func.max(table.c.updated_at).label("newest")).select_from(table)
        if table.name == "audit_entry":  # a token's use is always audited: bookkeeping, not a change by the request
            query = query.where(table.c.action != "token.used")
        return query

    with cross_tenant():
        async with sessionmaker() as s:
            dialect = s.bind.dialect
            if dialect.name not in _FINGERPRINT_SQL:
                statement = union_all(*(part(table) for table in metadata.sorted_tables))
                _FINGERPRINT_SQL[dialect.name] = text(str(statement.compile(
                    dialect=dialect, compile_kwargs={"literal_binds": True})))
            rows = (await s.execute(_FINGERPRINT_SQL[dialect.name])).all()
    return {name: (count, str(newest)) for name, count, newest in rows}


async def populate_energizing(s: AsyncSession, tw: TenantWorld, now: datetime) -> None:
    """The energizing plugin's tables, with the tenant's name in every text a page could show: an ambassador
    first, then each slice's rows."""
    from plugins.energizing.models import Ambassador

    name = tw.tenant.name
    ambassador = Ambassador(kind="customer", state="active", name=f"Ambassadeur {name}", email=f"fan@{tw.slug}.test",
                            handle=f"@fan_{tw.slug}", source="manual", consent_at=now, consent_version=1,
                            referral_code=f"{tw.slug[:4]}ref", invited_at=now, notes=name)
    s.add(ambassador)
    await s.flush()
    await populate_energizing_surveys(s, tw, now, ambassador)
    await populate_energizing_programme(s, tw, now, ambassador)
    await populate_energizing_listening(s, tw, now, ambassador)
    await populate_energizing_leads(s, tw, now, ambassador)


async def populate_energizing_surveys(s: AsyncSession, tw: TenantWorld, now: datetime, ambassador: Any) -> None:
    """Surveys, their contact list, invitations and answers."""
    from plugins.energizing.surveys.answering import digest as token_digest
    from plugins.energizing.surveys.models import (
        Survey,
        SurveyAnswer,
        SurveyContact,
        SurveyDayCount,
        SurveyInvitation,
        SurveySettings,
    )

    name = tw.tenant.name
    survey = Survey(title=f"Onderzoek {name}", intro=f"Over {name}", state="open", share_token=f"{tw.slug}-share",
                    questions=[{"key": "q1", "label": f"Hoe snel was {name}?", "kind": "scale"}], reminder_days=5,
                    invited=1, opened_at=now)
    s.add(survey)
    s.add(SurveySettings(auto_case=False, case_threshold=6))
    s.add(SurveyContact(email=f"klant@{tw.slug}.test", name=f"Klant van {name}", consent=True, consent_text="ja"))
    await s.flush()
    invitation = SurveyInvitation(survey_id=survey.id, email=f"klant@{tw.slug}.test", name=f"Klant van {name}",
                                  token_digest=token_digest(f"{tw.slug}-invitation"), sent_at=now, answered_at=now)
    s.add(invitation)
    await s.flush()
    s.add(SurveyAnswer(survey_id=survey.id, invitation_id=invitation.id, state="counted",
                       email=f"klant@{tw.slug}.test", counted_email=f"klant@{tw.slug}.test", name=f"Klant van {name}",
                       score=10, category="promoter", why=f"{name} helpt snel", extra={"q1": 5}, may_contact=True,
                       answered_at=now, confirmed_at=now, client_ip="", sentiment_label=""))
    s.add(SurveyDayCount(survey_id=survey.id, day=now.date(), score=10, answers=1))


async def populate_energizing_programme(s: AsyncSession, tw: TenantWorld, now: datetime, ambassador: Any) -> None:
    """The ambassador programme: consent texts, tiers, missions and their completions, rewards and redemptions."""
    from plugins.energizing.ambassadors.models import (
        AmbassadorToken,
        Completion,
        ConsentText,
        Mission,
        PointsEntry,
        ProgrammeFigures,
        Redemption,
        Reward,
        ShareLink,
        SigninAttempt,
        Tier,
    )

    name = tw.tenant.name
    s.add_all([ConsentText(version=1, body=f"Toestemming voor {name}"), Tier(name=f"Goud {name}"[:40], threshold=0),
               SigninAttempt(email_digest=f"{tw.slug}-digest", client_ip="127.0.0.1"),
               ProgrammeFigures(active=1, month=now.date().replace(day=1), completed_month=1, computed_at=now)])
    mission = Mission(title=f"Missie van {name}", kind="share", instructions=name, suggested_text=f"{name} #ad",
                      policy_notes="", target_url=f"https://{tw.slug}.test/nieuws", points=10,
                      starts_on=now.date(), ends_on=now.date() + timedelta(days=7), repeatable=False, state="open",
                      completions=1)
    reward = Reward(name=f"Beloning van {name}", description=name, cost=5, stock=3, reserved=1, active=True)
    s.add_all([mission, reward])
    await s.flush()
    completion = Completion(mission_id=mission.id, ambassador_id=ambassador.id, round=1, kind="share",
                            state="self_reported", evidence_url=f"https://{tw.slug}.test/post", feedback=name,
                            points=10, completed_at=now, reason="")
    redemption = Redemption(reward_id=reward.id, ambassador_id=ambassador.id, points=5, state="requested",
                            note=name)
    s.add_all([completion, redemption,
               ShareLink(mission_id=mission.id, ambassador_id=ambassador.id, short_url=f"https://{tw.slug}.test/l/x"),
               AmbassadorToken(ambassador_id=ambassador.id, purpose="signin", token_digest=f"{tw.slug}-digest",
                               client_ip="127.0.0.1", expires_at=now + timedelta(minutes=30))])
    await s.flush()
    s.add(PointsEntry(ambassador_id=ambassador.id, delta=10, reason="mission", ref_id=completion.id,
                      label=mission.title))


async def populate_energizing_listening(s: AsyncSession, tw: TenantWorld, now: datetime, ambassador: Any) -> None:
    """Promoter candidates found by listening, with their evidence and decisions."""
    from plugins.energizing.listening.models import Candidate, Decision, Evidence, ListeningSettings

    name = tw.tenant.name
    s.add(ListeningSettings(min_positive=3, window_days=90, min_reach=500))
    candidate = Candidate(source="microblog", handle_key=f"promotor_{tw.slug}", handle=f"@promotor_{tw.slug}",
                          name=f"Promotor {name}",
                          reach=900, positive_count=3, state="open", first_seen_at=now - timedelta(days=5),
                          last_seen_at=now, opened_at=now)
    decided = Candidate(handle_key=f"besloten_{tw.slug}", handle=f"@besloten_{tw.slug}", name=f"Besloten {name}",
                        reach=700, positive_count=4, state="taken_up", first_seen_at=now - timedelta(days=9),
                        last_seen_at=now, opened_at=now)
    s.add_all([candidate, decided])
    await s.flush()
    s.add_all([Evidence(candidate_id=candidate.id, url=f"https://{tw.slug}.test/post/1", title=f"Lof voor {name}",
                        score=0.8, published_at=now),
               Decision(candidate_id=decided.id, handle=decided.handle, decision="taken_up", basis="consent",
                        contact="email", email=f"promotor@{tw.slug}.test", reason=f"Fan van {name}",
                        decided_by_id=tw.users["marketer"].id, decided_at=now, ambassador_id=ambassador.id)])


async def populate_energizing_leads(s: AsyncSession, tw: TenantWorld, now: datetime, ambassador: Any) -> None:
    """Referral links per campaign and leads."""
    from core.auth.sealing import seal
    from plugins.energizing.leads.models import CampaignLink, CrmReceipt, Lead, LeadsSettings, LeadWeek

    name = tw.tenant.name
    campaign = CampaignLink(name=f"Campagne {name}", code=f"{tw.slug[:4]}camp".upper(),
                            target_url=f"https://{tw.slug}.test/actie?ref={tw.slug[:4]}camp",
                            short_url=f"https://{tw.slug}.test/l/camp", created_by_id=tw.users["marketer"].id)
    sealed = seal("test-secret-key-" + "x" * 32, "energizing.leads.webhook", f"geheim-{tw.slug}")
    s.add_all([campaign, LeadsSettings(webhook_secret_sealed=sealed, rotated_at=now),
               LeadWeek(week_start=now.date() - timedelta(days=now.weekday()), source="campaign", leads=1,
                        qualified=1),
               CrmReceipt(signature="0" * 64, received_at=now)])
    await s.flush()
    s.add_all([Lead(source="ambassador", channel="form", ref_code=ambassador.referral_code,
                    ambassador_id=ambassador.id, name=f"Lead {name}", email=f"lead@{tw.slug}.test",
                    organisation=f"Bedrijf {name}", phone="0201234567", message=f"Vraag aan {name}",
                    consent_at=now, client_ip="127.0.0.1", state="new"),
               Lead(source="campaign", channel="crm", ref_code=campaign.code, campaign_id=campaign.id,
                    external_id=f"crm-{tw.slug}", name=f"Kans {name}", email=f"kans@{tw.slug}.test",
                    organisation=name, state="lost", qualified_at=now, closed_at=now, lost_reason=f"Weg bij {name}",
                    changed_by_id=tw.users["marketer"].id)])


def own_idea_number(slug: str) -> int:
    """An idea number only this walk tenant has (the other has another): the isolation walk asks for the other
    tenant's under its own slug."""
    return 100 + sum(map(ord, slug)) % 100


async def populate_cocreation(s: AsyncSession, tw: TenantWorld, now: datetime) -> None:
    """The cocreation plugin's tables, with the tenant's name in every text a page could show: the board's
    settings and stages, a category and a running campaign, a published idea (linked to a mention and a webcare
    case, moved to a stage, told in the loop), one waiting for moderation, one merged into the first and one with
    a number of this tenant alone; their tags, votes, followers, comments and flags."""
    from plugins.cocreation import models as c
    from plugins.cocreation.settings import board_settings
    from plugins.monitoring.models import Mention
    from plugins.webcare.models import Case

    name, regie = tw.tenant.name, tw.users["regie"].id
    settings = await board_settings(s)  # also the default stages
    settings.board_title, settings.board_intro = f"Ideeën voor {name}", f"Denk mee met {name}"
    category = c.Category(name=f"Categorie {name}"[:80])
    campaign = c.Campaign(slug=f"uitdaging-{tw.slug}", title=f"Uitdaging van {name}", question=f"Hoe kan {name} beter?",
                          starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
                          results=f"Resultaat van {name}", created_by_id=regie)
    author = Customer(email=f"idee@{tw.slug}.test", display_name=f"Bedenker {name}"[:80], verified_at=now)
    voter = Customer(email=f"stemmer@{tw.slug}.test", display_name=f"Stemmer {name}"[:80], verified_at=now)
    s.add_all([category, campaign, author, voter])
    await s.flush()

    def idea(number: int, title: str, **values: Any) -> Any:
        return c.Idea(number=number, title=title, description=f"Beschrijving van {name}", category_id=category.id,
                      customer_id=author.id, author_name=author.display_name, source="board", client_ip="127.0.0.1",
                      **values)

    published = idea(1, f"Idee van {name}", tags=[tw.slug], campaign_id=campaign.id, status="published",
                     stage_key="planned", owner_id=regie, effort=2, value=4, triaged_at=now, first_response_at=now,
                     stage_changed_at=now, published_at=now, vote_count=2, comment_count=2, follower_count=2,
                     flag_count=1)
    pending = idea(2, f"Wachtend idee van {name}", status="pending", spam_reasons=["links"],
                   moderation_note=f"Nakijken bij {name}")
    own = idea(own_idea_number(tw.slug), f"Eigen idee van {name}", status="published", published_at=now)
    s.add_all([published, pending, own])
    await s.flush()
    merged = idea(3, f"Dubbel idee van {name}", status="merged", merged_into_id=published.id, published_at=now)
    s.add(merged)
    settings.idea_counter = max(3, own.number)
    comment = c.Comment(idea_id=published.id, customer_id=voter.id, author_name=voter.display_name,
                        body=f"Goed plan van {name}", status="published", flag_count=1, client_ip="127.0.0.1")
    s.add_all([comment,
               c.Comment(idea_id=published.id, user_id=regie, author_name=f"Team {name}",
                         body=f"Officieel antwoord van {name}", status="published"),
               c.Comment(idea_id=published.id, customer_id=voter.id, author_name=voter.display_name,
                         body=f"Wachtende reactie over {name}", status="pending", spam_reasons=["links"]),
               c.IdeaTag(idea_id=published.id, tag=tw.slug),
               c.Vote(idea_id=published.id, customer_id=author.id), c.Vote(idea_id=published.id, customer_id=voter.id),
               c.Follower(idea_id=published.id, customer_id=author.id),
               c.Follower(idea_id=published.id, customer_id=voter.id),
               c.Flag(target_kind="idea", target_id=published.id, customer_id=voter.id,
                      reason=f"Melding over {name}")])
    await s.flush()
    s.add(c.Flag(target_kind="comment", target_id=comment.id, customer_id=author.id,
                 reason=f"Melding over een reactie bij {name}"))
    change = c.StageChange(idea_id=published.id, from_key="new", to_key="planned", to_meaning="planned",
                           reason=f"Gepland door {name}", user_id=regie)
    mention = await s.scalar(select(Mention).limit(1))
    case = await s.scalar(select(Case).limit(1))
    assert mention is not None and case is not None  # populate_monitoring and populate_webcare came first
    by_mention = c.IdeaLink(idea_id=published.id, kind="mention", ref_id=str(mention.id), title=mention.title,
                            excerpt=f"Tekst over {name}", author_handle=f"@{tw.slug}", author_name=f"Auteur {name}",
                            url=f"https://{tw.slug}.example/1", uri=f"at://did:plc:{tw.slug}/app.bsky.feed.post/1",
                            account_id="", linked_by_id=regie)
    by_case = c.IdeaLink(idea_id=published.id, kind="case", ref_id=str(case.id), title=f"Klacht van {name}",
                         excerpt=f"Bericht over {name}", author_handle=f"@{tw.slug}", linked_by_id=regie)
    s.add_all([change, by_mention, by_case])
    await s.flush()
    s.add_all([
        c.LoopMessage(idea_id=published.id, stage_change_id=change.id, channel="email",
                      recipient=f"stemmer@{tw.slug}.test", text=f"Nieuws over het idee van {name}", state="sent",
                      sent_at=now),
        c.LoopMessage(idea_id=published.id, stage_change_id=change.id, link_id=by_mention.id, channel="network",
                      recipient=f"@{tw.slug}", text=f"Uw idee bij {name} is gepland", state="waiting",
                      detail=f"Wacht op goedkeuring bij {name}"),
        c.LoopMessage(idea_id=published.id, stage_change_id=change.id, link_id=by_case.id, channel="case",
                      recipient=str(case.number), text=f"Uw idee bij {name} is gepland", state="failed",
                      detail=f"Fout bij {name}"),
    ])
