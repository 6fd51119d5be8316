"""Counting the SQL statements a piece of code runs, to catch a query per row (an N+1) in tests.

    with count_queries(app.state.engine) as queries:
        await client.get("/t/acme/people/")
    assert len(queries) <= 20, queries.report()

Every statement that reaches a database cursor of the engine is recorded, on any of its connections, and
nothing is left out: savepoints (SAVEPOINT, RELEASE) and, on PostgreSQL, the tenant settings at the start of
each transaction (`set_config`, `core.db.rls`) count like any query. BEGIN and COMMIT never reach the cursor
(the drivers send them themselves), so they are not in the list. A statement a request always runs counts the
same at every data size and never makes a page look like it grows. Background work on the same engine counts
too: let it finish first (`core.jobs.outbox.wait_for_relays`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_SPACE = re.compile(r"\s+")
_SAVEPOINT = re.compile(r"\bsa_savepoint_\d+")
_POSITIONAL = re.compile(r"\$\d+|%s|%\(\w+\)s")
_IN_LIST = re.compile(r"\bIN \((?:\s*\?(?:::\w+)?\s*,)*\s*\?(?:::\w+)?\s*\)", re.IGNORECASE)


def shape(statement: str) -> str:
    """The statement without what changes from run to run: whitespace, savepoint names, the length of an IN list.

    Parameters are never part of the recorded text (the drivers send them apart), but an `IN (...)` list is
    rendered with one placeholder per value, and PostgreSQL numbers its placeholders: folding those keeps one
    statement one group however many values it carries.
    """
    text = _SPACE.sub(" ", statement).strip()
    text = _SAVEPOINT.sub("sa_savepoint_N", text)
    text = _POSITIONAL.sub("?", text)
    return _IN_LIST.sub("IN (…)", text)


class QueryLog:
    """The statements run inside `count_queries`, in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)

    def grouped(self) -> Counter[str]:
        """How often each statement (by its `shape`) ran."""
        return Counter(shape(s) for s in self.statements)

    def report(self, limit: int = 400) -> str:
        """One line per statement shape, most frequent first: `  3× SELECT ...` (long statements cut)."""
        lines = [f"{len(self)} statements"]
        for text, n in self.grouped().most_common():
            lines.append(f"  {n:3d}× {text if len(text) <= limit else text[:limit] + ' …'}")
        return "\n".join(lines)


def growth(small: QueryLog, large: QueryLog, limit: int = 400) -> str:
    """What ran more often (or only) in `large` than in `small`, then both full lists: a failure's message."""
    before, after = small.grouped(), large.grouped()
    more = [(text, before.get(text, 0), n) for text, n in after.items() if n > before.get(text, 0)]
    lines = [f"{len(small)} statements with little data, {len(large)} with more; ran more often:"]
    for text, was, now in sorted(more, key=lambda m: m[1] - m[2]):
        lines.append(f"  {was:3d} → {now:3d}× {text if len(text) <= limit else text[:limit] + ' …'}")
    lines += ["", "with little data: " + small.report(limit), "", "with more data: " + large.report(limit)]
    return "\n".join(lines)


@contextmanager
def count_queries(engine: AsyncEngine) -> Iterator[QueryLog]:
    """Record every statement `engine` sends to the database while the block runs (any connection, any task)."""
    log = QueryLog()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        log.statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
