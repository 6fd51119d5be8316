"""The tenant's customers: sign-in by a single-use e-mail link that names the place, limits per address and per
client address, expiry, blocking, and a session key per tenant (the community's older key still read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.customers import signin
from core.customers.models import Customer, CustomerLogin
from core.db.base import utcnow
from core.errors import DomainError, Refused
from core.tenancy.scope import tenant_scope

LINK_BASE = "https://regie.example/t/acme/p/cocreation/signin/"


class FakeRequest:
    """What the sign-in functions use of a request: its session."""

    def __init__(self, session: dict[str, Any] | None = None) -> None:
        self.session: dict[str, Any] = dict(session or {})

    def clear_session(self) -> None:
        self.session = {}

    def set_session(self, value: dict[str, Any]) -> None:
        self.session = dict(value)


async def _request(sessionmaker: Any, tw: Any, email: str, ip: str = "10.0.0.1", lang: str = "nl",
                   place: str = "het ideeënbord van Acme") -> Customer | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await signin.request_link(s, {"email": email, "display_name": ""}, client_ip=ip,
                                             link_base=LINK_BASE, tenant_name=tw.tenant.name, lang=lang,
                                             place=place)


SENT: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _record_mails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mails the sign-in queues, as written (the outbox relay may send and forget them before we look)."""
    SENT.clear()
    monkeypatch.setattr(signin, "send_mail", lambda _s, to, subject, text: SENT.append(
        {"to": to, "subject": subject, "text": text}))


async def _mails(_sessionmaker: Any, to: str) -> list[dict[str, Any]]:
    return [m for m in SENT if m["to"] == to]


def _token(mail: dict[str, Any]) -> str:
    return mail["text"].split(LINK_BASE, 1)[1].split()[0]


async def _use(sessionmaker: Any, tw: Any, token: str, name: str = "") -> Customer:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await signin.use_link(s, token, {"display_name": name})


async def _open(sessionmaker: Any, tw: Any, token: str) -> CustomerLogin | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await signin.open_link(s, token)


async def _all(sessionmaker: Any, tw: Any, model: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list(await s.scalars(select(model).order_by(model.created_at)))


async def test_a_link_names_the_place_in_the_readers_language_and_works_once(world, sessionmaker):
    customer = await _request(sessionmaker, world.a, "Anna@Example.NL")
    assert customer is not None and customer.email == "anna@example.nl" and customer.display_name == "anna"
    [mail] = await _mails(sessionmaker, "anna@example.nl")
    assert mail["subject"] == "Inloggen bij het ideeënbord van Acme"
    assert "om in te loggen bij het ideeënbord van Acme" in mail["text"] and "30 minuten" in mail["text"]
    token = _token(mail)
    [login] = await _all(sessionmaker, world.a, CustomerLogin)
    assert login.token_digest == signin.digest(token) and token not in login.token_digest
    assert login.client_ip == "10.0.0.1" and login.used_at is None
    assert await _open(sessionmaker, world.a, token) is not None
    assert await _open(sessionmaker, world.b, token) is None  # another tenant does not know the link
    with pytest.raises(Refused):
        await _use(sessionmaker, world.b, token)
    used = await _use(sessionmaker, world.a, token, "Anna B.")
    assert used.id == customer.id and used.display_name == "Anna B." and used.verified_at is not None
    assert await _open(sessionmaker, world.a, token) is None
    with pytest.raises(Refused) as refused:
        await _use(sessionmaker, world.a, token)
    assert refused.value.rendered("nl") == {"token": "Deze inloglink is niet meer geldig. Vraag een nieuwe aan."}
    # the same address again: the same customer, a new link; English mail for an English reader
    again = await _request(sessionmaker, world.a, "anna@example.nl", lang="en", place="the idea board of Acme")
    assert again is not None and again.id == customer.id
    assert (await _mails(sessionmaker, "anna@example.nl"))[-1]["subject"] == "Sign in to the idea board of Acme"
    assert len(await _all(sessionmaker, world.a, Customer)) == 1 and await _all(sessionmaker, world.b, Customer) == []


async def test_bad_address_writes_nothing(world, sessionmaker):
    with pytest.raises(DomainError) as bad:
        await _request(sessionmaker, world.a, "geen-adres")
    assert set(bad.value.errors) == {"email"}
    assert await _all(sessionmaker, world.a, Customer) == [] and await _all(sessionmaker, world.a, CustomerLogin) == []


async def test_links_are_limited_per_address_and_per_client_address(world, sessionmaker):
    for _ in range(signin.PER_EMAIL[0]):
        await _request(sessionmaker, world.a, "cor@example.nl")
    with pytest.raises(signin.RateLimited) as limited:
        await _request(sessionmaker, world.a, "cor@example.nl", ip="10.9.9.9")  # the address counts, wherever from
    assert limited.value.status_code == 429 and set(limited.value.errors) == {"email"}
    for n in range(signin.PER_ADDRESS[0] - signin.PER_EMAIL[0]):
        await _request(sessionmaker, world.a, f"other{n}@example.nl")
    with pytest.raises(signin.RateLimited):
        await _request(sessionmaker, world.a, "someone-new@example.nl")  # ten from this client address
    assert await _request(sessionmaker, world.a, "someone-new@example.nl", ip="10.0.0.2") is not None
    assert await _request(sessionmaker, world.b, "cor@example.nl") is not None  # another tenant counts its own
    assert len(await _all(sessionmaker, world.a, CustomerLogin)) == signin.PER_ADDRESS[0] + 1


async def test_an_expired_link_is_refused(world, sessionmaker):
    await _request(sessionmaker, world.a, "bert@example.nl")
    token = _token((await _mails(sessionmaker, "bert@example.nl"))[0])
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(CustomerLogin).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert await _open(sessionmaker, world.a, token) is None
    with pytest.raises(Refused):
        await _use(sessionmaker, world.a, token)
    [customer] = await _all(sessionmaker, world.a, Customer)
    assert customer.verified_at is None


async def test_a_blocked_customer_gets_no_mail_cannot_use_a_link_and_is_signed_out(world, sessionmaker):
    await _request(sessionmaker, world.a, "henk@example.nl")
    token = _token((await _mails(sessionmaker, "henk@example.nl"))[0])
    customer = await _use(sessionmaker, world.a, token)
    request = FakeRequest()
    signin.start_customer_session(request, world.a.id, customer)
    await _request(sessionmaker, world.a, "henk@example.nl")
    waiting = _token((await _mails(sessionmaker, "henk@example.nl"))[-1])
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(Customer).values(is_blocked=True))
    assert await _request(sessionmaker, world.a, "henk@example.nl") is None
    assert len(await _mails(sessionmaker, "henk@example.nl")) == 2  # the same answer, but no mail
    with pytest.raises(Refused):
        await _use(sessionmaker, world.a, waiting)
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert await signin.current_customer(s, request, world.a.id) is None
            assert await s.scalar(select(func.count()).select_from(CustomerLogin)
                                  .where(CustomerLogin.used_at.is_not(None))) == 1


