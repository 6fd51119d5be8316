"""Privacy (AVG/GDPR): the retention setting and job, erasure of an author and of a user, with records."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.audit.models import AuditEntry
from core.auth.models import Membership, User
from core.jobs.plugin_jobs import run_named_job
from core.privacy.models import PrivacyRecord, PrivacySetting
from core.privacy.service import cutoff_for
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.contract.populate import populate
from tests.support import login_as, post_form

OLD = datetime.now(UTC) - timedelta(days=30 * 31)


async def _age(sessionmaker, tw, when=OLD):
    """Make the tenant's mentions and cases old."""
    from plugins.monitoring.models import Mention
    from plugins.webcare.models import Case

    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(Mention).values(published_at=when))
            await s.execute(update(Case).values(last_message_at=when, opened_at=when))


async def _one(sessionmaker, tw, model):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return (await s.scalars(select(model))).all()


def test_cutoff_is_calendar_months_back():
    assert cutoff_for(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert cutoff_for(datetime(2026, 1, 15, tzinfo=UTC), 24) == datetime(2024, 1, 15, tzinfo=UTC)
    assert cutoff_for(datetime(2026, 12, 3, tzinfo=UTC), 12) == datetime(2025, 12, 3, tzinfo=UTC)


async def test_retention_setting_is_validated_and_saved(client, world, sessionmaker):
    await login_as(client, world.a, "admin")
    page = await client.get("/t/acme/privacy/")
    assert page.status_code == 200 and 'value="24"' in page.text
    for bad in ("", "0", "121", "abc", "2.5"):
        r = await post_form(client, "/t/acme/privacy/retention", {"retention_months": bad,
                                                                  "retention_mode": "delete"})
        assert r.status_code == 422, bad
        assert 'id="e-retention_months"' in r.text
    r = await post_form(client, "/t/acme/privacy/retention", {"retention_months": "12", "retention_mode": "x"})
    assert r.status_code == 422
    r = await post_form(client, "/t/acme/privacy/retention", {"retention_months": "6",
                                                              "retention_mode": "delete"}, follow_redirects=False)
    assert r.status_code == 303
    [row] = await _one(sessionmaker, world.a, PrivacySetting)
    assert (row.retention_months, row.retention_mode) == (6, "delete")
    assert not await _one(sessionmaker, world.b, PrivacySetting)
    entries = await _one(sessionmaker, world.a, AuditEntry)
    assert any(e.action == "privacy.retention_set" for e in entries)


async def test_privacy_page_is_for_admins_and_mediators_only(client, world):
    await login_as(client, world.a, "member")
    assert (await client.get("/t/acme/privacy/")).status_code == 403


async def test_retention_job_pseudonymises_old_mentions_and_cases_once(app, world, sessionmaker):
    from plugins.monitoring.models import Mention, SentimentCorrection
    from plugins.webcare.models import Case, CaseMessage, Reply

    await populate(sessionmaker, world.a)
    await populate(sessionmaker, world.b)
    await _age(sessionmaker, world.a)
    await _age(sessionmaker, world.b, datetime.now(UTC) - timedelta(days=30))  # young: stays
    counts = await run_named_job(app, "core.privacy.retention", world.a.id)
    assert counts["monitoring"]["mentions_pseudonymised"] == 1
    assert counts["webcare"]["cases_pseudonymised"] == 1
    assert counts["webcare"]["messages_pseudonymised"] == 1
    assert counts["webcare"]["replies_pseudonymised"] == 1
    [mention] = await _one(sessionmaker, world.a, Mention)
    assert (mention.author_handle, mention.author_name, mention.title, mention.body, mention.url) == ("",) * 5
    assert mention.external_id.startswith("erased:") and mention.sentiment == "negative"
    assert [c.text for c in await _one(sessionmaker, world.a, SentimentCorrection)] == [""]
    [case] = await _one(sessionmaker, world.a, Case)
    assert (case.author_handle, case.subject, case.number, case.status) == ("", "", 1, "new")
    assert [m.body for m in await _one(sessionmaker, world.a, CaseMessage)] == [""]
    assert [r.body for r in await _one(sessionmaker, world.a, Reply)] == [""]
    [other] = await _one(sessionmaker, world.b, Mention)
    assert other.author_handle == "@globex" and other.body
    again = await run_named_job(app, "core.privacy.retention", world.a.id)  # idempotent
    assert again["monitoring"]["mentions_pseudonymised"] == 0 and again["webcare"]["cases_pseudonymised"] == 0
    records = [r for r in await _one(sessionmaker, world.a, PrivacyRecord) if r.kind == "retention"]
    assert len(records) == 2 and {r.requested_by_label for r in records} == {"system"}
    assert all(r.mode == "pseudonymise" and r.cutoff is not None for r in records)
    assert not [r for r in await _one(sessionmaker, world.b, PrivacyRecord) if r.kind == "retention"]


async def test_retention_in_delete_mode_removes_old_rows(app, world, sessionmaker):
    from plugins.monitoring.models import Mention, MentionProfile
    from plugins.webcare.models import Case, CaseMessage

    await populate(sessionmaker, world.a)
    await _age(sessionmaker, world.a)
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(PrivacySetting).values(retention_months=12, retention_mode="delete"))
    counts = await run_named_job(app, "core.privacy.retention", world.a.id)
    assert counts["monitoring"]["mentions_deleted"] == 1 and counts["webcare"]["cases_deleted"] == 1
    for model in (Mention, MentionProfile, Case, CaseMessage):
        assert not await _one(sessionmaker, world.a, model)


