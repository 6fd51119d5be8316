"""The ambassador portal: sign-in by e-mail link (single use, expiry, rate limits, one tenant's session being
nothing in another's), missions for points without double pay, the leaderboard and rewards."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import utcnow
from core.shortlinks.models import ShortLink
from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors import missions, rewards
from plugins.energizing.ambassadors.models import (
    AmbassadorToken,
    Completion,
    Mission,
    PointsEntry,
    Redemption,
    Reward,
    SigninAttempt,
)
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.ambassadors.conftest import BASE, SIGNIN, activate_person, invite, mails_to, rows
from tests.support import TenantWorld, World, post_form


async def sign_in(client: Any, app: Any, email: str, base: str = BASE) -> None:
    response = await post_form(client, f"{base}signin", {"email": email})
    assert response.status_code == 200, response.text[:400]
    token = SIGNIN.search((await mails_to(app, email))[0]["text"]).group(1)
    assert (await client.get(f"{base}signin/{token}")).status_code == 200
    response = await post_form(client, f"{base}signin/{token}", {}, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]


async def add_mission(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **values: Any) -> Mission:
    today = date.today()
    fields = {"title": f"Deel het nieuws van {tw.tenant.name}", "kind": "share", "points": "10",
              "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=7)),
              "target_url": "https://example.org/nieuws", "suggested_text": "Mooi nieuws! #samenwerking", **values}
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await missions.save(session, "admin", fields)


async def test_sign_in_once_expiry_and_only_for_active_ambassadors(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "anna@example.nl", "Anna")
    assert (await client.get(BASE, follow_redirects=False)).headers["location"].endswith("/portal/signin")
    await sign_in(client, app, "anna@example.nl")
    home = await client.get(BASE)
    assert home.status_code == 200 and "Ingelogd als Anna" in home.text
    [login] = await rows(sessionmaker, en.a, AmbassadorToken, AmbassadorToken.purpose == "signin")
    assert login.used_at is not None and len(login.token_digest) == 64
    token = SIGNIN.search((await mails_to(app, "anna@example.nl"))[0]["text"]).group(1)
    again = await post_form(client, f"{BASE}signin/{token}", {})
    assert again.status_code == 409 and "niet meer geldig" in again.text
    # an expired link does nothing
    await post_form(client, f"{BASE}signout", {})
    await post_form(client, f"{BASE}signin", {"email": "anna@example.nl"})
    token = SIGNIN.search((await mails_to(app, "anna@example.nl"))[0]["text"]).group(1)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(AmbassadorToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert (await client.get(f"{BASE}signin/{token}")).status_code == 404
    assert (await post_form(client, f"{BASE}signin/{token}", {})).status_code == 409
    assert (await client.get(BASE, follow_redirects=False)).status_code == 303
    # someone only invited gets the same answer and no mail
    await invite(sessionmaker, en.a, "bert@example.nl", "Bert")
    sent = await post_form(client, f"{BASE}signin", {"email": "bert@example.nl"})
    assert sent.status_code == 200 and "Kijk in je mail" in sent.text
    assert not any(SIGNIN.search(m["text"]) for m in await mails_to(app, "bert@example.nl"))
    bad = await post_form(client, f"{BASE}signin", {"email": "geen-adres"})
    assert bad.status_code == 422 and "geen geldig e-mailadres" in bad.text


async def test_sign_in_links_are_rate_limited(en: World, client: Any, app: Any,
                                              sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "cor@example.nl", "Cor")
    for _ in range(3):
        assert (await post_form(client, f"{BASE}signin", {"email": "cor@example.nl"})).status_code == 200
    limited = await post_form(client, f"{BASE}signin", {"email": "cor@example.nl"})
    assert limited.status_code == 429 and "Te veel inloglinks voor dit adres" in limited.text
    with tenant_scope(en.a.id):  # seven more from this client address, as if for other people
        async with sessionmaker() as session, session.begin():
            await session.execute(update(SigninAttempt).values(created_at=utcnow() - timedelta(minutes=20)))
    for _ in range(7):
        assert (await post_form(client, f"{BASE}signin", {"email": "cor@example.nl"})).status_code in (200, 429)
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                await session.execute(update(SigninAttempt).values(created_at=utcnow() - timedelta(minutes=20)))
    limited = await post_form(client, f"{BASE}signin", {"email": "cor@example.nl"})
    assert limited.status_code == 429 and "vanaf je netwerk" in limited.text
    assert len(await rows(sessionmaker, en.a, AmbassadorToken, AmbassadorToken.purpose == "signin")) == 10


async def test_the_sign_in_form_answers_the_same_for_every_address(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Nobody learns who is on the roster from the per-address limit, and requests for unknown addresses count
    towards the client address's limit."""
    await activate_person(client, app, sessionmaker, en.a, "cor@example.nl", "Cor")
    answers = {}
    for email in ("cor@example.nl", "niemand@example.nl"):
        answers[email] = [(await post_form(client, f"{BASE}signin", {"email": email})).status_code for _ in range(4)]
    assert answers["cor@example.nl"] == answers["niemand@example.nl"] == [200, 200, 200, 429]
    unknown = await post_form(client, f"{BASE}signin", {"email": "niemand@example.nl"})
    assert unknown.status_code == 429 and "Te veel inloglinks voor dit adres" in unknown.text
    digests = {a.email_digest for a in await rows(sessionmaker, en.a, SigninAttempt)}  # digests, no addresses
    assert len(digests) == 2 and not any("@" in d for d in digests)
    # four more unknown addresses fill the network's ten: the known ambassador is refused too, and gets no mail
    for n in range(4):
        assert (await post_form(client, f"{BASE}signin", {"email": f"onbekend{n}@example.nl"})).status_code == 200
    mails = len(await mails_to(app, "cor@example.nl"))
    limited = await post_form(client, f"{BASE}signin", {"email": "cor-nieuw@example.nl"})
    assert limited.status_code == 429 and "vanaf je netwerk" in limited.text
    assert len(await mails_to(app, "cor@example.nl")) == mails
    # retention forgets attempts after a day
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(SigninAttempt).values(created_at=utcnow() - timedelta(days=2)))
    counts = await _retention(sessionmaker, en.a)
    assert counts["signin_attempts"] == 10 and await rows(sessionmaker, en.a, SigninAttempt) == []


