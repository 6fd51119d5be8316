"""The board's search index follows every edit and delete of an idea; on SQLite the FTS5 triggers find the idea's
row by rowid instead of reading the whole index."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.cocreation import ideas
from plugins.cocreation.models import Idea
from tests.plugins.cocreation.board.test_board import add_idea
from tests.support import World


async def found(sessionmaker: async_sessionmaker[AsyncSession], world: World, words: str) -> list[Any]:
    """The ids the board's search and the similar-ideas lookup find for `words`."""
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            searched = [i.id for i in (await ideas.search_ideas(session, words)).items]
            similar = [i.id for i in await ideas.similar_ideas(session, words)]
    assert searched == similar
    return searched


async def test_search_follows_edits_merges_and_deletes(cc: World,
                                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    kept = await add_idea(sessionmaker, cc.a, "Donkere modus in de app", "Minder fel scherm")
    edited = await add_idea(sessionmaker, cc.a, "Betalen met iDEAL", "Snel afrekenen")
    merged = await add_idea(sessionmaker, cc.a, "Donkere modus op de site", "Ook op de website")
    erased = await add_idea(sessionmaker, cc.a, "Vliegende bezorging", "Pakketjes per drone")
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Idea).where(Idea.id == edited.id)
                                  .values(title="Afrekenen met Klarna", description="Later betalen"))
            await session.execute(update(Idea).where(Idea.id == merged.id)
                                  .values(status="merged", merged_into_id=kept.id))
            await session.execute(delete(Idea).where(Idea.id == erased.id))
    assert await found(sessionmaker, cc, "Klarna") == [edited.id]
    assert await found(sessionmaker, cc, "iDEAL") == []
    assert await found(sessionmaker, cc, "donkere modus") == [kept.id]
    assert await found(sessionmaker, cc, "vliegende bezorging") == []
    with tenant_scope(cc.a.id):
        async with sessionmaker() as session:
            if session.get_bind().dialect.name == "sqlite":  # the index holds each idea once, the erased one not
                indexed = (await session.execute(text("SELECT idea_id FROM cocreation_idea_fts"))).scalars().all()
                rows = (await session.execute(text("SELECT idea_id FROM cocreation_idea_fts_row"))).scalars().all()
                ids = (await session.scalars(select(Idea.id))).all()
                assert sorted(indexed) == sorted(rows) and len(indexed) == len(ids) == 3


async def test_sqlite_triggers_find_the_index_row_by_rowid(backend: str,
                                                           sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    if backend != "sqlite":
        pytest.skip("FTS5 and its triggers are SQLite's; PostgreSQL searches with its own indexes")
    async with sessionmaker() as session:
        bodies = dict((await session.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
            "('cocreation_idea_fts_update', 'cocreation_idea_fts_delete')"))).tuples().all())
        assert set(bodies) == {"cocreation_idea_fts_update", "cocreation_idea_fts_delete"}
        for name, sql in bodies.items():
            body = re.search(r"\bBEGIN\b(.*)\bEND\s*$", sql, re.S | re.I).group(1)  # type: ignore[union-attr]
            statements = [s.strip() for s in body.split(";") if "cocreation_idea_fts " in s + " "]
            assert statements, name
            for statement in statements:
                plain = re.sub(r"\b(old|new)\.(\w+)", r":\1_\2", statement)
                names = set(re.findall(r":(\w+)", plain))
                plan = [row[3] for row in (await session.execute(
                    text("EXPLAIN QUERY PLAN " + plain), {n: b"x" for n in names})).all()]
                index = [step for step in plan if "cocreation_idea_fts VIRTUAL TABLE" in step]
                # FTS5's plan names the constraint it answers: "INDEX 0:=" is a lookup by rowid, "INDEX 0:" a scan
                assert index and all(step.endswith(":=") for step in index), (name, plan)
                assert all("SCAN cocreation_idea_fts_row" not in step for step in plan), (name, plan)
