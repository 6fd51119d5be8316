"""Daily KPI snapshots: the continuous measurement, at least daily (docs/architecture.md, Measurement).

Read helpers for the dashboard, digest and report slices (signatures are stable):

- `kpi_catalogue(session, pm, active, lang)`: the KPIs of the latest methodology with title, unit,
  definition, owner and kind.
- `series(session, kpis, start, end)`: stored daily values per KPI.

Writers: `snapshot_tenant(session, pm, tenant)` (the hourly job `core.measurement.snapshot`) measures every
plugin KPI of the latest methodology for each whole UTC day not stored yet, up to yesterday; `store_manual`
copies a manual entry into the snapshot table. A stored day is never measured again, so a later methodology
never rewrites the past: each row keeps the methodology version it was measured under.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.bulk import bulk_insert
from core.measurement.models import KpiSnapshot, MethodologyVersion
from core.plugins.context import hook_context
from core.plugins.host import PluginHost, call
from core.plugins.info import KpiDefinition
from core.workgroup.models import Department

log = logging.getLogger("regie.measurement")
FIRST_RUN_DAYS = 90
"""On a KPI's first run the job goes back at most this many days (never before the methodology named it)."""
CONFLICT = ("tenant_id", "kpi", "day")
OVERWRITE = ("value", "methodology_number", "source", "measured_at")


@dataclass(frozen=True)
class KpiInfo:
    """One KPI as the dashboard, digest and report show it."""

    key: str
    title: str
    unit: str
    definition: str
    kind: str
    """"plugin" (measured daily by `plugin`) or "manual" (entered by its owner department)."""
    plugin: str | None
    owner_department_id: str | None
    owner: str
    """The owner department's name ("" when none is named)."""
    active: bool
    """A manual KPI is always active; a plugin KPI only while its plugin is active in the tenant."""
    methodology_number: int
    aggregation: str | None = None
    """sum, mean or latest when the methodology says so (see `core.measurement.targets.aggregation_for`)."""
    direction: str | None = None
    """higher or lower when the methodology says so."""


def plugin_kpis(pm: PluginHost | None) -> dict[str, tuple[str, KpiDefinition]]:
    """Every KPI a plugin declares through `regie_kpis`: key → (plugin name, definition) (`pm.kpis()`)."""
    return pm.kpis() if pm is not None else {}


def kind_of(kpi: dict[str, Any], declared: dict[str, tuple[str, KpiDefinition]]) -> str:
    """A methodology KPI's kind; a line written before kinds existed is "plugin" when a plugin declares its key."""
    kind = kpi.get("kind")
    if kind in ("plugin", "manual"):
        return str(kind)
    return "plugin" if kpi.get("key") in declared else "manual"


async def latest_version(session: AsyncSession) -> MethodologyVersion | None:
    return await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))


async def kpi_catalogue(session: AsyncSession, pm: Any, active: Iterable[str], lang: str) -> dict[str, KpiInfo]:
    """key → `KpiInfo` for every KPI of the latest methodology version, in the methodology's order (empty when
    there is no methodology). `active` is the tenant's active plugins (`(await pm.for_tenant(session)).names`);
    a plugin KPI of an inactive plugin is listed with `active=False`. Titles: the name the methodology gives, else the
    plugin's title in `lang`; the definition likewise."""
    version = await latest_version(session)
    if version is None:
        return {}
    declared = plugin_kpis(pm)
    active = set(active)
    names = {str(d.id): d.name for d in (await session.scalars(select(Department))).all()}
    out: dict[str, KpiInfo] = {}
    for kpi in version.kpis or []:
        key = kpi["key"]
        kind = kind_of(kpi, declared)
        plugin, definition = declared.get(key, (None, None)) if kind == "plugin" else (None, None)
        title = kpi.get("name") or (definition.title.get(lang) or definition.title.get("en", key)
                                    if definition else key)
        text = kpi.get("definition") or (definition.description.get(lang) or definition.description.get("en", "")
                                         if definition else "")
        unit = kpi.get("unit") or (definition.unit if definition else "count")
        owner_id = kpi.get("owner_department_id") or None
        out[key] = KpiInfo(key=key, title=title, unit=unit, definition=text, kind=kind, plugin=plugin,
                           owner_department_id=owner_id, owner=names.get(owner_id or "", ""),
                           active=kind == "manual" or plugin in active, methodology_number=version.number,
                           aggregation=kpi.get("aggregation"), direction=kpi.get("direction"))
    return out


async def series(session: AsyncSession, kpis: Iterable[str], start: date,
                 end: date) -> dict[str, dict[date, float | None]]:
    """Stored daily values for `kpis` over `start`..`end` (both inclusive): key → {day: value}. A day without
    a snapshot is absent from the inner dict; a snapshot whose plugin had nothing to measure (a median of no
    cases) maps to None. Every requested key is present, possibly with an empty dict."""
    keys = list(dict.fromkeys(kpis))
    out: dict[str, dict[date, float | None]] = {k: {} for k in keys}
    if not keys:
        return out
    rows = await session.execute(select(KpiSnapshot.kpi, KpiSnapshot.day, KpiSnapshot.value).where(
        KpiSnapshot.kpi.in_(keys), KpiSnapshot.day >= start, KpiSnapshot.day <= end).order_by(KpiSnapshot.day))
    for kpi, day, value in rows:
        out[kpi][day] = value
    return out


