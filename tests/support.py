"""Test helpers: a two-tenant world, signing in, and form posts carrying the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import Membership, User
from core.auth.passwords import hash_password
from core.jobs.outbox import wait_for_relays
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat


class AppClient(AsyncTestClient):  # type: ignore[type-arg]
    """The app's test client, which lets the test's own after-commit relays finish before each request
    and before the app shuts down.

    Litestar's client runs the app on another thread and blocks the test's loop while a request is served; a
    relay the test's last commit started on that loop would hold its database transaction (on SQLite: the write
    lock) until the request gave up waiting for it."""

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        await wait_for_relays()
        return await super().send(request, **kwargs)

    async def __aexit__(self, *exc_info: Any) -> None:
        await wait_for_relays()  # the app's shutdown blocks this loop too
        await super().__aexit__(*exc_info)



PASSWORD = "Test-wachtwoord-1"
_HASH = hash_password(PASSWORD)


@dataclass
class TenantWorld:
    tenant: Tenant
    departments: dict[str, Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.tenant.slug

    @property
    def id(self) -> UUID:
        return self.tenant.id

    def email(self, who: str) -> str:
        return self.users[who].email


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld
    mediator: User


async def _tenant(session: AsyncSession, slug: str, name: str, org_model: str = "hub_and_spoke") -> TenantWorld:
    tenant = Tenant(slug=slug, name=name, org_model=org_model)
    session.add(tenant)
    await session.flush()
    tw = TenantWorld(tenant=tenant)
    with tenant_scope(tenant.id):
        for key, dname, function, hub in (("comms", "Communicatie", "corporate_communication", True),
                                          ("marketing", "Marketing", "marketing", False),
                                          ("service", "Klantenservice", "customer_service", False)):
            dep = Department(name=dname, business_function=function, is_hub=hub)
            session.add(dep)
            tw.departments[key] = dep
        await session.flush()
        people = (("admin", "admin", None), ("regie", "member", "comms"), ("marketer", "member", "marketing"),
                  ("agent", "member", "service"), ("member", "member", "marketing"), ("viewer", "viewer", None))
        for key, role, dep_key in people:
            user = User(email=f"{key}@{slug}.test", name=f"{key.title()} {name}", password_hash=_HASH)
            session.add(user)
            await session.flush()
            membership = Membership(user_id=user.id, role=role,
                                    department_id=tw.departments[dep_key].id if dep_key else None)
            session.add(membership)
            tw.users[key], tw.memberships[key] = user, membership
        await session.flush()
        for key, dep_key in (("regie", "comms"), ("marketer", "marketing"), ("agent", "service")):
            session.add(WorkgroupSeat(department_id=tw.departments[dep_key].id,
                                      membership_id=tw.memberships[key].id))
        session.add(RegieAppointment(membership_id=tw.memberships["regie"].id, started_at=datetime.now(UTC),
                                     reason="test world"))
        await session.flush()
    return tw


async def build_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    async with sessionmaker() as session, session.begin():
        a = await _tenant(session, "acme", "Acme BV")
        b = await _tenant(session, "globex", "Globex NV", org_model="centralized")
        mediator = User(email="mediator@regie.test", name="Mia Mediator", password_hash=_HASH, is_mediator=True)
        session.add(mediator)
    return World(a=a, b=b, mediator=mediator)


def csrf(client: AsyncTestClient) -> str:
    return client.cookies.get("regie_csrf") or ""


async def ensure_csrf(client: AsyncTestClient) -> str:
    if not csrf(client):
        await client.get("/login")
    return csrf(client)


async def post_form(client: AsyncTestClient, url: str, data: dict[str, Any] | None = None,
                    **kwargs: Any) -> Any:
    """POST a form as a browser does: with the CSRF token field."""
    token = await ensure_csrf(client)
    return await client.post(url, data={**(data or {}), "_csrf_token": token}, **kwargs)


async def login(client: AsyncTestClient, email: str, slug: str | None = None,
                password: str = PASSWORD) -> None:
    url = f"/t/{slug}/login" if slug else "/login"
    response = await post_form(client, url, {"email": email, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]


async def login_as(client: AsyncTestClient, tw: TenantWorld, who: str) -> None:
    await login(client, tw.email(who), tw.slug)


async def delivered_mails(app: Any) -> list[dict[str, Any]]:
    """Relay the outbox, let a worker deliver the mail queue, and return what landed in var/outbox."""
    from dramatiq import Worker

    from core.jobs.outbox import relay, wait_for_relays
    from core.mail import outbox

    await wait_for_relays()
    await relay(app.state.sessionmaker)
    worker = Worker(app.state.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        app.state.broker.join("mail", timeout=30_000)
        worker.join()
    finally:
        worker.stop(timeout=5000)
    return outbox(app.state.settings)


async def api_headers(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, who: str) -> dict[str, str]:
    """A fresh API token acting as `who` of tenant `tw`, as an Authorization header."""
    from core.auth.models import ApiToken
    from core.auth.tokens import digest, new_secret

    raw = new_secret("rg_")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(ApiToken(membership_id=tw.memberships[who].id, name="t", prefix=raw[:8],
                                 token_hash=digest(raw)))
    return {"Authorization": f"Bearer {raw}"}


async def summarise(app: Any) -> int:
    """Work out every tenant's summary for the mediator's pages now, as the periodic job does; how many."""
    from sqlalchemy import select

    from core.jobs.plugin_jobs import run_named_job
    from core.mediator.jobs import JOB

    async with app.state.sessionmaker() as session:
        tenant_ids = (await session.scalars(select(Tenant.id))).all()
    for tenant_id in tenant_ids:
        await run_named_job(app, JOB, tenant_id)
    return len(tenant_ids)


class Browser:
    """A second browser on the same test client: its own cookie jar, swapped in around each request.

    A second `AsyncTestClient` would run the app's lifespan again (and its shutdown stops what the first
    client still uses), so tests that need two people at once share one client and keep two jars.
    """

    def __init__(self, client: AsyncTestClient) -> None:
        self._client = client
        self.cookies = httpx.Cookies()

    async def _send(self, method: str, *args: Any, **kwargs: Any) -> Any:
        theirs = self._client.cookies
        self._client.cookies = self.cookies
        try:
            return await getattr(self._client, method)(*args, **kwargs)
        finally:
            self.cookies = self._client.cookies
            self._client.cookies = theirs

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._send("get", *args, **kwargs)

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        return await self._send("post", *args, **kwargs)


class FrozenClock:
    """A frozen `core.auth.security.clock`, moved by hand (sign-in, lockout, password and MFA tests)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def freeze_clock(monkeypatch: Any, clock: FrozenClock) -> FrozenClock:
    """Install `clock` for the test and forget failures counted for unknown e-mails in this process."""
    from core.auth import security, service

    monkeypatch.setattr(security, "clock", clock)
    service._ghosts.clear()
    return clock

