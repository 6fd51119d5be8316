"""Manual KPIs (leads from the CRM, FTE spent): entered by the KPI's owner department, validated by unit.

A correction is a new row; the newest row for a KPI and day is that day's snapshot (`store_manual`, in the same
transaction as the entry).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.errors import DomainError, PermissionDenied
from core.measurement.models import ManualMeasurement
from core.measurement.snapshots import KpiInfo, kpi_catalogue, store_manual
from core.plugins.mount import in_department
from core.validation import FieldErrors, clean_date, clean_text

NON_NEGATIVE = {"count", "minutes", "hours", "fte", "euro"}


def may_enter(principal: Any, kpi: KpiInfo) -> bool:
    """The owner department's members (by membership or workgroup seat), the regie holder and the admin."""
    if principal is None or principal.via_token and not principal.roles:
        return False
    if principal.has("admin") or principal.has("regie"):
        return True
    if not kpi.owner_department_id:
        return False
    try:
        return in_department(principal, UUID(kpi.owner_department_id))
    except ValueError:
        return False


async def manual_kpis(session: AsyncSession, pm: Any, lang: str) -> dict[str, KpiInfo]:
    """The manual KPIs of the latest methodology."""
    return {k: v for k, v in (await kpi_catalogue(session, pm, (), lang)).items() if v.kind == "manual"}


def clean_value(raw: Any, unit: str) -> float:
    """A number (a decimal comma is fine) that fits its unit: percent 0–100, no negative counts, minutes, FTE
    or euros, a count is whole."""
    try:
        number = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise DomainError(field="value", msgid="Enter a number.") from None
    if math.isnan(number) or math.isinf(number):
        raise DomainError(field="value", msgid="Enter a number.")
    if unit == "percent" and not 0 <= number <= 100:
        raise DomainError(field="value", msgid="A percentage lies between 0 and 100.")
    if unit in NON_NEGATIVE and number < 0:
        raise DomainError(field="value", msgid="This KPI cannot be negative.")
    if unit == "count" and number != int(number):
        raise DomainError(field="value", msgid="A count is a whole number.")
    return number


async def enter(session: AsyncSession, principal: Any, pm: Any, kpi: Any, day: Any, value: Any,
                note: Any = "") -> ManualMeasurement:
    """Record a manual value for a whole UTC day (not in the future) and make it that day's snapshot."""
    catalogue = await manual_kpis(session, pm, "en")
    key = str(kpi or "").strip()
    info = catalogue.get(key)
    if info is None:
        raise DomainError(field="kpi", msgid="Choose a manual KPI of the latest methodology.")
    if not may_enter(principal, info):
        raise PermissionDenied("measurement.enter")
    errors = FieldErrors()
    when = errors.clean(clean_date, day, "day")
    if when is not None and when > datetime.now(UTC).date():
        errors.add("day", msgid="The day lies in the future.")
    number = errors.clean(clean_value, value, info.unit)
    note = errors.clean(clean_text, note, "note", required=False, max_length=2000)
    errors.raise_if_any()
    assert when is not None and number is not None
    row = ManualMeasurement(kpi=key, day=when, value=number, note=note or "",
                            methodology_number=info.methodology_number, entered_by_id=principal.user_id)
    session.add(row)
    await session.flush()
    await store_manual(session, key, when, number, info.methodology_number)
    await record(session, principal, "measurement.entered", subject=row, summary=f"{key} {when} = {number}",
                 reason=note or "", data={"kpi": key, "day": when.isoformat(), "value": number})
    return row


def manual_query(kpi: str | None = None) -> Select[Any]:
    """Every manual entry (corrections included), newest first."""
    query = select(ManualMeasurement)
    if kpi:
        query = query.where(ManualMeasurement.kpi == kpi)
    return query.order_by(ManualMeasurement.day.desc(), ManualMeasurement.created_at.desc())
