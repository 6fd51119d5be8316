"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, against migrations.

With CI=true a missing PostgreSQL or Redis fails the run; on a laptop without them those tests skip.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.engine import make_engine, make_sessionmaker
from core.db.migrate import upgrade
from core.db.models import metadata
from core.settings import Settings
from core.web.app import create_app
from tests.support import AppClient, World, build_world

pytest_plugins = ["tests.atnet"]  # the `atproto_network` fixture: a local AT Protocol network

IN_CI = os.environ.get("CI", "").lower() == "true"
os.environ.setdefault("REGIE_STRICT_EVENTS", "1")  # an event that differs from its catalogue entry raises
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
"""pytest-xdist runs the suite in two processes (gw0, gw1); each gets a database and a Redis db of its own."""
BASE_PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PG_URL = f"{BASE_PG_URL}_{WORKER}" if WORKER else BASE_PG_URL
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - int(WORKER[2:] or 0)}")


def unavailable(what: str, exc: Exception) -> None:
    """Fail in CI, skip on a developer machine."""
    message = f"{what} is not reachable ({exc.__class__.__name__}: {exc})"
    if IN_CI:
        pytest.fail(message + " — CI=true requires it", pytrace=False)
    pytest.skip(message)


async def reset_postgres(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    if url != BASE_PG_URL:  # this worker's own database, made once next to the configured one
        admin = create_async_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                name = url.rsplit("/", 1)[1]
                if not await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                    await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the SQLite variant of tests marked `postgresql_only` (deselected, not skipped: nothing to see)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        sqlite_variant = params.get("backend") == "sqlite"
        (drop if sqlite_variant and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp(f"var-{backend}")
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{var_dir / 'test.sqlite3'}"
    else:
        url = PG_URL
        try:
            asyncio.run(reset_postgres(url))
        except Exception as exc:  # noqa: BLE001
            unavailable("PostgreSQL", exc)
    settings = Settings.from_env(var_dir=var_dir, database_url=url, broker_url="", redis_url="", smtp_url="",
                                 secret_key="test-secret-key-" + "x" * 32, login_attempts_per_minute=1000,
                                 db_pool_size=0, dev_mailbox=True,
                                 outbound_allow=("127.0.0.1", "::1"),
                                 mfa_enforced=False)  # MFA tests turn it on (tests/core/test_mfa.py)
    upgrade(settings)
    return settings


TEST_POOL_SIZE = 4
"""PostgreSQL connections the session's app keeps: connecting afresh for every session (as with no pool) made
each PostgreSQL test twice as slow as its SQLite twin."""


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    if settings.is_sqlite:
        return create_app(settings, start_jobs=False)
    app = create_app(dataclasses.replace(settings, db_pool_size=TEST_POOL_SIZE), start_jobs=False)
    keep_to_its_loop(app.state.engine)
    return app


def keep_to_its_loop(engine: Any) -> None:
    """A pooled connection serves only the event loop that opened it. The test client serves a test's requests on
    a loop of its own (a thread), while the test's own code runs on the session's loop: a connection opened on the
    other loop is dropped at checkout (its socket closed at once) and the pool connects afresh."""
    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

    def checked_out(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        raw = dbapi_connection.driver_connection
        if getattr(raw, "_loop", None) is not asyncio.get_running_loop():
            raw.terminate()
            raise DisconnectionError()

    event.listen(engine.sync_engine.pool, "checkout", checked_out)


@pytest.fixture
def sessionmaker(app: Litestar, _clean_tables: None) -> async_sessionmaker[AsyncSession]:
    return app.state.sessionmaker


@pytest.fixture
async def _clean_tables(app: Litestar) -> AsyncIterator[None]:
    """Empty every table after each database test, so tests never see each other's rows.

    Not autouse: the browser tests run Playwright's own loop and must not get an async fixture.
    `sessionmaker` and `client` depend on it, so every test touching the database gets it.
    """
    yield
    from core.jobs.outbox import wait_for_relays

    await wait_for_relays()
    app.state.broker.flush_all()  # jobs a test queued but never worked must not reach the next test
    engine = app.state.engine
    names = [t.name for t in reversed(metadata.sorted_tables)]
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # the owner empties the tables, not the app role; DELETE with the foreign-key triggers off is ten
            # times faster than TRUNCATE on these small tables (TRUNCATE makes new files: ~250 ms per test)
            driver = (await conn.get_raw_connection()).driver_connection
            await driver.execute("SET LOCAL ROLE NONE; SET LOCAL session_replication_role = replica; "
                                 + "; ".join(f'DELETE FROM "{n}"' for n in names))
        else:
            for name in names:
                await conn.execute(text(f'DELETE FROM "{name}"'))
    outbox: Path = app.state.settings.outbox_dir
    for f in outbox.glob("*.json") if outbox.exists() else []:
        f.unlink()


@pytest.fixture
async def client(app: Litestar, _clean_tables: None) -> AsyncIterator[AsyncTestClient]:
    async with AppClient(app=app, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """Two tenants with departments, people, a workgroup and a regie holder (see tests/support.py)."""
    return await build_world(sessionmaker)


@pytest.fixture
def make_engine_for(settings: Settings):  # type: ignore[no-untyped-def]
    return lambda: make_sessionmaker(make_engine(settings))


@pytest.fixture
def restore_broker() -> Iterator[None]:
    """For tests that build another app or broker: put the session app's broker, actors and relay back.

    dramatiq binds actors to one global broker and the outbox relay targets the newest app, so a
    second `create_app` would otherwise redirect the session app's jobs.
    """
    import dramatiq
    import dramatiq.broker

    from core.jobs import actors
    from core.jobs import outbox as outbox_module

    previous_broker = dramatiq.broker.global_broker
    previous_actors = dict(actors.ACTORS)
    from core.jobs import plugin_jobs

    previous_target = dict(outbox_module._relay_target)
    previous_specs = dict(plugin_jobs.SPECS)
    yield
    outbox_module._relay_target.update(previous_target)
    plugin_jobs.SPECS.clear()
    plugin_jobs.SPECS.update(previous_specs)
    actors.ACTORS.clear()
    actors.ACTORS.update(previous_actors)
    if previous_broker is not None:
        dramatiq.set_broker(previous_broker)
