"""Accounts seen in monitoring that use the organisation's names: the daily job, its window, what the hook
answers, and the privacy hooks that take them away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.accounts.models import AccountWatch, SocialAccount
from core.db.base import utcnow
from core.jobs.plugin_jobs import run_named_job
from core.plugins.api import ErasureSubject
from core.plugins.context import hook_context
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from plugins.monitoring.accounts.service import WINDOW_DAYS, candidates, patterns, platform_of, profile_url
from plugins.monitoring.models import Mention, SeenAccount, Source
from plugins.monitoring.privacy.hooks import erase_subject, retention

JOB = "monitoring.seen_accounts"


@pytest.mark.parametrize(("url", "platform"), [
    ("https://twitter.com/a/status/1", "x"), ("https://mobile.x.com/a/status/1", "x"),
    ("https://www.instagram.com/p/abc/", "instagram"), ("https://nl.linkedin.com/posts/a", "linkedin"),
    ("https://m.facebook.com/a/posts/1", "facebook"), ("https://youtu.be/abc", "youtube"),
    ("https://bsky.app/profile/a.bsky.social/post/3k", "bluesky"), ("https://mastodon.social/@acme/1", "mastodon"),
    ("https://forum.example/t/1", "other"), ("", "other"), ("not a url", "other"),
])
def test_the_platform_comes_from_the_post_address(url, platform):
    assert platform_of(url) == platform


def test_names_become_patterns_for_handles_and_display_names():
    assert patterns(["Acme Care", "acme", "50%_korting"]) == [
        "%acme care%", "%acme_care%", "%acmecare%", "%acme%", "%50\\%\\_korting%"]
    assert profile_url("x", "@AcmeCare") == "https://x.com/acmecare"
    assert profile_url("linkedin", "acme") == ""  # not known from the handle alone


async def _seed(sessionmaker, tw, *authors: tuple[str, str, int]) -> None:
    """(handle, name, days ago) → a mention; the brand term "Acme" is looked for."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(AccountWatch(brand_terms=["Acme"]))
            source = Source(name="Netwerk", kind="api", source_type="microblog")
            session.add(source)
            await session.flush()
            for i, (handle, name, days) in enumerate(authors):
                session.add(Mention(source_id=source.id, source_type="microblog", external_id=f"e{i}",
                                    url=f"https://x.com/{handle.lstrip('@')}/status/{i}", author_handle=handle,
                                    author_name=name, published_at=utcnow() - timedelta(days=days), body="tekst",
                                    content_hash=f"c{i}"))


async def _seen(sessionmaker, tw) -> list[SeenAccount]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(SeenAccount).order_by(SeenAccount.handle_key))).all())


async def test_the_job_keeps_the_window_and_leaves_registered_accounts_out(app, mon, sessionmaker):
    await _seed(sessionmaker, mon.a, ("acme_fans", "Fans", 1), ("acme_fans", "Fans", 20),
                ("acme_oud", "Oud", WINDOW_DAYS + 5),  # outside the window
                ("AcmeCare", "Acme Care", 2), ("piet", "Piet van Acme", 3), ("klaas", "Klaas", 1))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(SocialAccount(platform="x", handle="@acmecare", status="to_claim"))
    assert await run_named_job(app, JOB, mon.a.id) == 2
    seen = await _seen(sessionmaker, mon.a)
    assert [(s.handle, s.name, s.seen_count, s.platform) for s in seen] == [
        ("acme_fans", "Fans", 2, "x"), ("piet", "Piet van Acme", 1, "x")]
    assert seen[0].evidence_url == "https://x.com/acme_fans/status/0"  # the latest mention
    assert await _seen(sessionmaker, mon.b) == []  # another tenant's job, another tenant's rows
    # registered after the job ran: the hook leaves it out at once
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(SocialAccount(platform="x", handle="piet", status="active",
                                      department_id=mon.a.departments["comms"].id))
        async with sessionmaker() as session:
            assert [c.handle for c in await candidates(session)] == ["acme_fans"]


async def test_retention_and_erasure_take_the_seen_accounts(app, mon, sessionmaker):
    await _seed(sessionmaker, mon.a, ("acme_fans", "Fans", 1), ("acme_oud", "Oud", 40))
    assert await run_named_job(app, JOB, mon.a.id) == 2
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            ctx = hook_context(session, await session.get(Tenant, mon.a.id), "nl")
            counts = await retention(ctx, utcnow() - timedelta(days=30), "pseudonymise")
            assert counts["seen_accounts_deleted"] == 1
            counts = await erase_subject(ctx, ErasureSubject(kind="author", handle="@ACME_FANS"))
            assert counts["seen_accounts_deleted"] == 1
    assert await _seen(sessionmaker, mon.a) == []
