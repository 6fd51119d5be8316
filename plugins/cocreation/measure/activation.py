"""Co-creation's prerequisite: the organisation embraces customers' ideas only once another Groundswell function
has run well. Another function must have been active for at least `prerequisite_weeks` (8 unless the tenant's
settings say otherwise) and its KPIs must have met their targets in the last measurement period that ended. The
regie holder may override this with a reason on the plugin catalogue (audited; `ctx.prerequisite_override`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.plugins.api import HookContext, TrackRecord, gettext_for, utcnow
from plugins.cocreation.models import CocreationSettings

PLUGIN = "cocreation"
FUNCTION = "embracing"
DEFAULT_WEEKS = 8


async def prerequisite_weeks(ctx: HookContext) -> int:
    """The tenant's setting when its settings row exists (it is created on first use, after activation); the
    default for a context without a database (a description of the hook, not a tenant's check)."""
    if ctx.session is None:
        return DEFAULT_WEEKS
    weeks = await ctx.session.scalar(select(CocreationSettings.prerequisite_weeks).limit(1))
    return int(weeks) if weeks is not None else DEFAULT_WEEKS


def _label(ctx: HookContext, plugin: str) -> str:
    return ctx.pm.label(plugin, ctx.lang) if ctx.pm is not None else plugin


async def activation_check(ctx: HookContext, department: Any) -> list[str]:
    """Reasons co-creation may not start yet; none when another function qualifies or the prerequisite is
    overridden."""
    if await ctx.prerequisite_override(PLUGIN) is not None:
        return []
    weeks = await prerequisite_weeks(ctx)
    records = [r for r in await ctx.track_records(exclude=PLUGIN) if r.groundswell_function != FUNCTION]
    since = utcnow() - timedelta(weeks=weeks)
    seasoned = [r for r in records if r.active_since is not None and r.active_since <= since]
    if any(r.targets_met for r in seasoned):
        return []
    _ = gettext_for(ctx.lang)
    n = weeks
    if not records:
        return [_("Co-creation needs another Groundswell function that has been active for at least {n} weeks "
                  "with its KPI targets met; no other function is active yet.", n=n)]
    if not seasoned:
        return [_("Co-creation needs another Groundswell function that has been active for at least {n} weeks; "
                  "none has been active that long yet ({plugins}).", n=n,
                  plugins=", ".join(_since(ctx, r) for r in records))]
    return [_why(ctx, r) for r in seasoned]


def _since(ctx: HookContext, record: TrackRecord) -> str:
    _ = gettext_for(ctx.lang)
    active = record.active_since
    days = (utcnow() - active).days if active is not None else 0
    return _("{plugin} for {days} days", plugin=_label(ctx, record.plugin), days=days)


def _why(ctx: HookContext, record: TrackRecord) -> str:
    """Why a function active long enough does not count (yet)."""
    _ = gettext_for(ctx.lang)
    plugin = _label(ctx, record.plugin)
    if record.period is None:
        return _("{plugin} has no measurement period with KPI targets that has ended yet.", plugin=plugin)
    first, last = record.period
    if not record.targets:
        return _("{plugin} had no KPI targets in its last measurement period.", plugin=plugin)
    return _("{plugin} did not meet its KPI targets in the last measurement period ({first} – {last}): "
             "{kpis}.", plugin=plugin, first=first, last=last,
             kpis=", ".join(_kpi_title(ctx, key) for key in record.missed))


def _kpi_title(ctx: HookContext, key: str) -> str:
    declared = ctx.pm.kpis() if ctx.pm is not None else {}
    definition = declared.get(key, ("", None))[1]
    if definition is None:
        return key
    return definition.title.get(ctx.lang) or definition.title.get("en") or key
