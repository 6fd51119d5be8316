"""Second factor: TOTP enrolment and sign-in, replay, recovery codes, who must use it, lockout."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.models import User
from core.mfa import service as mfa
from core.mfa.models import MfaFactor, MfaRecoveryCode
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.support import PASSWORD, FrozenClock, freeze_clock, login_as, post_form

START = datetime(2026, 12, 3, 9, 0, 5, tzinfo=UTC)
SECRET_ON_PAGE = re.compile(r'data-testid="mfa-secret">([A-Z2-7 ]+)</code>')
CODE_ON_PAGE = re.compile(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>")


class Clock(FrozenClock):
    """The frozen clock; TOTP codes are made for its time."""

    def code(self, secret: str) -> str:
        return pyotp.TOTP(secret).at(self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return freeze_clock(monkeypatch, Clock(START))  # type: ignore[return-value]


@pytest.fixture
def enforced(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """REGIE_MFA_ENFORCED as in production (the suite's settings turn it off)."""
    monkeypatch.setattr(app.state.settings, "mfa_enforced", True)


async def actions(sessionmaker: Any, action: str) -> list[AuditEntry]:
    with cross_tenant():
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


async def enrol(sessionmaker: Any, app: Any, user: User, clock: Clock) -> tuple[str, list[str]]:
    """Enrol a user directly (the web enrolment has its own test); the next code is for a later step."""
    secret = pyotp.random_base32(32)
    async with sessionmaker() as session, session.begin():
        db_user = await session.get(User, user.id)
        codes = await mfa.confirm_enrolment(session, app.state.settings, db_user, secret, clock.code(secret))
    clock.advance(seconds=30)
    return secret, codes


async def password_step(client: Any, email: str, slug: str | None = "acme") -> Any:
    url = f"/t/{slug}/login" if slug else "/login"
    return await post_form(client, url, {"email": email, "password": PASSWORD}, follow_redirects=False)


async def signed_in(client: Any, slug: str = "acme") -> bool:
    return (await client.get(f"/t/{slug}/", follow_redirects=False)).status_code == 200


async def test_voluntary_enrolment_then_sign_in_with_a_code(app, client, world, sessionmaker, clock):
    await login_as(client, world.a, "member")
    page = await client.get("/account/mfa")
    assert page.status_code == 200 and "Inloggen in twee stappen staat uit" in page.text
    setup = await client.get("/mfa/setup")
    assert setup.status_code == 200 and 'src="data:image/svg+xml' in setup.text
    assert setup.headers["cache-control"] == "no-store"
    secret = SECRET_ON_PAGE.search(setup.text).group(1).replace(" ", "")
    wrong = await post_form(client, "/mfa/setup", {"code": "000000" if clock.code(secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "Deze code klopt niet" in wrong.text
    done = await post_form(client, "/mfa/setup", {"code": clock.code(secret)})
    assert done.status_code == 200
    codes = CODE_ON_PAGE.findall(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    # at rest: the seed sealed, the recovery codes only as digests
    async with sessionmaker() as session:
        factor = await session.scalar(select(MfaFactor).where(MfaFactor.user_id == world.a.users["member"].id))
        hashes = (await session.scalars(select(MfaRecoveryCode.code_hash))).all()
    assert secret not in factor.secret_sealed and mfa.unseal_secret(app.state.settings, factor.secret_sealed) == secret
    assert len(hashes) == 10 and not {c.replace("-", "") for c in codes} & set(hashes)
    assert len(await actions(sessionmaker, "auth.mfa_enrolled")) == 1
    assert "Inloggen in twee stappen staat aan" in (await client.get("/account/mfa")).text

    client.cookies.clear()
    first = await password_step(client, world.a.email("member"))
    assert first.status_code == 303 and first.headers["location"] == "/mfa/verify"
    assert not await signed_in(client)  # the password alone starts no session
    # nor can a second seed be enrolled past the first one's check
    assert (await client.get("/mfa/setup", follow_redirects=False)).headers["location"] == "/mfa/verify"
    sneak = await post_form(client, "/mfa/setup", {"code": "123456"}, follow_redirects=False)
    assert sneak.status_code == 303 and sneak.headers["location"] == "/mfa/verify"
    assert (await client.get("/mfa/verify")).status_code == 200
    replay = await post_form(client, "/mfa/verify", {"code": clock.code(secret)}, follow_redirects=False)
    assert replay.status_code == 400  # the enrolment's code, same time step: refused
    clock.advance(seconds=30)
    ok = await post_form(client, "/mfa/verify", {"code": clock.code(secret)}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/t/acme/"
    assert await signed_in(client)
    again = await post_form(client, "/mfa/verify", {"code": clock.code(secret)}, follow_redirects=False)
    assert again.status_code == 400  # no pending sign-in any more
    verified = await actions(sessionmaker, "auth.mfa_verified")
    assert [e.data["method"] for e in verified] == ["totp"]
    signed = await actions(sessionmaker, "auth.signed_in")
    assert any(e.data.get("mfa") for e in signed)
    assert [e.data["reason"] for e in await actions(sessionmaker, "auth.mfa_failed")] == ["wrong_code"]


async def test_a_code_of_the_window_works_once_and_an_old_one_never(app, client, world, sessionmaker, clock):
    secret, _codes = await enrol(sessionmaker, app, world.a.users["member"], clock)
    await password_step(client, world.a.email("member"))
    late = pyotp.TOTP(secret).at(clock.now - timedelta(seconds=30))  # the enrolment's step: used
    assert (await post_form(client, "/mfa/verify", {"code": late})).status_code == 400
    ahead = pyotp.TOTP(secret).at(clock.now + timedelta(seconds=30))  # a phone 30 s ahead: accepted
    assert (await post_form(client, "/mfa/verify", {"code": ahead}, follow_redirects=False)).status_code == 303
    client.cookies.clear()
    await password_step(client, world.a.email("member"))
    # the current step is older than the one just used: refused too
    assert (await post_form(client, "/mfa/verify", {"code": clock.code(secret)})).status_code == 400


async def test_recovery_code_works_once(app, client, world, sessionmaker, clock):
    _secret, codes = await enrol(sessionmaker, app, world.a.users["member"], clock)
    await password_step(client, world.a.email("member"))
    ok = await post_form(client, "/mfa/verify", {"code": codes[0].upper().replace("-", " ")}, follow_redirects=False)
    assert ok.status_code == 303 and await signed_in(client)
    client.cookies.clear()
    await password_step(client, world.a.email("member"))
    assert (await post_form(client, "/mfa/verify", {"code": codes[0]})).status_code == 400
    assert (await post_form(client, "/mfa/verify", {"code": codes[1]}, follow_redirects=False)).status_code == 303
    used = await actions(sessionmaker, "auth.mfa_recovery_used")
    assert sorted((e.data["left"] for e in used), reverse=True) == [9, 8]  # one time stamp: the frozen clock


async def test_wrong_codes_count_towards_the_lockout(app, client, world, sessionmaker, clock):
    secret, _codes = await enrol(sessionmaker, app, world.a.users["member"], clock)
    email = world.a.email("member")
    await password_step(client, email)
    for _ in range(3):
        assert (await post_form(client, "/mfa/verify", {"code": "12345x"})).status_code == 400
    # the right password again does not forgive the wrong codes
    assert (await password_step(client, email)).headers["location"] == "/mfa/verify"
    for _ in range(2):
        await post_form(client, "/mfa/verify", {"code": "not-a-code"})
    refused = await post_form(client, "/mfa/verify", {"code": clock.code(secret)})
    assert refused.status_code == 400 and "tijdelijk geblokkeerd" in refused.text
    locked = await password_step(client, email)
    assert locked.status_code == 400 and "tijdelijk geblokkeerd" in locked.text
    assert len(await actions(sessionmaker, "auth.locked")) == 1
    reasons = [e.data["reason"] for e in await actions(sessionmaker, "auth.mfa_failed")]
    assert reasons.count("wrong_code") == 5 and "locked" in reasons
    clock.advance(minutes=16)
    await password_step(client, email)
    assert (await post_form(client, "/mfa/verify", {"code": clock.code(secret)},
                            follow_redirects=False)).status_code == 303
    async with sessionmaker() as session:
        user = await session.get(User, world.a.users["member"].id)
    assert user.failed_logins == 0


async def test_pending_sign_in_expires_after_five_minutes(app, client, world, sessionmaker, clock):
    secret, _codes = await enrol(sessionmaker, app, world.a.users["member"], clock)
    await password_step(client, world.a.email("member"))
    clock.advance(minutes=5, seconds=1)
    expired = await post_form(client, "/mfa/verify", {"code": clock.code(secret)}, follow_redirects=False)
    assert expired.status_code == 400 and "duurde te lang" in expired.text
    assert (await client.get("/mfa/verify", follow_redirects=False)).headers["location"] == "/login"
    assert not await signed_in(client)


async def test_admin_is_sent_to_setup_when_required(app, client, world, sessionmaker, clock, enforced):
    first = await password_step(client, world.a.email("admin"))
    assert first.status_code == 303 and first.headers["location"] == "/mfa/setup"
    assert not await signed_in(client)
    setup = await client.get("/mfa/setup")
    assert "Je rol vereist een tweede factor" in setup.text
    secret = SECRET_ON_PAGE.search(setup.text).group(1).replace(" ", "")
    done = await post_form(client, "/mfa/setup", {"code": clock.code(secret)})
    assert done.status_code == 200 and len(CODE_ON_PAGE.findall(done.text)) == 10
    assert 'href="/t/acme/"' in done.text and await signed_in(client)
    # required: it cannot be turned off
    clock.advance(seconds=30)
    refused = await post_form(client, "/account/mfa/disable", {"code": clock.code(secret)})
    assert refused.status_code == 422 and "kan niet uit" in refused.text
    client.cookies.clear()
    assert (await password_step(client, world.a.email("admin"))).headers["location"] == "/mfa/verify"
    # members are not forced
    client.cookies.clear()
    assert (await password_step(client, world.a.email("member"))).headers["location"] == "/t/acme/"


async def test_tenant_can_drop_the_requirement_for_admins_not_for_mediators(app, client, world, sessionmaker, clock):
    await login_as(client, world.a, "admin")
    assert "Tweede factor verplicht voor beheerders" in (await client.get("/t/acme/mfa/settings")).text
    bad = await post_form(client, "/t/acme/mfa/settings", {"mfa_required_for_admins": "maybe"})
    assert bad.status_code == 422 and "Kies ja of nee" in bad.text
    assert (await post_form(client, "/t/acme/mfa/settings", {})).status_code == 422  # no choice: no change
    off = await post_form(client, "/t/acme/mfa/settings", {"mfa_required_for_admins": "no"}, follow_redirects=False)
    assert off.status_code == 303
    await login_as(client, world.a, "member")
    assert (await post_form(client, "/t/acme/mfa/settings", {"mfa_required_for_admins": "yes"})).status_code == 403
    async with sessionmaker() as session:
        assert (await session.get(Tenant, world.a.id)).mfa_required_for_admins is False
    assert [e.summary for e in await actions(sessionmaker, "mfa.admins_required_changed")] == ["off"]

    app.state.settings.mfa_enforced = True
    try:
        client.cookies.clear()
        assert (await password_step(client, world.a.email("admin"))).headers["location"] == "/t/acme/"
        client.cookies.clear()
        assert (await password_step(client, world.b.email("admin"), "globex")).headers["location"] == "/mfa/setup"
        client.cookies.clear()
        assert (await password_step(client, world.mediator.email, None)).headers["location"] == "/mfa/setup"
        client.cookies.clear()
        assert (await password_step(client, world.mediator.email, "acme")).headers["location"] == "/mfa/setup"
    finally:
        app.state.settings.mfa_enforced = False
    client.cookies.clear()
    assert (await password_step(client, world.mediator.email, None)).headers["location"] == "/mediator/"


async def test_disable_with_a_current_code(app, client, world, sessionmaker, clock):
    secret, codes = await enrol(sessionmaker, app, world.a.users["member"], clock)
    await password_step(client, world.a.email("member"))
    await post_form(client, "/mfa/verify", {"code": clock.code(secret)})
    assert await signed_in(client)
    wrong = await post_form(client, "/account/mfa/disable", {"code": codes[0][:6]})
    assert wrong.status_code == 400
    clock.advance(seconds=30)
    renewed = await post_form(client, "/account/mfa/recovery-codes", {"code": clock.code(secret)})
    assert renewed.status_code == 200 and codes[1] not in renewed.text
    new_codes = CODE_ON_PAGE.findall(renewed.text)
    off = await post_form(client, "/account/mfa/disable", {"code": new_codes[0]}, follow_redirects=False)
    assert off.status_code == 303
    async with sessionmaker() as session:
        assert (await session.scalar(select(MfaFactor))) is None
        assert (await session.scalar(select(MfaRecoveryCode))) is None
    assert len(await actions(sessionmaker, "auth.mfa_disabled")) == 1
    assert len(await actions(sessionmaker, "auth.mfa_recovery_codes_renewed")) == 1
    client.cookies.clear()
    assert (await password_step(client, world.a.email("member"))).headers["location"] == "/t/acme/"


async def test_a_lost_factor_is_reset_by_the_admin_or_for_people_elsewhere_by_the_mediator(
        app, client, world, sessionmaker, clock):
    from core.auth.models import Membership

    member, marketer = world.a.users["member"], world.a.users["marketer"]
    await enrol(sessionmaker, app, member, clock)
    await enrol(sessionmaker, app, marketer, clock)
    with tenant_scope(world.b.id):  # the marketer also works for globex: not acme's admin's to reset
        async with sessionmaker() as s, s.begin():
            s.add(Membership(user_id=marketer.id, role="member"))
    page = f"/t/acme/people/members/{world.a.memberships['member'].id}/mfa"
    elsewhere = f"/t/acme/people/members/{world.a.memberships['marketer'].id}/mfa"

    await login_as(client, world.a, "viewer")
    assert (await post_form(client, page, {})).status_code == 403
    client.cookies.clear()
    await login_as(client, world.a, "admin")
    assert "Tweede factor resetten" in (await client.get(page)).text
    refused = await post_form(client, elsewhere, {})
    assert refused.status_code == 422 and "werkt ook elders" in refused.text
    done = await post_form(client, page, {}, follow_redirects=False)
    assert done.status_code == 303
    async with sessionmaker() as s:
        assert await mfa.factor_of(s, member.id) is None and await mfa.factor_of(s, marketer.id) is not None
        assert not (await s.scalars(select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == member.id))).all()
        assert (await s.get(User, member.id)).session_epoch == 1  # their sessions ended
    again = await post_form(client, page, {})
    assert again.status_code == 422 and "geen tweede factor" in again.text
    [entry] = await actions(sessionmaker, "mfa.reset")
    assert entry.data == {"user_id": str(member.id)} and entry.tenant_id == world.a.id

    client.cookies.clear()
    assert (await password_step(client, world.mediator.email, None)).status_code == 303
    assert (await post_form(client, elsewhere, {}, follow_redirects=False)).status_code == 303
    async with sessionmaker() as s:
        assert await mfa.factor_of(s, marketer.id) is None
    assert len(await actions(sessionmaker, "mfa.reset")) == 2
