"""Run Alembic for the core and every plugin's version location (`regie db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

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
    from core.plugins.manager import build_plugin_manager, plugin_infos

    return [info.migrations for info in plugin_infos(build_plugin_manager()) if info.migrations]


def upgrade(settings: Settings, revision: str = "heads", extra_locations: list[Path] | None = None) -> None:
    """Bring the core and every installed plugin's branch to its head (plugin branches depend on `core`)."""
    locations = plugin_migration_locations() + list(extra_locations or [])
    command.upgrade(alembic_config(settings, locations), revision)
