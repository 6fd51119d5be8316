"""API: the plugin catalogue with this tenant's status; request, decide, pause and resume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation import overrides, service
from core.activation.models import PluginActivation, PrerequisiteOverride
from core.tenancy.models import Tenant
from core.web.forms import lang_of, principal_of, tenant_of


@dataclass
class PluginOut:
    name: str
    title: str
    description: str
    groundswell_function: str
    default_owner: str
    min_phase: str
    prerequisites: list[str]
    status: str
    """available, requested, active, paused or declined."""
    department: str | None
    decision_reason: str
    activated_at: datetime | None
    blockers: list[str]
    available: bool = True
    """False: the plugin has no pages yet (state "coming") and cannot be requested."""
    state: str = "available"
    """What the catalogue card says: available, blocked, requested, active, paused or coming."""
    remedies: list[str] = field(default_factory=list)
    """What would lift each blocker ("" where the blocker says it itself), in the same order."""
    prerequisite_override: str = ""
    """The reason the regie holder gave for overriding the plugin's own prerequisite ("" when none stands)."""


@dataclass
class ActivationOut:
    plugin: str
    status: str
    department: str
    decision_reason: str
    activated_at: datetime | None
    activated_in_phase: str | None


@dataclass
class RequestIn:
    department_id: str
    motivation: str = ""


@dataclass
class DecisionIn:
    approve: bool
    reason: str = ""


@dataclass
class ReasonIn:
    reason: str


@dataclass
class OverrideOut:
    plugin: str
    reason: str
    failing: list[str]
    """What the plugin's own prerequisite said when it was overridden."""
    overridden_at: datetime
    withdrawn_at: datetime | None
    withdraw_reason: str


def _override(row: PrerequisiteOverride) -> OverrideOut:
    return OverrideOut(row.plugin, row.reason, list(row.failing or []), row.created_at, row.withdrawn_at,
                       row.withdraw_reason)



async def _one(db: AsyncSession, row: PluginActivation) -> ActivationOut:
    await db.refresh(row, ["department"])
    return ActivationOut(row.plugin, row.status, row.department.name, row.decision_reason, row.activated_at,
                         row.activated_in_phase)


@get("/t/{slug:str}/plugins", opt={"action": "tenant.read"}, tags=["plugins"],
     summary="Installed plugins with this tenant's activation status and current blockers")
async def catalogue(request: Request[Any, Any, Any], db: AsyncSession, lang: str | None = None) -> list[PluginOut]:
    code = lang_of(request, lang)
    tenant = await db.get(Tenant, tenant_of(request).id)
    standing = {row.plugin: row.reason for row in (await db.scalars(select(PrerequisiteOverride).where(
        PrerequisiteOverride.withdrawn_at.is_(None)))).all()}
    out = []
    for card in await service.cards(db, tenant, request.app.state.pm, principal_of(request), code):
        e, act = card.entry, card.entry.activation
        blockers = card.blockers or ([service.coming(e.info, code)] if card.state == "coming" else [])
        out.append(PluginOut(e.info.name, e.info.label(code), e.info.blurb(code), e.info.groundswell_function,
                             e.info.default_owner, e.info.min_phase, list(e.info.prerequisites), e.status,
                             act.department.name if act else None, act.decision_reason if act else "",
                             act.activated_at if act else None, [b.reason for b in blockers],
                             available=e.info.available, state=card.state, remedies=[b.remedy for b in blockers],
                             prerequisite_override=standing.get(e.info.name, "")))
    return out


@post("/t/{slug:str}/plugins/{plugin:str}/request", opt={"action": "plugin.request"}, tags=["plugins"],
      status_code=201, summary="Request a plugin for a department (409 with the reasons when blocked or coming)")
async def request_plugin(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: RequestIn,
                         lang: str | None = None) -> ActivationOut:
    row = await service.request_plugin(db, principal_of(request), tenant_of(request), request.app.state.pm, plugin,
                                       data.department_id, data.motivation, lang_of(request, lang))
    return await _one(db, row)


@post("/t/{slug:str}/plugins/{plugin:str}/decision", opt={"action": "plugin.decide", "rule": service.DECIDE_RULE},
      tags=["plugins"],
      status_code=200, summary="Regie holder: approve (re-checks blockers) or decline (reason required); "
                               "another workgroup member or an admin approves the regie holder's own request")
async def decide(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: DecisionIn,
                 lang: str | None = None) -> ActivationOut:
    row = await service.decide(db, principal_of(request), tenant_of(request), request.app.state.pm, plugin,
                               data.approve, data.reason, lang_of(request, lang))
    return await _one(db, row)


@post("/t/{slug:str}/plugins/{plugin:str}/pause", opt={"action": "plugin.pause"}, tags=["plugins"],
      status_code=200, summary="Regie holder: pause an active plugin (its data stays)")
async def pause(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: ReasonIn,
                lang: str | None = None) -> ActivationOut:
    row = await service.pause(db, principal_of(request), tenant_of(request), request.app.state.pm, plugin,
                              data.reason, lang_of(request, lang))
    return await _one(db, row)


@post("/t/{slug:str}/plugins/{plugin:str}/resume", opt={"action": "plugin.pause"}, tags=["plugins"],
      status_code=200, summary="Regie holder: resume a paused plugin")
async def resume(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: ReasonIn,
                 lang: str | None = None) -> ActivationOut:
    row = await service.pause(db, principal_of(request), tenant_of(request), request.app.state.pm, plugin,
                              data.reason, lang_of(request, lang), resume=True)
    return await _one(db, row)


@post("/t/{slug:str}/plugins/{plugin:str}/override", opt={"action": "phase.override"}, tags=["plugins"],
      status_code=201, summary="Regie holder: override the plugin's own prerequisite, with a reason of at least 20 "
                               "characters (audited; 409 when one stands)")
async def override_prerequisite(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: ReasonIn,
                                lang: str | None = None) -> OverrideOut:
    tenant = await db.get(Tenant, tenant_of(request).id)
    return _override(await overrides.override(db, principal_of(request), tenant, request.app.state.pm, plugin,
                                              data.reason, lang_of(request, lang)))


@post("/t/{slug:str}/plugins/{plugin:str}/override/withdraw", opt={"action": "phase.override"}, tags=["plugins"],
      status_code=200, summary="Regie holder: withdraw the override of the plugin's prerequisite, with a reason "
                               "(audited; 409 when none stands)")
async def withdraw_override(request: Request[Any, Any, Any], db: AsyncSession, plugin: str, data: ReasonIn,
                            lang: str | None = None) -> OverrideOut:
    return _override(await overrides.withdraw(db, principal_of(request), request.app.state.pm, plugin, data.reason,
                                              lang_of(request, lang)))


ROUTES = [catalogue, request_plugin, decide, pause, resume, override_prerequisite, withdraw_override]
