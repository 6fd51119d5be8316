"""Run Alembic for the core and every plugin's version location (`regie db upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.db.rls import APP_ROLE
from core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings, plugin_locations: list[Path] | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    locations = [MIGRATIONS / "versions", *(plugin_locations or [])]
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", settings.database_url)
    return config


def plugin_migration_locations() -> list[Path]:
    """Version folders the installed plugins declare in their metadata."""
    from core.plugins.manager import build_plugin_manager

    return [info.migrations for info in build_plugin_manager().infos if info.migrations]


def upgrade(settings: Settings, revision: str = "heads", extra_locations: list[Path] | None = None) -> None:
    """Bring the core and every installed plugin's branch to its head (plugin branches depend on `core`)."""
    locations = plugin_migration_locations() + list(extra_locations or [])
    command.upgrade(alembic_config(settings, locations), revision)
    if not settings.is_sqlite:
        asyncio.run(_secure(settings))


async def _secure(settings: Settings) -> None:
    """Row-level security on every tenant table, after every branch ran: plugin tables come after the core's
    migrations, so this cannot live in one of them. As the migrating (owning) user, never the app role."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from core.db.rls import secure_tenant_tables

    engine = create_async_engine(settings.database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(secure_tenant_tables, settings.db_role or APP_ROLE)
    finally:
        await engine.dispose()
