"""Schema changes keep the survey's data: dropping the survey's answer counter (0005) on SQLite leaves every
invitation, answer and rollup row in place, and going back down restores the counter from the rollup."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

from alembic import command

from core.db.migrate import alembic_config, plugin_migration_locations, upgrade
from core.settings import Settings

CHILDREN = ("energizing_survey_invitation", "energizing_survey_answer", "energizing_survey_day_count")


def _filler(declared: str) -> Any:
    kind = declared.upper()
    if "INT" in kind or "BOOL" in kind:
        return 0
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return "2026-03-01 10:00:00.000000"
    if "DATE" in kind:
        return "2026-03-01"
    if "JSON" in kind:
        return "{}"
    if "BINARY" in kind or "BLOB" in kind:
        return uuid.uuid4().bytes
    return "x"


def _insert(conn: sqlite3.Connection, table: str, **given: Any) -> None:
    """A row with the given values and a plausible one for every other required column."""
    values = dict(given)
    for _cid, name, declared, notnull, default, pk in conn.execute(f'PRAGMA table_info("{table}")'):
        if name not in values and (notnull or pk) and default is None:
            values[name] = _filler(declared)
    names = ", ".join(f'"{n}"' for n in values)
    conn.execute(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in values)})', list(values.values()))


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in CHILDREN}


def test_dropping_the_answer_counter_keeps_invitations_answers_and_the_rollup(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    settings = Settings.from_env(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{db}")
    upgrade(settings, "0004_energizing")
    tenant, survey, invitation = (uuid.uuid4().bytes for _ in range(3))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        _insert(conn, "tenant", id=tenant, slug="acme", name="Acme")
        _insert(conn, "energizing_survey", id=survey, tenant_id=tenant, answers=7, share_token="s")
        _insert(conn, "energizing_survey_invitation", tenant_id=tenant, survey_id=survey, id=invitation,
                token_digest="d", email="an@klant.nl")
        _insert(conn, "energizing_survey_answer", tenant_id=tenant, survey_id=survey, invitation_id=invitation,
                score=9, email="an@klant.nl", counted_email="an@klant.nl", state="counted", confirm_digest=None)
        _insert(conn, "energizing_survey_day_count", tenant_id=tenant, survey_id=survey, day="2026-03-01", score=9,
                answers=1)
        _insert(conn, "energizing_survey_day_count", tenant_id=tenant, survey_id=survey, day="2026-03-02", score=6,
                answers=2)
    before = _counts(db)
    assert before == {"energizing_survey_invitation": 1, "energizing_survey_answer": 1,
                      "energizing_survey_day_count": 2}
    upgrade(settings)
    assert _counts(db) == before
    with sqlite3.connect(db) as conn:
        columns = {row[1] for row in conn.execute('PRAGMA table_info("energizing_survey")')}
    assert "answers" not in columns
    command.downgrade(alembic_config(settings, plugin_migration_locations()), "0004_energizing")
    assert _counts(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT answers FROM energizing_survey").fetchone()[0] == 3  # the rollup's sum
