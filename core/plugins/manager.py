"""Building the plugin host and calling hooks; the host itself is `core.plugins.host.PluginHost`."""

from __future__ import annotations

import logging
from typing import Any

from core.plugins.host import PluginHost, call

log = logging.getLogger("regie.plugins")
__all__ = ["build_plugin_manager", "call", "notify"]


def build_plugin_manager(extra_plugins: list[Any] | None = None) -> PluginHost:
    """A fresh host per app (no module-level global): built-ins come through entry points too."""
    return PluginHost(extra_plugins or ())


async def notify(session: Any, hook: Any, what: str, **kwargs: Any) -> None:
    """Call a hook that reacts to a core decision, inside a savepoint: a failing plugin's own writes are
    rolled back and logged, and the core's decision (already flushed in the outer transaction) stands."""
    try:
        async with session.begin_nested():
            await call(hook, **kwargs)
    except Exception:  # noqa: BLE001 - a plugin's reaction never undoes the core's decision
        log.exception("a plugin failed on %s", what)
