"""The plugin host: the one place that knows the installed plugins and which of them are active for a tenant.

- `PluginHost` owns the pluggy manager (one per app, built in `create_app` and kept on `app.state.pm`), knows
  every plugin's `PluginInfo`, and refuses at start-up a plugin written for another contract version.
- `await host.for_tenant(session)` answers "which plugins are active here" with a `TenantPlugins`: the names,
  the department each is activated for, and hook callers that reach only those plugins, so enablement is
  decided at dispatch in one place (as pretix's plugin signals do). The database is asked once per request or
  job: the request's middleware asks first and every later caller gets the same answer; a change to an
  activation (an approval, a pause) makes the next caller ask again.
- Everything the core wants from one plugin (its routes, jobs, KPIs, templates) goes through pluggy's own
  callers restricted to that plugin, never around them.

An object registered without `regie_plugin` is a listener, not a plugin (tests hear events with one): it is
not subject to activation. A plugin package must declare itself: an entry point without `regie_plugin` is
refused at start-up like a wrong contract version.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from uuid import UUID

import pluggy
from pluggy import HookCaller
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

from core.activation.models import ActivationStatus, PluginActivation
from core.plugins import hookspecs
from core.plugins.info import CONTRACT_VERSION, JobSpec, KpiDefinition, PluginInfo
from core.tenancy.scope import TenantScopeError, current_tenant_id

log = logging.getLogger("regie.plugins")
R = TypeVar("R")


class PluginContractError(RuntimeError):
    """A plugin the host will not run: written for another contract version, or not saying who it is."""


async def call(hook: HookCaller, **kwargs: Any) -> list[Any]:
    """Call a hook and await the awaitable results: an implementation may be sync or async (decided once, for
    every hook). pluggy leaves out the implementations that returned None."""
    results = []
    for result in hook(**kwargs):
        results.append(await result if inspect.isawaitable(result) else result)
    return results


# --- the tenant's active plugins, asked once per request or job --------------------------------------------------
@dataclass(frozen=True)
class Activations:
    """What the database says about one tenant: its active plugins, each with the department it is activated for
    (paused, requested and declined ones are not here)."""

    tenant_id: UUID
    departments: Mapping[str, UUID]


_answers: ContextVar[dict[UUID, Activations] | None] = ContextVar("regie_plugin_activations", default=None)
_SESSION_KEY = "regie.plugin_activations"


def open_activations_scope() -> Token[dict[UUID, Activations] | None]:
    """From here (a request, a job) until `close_activations_scope`, one answer per tenant, whatever sessions
    are opened."""
    return _answers.set({})


def close_activations_scope(token: Token[dict[UUID, Activations] | None]) -> None:
    _answers.reset(token)


@contextmanager
def activations_scope() -> Iterator[None]:
    """Everything inside shares one answer per tenant (`open_activations_scope`)."""
    token = open_activations_scope()
    try:
        yield
    finally:
        close_activations_scope(token)


async def activations(session: AsyncSession) -> Activations:
    """The active plugins of the tenant in scope: from the request's or job's answer, else the session's, else
    one query (then remembered in both)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("which plugins are active is a question about a tenant: none is in scope")
    shared = _answers.get()
    found = shared.get(tenant_id) if shared is not None else None
    if found is None:
        own: dict[UUID, Activations] = session.info.setdefault(_SESSION_KEY, {})
        found = own.get(tenant_id)
        if found is None:
            rows = await session.execute(select(PluginActivation.plugin, PluginActivation.department_id)
                                         .where(PluginActivation.status == ActivationStatus.active.value))
            found = Activations(tenant_id, MappingProxyType({plugin: dep for plugin, dep in rows.all()}))
            own[tenant_id] = found
        if shared is not None:
            shared[tenant_id] = found
    return found


async def tenants_with_active(session: AsyncSession, plugin: str) -> list[UUID]:
    """Every tenant where `plugin` is active (the scheduler sends a periodic job to each); the caller reads
    across tenants (`cross_tenant()`)."""
    return list((await session.scalars(select(PluginActivation.tenant_id).where(
        PluginActivation.plugin == plugin, PluginActivation.status == ActivationStatus.active.value))).all())


def _forget(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)
    shared = _answers.get()
    if shared:
        shared.clear()


def _forget_after_flush(session: Session, _flush_context: Any) -> None:
    if any(isinstance(o, PluginActivation) for o in chain(session.new, session.dirty, session.deleted)):
        _forget(session)


def _forget_after_bulk_write(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete or state.is_insert) and mapper is not None \
            and mapper.class_ is PluginActivation:
        _forget(state.session)


