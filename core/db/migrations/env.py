"""Alembic environment: async engine, core metadata plus every plugin's metadata."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from core.db.engine import make_engine
from core.db.models import metadata
from core.settings import Settings

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # data migrations see every tenant's rows (core.db.rls)
            connection.exec_driver_sql("SELECT set_config('app.cross_tenant', 'on', true)")
        context.run_migrations()


async def _main() -> None:
    # as the login user, who owns the tables: the app role may not create them
    settings = Settings.from_env(database_url=config.get_main_option("sqlalchemy.url"), db_role="")
    engine = make_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `regie db upgrade`")
existing = config.attributes.get("connection")
if existing is not None:
    _run(existing)
else:
    asyncio.run(_main())
