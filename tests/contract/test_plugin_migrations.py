"""A plugin owns its migration branch: `regie db upgrade` runs it after the core branch it depends on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.db.migrate import upgrade
from core.settings import Settings

PLUGIN_REVISION = '''
import sqlalchemy as sa
from alembic import op
import advanced_alchemy.types

revision = "echo_0001"
down_revision = None
branch_labels = ("echo",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "echo_note",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), primary_key=True),
        sa.Column("tenant_id", advanced_alchemy.types.guid.GUID(length=16), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table("echo_note")
'''


def test_plugin_branch_migrates_after_the_core(tmp_path: Path) -> None:
    versions = tmp_path / "echo_migrations"
    versions.mkdir()
    (versions / "echo_0001_notes.py").write_text(PLUGIN_REVISION)
    db = tmp_path / "m.sqlite3"
    settings = Settings.from_env(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{db}")
    upgrade(settings, extra_locations=[versions])
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        heads = {r[0] for r in conn.execute("select version_num from alembic_version")}
    assert {"tenant", "echo_note", "job_progress", "webcare_case"} <= tables
    # every branch is at its head: the built-in plugins' and the test plugin's (which depends on 0001_core, an
    # ancestor of the core head, so it is recorded as a head of its own); the core head 0002_core is recorded
    # through webcare's branch, which depends on it
    assert {"echo_0001", "0007_monitoring", "0009_webcare", "0003_talking", "0005_energizing"} <= heads
    upgrade(settings, extra_locations=[versions])  # idempotent: nothing left to do
