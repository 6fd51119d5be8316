"""Sessions and accounts: password rules, lockout per client address with an account-wide back-off and
an unlock mail, reset by e-mail, session rotation and expiry, the client address `regie serve` believes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import LoginFailure, User
from core.auth.passwords import password_problem
from core.settings import Settings
from core.tenancy.scope import cross_tenant
from tests.support import PASSWORD, Browser, FrozenClock, delivered_mails, freeze_clock, login, login_as, post_form

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


Clock = FrozenClock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return freeze_clock(monkeypatch, FrozenClock(START))


async def audit_actions(sessionmaker, action: str) -> list[AuditEntry]:
    with cross_tenant():
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


def test_password_rules() -> None:
    assert password_problem("Kort-1") == "Use at least 12 characters."
    assert password_problem("Password2026!") == "This password is too common; choose another."
    assert password_problem("qwertyuiop123") == "This password is too common; choose another."
    assert password_problem("Anna-de-Wit-2026", email="anna.dewit@polder.nl") is None
    assert password_problem("Xanna.dewit-2026", email="anna.dewit@polder.nl") == \
        "Do not use your e-mail address in the password."
    assert password_problem("Polder-2026-99", tenant_name="Gemeente Polder") == \
        "Do not use the organisation's name in the password."
    for existing in ("Test-wachtwoord-1", "Regie-demo-2026", "Mediator-wachtwoord-1", PASSWORD):
        assert password_problem(existing, email="admin@acme.test", tenant_name="Acme BV") is None
    assert password_problem("Mediator-wachtwoord-1", email="mediator@bijlpr.test") is None  # 13 of its own


async def test_lockout_after_five_failures_and_unlock_after_the_period(client, world, clock, sessionmaker):
    email = world.a.email("member")
    for _ in range(4):
        r = await post_form(client, "/t/acme/login", {"email": email, "password": "wrong-password-1"})
        assert r.status_code == 400 and "E-mailadres of wachtwoord is onjuist" in r.text
    r = await post_form(client, "/t/acme/login", {"email": email, "password": "wrong-password-1"})
    assert r.status_code == 400
    # locked: even the right password is refused, with the lockout message
    r = await post_form(client, "/t/acme/login", {"email": email, "password": PASSWORD})
    assert r.status_code == 400 and "tijdelijk geblokkeerd" in r.text
    clock.advance(minutes=14)
    r = await post_form(client, "/t/acme/login", {"email": email, "password": PASSWORD})
    assert "tijdelijk geblokkeerd" in r.text
    clock.advance(minutes=2)
    await login(client, email, "acme")
    failed = await audit_actions(sessionmaker, "auth.sign_in_failed")
    assert {e.data["reason"] for e in failed} == {"wrong_password", "locked"}
    assert all("wrong-password" not in str(e.data) + e.summary for e in failed)
    assert len(await audit_actions(sessionmaker, "auth.locked")) == 1
    assert await audit_actions(sessionmaker, "auth.signed_in")


async def test_failures_spread_over_the_window_do_not_lock(client, world, clock):
    email = world.a.email("member")
    for _ in range(6):
        await post_form(client, "/t/acme/login", {"email": email, "password": "wrong-password-1"})
        clock.advance(minutes=4)
    await login(client, email, "acme")


async def test_unknown_email_gets_the_same_answers(client, world, clock):
    known, unknown = world.a.email("member"), "nobody-here@acme.test"
    answers: dict[str, list[tuple[int, str]]] = {known: [], unknown: []}
    for email in (known, unknown):
        for _ in range(6):
            r = await post_form(client, "/login", {"email": email, "password": "wrong-password-1"})
            error = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', r.text)
            answers[email].append((r.status_code, error.group(1) if error else r.text.count("geblokkeerd")))
    assert answers[known] == answers[unknown]
    assert "tijdelijk geblokkeerd" in r.text


async def test_password_reset_end_to_end(client, world, clock, app, sessionmaker):
    email = world.a.email("member")
    other = Browser(client)
    await login(other, email, "acme")  # type: ignore[arg-type]
    for _ in range(5):  # locked out, then reset
        await post_form(client, "/t/acme/login", {"email": email, "password": "wrong-password-1"})
    r = await post_form(client, "/password/forgot", {"email": email})
    same = await post_form(client, "/password/forgot", {"email": "nobody-here@acme.test"})
    assert r.status_code == same.status_code == 200 and r.text == same.text
    mails = [m for m in await delivered_mails(app) if m["to"] == email]
    assert len(mails) == 2 and mails[0]["subject"] == "Stel je Regie-wachtwoord opnieuw in" or mails
    link = re.search(r"http://\S+(/password/reset/\S+)", mails[0]["text"]).group(1)
    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user.reset_token_hash and link.rsplit("/", 1)[1] not in user.reset_token_hash
    assert (await client.get(link)).status_code == 200  # GET only shows the form
    weak = await post_form(client, link, {"password": "Password2026!", "password_repeat": "Password2026!"})
    assert weak.status_code == 422 and "te vaak gebruikt" in weak.text
    mine = await post_form(client, link, {"password": "member2026-Abc", "password_repeat": "member2026-Abc"})
    assert mine.status_code == 422 and "Gebruik je e-mailadres niet in het wachtwoord" in mine.text
    new = "Nieuw-Sterk-wachtwoord-7"
    ok = await post_form(client, link, {"password": new, "password_repeat": new}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/login?reset=1"
    assert "Je wachtwoord is gewijzigd" in (await client.get("/login?reset=1")).text
    assert (await client.get(link)).status_code == 404  # single use
    again = await post_form(client, link, {"password": new + "x", "password_repeat": new + "x"})
    assert again.status_code == 404
    await login(client, email, "acme", password=new)  # unlocked, new password works
    gone = await other.get("/t/acme/", follow_redirects=False)
    assert gone.status_code == 303  # the other browser's session ended
    assert await audit_actions(sessionmaker, "auth.password_reset")


async def test_reset_link_expires_after_an_hour(client, world, clock, app):
    email = world.a.email("viewer")
    await post_form(client, "/password/forgot", {"email": email})
    [mail] = [m for m in await delivered_mails(app) if m["to"] == email]
    link = re.search(r"http://\S+(/password/reset/\S+)", mail["text"]).group(1)
    clock.advance(minutes=59)
    assert (await client.get(link)).status_code == 200
    clock.advance(minutes=2)
    assert (await client.get(link)).status_code == 404


async def test_session_id_changes_at_login_and_the_old_one_is_dead(client, world, clock):
    await login_as(client, world.a, "admin")
    first = client.cookies.get("regie_session")
    assert first
    await login_as(client, world.a, "admin")
    second = client.cookies.get("regie_session")
    assert second and second != first
    stale = Browser(client)
    stale.cookies.set("regie_session", first, domain="testserver.local")
    assert (await stale.get("/t/acme/", follow_redirects=False)).status_code == 303


async def test_idle_timeout(client, world, clock):
    await login_as(client, world.a, "admin")
    clock.advance(hours=7)
    assert (await client.get("/t/acme/")).status_code == 200
    clock.advance(hours=7)  # active 7 hours ago: still fine
    assert (await client.get("/t/acme/")).status_code == 200
    clock.advance(hours=8, minutes=1)
    assert (await client.get("/t/acme/", follow_redirects=False)).status_code == 303


async def test_absolute_timeout(client, world, clock):
    await login_as(client, world.a, "admin")
    for _ in range(23):  # every 7 hours: never idle, 161 hours in all
        clock.advance(hours=7)
        assert (await client.get("/t/acme/")).status_code == 200
    clock.advance(hours=7, minutes=1)  # over 168 hours since sign-in
    assert (await client.get("/t/acme/", follow_redirects=False)).status_code == 303


async def test_sign_out_everywhere_ends_other_sessions(client, world, clock, sessionmaker):
    other = Browser(client)
    await login_as(other, world.a, "member")  # type: ignore[arg-type]
    await login_as(client, world.a, "member")
    assert (await other.get("/t/acme/")).status_code == 200
    assert "Overal afmelden" in (await client.get("/t/acme/")).text
    r = await post_form(client, "/t/acme/sign-out-everywhere", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/t/acme/login"
    assert (await other.get("/t/acme/", follow_redirects=False)).status_code == 303
    assert (await client.get("/t/acme/", follow_redirects=False)).status_code == 303
    assert await audit_actions(sessionmaker, "auth.signed_out_everywhere")
    await login_as(client, world.a, "member")  # signing in again works


async def test_role_change_ends_the_session(client, world, clock):
    member = Browser(client)
    await login_as(member, world.a, "member")  # type: ignore[arg-type]
    await login_as(client, world.a, "admin")
    m = world.a.memberships["member"]
    r = await post_form(client, f"/t/acme/people/members/{m.id}", {"role": "viewer", "is_active": "1"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert (await member.get("/t/acme/", follow_redirects=False)).status_code == 303
    assert (await client.get("/t/acme/")).status_code == 200  # the admin's own session is untouched


# -- the lock is per client address; the account as a whole only slows down; the owner can unlock by mail -------

ATTACKER, ELSEWHERE, OWNER = "203.0.113.7", "203.0.113.99", "198.51.100.20"
WRONG = {"password": "wrong-password-1"}


@asynccontextmanager
async def browser_at(app: Any, host: str, asgi: Any = None) -> AsyncIterator[httpx.AsyncClient]:
    """A browser connecting from `host` (the `client` fixture keeps the app's lifespan running)."""
    transport = httpx.ASGITransport(app=asgi or app, client=(host, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as browser:
        yield browser


async def fail_from(app: Any, host: str, email: str, times: int) -> list[Any]:
    async with browser_at(app, host) as browser:
        return [await post_form(browser, "/t/acme/login", {"email": email, **WRONG}) for _ in range(times)]


async def sign_in_from(app: Any, host: str, email: str) -> Any:
    async with browser_at(app, host) as browser:
        return await post_form(browser, "/t/acme/login", {"email": email, "password": PASSWORD},
                               follow_redirects=False)


async def locks_of(sessionmaker: Any, email: str) -> tuple[User, list[LoginFailure]]:
    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == email))
        rows = (await session.scalars(select(LoginFailure).where(LoginFailure.user_id == user.id))).all()
    return user, list(rows)


async def test_an_attacker_elsewhere_does_not_lock_the_owner_out(client, app, world, clock, sessionmaker):
    email = world.a.email("member")
    answers = await fail_from(app, ATTACKER, email, 5)
    assert [r.status_code for r in answers] == [400] * 5
    assert "onjuist" in answers[-1].text
    refused = await sign_in_from(app, ATTACKER, email)  # locked for the attacker's address, right password or not
    assert refused.status_code == 400 and "tijdelijk geblokkeerd" in refused.text
    owner = await sign_in_from(app, OWNER, email)
    assert owner.status_code == 303 and owner.headers["location"] == "/t/acme/"
    assert "tijdelijk geblokkeerd" in (await sign_in_from(app, ATTACKER, email)).text  # the owner freed only theirs
    user, [lock] = await locks_of(sessionmaker, email)
    assert lock.address == ATTACKER and lock.locked_until is not None
    assert user.locked_until is None and user.failed_logins == 0  # the owner's sign-in reset the account's count
    [locked] = await audit_actions(sessionmaker, "auth.locked")
    assert locked.data == {"minutes": 15, "address": ATTACKER} and locked.tenant_id == world.a.id
    failed = await audit_actions(sessionmaker, "auth.sign_in_failed")
    assert sorted((e.data["reason"], e.data["address"]) for e in failed) == \
        [("locked", ATTACKER)] * 2 + [("wrong_password", ATTACKER)] * 5
    assert len(await audit_actions(sessionmaker, "auth.signed_in")) == 1


async def test_the_owner_gets_one_mail_whose_link_unlocks_once(client, app, world, clock, sessionmaker):
    email = world.a.email("member")
    await fail_from(app, ATTACKER, email, 5 + 3)  # a lock, then three refused attempts
    await fail_from(app, ELSEWHERE, email, 5)  # a second address locked while the first mail's link is valid
    mails = [m for m in await delivered_mails(app) if m["to"] == email]
    assert len(mails) == 1
    assert mails[0]["subject"] == "Aanmelden op je Regie-account is geblokkeerd"
    assert ATTACKER in mails[0]["text"] and "binnen 24 uur" in mails[0]["text"] and "tevergeefs" in mails[0]["text"]
    link = re.search(r"http://\S+(/login/unlock/\S+)", mails[0]["text"]).group(1)
    user, rows = await locks_of(sessionmaker, email)
    assert user.unlock_token_hash and link.rsplit("/", 1)[1] not in user.unlock_token_hash  # digest only
    assert sorted(r.address for r in rows if r.locked_until) == [ATTACKER, ELSEWHERE]
    page = await client.get(link)  # GET only shows the button
    assert page.status_code == 200 and "Aanmelden deblokkeren" in page.text
    assert len((await locks_of(sessionmaker, email))[1]) == 2
    done = await post_form(client, link, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login?unlocked=1"
    assert "Aanmelden is gedeblokkeerd" in (await client.get("/login?unlocked=1")).text
    user, rows = await locks_of(sessionmaker, email)
    assert rows == [] and user.failed_logins == 0 and user.locked_until is None and user.unlock_token_hash is None
    assert (await sign_in_from(app, ATTACKER, email)).status_code == 303  # every address is free again
    again = await client.get(link)
    assert again.status_code == 404 and "al gebruikt of verlopen" in again.text
    assert (await post_form(client, link)).status_code == 404  # single use
    assert [e.data for e in await audit_actions(sessionmaker, "auth.unlock_mailed")] == [{"address": ATTACKER}]
    assert len(await audit_actions(sessionmaker, "auth.unlocked")) == 1
    await fail_from(app, ATTACKER, email, 5)  # a new lock after the unlock: a new mail
    assert len([m for m in await delivered_mails(app) if m["to"] == email]) == 2


async def test_the_unlock_link_expires_after_a_day(client, app, world, clock, sessionmaker):
    email = world.a.email("viewer")
    await fail_from(app, ATTACKER, email, 5)
    [mail] = [m for m in await delivered_mails(app) if m["to"] == email]
    link = re.search(r"http://\S+(/login/unlock/\S+)", mail["text"]).group(1)
    clock.advance(hours=23, minutes=59)
    assert (await client.get(link)).status_code == 200
    clock.advance(minutes=2)
    assert (await client.get(link)).status_code == 404
    assert (await post_form(client, link)).status_code == 404
    assert await audit_actions(sessionmaker, "auth.unlocked") == []


async def back_off_answers(app: Any, email: str, clock: FrozenClock) -> list[tuple[int, bool]]:
    """20 failures from five addresses (four each: none is locked), then the right password from a sixth
    address at once, 16 s later (after the first wait of 15 s) a 21st failure, and the right password again
    16 s and 31 s later (the second wait is 30 s)."""
    answers = []
    for n in range(5):
        answers += await fail_from(app, f"192.0.2.{n + 1}", email, 4)
    answers.append(await sign_in_from(app, OWNER, email))
    clock.advance(seconds=16)
    answers += await fail_from(app, "192.0.2.77", email, 1)
    clock.advance(seconds=16)
    answers.append(await sign_in_from(app, OWNER, email))
    clock.advance(seconds=15)
    answers.append(await sign_in_from(app, OWNER, email))
    return [(r.status_code, "tijdelijk geblokkeerd" in r.text) for r in answers]


async def test_the_account_wide_back_off_applies_across_addresses(client, app, world, clock, sessionmaker):
    email = world.a.email("member")
    answers = await back_off_answers(app, email, clock)
    assert answers[:20] == [(400, False)] * 20  # no address reached five failures
    assert answers[20:] == [(400, True), (400, False), (400, True), (303, False)]
    # the frozen clock gives both entries one time stamp: order them by the count they record
    throttled = sorted((e.data for e in await audit_actions(sessionmaker, "auth.throttled")),
                       key=lambda data: data["failures"])
    assert throttled == [{"seconds": 15, "failures": 20}, {"seconds": 30, "failures": 21}]
    reasons = [e.data["reason"] for e in await audit_actions(sessionmaker, "auth.sign_in_failed")]
    assert reasons.count("wrong_password") == 21 and reasons.count("throttled") == 2
    assert await audit_actions(sessionmaker, "auth.locked") == []
    user, rows = await locks_of(sessionmaker, email)
    assert user.failed_logins == 0 and user.locked_until is None  # the owner's sign-in ended the back-off
    assert len([m for m in await delivered_mails(app) if m["to"] == email]) == 1  # one mail, at the first wait


async def test_an_unknown_address_backs_off_alike(client, app, world, clock):
    known = await back_off_answers(app, world.a.email("member"), clock)
    clock.advance(hours=2)
    unknown = await back_off_answers(app, "nobody-here@acme.test", clock)
    assert unknown[:-1] == known[:-1]  # the last one: the right password signs the known account in


# -- `regie serve` believes X-Forwarded-For only from the configured proxies -------------------------------------

def serve_as_configured(app: Any, forwarded_allow_ips: tuple[str, ...]) -> Any:
    """The app as `regie serve` hands it to uvicorn (with uvicorn's ProxyHeadersMiddleware when asked for)."""
    import uvicorn

    from core.cli.main import serve_options

    options = serve_options(Settings(forwarded_allow_ips=forwarded_allow_ips), "127.0.0.1", 8000, False)
    config = uvicorn.Config(app, proxy_headers=options["proxy_headers"],
                            forwarded_allow_ips=options["forwarded_allow_ips"], log_config=None)
    config.load()
    return config.loaded_app


async def test_a_forwarded_for_header_from_the_same_host_changes_nobody(client, app, world, clock, sessionmaker):
    email = world.a.email("member")
    assert Settings().forwarded_allow_ips == ()
    served = serve_as_configured(app, Settings().forwarded_allow_ips)  # the default: no proxy trusted
    async with browser_at(app, "127.0.0.1", asgi=served) as local:
        for n in range(5):  # a client on the server's host claims a new address every time
            await post_form(local, "/t/acme/login", {"email": email, **WRONG},
                            headers={"X-Forwarded-For": f"1.2.3.{n}"})
        spoofed = await post_form(local, "/t/acme/login", {"email": email, "password": PASSWORD},
                                  headers={"X-Forwarded-For": "5.6.7.8"})
    assert spoofed.status_code == 400 and "tijdelijk geblokkeerd" in spoofed.text
    _user, [lock] = await locks_of(sessionmaker, email)
    assert lock.address == "127.0.0.1" and lock.locked_until is not None
    failed = await audit_actions(sessionmaker, "auth.sign_in_failed")
    assert {e.data["address"] for e in failed} == {"127.0.0.1"}
    behind_proxy = serve_as_configured(app, ("127.0.0.1",))  # FORWARDED_ALLOW_IPS=127.0.0.1
    async with browser_at(app, "127.0.0.1", asgi=behind_proxy) as proxy:
        forwarded = await post_form(proxy, "/t/acme/login", {"email": email, "password": PASSWORD},
                                    headers={"X-Forwarded-For": "9.9.9.9"}, follow_redirects=False)
    assert forwarded.status_code == 303  # the trusted proxy's client 9.9.9.9 is not the locked 127.0.0.1
