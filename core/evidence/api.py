"""API: the evidence the gates read (baseline, pilot measurements, methodology, targets, presentations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from litestar import Request, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import PluginActivation
from core.errors import DomainError
from core.evidence import service
from core.web.forms import lang_of, principal_of


@dataclass
class Created:
    id: str
    kind: str
    number: int | None = None


@dataclass
class BaselineIn:
    title: str
    period_start: str
    period_end: str
    summary: str = ""


@dataclass
class PilotIn:
    plugin: str
    period_start: str
    period_end: str
    values: dict[str, float] = field(default_factory=dict)
    """Figures typed in (marked as entered by hand); may be empty for a plugin that measures itself."""
    summary: str = ""


@dataclass
class KpiIn:
    key: str
    name: str
    definition: str = ""
    source: str = ""
    kind: str | None = None
    """"plugin" (a key a plugin declares through `regie_kpis`) or "manual"; left out: plugin when a plugin
    declares the key, else manual."""
    unit: str | None = None
    """count, percent, minutes, hours, fte, euro, index or number; left out: the plugin's unit, else count."""
    owner_department_id: str | None = None
    """The department that owns the KPI (required for a manual KPI given with a kind)."""
    aggregation: str | None = None
    """sum, mean or latest (a stock such as followers): how a period is made of its days; left out: by unit."""
    direction: str | None = None
    """higher or lower: which way is better; left out: by unit and key."""


@dataclass
class MethodologyIn:
    kpis: list[KpiIn]
    reason: str


@dataclass
class TargetIn:
    kpi: str
    period_start: str
    period_end: str
    value: float
    department_id: str | None = None
    rationale: str = ""


@dataclass
class PresentationIn:
    title: str
    period_start: str
    period_end: str
    results: str
    goals: str
    strategy: str
    way_of_work: str
    resources: str


@dataclass
class ApprovalIn:
    note: str = field(default="")


@post("/t/{slug:str}/baseline", opt={"action": "baseline.upload"}, tags=["evidence"], status_code=201,
      summary="Record an external listening study as the baseline (without a file; upload files on the web page)")
async def baseline(request: Request[Any, Any, Any], db: AsyncSession, data: BaselineIn) -> Created:
    row = await service.upload_baseline(db, principal_of(request), data.title, data.period_start, data.period_end,
                                        data.summary, None, require_file=False)
    return Created(str(row.id), "baseline")


@post("/t/{slug:str}/pilot-measurements", opt={"action": "pilot.record"}, tags=["evidence"], status_code=201,
      summary="Record a pilot measurement for an active or paused plugin, over days it was active; a plugin "
              "that measures itself gives its own figures, values sent here are marked as entered by hand")
async def pilot(request: Request[Any, Any, Any], db: AsyncSession, data: PilotIn,
                lang: str | None = None) -> Created:
    activation_id = await db.scalar(select(PluginActivation.id).where(PluginActivation.plugin == data.plugin))
    if activation_id is None:
        raise DomainError(field="plugin", msgid="Choose a valid option.")
    row = await service.record_pilot(db, principal_of(request), activation_id, data.period_start, data.period_end,
                                     data.summary, data.values, pm=request.app.state.pm,
                                     lang=lang_of(request, lang))
    return Created(str(row.id), "pilot_measurement")


@post("/t/{slug:str}/methodology", opt={"action": "methodology.write"}, tags=["evidence"], status_code=201,
      summary="Write a new methodology version (the chosen KPIs) with a reason")
async def methodology(request: Request[Any, Any, Any], db: AsyncSession, data: MethodologyIn) -> Created:
    kpis = [{"key": k.key, "name": k.name, "definition": k.definition, "source": k.source, "kind": k.kind,
             "unit": k.unit, "owner_department_id": k.owner_department_id, "aggregation": k.aggregation,
             "direction": k.direction} for k in data.kpis]
    row = await service.write_methodology(db, principal_of(request), kpis, data.reason, pm=request.app.state.pm)
    return Created(str(row.id), "methodology_version", row.number)


@post("/t/{slug:str}/targets", opt={"action": "target.write"}, tags=["evidence"], status_code=201,
      summary="Set a target for a KPI of the latest methodology")
async def target(request: Request[Any, Any, Any], db: AsyncSession, data: TargetIn) -> Created:
    row = await service.set_target(db, principal_of(request), data.kpi, data.department_id, data.period_start,
                                   data.period_end, data.value, data.rationale)
    return Created(str(row.id), "target")


@post("/t/{slug:str}/presentations", opt={"action": "presentation.produce"}, tags=["evidence"], status_code=201,
      summary="Produce a management presentation (results, goals, strategy, way of work, resources)")
async def presentation(request: Request[Any, Any, Any], db: AsyncSession, data: PresentationIn) -> Created:
    sections = {k: getattr(data, k) for k in service.PRESENTATION_SECTIONS}
    row = await service.produce_presentation(db, principal_of(request), data.title, data.period_start,
                                             data.period_end, sections)
    return Created(str(row.id), "management_presentation")


@post("/t/{slug:str}/presentations/{presentation_id:uuid}/approve", opt={"action": "presentation.approve"},
      tags=["evidence"], status_code=200, summary="Admin: record management's approval of a presentation")
async def approve(request: Request[Any, Any, Any], db: AsyncSession, presentation_id: UUID,
                  data: ApprovalIn | None = None) -> Created:
    row = await service.approve_presentation(db, principal_of(request), presentation_id,
                                             data.note if data else "")
    return Created(str(row.id), "management_presentation")


ROUTES = [baseline, pilot, methodology, target, presentation, approve]
