"""search on SQLite: the FTS5 row of an idea is found by its rowid, so an edit or a delete touches one row

The FTS5 table of 0001 was keyed by an UNINDEXED `idea_id` column; its triggers deleted `WHERE idea_id = old.id`,
which FTS5 answers by reading every row of the table: each edited or deleted idea cost a scan of the whole board.
Now `cocreation_idea_fts_row` hands every idea a stable integer (an INTEGER PRIMARY KEY, which a VACUUM keeps,
unlike the implicit rowid of `cocreation_idea`) and that integer is the FTS5 rowid: the triggers find it through
the unique index on `idea_id` and update or delete the FTS5 row by rowid. `idea_id` stays in the FTS5 table, so
the queries still join it to the idea. PostgreSQL (trigram and full-text indexes) is left as it is.

Revision ID: 0003_cocreation
Revises: 0002_cocreation
"""
import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0003_cocreation"
down_revision: str | None = "0002_cocreation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_TABLE = (
    "CREATE VIRTUAL TABLE cocreation_idea_fts USING fts5(idea_id UNINDEXED, title, description, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
TRIGGERS = ("cocreation_idea_fts_insert", "cocreation_idea_fts_update", "cocreation_idea_fts_delete")
FTS_ROW = "(SELECT id FROM cocreation_idea_fts_row WHERE idea_id = old.id)"

BY_ROWID = (
    # no type on idea_id: BLOB affinity stores the idea's id exactly as cocreation_idea holds it
    "CREATE TABLE cocreation_idea_fts_row (id INTEGER PRIMARY KEY, idea_id NOT NULL UNIQUE)",
    FTS_TABLE,
    "CREATE TRIGGER cocreation_idea_fts_insert AFTER INSERT ON cocreation_idea BEGIN "
    "INSERT INTO cocreation_idea_fts_row (idea_id) VALUES (new.id); "
    "INSERT INTO cocreation_idea_fts (rowid, idea_id, title, description) "
    "VALUES (last_insert_rowid(), new.id, new.title, new.description); END",
    "CREATE TRIGGER cocreation_idea_fts_update AFTER UPDATE OF title, description ON cocreation_idea BEGIN "
    f"UPDATE cocreation_idea_fts SET title = new.title, description = new.description WHERE rowid = {FTS_ROW}; END",
    "CREATE TRIGGER cocreation_idea_fts_delete AFTER DELETE ON cocreation_idea BEGIN "
    f"DELETE FROM cocreation_idea_fts WHERE rowid = {FTS_ROW}; "
    "DELETE FROM cocreation_idea_fts_row WHERE idea_id = old.id; END",
    "INSERT INTO cocreation_idea_fts_row (idea_id) SELECT id FROM cocreation_idea",
    "INSERT INTO cocreation_idea_fts (rowid, idea_id, title, description) "
    "SELECT fts_row.id, idea.id, idea.title, idea.description FROM cocreation_idea AS idea "
    "JOIN cocreation_idea_fts_row AS fts_row ON fts_row.idea_id = idea.id",
)


def _by_idea_id() -> tuple[str, ...]:
    """0001's table and triggers (for a downgrade), read from 0001 itself, and the ideas indexed again."""
    path = Path(__file__).with_name("0001_cocreation_schema.py")
    spec = importlib.util.spec_from_file_location("cocreation_0001_schema", path)
    assert spec is not None and spec.loader is not None
    schema = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(schema)
    return (*schema.SQLITE_SEARCH, "INSERT INTO cocreation_idea_fts (idea_id, title, description) "
                                   "SELECT id, title, description FROM cocreation_idea")


def _rebuild(statements: tuple[str, ...]) -> None:
    """The SQLite search index made again by `statements`; PostgreSQL keeps its indexes."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS cocreation_idea_fts")
    op.execute("DROP TABLE IF EXISTS cocreation_idea_fts_row")
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _rebuild(BY_ROWID)


def downgrade() -> None:
    _rebuild(_by_idea_id())