async def test_erasing_an_author_pseudonymises_every_plugin_and_keeps_a_record(client, world, sessionmaker):
    from plugins.monitoring.models import Mention
    from plugins.webcare.models import Case

    await populate(sessionmaker, world.a)
    await populate(sessionmaker, world.b)
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/privacy/erase/author", {})
    assert r.status_code == 422 and 'id="e-handle"' in r.text and 'id="e-reason"' in r.text
    assert len(await _one(sessionmaker, world.a, PrivacyRecord)) == 1  # populate's
    r = await post_form(client, "/t/acme/privacy/erase/author", {"handle": "@ACME", "reason": "AVG-2026-7"},
                        follow_redirects=False)
    assert r.status_code == 303
    [mention] = await _one(sessionmaker, world.a, Mention)
    assert mention.author_handle == "" and mention.body == ""
    [case] = await _one(sessionmaker, world.a, Case)
    assert case.author_handle == "" and case.subject == ""
    [other] = await _one(sessionmaker, world.b, Mention)
    assert other.author_handle == "@globex"
    [row] = [r for r in await _one(sessionmaker, world.a, PrivacyRecord) if r.requested_by_label]
    assert row.kind == "erase_author" and row.requested_by_label == world.a.email("admin")
    assert row.subject_ref == hashlib.sha256(f"{world.a.id}:author::acme".encode()).hexdigest()
    assert "acme" not in str(row.counts) and row.reason == "AVG-2026-7"
    assert row.counts["monitoring"]["mentions_pseudonymised"] == 1
    assert row.counts["webcare"]["cases_pseudonymised"] == 1
    audit = [e for e in await _one(sessionmaker, world.a, AuditEntry) if e.action == "privacy.erase_author"]
    assert len(audit) == 1 and "acme" not in audit[0].summary
    page = await client.get("/t/acme/privacy/")
    assert row.subject_ref[:16] in page.text


async def test_erasing_a_community_customer_by_email(client, world, sessionmaker):
    from core.customers.models import Customer, CustomerLogin
    from plugins.webcare.models import Question

    await populate(sessionmaker, world.a)
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/privacy/erase/author", {"handle": "Klant@acme.test", "platform": "email",
                                                                 "reason": "verzoek"}, follow_redirects=False)
    assert r.status_code == 303
    customers = await _one(sessionmaker, world.a, Customer)
    [customer] = [c for c in customers if c.email.endswith("@erased.invalid")]
    assert customer.display_name == "" and "klant@acme.test" not in [c.email for c in customers]
    assert not [login for login in await _one(sessionmaker, world.a, CustomerLogin)
                if login.customer_id == customer.id]
    assert [q.body for q in await _one(sessionmaker, world.a, Question)] == [""]


async def test_erasing_a_user_removes_the_membership_and_pseudonymises_a_lone_identity(client, world,
                                                                                       sessionmaker):
    from plugins.webcare.models import AgentState, Reply

    await populate(sessionmaker, world.a)
    with tenant_scope(world.b.id):  # the marketer also works for globex
        async with sessionmaker() as s, s.begin():
            s.add(Membership(user_id=world.a.users["marketer"].id, role="member"))
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/privacy/erase/user", {"user_id": "nope", "reason": "x"})
    assert r.status_code == 422 and 'user_id' in r.text
    r = await post_form(client, "/t/acme/privacy/erase/user", {"user_id": str(world.a.users["admin"].id),
                                                               "reason": "x"})
    assert r.status_code == 422  # not oneself
    r = await post_form(client, "/t/acme/privacy/erase/user", {"user_id": str(world.b.users["agent"].id),
                                                               "reason": "x"})
    assert r.status_code == 422  # not another tenant's member
    agent = world.a.users["agent"]
    from core.mfa.models import MfaFactor, MfaRecoveryCode

    async with sessionmaker() as s, s.begin():  # platform-level rows: the second factor of the identity
        s.add_all([MfaFactor(user_id=agent.id, secret_sealed="x"), MfaRecoveryCode(user_id=agent.id, code_hash="h")])
    r = await post_form(client, "/t/acme/privacy/erase/user", {"user_id": str(agent.id), "reason": "vertrokken"},
                        follow_redirects=False)
    assert r.status_code == 303
    with cross_tenant():
        async with sessionmaker() as s:
            user = await s.get(User, agent.id)
            assert user.name == "Removed user" and user.email.endswith("@removed.invalid")
            assert user.password_hash is None and not user.is_active
            assert not (await s.scalars(select(MfaFactor).where(MfaFactor.user_id == agent.id))).all()
            assert not (await s.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == agent.id))).all()
    members = await _one(sessionmaker, world.a, Membership)
    assert agent.id not in {m.user_id for m in members}
    assert not await _one(sessionmaker, world.a, AgentState)
    [reply] = await _one(sessionmaker, world.a, Reply)
    assert reply.created_by_id == agent.id  # the work stays, attributed to "Removed user"
    [row] = [r for r in await _one(sessionmaker, world.a, PrivacyRecord) if r.kind == "erase_user"]
    assert row.kind == "erase_user" and row.counts["core"]["membership"] == 1
    assert row.counts["core"]["user_pseudonymised"] == 1 and row.counts["webcare"]["agent_states_deleted"] == 1
    assert agent.email not in str(row.counts) + row.subject_ref
    marketer = world.a.users["marketer"]
    r = await post_form(client, "/t/acme/privacy/erase/user", {"user_id": str(marketer.id), "reason": "weg"},
                        follow_redirects=False)
    assert r.status_code == 303
    with cross_tenant():
        async with sessionmaker() as s:
            user = await s.get(User, marketer.id)
            assert user.email == marketer.email  # still a member of globex: the identity stays
    assert {m.user_id for m in await _one(sessionmaker, world.b, Membership)} >= {marketer.id}
