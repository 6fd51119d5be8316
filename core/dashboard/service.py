"""The organisation dashboard: every KPI of the latest methodology with its trend and progress against target,
and the widgets of the active plugins — for the whole organisation or one department.

Visible to every reader of the tenant (viewers included): dashboards are often kept within one department,
and this page is there so the whole organisation sees the same figures. A department's view shows the KPIs that
department owns (the methodology names it owner), the KPIs of the plugins activated for it, and the KPIs it
has a target for; its widgets are those of its own plugins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.dates import format_date
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import ActivationStatus, PluginActivation
from core.dashboard.period import Period
from core.i18n import gettext_for
from core.measurement.figures import KpiFigure, figure_of
from core.measurement.models import KpiSnapshot, MethodologyVersion, Target
from core.measurement.snapshots import KpiInfo, kpi_catalogue, latest_version, series
from core.measurement.targets import KpiMeta, Progress, aggregation_for, progress_for
from core.plugins.context import hook_context
from core.plugins.host import PluginHost
from core.plugins.records import Widget
from core.tenancy.models import Tenant
from core.web.charts import Series, chart
from core.web.pagination import Page
from core.workgroup.models import Department

PER_PAGE = 10


@dataclass
class KpiRow:
    """One KPI on the dashboard: its values over the period, the period's figure, its targets, its chart."""

    info: KpiInfo
    days: list[date]
    values: list[float | None]
    period_value: float | None
    latest: float | None
    latest_day: date | None
    progress: list[Progress]
    chart: Markup | None = None
    target_values: list[float | None] = field(default_factory=list)
    figure: KpiFigure | None = None
    """The period's figure (`period_value`) with the days it covers, as every page shows this KPI."""

    @property
    def current(self) -> Progress | None:
        return self.progress[0] if self.progress else None

    @property
    def aggregation(self) -> str:
        return aggregation_for(self.info.unit, getattr(self.info, "aggregation", None))

    @property
    def table(self) -> list[tuple[date, float | None, float | None]]:
        """Day, value, target (the chart as a table, for screen readers and for people who read numbers)."""
        return [(d, v, t) for d, v, t in zip(self.days, self.values, self.target_values, strict=True)
                if v is not None or t is not None]


@dataclass
class Board:
    period: Period
    methodology: MethodologyVersion | None
    rows: Page
    widgets: list[Widget]
    department: Department | None
    departments: list[Department]
    versions_used: list[int]
    """The methodology versions the shown values were measured under (older days keep their version)."""
    total_kpis: int


def target_line(progress: Progress | None, days: list[date], aggregation: str) -> list[float | None]:
    """The chart's target series: the target itself for a level, its daily share for a summed KPI; None on
    days outside the target's period."""
    if progress is None:
        return [None] * len(days)
    t = progress.target
    span = (t.period_end - t.period_start).days + 1
    level = t.value / span if aggregation == "sum" else t.value
    return [round(level, 2) if t.period_start <= d <= t.period_end else None for d in days]


async def department_kpis(session: AsyncSession, department: Department,
                          catalogue: dict[str, KpiInfo]) -> list[str]:
    """The KPIs a department's view shows: owned by it, measured by its plugins, or targeted for it."""
    plugins = set((await session.scalars(select(PluginActivation.plugin).where(
        PluginActivation.department_id == department.id,
        PluginActivation.status.in_((ActivationStatus.active.value, ActivationStatus.paused.value))))).all())
    targeted = set((await session.scalars(select(Target.kpi).where(Target.department_id == department.id))).all())
    return [k for k, info in catalogue.items()
            if info.owner_department_id == str(department.id) or (info.plugin and info.plugin in plugins)
            or k in targeted]


async def plugin_widgets(session: AsyncSession, tenant: Tenant, pm: PluginHost, lang: str, principal: Any,
                         department: Department | None = None) -> list[Widget]:
    """The widgets of the tenant's active plugins (`regie_widgets`), by plugin; of `department`'s plugins only
    when given (for the overview and the dashboard)."""
    plugins = await pm.for_tenant(session)
    only = plugins.owned_by(department.id) if department is not None else None
    ctx = hook_context(session, tenant, lang, principal.user_id, roles=principal.roles)
    return [widget for _plugin, widget in await plugins.collect("regie_widgets", Widget, only=only, ctx=ctx)]


def _label(day: date, lang: str) -> str:
    return format_date(day, "d MMM", locale=lang)


async def build(session: AsyncSession, pm: Any, tenant: Tenant, principal: Any, lang: str, period: Period,
                department: Department | None = None, page: int = 1, base_path: str = "",
                today: date | None = None) -> Board:
    """Everything the dashboard page shows, one page of KPIs at a time."""
    _ = gettext_for(lang)
    catalogue = await kpi_catalogue(session, pm, (await pm.for_tenant(session)).names, lang)
    keys = list(catalogue)
    if department is not None:
        keys = await department_kpis(session, department, catalogue)
    total = len(keys)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    shown = keys[(page - 1) * PER_PAGE: page * PER_PAGE]
    values = await series(session, shown, period.start, period.end)
    progress = await progress_for(session, {k: catalogue[k] for k in shown},
                                  department_id=department.id if department else None, today=today)
    days = period.days
    rows = []
    for key in shown:
        info = catalogue[key]
        daily = [values[key].get(d) for d in days]
        measured = [(d, v) for d, v in zip(days, daily, strict=True) if v is not None]
        row = KpiRow(info=info, days=days, values=daily, period_value=None,
                     latest=measured[-1][1] if measured else None, latest_day=measured[-1][0] if measured else None,
                     progress=progress.get(key, []))
        row.figure = figure_of(key, values[key], period.start, period.end,
                               KpiMeta(info.unit, info.aggregation, info.direction), today)
        row.period_value = row.figure.value
        row.target_values = target_line(row.current, days, row.aggregation)
        if measured or row.current:
            target_label = _("Target (daily share)") if row.aggregation == "sum" else _("Target")
            series_ = [Series(info.title, daily)]
            if row.current:
                series_.append(Series(target_label, row.target_values, color="#c05621",
                                      extra={"borderDash": [6, 4], "pointRadius": 0, "spanGaps": True}))
            row.chart = chart("line", [_label(d, lang) for d in days], series_,
                              percent=info.unit == "percent", title=_("{kpi} per day", kpi=info.title), height=200)
        rows.append(row)
    used = sorted({n for n in (await session.scalars(select(KpiSnapshot.methodology_number).where(
        KpiSnapshot.kpi.in_(shown), KpiSnapshot.day >= period.start, KpiSnapshot.day <= period.end).distinct()))
        if n is not None}) if shown else []
    departments = list((await session.scalars(select(Department).order_by(Department.name))).all())
    return Board(period=period, methodology=await latest_version(session),
                 rows=Page(items=rows, total=total, number=page, per_page=PER_PAGE, base_path=base_path,
                           params=period.params),
                 widgets=await plugin_widgets(session, tenant, pm, lang, principal, department), department=department,
                 departments=departments, versions_used=used, total_kpis=len(catalogue))