async def test_the_session_key_is_the_tenants_own_and_the_communitys_older_key_is_read(world, sessionmaker):
    await _request(sessionmaker, world.a, "dirk@example.nl")
    customer = await _use(sessionmaker, world.a, _token((await _mails(sessionmaker, "dirk@example.nl"))[0]))
    request = FakeRequest({"user_id": "staff"})
    signin.start_customer_session(request, world.a.id, customer)
    assert request.session == {"user_id": "staff", f"customer:{world.a.id}": str(customer.id)}
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert (await signin.current_customer(s, request, world.a.id)).id == customer.id
    with tenant_scope(world.b.id):
        async with sessionmaker() as s:
            assert await signin.current_customer(s, request, world.b.id) is None
            # the id under tenant b's key does not sign anyone in there either
            forged = FakeRequest({f"customer:{world.b.id}": str(customer.id), f"customer:{world.a.id}": "nope"})
            assert await signin.current_customer(s, forged, world.b.id) is None
    signin.end_customer_session(request, world.a.id)
    assert request.session == {"user_id": "staff"}
    # signed in before the identity moved to the core: still signed in, and the next sign-in moves the key
    old = FakeRequest({f"webcare_customer:{world.a.id}": str(customer.id)})
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert (await signin.current_customer(s, old, world.a.id)).id == customer.id
    signin.start_customer_session(old, world.a.id, customer)
    assert old.session == {f"customer:{world.a.id}": str(customer.id)}
    signin.end_customer_session(FakeRequest({f"webcare_customer:{world.a.id}": "x"}), world.a.id)
    gone = FakeRequest({f"webcare_customer:{world.a.id}": str(customer.id)})
    signin.end_customer_session(gone, world.a.id)
    assert gone.session == {}


async def test_erasing_a_customer_pseudonymises_and_deletes_the_links(world, sessionmaker):
    await _request(sessionmaker, world.a, "ina@example.nl")
    await _request(sessionmaker, world.b, "ina@example.nl")
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            assert await signin.erase_customer(s, " INA@example.nl") == {"customers_pseudonymised": 1,
                                                                         "sign_in_links_deleted": 1}
            assert await signin.erase_customer(s, "ina@example.nl") == {}
    [customer] = await _all(sessionmaker, world.a, Customer)
    assert customer.email.endswith("@erased.invalid") and customer.display_name == "" and customer.is_blocked
    assert await _all(sessionmaker, world.a, CustomerLogin) == []
    [other] = await _all(sessionmaker, world.b, Customer)
    assert other.email == "ina@example.nl" and len(await _all(sessionmaker, world.b, CustomerLogin)) == 1


@pytest.mark.postgresql_only
async def test_two_first_requests_for_one_address_make_one_customer(world, sessionmaker):
    """Two sign-in requests for a new address at the same moment: the second waits on the first's new record
    and finds it, instead of failing on the unique address."""
    import asyncio

    with tenant_scope(world.a.id):
        async with sessionmaker() as first, sessionmaker() as second:
            await first.begin()
            mine = await signin.request_link(first, {"email": "nieuw@example.nl"}, client_ip="10.0.0.1",
                                             link_base=LINK_BASE, tenant_name="Acme", lang="nl", place="Acme")
            await second.begin()
            other = asyncio.create_task(signin.request_link(
                second, {"email": "nieuw@example.nl"}, client_ip="10.0.0.2", link_base=LINK_BASE,
                tenant_name="Acme", lang="nl", place="Acme"))
            await asyncio.sleep(0.3)  # the second now waits on the first's uncommitted record
            await first.commit()
            theirs = await other
            await second.commit()
    assert mine is not None and theirs is not None and mine.id == theirs.id
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(Customer)) == 1
            assert await s.scalar(select(func.count()).select_from(CustomerLogin)) == 2
