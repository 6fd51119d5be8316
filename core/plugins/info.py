"""What a plugin tells the core about itself, and the context handed to per-tenant hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from core.plugins.events import EventSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from core.plugins.host import PluginHost
    from core.settings import Settings

CONTRACT_VERSION = 1
"""The version of the plugin contract (hooks, records, `core.plugins.api`) this core speaks. A plugin names the
version it was written for in `PluginInfo.contract_version`; the host refuses, at start-up, one written for
another. Raised when a hook or record changes in a way an existing plugin would notice."""


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
    available: bool = True
    """False while the plugin has no pages yet: the catalogue lists it as coming and nobody can request it."""
    title: dict[str, str] = field(default_factory=dict)
    """Display name per language code."""
    description: dict[str, str] = field(default_factory=dict)
    migrations: Path | None = None
    """This plugin's Alembic version folder, if it owns tables."""
    translations: Path | None = None
    """A folder like the core's `frontend/translations` (`nl/LC_MESSAGES/*.po`) with this plugin's strings."""
    events: tuple[EventSpec, ...] = ()
    """The domain events this plugin emits (`fire_events`), for the event catalogue (`core.plugins.events`)."""
    training_topics: tuple[str, ...] = ()
    """Topics of the training catalogue suggested to the department this plugin is activated for."""
    version: str = "0"
    """The plugin's own version (its package's), shown in the catalogue and the logs."""
    contract_version: int = 1
    """The plugin contract version it was written for (`CONTRACT_VERSION` when it was written; the first
    contract when it does not say). Another than the core's is refused at start-up."""

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


class MeasuredCheck(Protocol):
    """`await ctx.has_measured_activation(exclude="cocreation")`: did another plugin run as a pilot with a
    recorded measurement in this tenant?"""

    def __call__(self, exclude: str = "") -> Awaitable[bool]: ...


async def _nothing_measured(exclude: str = "") -> bool:
    return False


@dataclass(frozen=True)
class TrackRecord:
    """How an active plugin has done so far (`await ctx.track_records(exclude=...)`): since when it is active and
    whether its KPIs met their targets in the last measurement period that is over.

    `period` is the last target period of the plugin's KPIs that has ended (None: none has ended yet);
    `targets` how many targets that period had, `missed` the KPI keys that did not reach theirs."""

    plugin: str
    groundswell_function: str
    active_since: datetime | None
    period: tuple[date, date] | None = None
    targets: int = 0
    missed: tuple[str, ...] = ()

    @property
    def targets_met(self) -> bool:
        """A period ended, it had targets, and every one of them was met."""
        return self.period is not None and self.targets > 0 and not self.missed


class TrackRecordCheck(Protocol):
    """`await ctx.track_records(exclude="cocreation")`: every other active plugin's `TrackRecord`."""

    def __call__(self, exclude: str = "") -> Awaitable[list[TrackRecord]]: ...


class OverrideCheck(Protocol):
    """`await ctx.prerequisite_override("cocreation")`: the reason the regie holder gave for overriding the
    plugin's prerequisite, or None when no override stands."""

    def __call__(self, plugin: str) -> Awaitable[str | None]: ...


async def _no_track_records(exclude: str = "") -> list[TrackRecord]:
    return []


async def _no_override(plugin: str) -> str | None:
    return None


@dataclass(kw_only=True)
class HookContext:
    """Everything a per-tenant hook may need; fields are added here, never as new hook arguments.

    Built by the core for every call (`core.plugins.context.hook_context`); a plugin reads it and never keeps it
    beyond the call."""

    tenant_id: UUID
    tenant_slug: str
    session: AsyncSession
    """The request's or job's session, already scoped to the tenant: query with it, write with it."""
    lang: str = "nl"
    """The reader's language: every text a hook returns is in it."""
    user_id: UUID | None = None
    """Who is asking (None in jobs and for the system)."""
    roles: frozenset[str] = frozenset()
    """The asker's roles in the tenant (`admin`, `member`, `viewer`, `regie`, `workgroup`, `hub`, ...)."""
    settings: Settings | None = None
    """The app's settings, for hooks that do work outside a request (`regie_demo`)."""
    pm: PluginHost | None = None
    """The plugin host, for hooks that announce events themselves (`regie_demo` ingesting mentions)."""
    memo: dict[Hashable, Any] = field(default_factory=dict)
    """A cache shared by the calls of one run (the daily snapshot measures many KPIs and days with one
    context): compute a figure once, key it by what it depends on."""
    has_measured_activation: MeasuredCheck = _nothing_measured
    """For `regie_activation_check`: whether another plugin ran as a pilot with a recorded measurement."""
    track_records: TrackRecordCheck = _no_track_records
    """For `regie_activation_check`: the other active plugins, since when, and whether their KPIs met their
    targets in the last period that ended (a prerequisite such as "another function ran well for 8 weeks")."""
    prerequisite_override: OverrideCheck = _no_override
    """For `regie_activation_check`: the regie holder's standing override of a plugin's prerequisite (its reason)."""
    demo_items: tuple[Any, ...] = ()
    """For `regie_demo` of a plugin the demo activates later: the `DemoItem`s the demos before it offered."""


class Person(Protocol):
    """A user as a plugin sees one (`Principal.user`)."""

    @property
    def id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str: ...


class Membership(Protocol):
    """A user's place in the tenant (`Principal.membership`)."""

    @property
    def department_id(self) -> UUID | None: ...
    @property
    def role(self) -> str: ...


class Department(Protocol):
    """A department of the tenant as a plugin sees one (`regie_activation_check`)."""

    @property
    def id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def business_function(self) -> str: ...


class Principal(Protocol):
    """Who is asking, as a plugin sees it (`principal_of(request)`, `member_principal`); services take it to
    check rights and to record decisions (`record_audit`)."""

    @property
    def user(self) -> Person | None: ...
    @property
    def user_id(self) -> UUID | None: ...
    @property
    def membership(self) -> Membership | None: ...
    @property
    def roles(self) -> frozenset[str]: ...
    @property
    def seat_department_ids(self) -> frozenset[UUID]:
        """Departments the person represents in the workgroup."""
        ...
    @property
    def label(self) -> str: ...
    @property
    def is_mediator(self) -> bool: ...
    def has(self, role: str) -> bool: ...


@dataclass(frozen=True)
class ErasureSubject:
    """Whose data goes (`regie_erase_subject`): a mention author (`kind="author"`, `platform`, `handle`;
    platform "" = any, "email" = the handle is an e-mail address) or a member of the tenant (`kind="user"`,
    `user_id`)."""

    kind: str
    platform: str = ""
    handle: str = ""
    user_id: UUID | None = None


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
    settings: Settings
    pm: PluginHost
    sessionmaker: async_sessionmaker[AsyncSession]
    session: AsyncSession | None = None
    """The job's transaction when its spec has `transaction=True`; None otherwise (use `job_transaction`)."""
