"""Building the plugin manager and calling hooks, for all plugins or one tenant's active ones."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import pluggy

from core.plugins import hookspecs
from core.plugins.info import PluginInfo

log = logging.getLogger("regie.plugins")


def build_plugin_manager(extra_plugins: list[Any] | None = None) -> pluggy.PluginManager:
    """A fresh manager per app (no module-level global): built-ins come through entry points too."""
    pm = pluggy.PluginManager("regie")
    pm.add_hookspecs(hookspecs)
    pm.load_setuptools_entrypoints("regie")
    for plugin in extra_plugins or []:
        pm.register(plugin)
    from core.i18n import add_translations

    for info in plugin_infos(pm):
        if info.translations is not None:
            add_translations(info.translations)
    return pm


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    infos = [info for info in pm.hook.regie_plugin() if isinstance(info, PluginInfo)]
    return sorted(infos, key=lambda i: i.name)


def plugin_module(pm: pluggy.PluginManager, name: str) -> Any | None:
    for plugin in pm.get_plugins():
        info = getattr(plugin, "regie_plugin", None)
        if info and isinstance(result := info(), PluginInfo) and result.name == name:
            return plugin
    return None


def hook_for(pm: pluggy.PluginManager, hook_name: str, plugin_names: set[str]) -> Any:
    """A hook caller reaching only the named plugins (a tenant's active ones)."""
    excluded = [
        p for p in pm.get_plugins()
        if (info := _info_of(p)) is not None and info.name not in plugin_names
    ]
    return pm.subset_hook_caller(hook_name, remove_plugins=excluded)


def _info_of(plugin: Any) -> PluginInfo | None:
    fn = getattr(plugin, "regie_plugin", None)
    result = fn() if fn else None
    return result if isinstance(result, PluginInfo) else None


async def call(hook: Any, **kwargs: Any) -> list[Any]:
    """Call a hook and await any awaitable results (implementations may be sync or async)."""
    results = []
    for result in hook(**kwargs):
        results.append(await result if inspect.isawaitable(result) else result)
    return results


async def notify(session: Any, hook: Any, what: str, **kwargs: Any) -> None:
    """Call a hook that reacts to a core decision, inside a savepoint: a failing plugin's own writes are
    rolled back and logged, and the core's decision (already flushed in the outer transaction) stands."""
    try:
        async with session.begin_nested():
            await call(hook, **kwargs)
    except Exception:  # noqa: BLE001 - a plugin's reaction never undoes the core's decision
        log.exception("a plugin failed on %s", what)


async def notify_batch(session: Any, deliver: Any, what: str) -> None:
    """Like `notify`, for a caller that delivers many events itself inside one savepoint."""
    try:
        async with session.begin_nested():
            await deliver()
    except Exception:  # noqa: BLE001 - a plugin's reaction never undoes the core's decision
        log.exception("a plugin failed on %s", what)
