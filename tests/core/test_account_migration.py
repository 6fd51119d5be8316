"""The account lifecycle's migration moves existing rows onto the one lifecycle, and back."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic import command

from core.db.migrate import alembic_config, plugin_migration_locations, upgrade
from core.settings import Settings

BEFORE = "0014_core_short_links"
NOW = "2026-11-02 10:00:00.000000"


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_existing_accounts_move_onto_the_lifecycle(tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite3"
    settings = Settings.from_env(var_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{db}")
    upgrade(settings, BEFORE)
    tenant, department = uuid.uuid4().bytes, uuid.uuid4().bytes
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO tenant (id, slug, name, org_model, phase, last_activity_at, "
                     "mfa_required_for_admins, created_at, updated_at) VALUES (?, 'acme', 'Acme', 'hub_and_spoke', "
                     "'pilot', ?, 1, ?, ?)", (tenant, NOW, NOW, NOW))
        conn.execute("INSERT INTO department (id, tenant_id, name, business_function, is_hub, created_at, updated_at) "
                     "VALUES (?, ?, 'Marketing', 'marketing', 0, ?, ?)", (department, tenant, NOW, NOW))
        for handle, status in (("a", "pending"), ("b", "approved"), ("c", "rejected"), ("d", "retired")):
            conn.execute("INSERT INTO social_account (id, tenant_id, platform, handle, url, purpose, department_id, "
                         "status, decision_reason, created_at, updated_at) VALUES (?, ?, 'x', ?, '', '', ?, ?, '', "
                         "?, ?)", (uuid.uuid4().bytes, tenant, handle, department, status, NOW, NOW))
    upgrade(settings)
    rows = _rows(db, "SELECT handle, status, origin, evidence_url, last_post_at, status_changed_at "
                     "FROM social_account ORDER BY handle")
    assert [(h, s, o, e, p) for h, s, o, e, p, _ in rows] == [
        ("a", "pending", "requested", "", None), ("b", "active", "requested", "", None),
        ("c", "rejected", "requested", "", None), ("d", "closed", "requested", "", None)]
    assert all(changed.startswith("2026-11-02 10:00:00") for *_, changed in rows)  # from updated_at
    with sqlite3.connect(db) as conn:  # an account found and never claimed has no department
        conn.execute("INSERT INTO social_account (id, tenant_id, platform, handle, url, purpose, department_id, "
                     "status, status_changed_at, origin, evidence_url, decision_reason, created_at, updated_at) "
                     "VALUES (?, ?, 'x', 'e', '', '', NULL, 'to_claim', ?, 'monitoring', '', '', ?, ?)",
                     (uuid.uuid4().bytes, tenant, NOW, NOW, NOW))
    config = alembic_config(settings, plugin_migration_locations())
    command.downgrade(config, BEFORE)
    assert _rows(db, "SELECT handle, status FROM social_account ORDER BY handle") == [
        ("a", "pending"), ("b", "approved"), ("c", "rejected"), ("d", "retired")]