async def _retention(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, int]:
    from core.plugins.api import HookContext
    from plugins.energizing.ambassadors import hooks

    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await hooks.retention(HookContext(tenant_id=tw.id, tenant_slug=tw.slug, session=session),
                                         utcnow() - timedelta(days=365), "pseudonymise")


async def test_a_portal_session_of_one_tenant_is_nothing_in_another(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "dirk@example.nl", "Dirk")
    await activate_person(client, app, sessionmaker, en.b, "dirk@example.nl", "Dirk B")
    await sign_in(client, app, "dirk@example.nl")
    other = "/t/globex/p/energizing/portal/"
    response = await client.get(other, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/portal/signin")
    mission = await add_mission(sessionmaker, en.a)
    assert (await client.get(f"{other}missions/{mission.id}", follow_redirects=False)).status_code == 303
    await sign_in(client, app, "dirk@example.nl", base=other)
    assert (await client.get(f"{other}missions/{mission.id}")).status_code == 404
    assert "Ingelogd als Dirk B" in (await client.get(other)).text
    assert "Ingelogd als Dirk" in (await client.get(BASE)).text


async def test_missions_pay_once_and_a_rejection_withdraws_the_points(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "eva@example.nl", "Eva")
    share = await add_mission(sessionmaker, en.a)
    review = await add_mission(sessionmaker, en.a, title="Schrijf een review", kind="review", points="25",
                               target_url="", suggested_text="")
    await sign_in(client, app, "eva@example.nl")
    page = await client.get(f"{BASE}missions/{share.id}")
    assert page.status_code == 200 and "#samenwerking" in page.text and "/l/" in page.text
    [link] = await rows(sessionmaker, en.a, ShortLink)
    assert link.origin == "energizing" and f"ref={person.referral_code}" in link.target_url
    url = f"{BASE}missions/{share.id}"
    first = await post_form(client, url, {}, follow_redirects=False)
    second = await post_form(client, url, {})
    assert first.status_code == 303 and second.status_code == 409
    [done] = await rows(sessionmaker, en.a, Completion)
    assert done.state == "self_reported"
    # bad input on the review: a field error, nothing stored
    bad = await post_form(client, f"{BASE}missions/{review.id}", {"evidence_url": "javascript:alert(1)"})
    assert bad.status_code == 422 and "https://" in bad.text
    assert len(await rows(sessionmaker, en.a, Completion)) == 1
    assert (await post_form(client, f"{BASE}missions/{review.id}", {"evidence_url": "https://reviews.example/1"},
                            follow_redirects=False)).status_code == 303
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.points == 35 and person.points_earned == 35
    [mission] = await rows(sessionmaker, en.a, Mission, Mission.id == share.id)
    assert mission.completions == 1
    # a click on the share link verifies the share (the job, idempotent)
    assert (await client.get(f"/l/{link.code}", follow_redirects=False)).status_code in (302, 303, 307)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            assert await missions.verify_shares(session) == 1
            assert await missions.verify_shares(session) == 0
    states = {c.mission_id: c.state for c in await rows(sessionmaker, en.a, Completion)}
    assert states[share.id] == "verified"
    review_done = next(c for c in await rows(sessionmaker, en.a, Completion) if c.mission_id == review.id)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await missions.reject(session, "admin", review_done.id, {"reason": "Geen review gevonden"})
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.points == 10 and person.points_earned == 10
    assert sorted(e.delta for e in await rows(sessionmaker, en.a, PointsEntry)) == [-25, 10, 25]
    history = await client.get(f"{BASE}points")
    assert "Schrijf een review" in history.text


async def test_mission_input_is_checked_per_field(en: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from core.plugins.api import DomainError

    try:
        await add_mission(sessionmaker, en.a, title="", kind="dance", points="0", starts_on="gisteren",
                          ends_on="2020-01-01", target_url="ftp://x")
    except DomainError as exc:
        assert {"title", "kind", "points", "starts_on", "target_url"} <= set(exc.errors)
    else:
        raise AssertionError("bad mission accepted")
    try:
        await add_mission(sessionmaker, en.a, suggested_text="Kijk eens!")
    except DomainError as exc:
        assert "#samenwerking" in exc.errors["suggested_text"].render("nl")
    else:
        raise AssertionError("share without disclosure accepted")
    assert await rows(sessionmaker, en.a, Mission) == []


async def test_rewards_leaderboard_and_redemptions(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "fien@example.nl", "Fien")
    mission = await add_mission(sessionmaker, en.a, kind="feedback", target_url="", suggested_text="",
                                points="50", title="Vertel ons wat beter kan")
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            reward = await rewards.save(session, "admin", {"name": f"Mok van {en.a.tenant.name}", "cost": "30",
                                                           "stock": "1"})
    await sign_in(client, app, "fien@example.nl")
    assert (await post_form(client, f"{BASE}missions/{mission.id}", {"feedback": ""})).status_code == 422
    await post_form(client, f"{BASE}missions/{mission.id}", {"feedback": "Snellere levering"})
    board = await client.get(f"{BASE}leaderboard")
    assert "Fien" in board.text  # herself by name
    bad = await post_form(client, f"{BASE}rewards", {"reward": "not-a-uuid"})
    assert bad.status_code == 422
    redeemed = await post_form(client, f"{BASE}rewards", {"reward": str(reward.id)}, follow_redirects=False)
    assert redeemed.status_code == 303
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.points == 20 and person.points_earned == 50
    out = await post_form(client, f"{BASE}rewards", {"reward": str(reward.id)})
    assert out.status_code == 409 and "niet meer op voorraad" in out.text
    [redemption] = await rows(sessionmaker, en.a, Redemption)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await rewards.decide(session, "admin", redemption.id, {"decision": "reject", "note": "Op"})
    [person] = await rows(sessionmaker, en.a, Ambassador)
    [reward] = await rows(sessionmaker, en.a, Reward)
    assert person.points == 50 and reward.reserved == 0 and reward.stock == 1
    assert re.search(r"Mok van", (await client.get(f"{BASE}rewards")).text)
