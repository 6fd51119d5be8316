"""Moving the community's customers to the core (0009_webcare) keeps every row: the customers and their sign-in
links land in `customer` / `customer_login` with the same ids, the questions, answers and votes still point at
their authors (now community profiles), and going back down restores the old tables. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from core.db.migrate import alembic_config, plugin_migration_locations, upgrade
from core.settings import Settings
from tests.conftest import BASE_PG_URL, reset_postgres, unavailable

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CHILDREN = ("webcare_question", "webcare_answer", "webcare_vote")


def _filler(column: dict[str, Any]) -> Any:
    kind = repr(column["type"]).upper()
    if "GUID" in kind or "UUID" in kind or "BINARY" in kind or "BLOB" in kind:
        return uuid.uuid4()
    if "BOOL" in kind:
        return False
    if "INT" in kind:
        return 0
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return NOW
    if "DATE" in kind:
        return date(2026, 3, 1)
    if "JSON" in kind:
        return "{}"
    return "x"


async def _insert(conn: AsyncConnection, table_name: str, /, **given: Any) -> None:
    """A row with the given values and a plausible one for every other required column."""
    columns = await conn.run_sync(lambda sync: sa.inspect(sync).get_columns(table_name))
    values = dict(given)
    for column in columns:
        if column["name"] not in values and not column["nullable"] and column.get("default") is None:
            values[column["name"]] = _filler(column)
    if conn.dialect.name == "sqlite":  # as the app stores them there: 16-byte GUIDs, naive UTC text
        values = {k: _sqlite_value(v) for k, v in values.items()}
    table = sa.table(table_name, *(sa.column(k) for k in values))
    await conn.execute(table.insert().values(**values))


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _id(conn: AsyncConnection, value: uuid.UUID) -> Any:
    return value.bytes if conn.dialect.name == "sqlite" else value


async def _rows(conn: AsyncConnection, query: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in (await conn.execute(sa.text(query))).all()]


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=value)


async def _columns(conn: AsyncConnection, name: str) -> set[str]:
    return {c["name"] for c in await conn.run_sync(lambda sync: sa.inspect(sync).get_columns(name))}


async def _tables(conn: AsyncConnection) -> set[str]:
    return set(await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names()))


def _run(url: str, work: Any) -> Any:
    async def go() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    await conn.execute(sa.text("PRAGMA foreign_keys=ON"))
                return await work(conn)
        finally:
            await engine.dispose()
    return asyncio.run(go())


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    url = f"{BASE_PG_URL}_customers_migration"
    try:
        asyncio.run(reset_postgres(url))
    except Exception as exc:  # noqa: BLE001
        unavailable("PostgreSQL", exc)
    return url


def test_community_customers_move_to_the_core_with_their_ids_and_back(database: str, tmp_path: Path) -> None:
    settings = Settings.from_env(var_dir=tmp_path, database_url=database)
    upgrade(settings, "0008_webcare")
    upgrade(settings, "0017_core_customers")  # the core first, as a deployment that kept the core current
    tenant, anna, bert, login, question, answer = (uuid.uuid4() for _ in range(6))

    async def fill(conn: AsyncConnection) -> None:
        await _insert(conn, "tenant", id=tenant, slug="acme", name="Acme")
        await _insert(conn, "webcare_customer", id=anna, tenant_id=tenant, email="anna@klant.nl",
                      display_name="Anna", is_ambassador=True, is_blocked=False, verified_at=NOW)
        await _insert(conn, "webcare_customer", id=bert, tenant_id=tenant, email="bert@klant.nl",
                      display_name="Bert", is_ambassador=False, is_blocked=True, verified_at=None)
        await _insert(conn, "webcare_customer_login", id=login, tenant_id=tenant, customer_id=anna,
                      token_digest="d" * 64, client_ip="10.0.0.1", expires_at=NOW, used_at=None)
        await _insert(conn, "webcare_question", id=question, tenant_id=tenant, customer_id=anna, title="Vraag",
                      status="published", case_id=None)
        await _insert(conn, "webcare_answer", id=answer, tenant_id=tenant, question_id=question, customer_id=bert,
                      body="Antwoord", user_id=None)
        await _insert(conn, "webcare_vote", tenant_id=tenant, customer_id=bert, target_kind="question",
                      target_id=question, value=1)

    async def children(conn: AsyncConnection) -> dict[str, list[uuid.UUID]]:
        return {t: sorted((_as_uuid(r[0]) if r[0] is not None else None
                           for r in await _rows(conn, f"SELECT customer_id FROM {t}")), key=str)
                for t in CHILDREN}

    _run(database, fill)
    before = _run(database, children)
    assert before == {"webcare_question": [anna], "webcare_answer": [bert], "webcare_vote": [bert]}

    upgrade(settings)

    async def moved(conn: AsyncConnection) -> None:
        customers = {_as_uuid(r[0]): r[1:] for r in await _rows(
            conn, "SELECT id, email, display_name, is_blocked, verified_at IS NOT NULL FROM customer")}
        assert customers == {anna: ("anna@klant.nl", "Anna", False, True), bert: ("bert@klant.nl", "Bert", True, False)}
        [(login_id, customer_id, ip)] = await _rows(conn, "SELECT id, customer_id, client_ip FROM customer_login")
        assert (_as_uuid(login_id), _as_uuid(customer_id), ip) == (login, anna, "10.0.0.1")
        assert "webcare_customer_login" not in await _tables(conn)
        assert await _columns(conn, "webcare_customer") == {"id", "tenant_id", "is_ambassador", "sa_orm_sentinel",
                                                            "created_at", "updated_at"}
        profiles = {_as_uuid(r[0]): bool(r[1]) for r in await _rows(
            conn, "SELECT id, is_ambassador FROM webcare_customer")}
        assert profiles == {anna: True, bert: False}
        assert await children(conn) == before

    _run(database, moved)

    async def erase_bert(conn: AsyncConnection) -> None:
        """The profile follows its customer: deleting the customer takes the profile and its votes; its answer
        stays, without an author."""
        await conn.execute(sa.text("DELETE FROM customer WHERE id = :id"), {"id": _id(conn, bert)})
        assert {_as_uuid(r[0]) for r in await _rows(conn, "SELECT id FROM webcare_customer")} == {anna}
        assert await children(conn) == {"webcare_question": [anna], "webcare_answer": [None], "webcare_vote": []}
        raise _Rollback

    with pytest.raises(_Rollback):
        _run(database, erase_bert)

    command.downgrade(alembic_config(settings, plugin_migration_locations()), "0008_webcare")

    async def back(conn: AsyncConnection) -> None:
        rows = {_as_uuid(r[0]): tuple(r[1:]) for r in await _rows(
            conn, "SELECT id, email, display_name, is_ambassador, is_blocked FROM webcare_customer")}
        assert {k: tuple(bool(x) if isinstance(x, int) else x for x in v) for k, v in rows.items()} == {
            anna: ("anna@klant.nl", "Anna", True, False), bert: ("bert@klant.nl", "Bert", False, True)}
        [(login_id, customer_id)] = await _rows(conn, "SELECT id, customer_id FROM webcare_customer_login")
        assert (_as_uuid(login_id), _as_uuid(customer_id)) == (login, anna)
        assert await _rows(conn, "SELECT id FROM customer") == []
        assert await children(conn) == before

    _run(database, back)
    upgrade(settings)  # and up again: the same rows move once more
    _run(database, moved)


class _Rollback(Exception):
    """Leaves `_run`'s transaction undone."""
