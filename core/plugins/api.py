"""The public API a plugin may import. Anything not re-exported here is the core's private business."""

from __future__ import annotations

import pluggy

from core.db.base import Base, TenantScoped
from core.plugins.info import DomainEvent, HookContext, KpiDefinition, PluginInfo

hookimpl = pluggy.HookimplMarker("regie")

__all__ = ["Base", "DomainEvent", "HookContext", "KpiDefinition", "PluginInfo", "TenantScoped", "hookimpl"]