def snapshots_query(kpi: str | None = None, start: date | None = None, end: date | None = None) -> Any:
    """Snapshots, newest day first, optionally for one KPI and a period (for pagination and exports)."""
    query = select(KpiSnapshot)
    if kpi:
        query = query.where(KpiSnapshot.kpi == kpi)
    if start:
        query = query.where(KpiSnapshot.day >= start)
    if end:
        query = query.where(KpiSnapshot.day <= end)
    return query.order_by(KpiSnapshot.day.desc(), KpiSnapshot.kpi)


# --- writing ------------------------------------------------------------------------------------------------
def yesterday(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date() - timedelta(days=1)


def _created_day(version: MethodologyVersion) -> date:
    return version.created_at.astimezone(UTC).date()


async def _plan(session: AsyncSession, keys: list[str], last_day: date) -> dict[str, list[date]]:
    """Per KPI the days to measure: from the day after its last stored plugin snapshot (first run: the day the
    methodology first named it, at most `FIRST_RUN_DAYS` back) up to `last_day`. One query for all KPIs."""
    stored = dict((await session.execute(select(KpiSnapshot.kpi, func.max(KpiSnapshot.day)).where(
        KpiSnapshot.kpi.in_(keys), KpiSnapshot.source == "plugin").group_by(KpiSnapshot.kpi))).all())
    named: dict[str, date] = {}
    if len(stored) < len(keys):
        for version in (await session.scalars(select(MethodologyVersion)
                                              .order_by(MethodologyVersion.number))).all():
            for k in version.kpis or []:
                named.setdefault(k.get("key"), _created_day(version))
    plan = {}
    for key in keys:
        if key in stored:
            first = stored[key] + timedelta(days=1)
        else:
            first = max(named.get(key, last_day + timedelta(days=1)),
                        last_day - timedelta(days=FIRST_RUN_DAYS - 1))
        plan[key] = [first + timedelta(days=n) for n in range((last_day - first).days + 1)]
    return plan


def _number(value: Any) -> float | None:
    """A plugin's result as a float; None stays None, and so does NaN (nothing to measure). Anything else that
    is not a number raises, and the KPI is skipped like one whose plugin failed."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


async def snapshot_tenant(session: AsyncSession, pm: PluginHost, tenant: Any, now: datetime | None = None) -> int:
    """Measure and store every missing day of every plugin KPI of the latest methodology whose plugin is active.
    Idempotent: a stored day is not measured again, and a re-stored one overwrites its row. A KPI whose
    plugin raises is logged and skipped (the days measured before the failure are kept); the others go on.
    Returns the number of rows written."""
    version = await latest_version(session)
    if version is None:
        return 0
    declared = plugin_kpis(pm)
    active = (await pm.for_tenant(session)).names
    last_day = yesterday(now)
    measured_at = now or datetime.now(UTC)
    ctx = hook_context(session, tenant, "nl", memo={})  # memo: one run's cache for the plugins (docs/hooks.md)
    rows: list[dict[str, Any]] = []
    keys = [k["key"] for k in version.kpis or [] if kind_of(k, declared) == "plugin" and k["key"] in declared
            and declared[k["key"]][0] in active]
    if not keys:
        return 0
    for key, days in (await _plan(session, keys, last_day)).items():
        if not days:
            continue
        plugin = declared[key][0]
        hook = pm.hook("regie_measure", only=plugin)
        values: list[tuple[date, Any]] = []
        try:
            async with session.begin_nested():
                for day in days:
                    results = await call(hook, ctx=ctx, kpi=key, period=(day, day))
                    values.append((day, _number(next((r for r in results if r is not None), None))))
        except Exception:  # noqa: BLE001 - one failing KPI never costs the others their snapshot
            log.exception("measuring %s for tenant %s failed; skipped", key, tenant.slug)
        rows.extend({"kpi": key, "day": day, "value": value,
                     "methodology_number": version.number, "source": "plugin", "measured_at": measured_at}
                    for day, value in values)
    await bulk_insert(session, KpiSnapshot, rows, conflict=CONFLICT, overwrite=OVERWRITE)
    return len(rows)


async def store_manual(session: AsyncSession, kpi: str, day: date, value: float,
                       methodology_number: int | None) -> None:
    """The newest manual entry for (kpi, day) becomes that day's snapshot, in the caller's transaction."""
    await bulk_insert(session, KpiSnapshot, [{"kpi": kpi, "day": day, "value": float(value),
                                              "methodology_number": methodology_number, "source": "manual",
                                              "measured_at": datetime.now(UTC)}],
                      conflict=CONFLICT, overwrite=OVERWRITE)