_listening = False


def _install_listeners() -> None:
    """A written activation (ORM or bulk, in any session) makes the next `activations` ask the database."""
    global _listening
    if _listening:
        return
    event.listen(Session, "after_flush", _forget_after_flush)
    event.listen(Session, "do_orm_execute", _forget_after_bulk_write)
    _listening = True


# --- the host ------------------------------------------------------------------------------------------------------
class PluginHost:
    """The installed plugins: their `PluginInfo`, their hooks, and which are active for a tenant."""

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager("regie")
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._names: dict[int, str] = {}
        """id(plugin object) → its name; listeners are absent."""
        self._callers: dict[tuple[str, frozenset[str] | None], HookCaller] = {}
        self._kpis: dict[str, tuple[str, KpiDefinition]] | None = None
        self.settings: Any = None
        """The app's settings once an app holds this host (`create_app`): hooks called outside a request get them
        in `HookContext.settings` (an event listener writing a link needs the site's address)."""
        if entry_points:
            self._pm.load_setuptools_entrypoints("regie")
            for name, plugin in self._pm.list_name_plugin():
                if self._declared(plugin) is None:
                    raise PluginContractError(f"The plugin entry point {name!r} has no regie_plugin hook: a Regie "
                                              "plugin declares its PluginInfo.")
        for plugin in plugins:
            self._pm.register(plugin)
        self._admit()
        _install_listeners()
        from core.i18n import add_translations

        for info in self.infos:
            if info.translations is not None:
                add_translations(info.translations)

    # registering (start-up; tests add their own plugins and listeners) ------------------------------------------
    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Add a plugin (or a listener) after start-up; refused like at start-up, and then not registered."""
        registered = self._pm.register(plugin, name)
        try:
            self._admit()
        except PluginContractError:
            self._pm.unregister(plugin)
            self._admit()
            raise
        return registered

    def unregister(self, plugin: object | None = None, name: str | None = None) -> None:
        self._pm.unregister(plugin, name)
        self._admit()

    def _declared(self, plugin: object) -> PluginInfo | None:
        """What a registered object says it is (its `regie_plugin`), None for a listener."""
        for impl in self._pm.hook.regie_plugin.get_hookimpls():
            if impl.plugin is plugin:
                info = impl.function()
                if not isinstance(info, PluginInfo):
                    raise PluginContractError(f"regie_plugin of {impl.plugin_name!r} returned {info!r}, not a "
                                              "PluginInfo.")
                return info
        return None

    def _admit(self) -> None:
        """Read every plugin's `PluginInfo` and check it against the contract; forget what was derived."""
        infos: dict[str, PluginInfo] = {}
        names: dict[int, str] = {}
        for plugin in self._pm.get_plugins():
            info = self._declared(plugin)
            if info is None:
                continue
            if info.contract_version != CONTRACT_VERSION:
                raise PluginContractError(
                    f"The plugin {info.name!r} (version {info.version}) was written for plugin contract version "
                    f"{info.contract_version}, but this Regie core speaks contract version {CONTRACT_VERSION}. "
                    f"Install a version of {info.name!r} written for contract version {CONTRACT_VERSION}, or "
                    "uninstall it.")
            if info.name in infos:
                raise PluginContractError(f"Two plugins are named {info.name!r}.")
            infos[info.name] = info
            names[id(plugin)] = info.name
        self._infos = infos
        self._names = names
        self._callers.clear()
        self._kpis = None

    # what the plugins declare ----------------------------------------------------------------------------------
    @property
    def infos(self) -> tuple[PluginInfo, ...]:
        """Every plugin's `PluginInfo`, by name."""
        return tuple(sorted(self._infos.values(), key=lambda i: i.name))

    def info(self, name: str) -> PluginInfo | None:
        return self._infos.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def label(self, name: str, lang: str) -> str:
        """A plugin's display name in `lang` (its name when it is not installed)."""
        info = self._infos.get(name)
        return info.label(lang) if info is not None else name

    def kpis(self) -> dict[str, tuple[str, KpiDefinition]]:
        """Every KPI a plugin declares (`regie_kpis`): key → (plugin, definition)."""
        if self._kpis is None:
            found: dict[str, tuple[str, KpiDefinition]] = {}
            for name in self._infos:
                for result in self.hook("regie_kpis", only=name)():
                    found.update((k.key, (name, k)) for k in result or [] if isinstance(k, KpiDefinition))
            self._kpis = found
        return self._kpis

    def jobs(self) -> list[tuple[str, JobSpec]]:
        """Every job a plugin declares (`regie_jobs`), with the plugin's name."""
        return [(name, spec) for name in sorted(self._infos) for result in self.hook("regie_jobs", only=name)()
                for spec in result or []]

    def routes(self) -> list[tuple[str, list[Any], list[Any]]]:
        """(plugin, web route handlers, API route handlers) of every plugin with routes."""
        found = []
        for name in sorted(self._infos):
            web = [h for result in self.hook("regie_routes", only=name)() for h in result or []]
            api = [h for result in self.hook("regie_api_routes", only=name)() for h in result or []]
            if web or api:
                found.append((name, web, api))
        return found

    def template_folders(self) -> dict[str, Path]:
        """Prefix → folder of every plugin's templates (`regie_templates`)."""
        return {prefix: Path(folder) for prefix, folder in self.hook("regie_templates")()}

    # dispatch --------------------------------------------------------------------------------------------------
    def hook(self, hook_name: str, plugins: Iterable[str] | None = None, *, only: str | None = None) -> HookCaller:
        """A caller of `hook_name` reaching every plugin (`plugins` None), the named plugins and the listeners,
        or exactly one plugin (`only`)."""
        if only is not None:
            key: tuple[str, frozenset[str] | None] = (f"{hook_name}:only", frozenset((only,)))
        else:
            key = (hook_name, None if plugins is None else frozenset(plugins))
        caller = self._callers.get(key)
        if caller is None:
            wanted = key[1]
            if wanted is None:
                caller = getattr(self._pm.hook, hook_name)
            else:
                excluded = [p for p in self._pm.get_plugins()
                            if self._names.get(id(p)) not in wanted and (only is not None or id(p) in self._names)]
                caller = self._pm.subset_hook_caller(hook_name, remove_plugins=excluded)
            self._callers[key] = caller
        return caller

    def name_of(self, plugin: object) -> str:
        """The name a registered object declares; "" for a listener."""
        return self._names.get(id(plugin), "")

    def implementers(self, hook_name: str, plugins: Iterable[str]) -> list[str]:
        """The named plugins that implement `hook_name`, by name."""
        wanted = set(plugins)
        return sorted({name for impl in getattr(self._pm.hook, hook_name).get_hookimpls()
                       if (name := self._names.get(id(impl.plugin))) is not None and name in wanted})

    async def collect(self, hook_name: str, record: type[R], plugins: Iterable[str], **kwargs: Any
                      ) -> list[tuple[str, R]]:
        """Every `record` the named plugins return from a list-returning hook, as (plugin, record), plugin by
        plugin in name order. An item of another type is left out and logged as the plugin's error."""
        found: list[tuple[str, R]] = []
        for name in self.implementers(hook_name, plugins):
            for result in await call(self.hook(hook_name, only=name), **kwargs):
                for item in result or ():
                    if isinstance(item, record):
                        found.append((name, item))
                    else:
                        log.error("plugin %s returned %r from %s, not a %s: left out", name, item, hook_name,
                                  record.__name__)
        return found

    async def for_tenant(self, session: AsyncSession) -> TenantPlugins:
        """The plugins active for the tenant in scope (asked once per request or job)."""
        return TenantPlugins(self, await activations(session))


