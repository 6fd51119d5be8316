"""What a plugin tells the core about itself, and the context handed to per-tenant hooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class PluginInfo:
    name: str
    groundswell_function: str
    """listening, talking, energizing, supporting or embracing."""
    default_owner: str
    """The business function that owns it by default (see `BusinessFunction`)."""
    min_phase: str = "listening"
    prerequisites: tuple[str, ...] = ()
    """Plugins that must be active in the tenant first."""
    title: dict[str, str] = field(default_factory=dict)
    """Display name per language code."""
    description: dict[str, str] = field(default_factory=dict)
    migrations: Path | None = None
    """This plugin's Alembic version folder, if it owns tables."""

    def label(self, lang: str) -> str:
        return self.title.get(lang) or self.title.get("en") or self.name

    def blurb(self, lang: str) -> str:
        return self.description.get(lang) or self.description.get("en") or ""


@dataclass
class KpiDefinition:
    key: str
    title: dict[str, str]
    unit: str = "count"
    description: dict[str, str] = field(default_factory=dict)


@dataclass
class HookContext:
    """Everything a per-tenant hook may need; fields are added here, never as new hook arguments."""

    tenant_id: UUID
    tenant_slug: str
    lang: str = "nl"
    user_id: UUID | None = None
    session: Any = None
    """The request's or job's AsyncSession, already scoped to the tenant."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class DomainEvent:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)
