"""Planner statistics after bursts of writes.

PostgreSQL plans a query from the statistics `ANALYZE` gathers. Autovacuum normally refreshes them, but where it
is off (or lags behind a bulk load) a table that grew from a few hundred rows to a hundred thousand is still
planned as tiny, and a count that takes milliseconds with fresh statistics picks a nested loop and runs for
minutes. Code that has just written many rows (an import, a burst of ingestion) therefore asks for `ANALYZE`
itself; see "Database maintenance" in docs/operations.md.

The app's connections run as a role that owns no table (row-level security, `core.db.rls`), and before
PostgreSQL 17 only a table's owner may analyze it. `analyze_tables` therefore calls `regie_analyze(text[])`, a
function the migrating (owning) user installs after every upgrade (`core.db.rls.install_analyze_function`): it
runs as that owner and does nothing but `ANALYZE` the named tables of the schema that exist.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("regie.db")

ANALYZE_LOCK = 0x7265_6769_6561_6E61  # "regiean": one ANALYZE of the app's tables at a time, cluster-wide
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


async def analyze_tables(session: AsyncSession, tables: Iterable[str]) -> list[str]:
    """`ANALYZE` the given tables now (PostgreSQL) and return the ones analyzed.

    Idempotent and cheap to repeat (ANALYZE reads a fixed-size sample). When another transaction is analyzing at
    this moment this one returns [] at once: that run covers the rows written so far. Tables that do not exist
    are skipped (logged). On SQLite it does nothing and returns [] (its planner does not need fresh statistics to
    pick an index for these queries).
    """
    names = sorted({t for t in tables if _NAME.match(t)})
    if session.bind.dialect.name != "postgresql" or not names:
        return []
    if not await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ANALYZE_LOCK}):
        return []
    done = list(await session.scalar(text("SELECT regie_analyze(CAST(:names AS text[]))"), {"names": names}) or [])
    if len(done) < len(names):
        log.warning("ANALYZE skipped for %s: no such table", ", ".join(sorted(set(names) - set(done))))
    return done