@dataclass(frozen=True)
class TenantPlugins:
    """The plugins active for one tenant, and hook callers that reach only them."""

    host: PluginHost
    activations: Activations

    @cached_property
    def names(self) -> frozenset[str]:
        """The active plugins that are installed (an activation row of an uninstalled plugin does nothing)."""
        return frozenset(n for n in self.activations.departments if n in self.host)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def department_of(self, name: str) -> UUID | None:
        """The department an active plugin is activated for (it owns the plugin's work)."""
        return self.activations.departments.get(name) if name in self.names else None

    def owned_by(self, department_id: UUID) -> frozenset[str]:
        return frozenset(n for n in self.names if self.activations.departments[n] == department_id)

    def hook(self, hook_name: str) -> HookCaller:
        """A caller of `hook_name` reaching only the active plugins (and listeners)."""
        return self.host.hook(hook_name, self.names)

    async def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call `hook_name` on the active plugins, results awaited."""
        return await call(self.hook(hook_name), **kwargs)

    async def collect(self, hook_name: str, record: type[R], only: Iterable[str] | None = None,
                      **kwargs: Any) -> list[tuple[str, R]]:
        """The typed records the active plugins (or those of `only` that are active) contribute."""
        names = self.names if only is None else self.names & set(only)
        return await self.host.collect(hook_name, record, names, **kwargs)
