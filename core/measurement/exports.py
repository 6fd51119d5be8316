"""Every table of measurements as CSV or XLSX: snapshots, manual measurements, targets, methodology versions.

Headers are in the reader's language; every table states the methodology version of each row (a target: the
version in force when it was set).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import N_, gettext_for
from core.measurement.manual import manual_query
from core.measurement.models import ManualMeasurement, MethodologyVersion, Target
from core.measurement.snapshots import snapshots_query
from core.roadmap.routes import user_names
from core.workgroup.models import Department

TABLES = ("snapshots", "manual", "targets", "methodology")
TABLE_LABELS = {"snapshots": N_("Daily snapshots"), "manual": N_("Manual measurements"), "targets": N_("Targets"),
                "methodology": N_("Methodology versions")}
KINDS = {"plugin": N_("plugin"), "manual": N_("manual")}
SOURCES = KINDS
MAX_ROWS = 200_000
Rows = tuple[list[str], list[list[Any]]]


async def _departments(session: AsyncSession) -> dict[Any, str]:
    return {d.id: d.name for d in (await session.scalars(select(Department))).all()}


async def _snapshots(session: AsyncSession, _: Callable[[str], str], kpi: str | None, start: date | None,
                     end: date | None) -> Rows:
    header = [_("KPI"), _("Day"), _("Value"), _("Source"), _("Methodology version"), _("Measured at")]
    rows = (await session.scalars(snapshots_query(kpi, start, end).limit(MAX_ROWS))).all()
    return header, [[r.kpi, r.day, r.value, _(SOURCES.get(r.source, r.source)), r.methodology_number,
                     r.measured_at] for r in rows]


async def _manual(session: AsyncSession, _: Callable[[str], str], kpi: str | None, start: date | None,
                  end: date | None) -> Rows:
    header = [_("KPI"), _("Day"), _("Value"), _("Note"), _("Methodology version"), _("Entered by"), _("Entered at")]
    query = manual_query(kpi)
    if start:
        query = query.where(ManualMeasurement.day >= start)
    if end:
        query = query.where(ManualMeasurement.day <= end)
    rows = (await session.scalars(query.limit(MAX_ROWS))).all()
    names = await user_names(session, {r.entered_by_id for r in rows})
    return header, [[r.kpi, r.day, r.value, r.note, r.methodology_number, names.get(r.entered_by_id, ""),
                     r.created_at] for r in rows]


async def _targets(session: AsyncSession, _: Callable[[str], str], kpi: str | None, start: date | None,
                   end: date | None) -> Rows:
    header = [_("KPI"), _("Department"), _("Period start"), _("Period end"), _("Value"), _("Rationale"),
              _("Methodology version"), _("Set at")]
    query = select(Target).order_by(Target.created_at.desc())
    if kpi:
        query = query.where(Target.kpi == kpi)
    if start:
        query = query.where(Target.period_end >= start)
    if end:
        query = query.where(Target.period_start <= end)
    rows = (await session.scalars(query.limit(MAX_ROWS))).all()
    versions = (await session.execute(select(MethodologyVersion.number, MethodologyVersion.created_at)
                                      .order_by(MethodologyVersion.number))).all()
    deps = await _departments(session)

    def version_at(t: Target) -> int | None:
        found = [n for n, created in versions if created <= t.created_at]
        return found[-1] if found else None

    return header, [[t.kpi, deps.get(t.department_id, ""), t.period_start, t.period_end, t.value, t.rationale,
                     version_at(t), t.created_at] for t in rows]


async def _methodology(session: AsyncSession, _: Callable[[str], str], kpi: str | None, start: date | None,
                       end: date | None) -> Rows:
    header = [_("Methodology version"), _("Written at"), _("Reason"), _("KPI"), _("Name"), _("Kind"), _("Unit"),
              _("Owner"), _("Definition"), _("Source")]
    deps = {str(k): v for k, v in (await _departments(session)).items()}
    out = []
    for v in (await session.scalars(select(MethodologyVersion).order_by(MethodologyVersion.number))).all():
        for k in v.kpis or []:
            if kpi and k.get("key") != kpi:
                continue
            kind = _(KINDS[k["kind"]]) if k.get("kind") in KINDS else ""
            out.append([v.number, v.created_at, v.reason, k.get("key"), k.get("name"), kind,
                        k.get("unit") or "", deps.get(k.get("owner_department_id") or "", ""),
                        k.get("definition", ""), k.get("source", "")])
    return header, out


BUILDERS = {"snapshots": _snapshots, "manual": _manual, "targets": _targets, "methodology": _methodology}


async def table_rows(session: AsyncSession, table: str, lang: str, kpi: str | None = None,
                     start: date | None = None, end: date | None = None) -> Rows:
    """(header, rows) of one export table; `kpi`, `start` and `end` filter where they apply."""
    return await BUILDERS[table](session, gettext_for(lang), kpi, start, end)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text people typed (notes, rationales, reasons) never becomes a spreadsheet formula: a leading =, +, -, @,
    tab or carriage return is quoted with an apostrophe, as OWASP advises against CSV injection."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: stored times are UTC
    return value


def to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) if isinstance(v, str) else
                         (v.isoformat() if hasattr(v, "isoformat") else v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a string stays a string, whatever it starts with
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
