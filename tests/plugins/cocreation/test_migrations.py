"""0002_cocreation gives a loop message its web address (`post_url`, "" for the rows already there) and room for the
channel "community"; it goes down and up again. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db.migrate import alembic_config, plugin_migration_locations, upgrade
from core.settings import Settings
from tests.plugins.webcare.test_migrations import _columns, _id, _insert, _rows, _run
from tests.plugins.webcare.test_migrations import database as database  # noqa: F401 - a fixture


def test_a_loop_message_gains_its_web_address_and_the_community_channel(database: str, tmp_path: Path) -> None:  # noqa: F811
    settings = Settings.from_env(var_dir=tmp_path, database_url=database)
    upgrade(settings, "0001_cocreation")
    tenant, idea, change, message = (uuid.uuid4() for _ in range(4))

    async def fill(conn: AsyncConnection) -> None:
        await _insert(conn, "tenant", id=tenant, slug="acme", name="Acme")
        await _insert(conn, "cocreation_idea", id=idea, tenant_id=tenant, number=1, title="Donkere modus")
        await _insert(conn, "cocreation_stage_change", id=change, tenant_id=tenant, idea_id=idea)
        await _insert(conn, "cocreation_loop_message", id=message, tenant_id=tenant, idea_id=idea,
                      stage_change_id=change, link_id=None, channel="network", recipient="@klant.test",
                      state="sent", post_uri="at://did:plc:x/app.bsky.feed.post/1")

    _run(database, fill)
    upgrade(settings)

    async def upgraded(conn: AsyncConnection) -> None:
        assert "post_url" in await _columns(conn, "cocreation_loop_message")
        assert await _rows(conn, "SELECT post_uri, post_url FROM cocreation_loop_message") == \
            [("at://did:plc:x/app.bsky.feed.post/1", "")]
        await _insert(conn, "cocreation_loop_message", tenant_id=tenant, idea_id=idea, stage_change_id=change,
                      link_id=None, channel="community", recipient="Lotte", state="sent",
                      post_url="/t/acme/p/webcare/community/questions/1#answers")
        [(channel,)] = await _rows(conn, "SELECT channel FROM cocreation_loop_message WHERE recipient = 'Lotte'")
        assert channel == "community"
        await conn.execute(sa.text("DELETE FROM cocreation_loop_message WHERE id != :id"), {"id": _id(conn, message)})

    _run(database, upgraded)
    command.downgrade(alembic_config(settings, plugin_migration_locations()), "0001_cocreation")

    async def down(conn: AsyncConnection) -> None:
        assert "post_url" not in await _columns(conn, "cocreation_loop_message")
        assert await _rows(conn, "SELECT recipient FROM cocreation_loop_message") == [("@klant.test",)]

    _run(database, down)
    upgrade(settings)  # and up again
    _run(database, upgraded)
