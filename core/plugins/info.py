"""What a plugin tells the core about itself, and the context handed to per-tenant hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
    translations: Path | None = None
    """A folder like the core's `frontend/translations` (`nl/LC_MESSAGES/*.po`) with this plugin's strings."""

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


@dataclass(frozen=True)
class JobSpec:
    """A plugin's background job. `run(ctx, **payload)` must be idempotent: a message can arrive twice."""

    name: str
    """'<plugin>.<job>', unique."""
    run: Callable[..., Awaitable[Any]]
    queue: str = "default"
    max_retries: int = 3
    time_limit_ms: int = 30 * 60 * 1000
    every_seconds: int | None = None
    """Periodic: the scheduler sends it (without payload) for every tenant with the plugin active."""
    transaction: bool = True
    """True: `ctx.session` is one transaction around the whole job. False: the job opens its own
    (`job_transaction(ctx)`), for chunked work that commits as it goes."""
    coalesce: bool = False
    """True for a trigger ("check after every batch"): a message is dropped when a run of the same job, tenant
    and payload started after the message was sent and succeeded, because that run already saw everything the
    message was about. Many triggers while one run is busy then cost one more run, not one each."""


@dataclass
class JobContext:
    """What a running job gets: its tenant (already in scope), a session or a sessionmaker, settings, plugins."""

    tenant_id: UUID
    tenant_slug: str
    settings: Any
    pm: Any
    sessionmaker: Any
    session: Any = None
