"""Crisis mode in the JSON API: is it on, switch it on, switch it off (the same service and permissions as the
pages: reading for everyone of the tenant, switching for whoever configures webcare)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, principal_of
from plugins.webcare.crisis import service
from plugins.webcare.models import Crisis


@dataclass
class CrisisOut:
    id: str
    title: str
    reason: str
    started_at: datetime | None
    started_by_id: str | None
    ended_at: datetime | None
    ended_by_id: str | None
    href: str
    report: dict[str, Any] = field(default_factory=dict)
    """Frozen when switched off: minutes, cases by priority, replies and approvals, the timeline."""


@dataclass
class CrisisStatus:
    on: bool
    crisis: CrisisOut | None


def _s(value: Any) -> str | None:
    return str(value) if value is not None else None


def _out(crisis: Crisis, slug: str) -> CrisisOut:
    return CrisisOut(id=str(crisis.id), title=crisis.title, reason=crisis.reason,
                     started_at=crisis.started_at, started_by_id=_s(crisis.started_by_id),
                     ended_at=crisis.ended_at, ended_by_id=_s(crisis.ended_by_id),
                     href=f"/t/{slug}/p/webcare/crisis/" + (str(crisis.id) if crisis.ended_at else ""),
                     report=dict(crisis.report or {}))


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    return data


@get("/crisis", opt={"action": "plugin.read"}, tags=["webcare"],
     summary="Whether crisis mode is on, and the open crisis")
async def crisis_status(db: AsyncSession, slug: str) -> CrisisStatus:
    crisis = await service.open_crisis(db)
    return CrisisStatus(on=crisis is not None, crisis=_out(crisis, slug) if crisis else None)


@post("/crisis/start", opt={"action": "plugin.work", "rule": service.SWITCH_RULE}, tags=["webcare"], status_code=201,
      summary="Switch crisis mode on (title, reason): every reply needs approval, everyone is told; 409 when "
              "it is already on")
async def crisis_start(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                       data: dict[str, Any]) -> CrisisOut:
    """Body: title (required), reason (required)."""
    crisis = await service.start(db, principal_of(request), _body(data), request.app.state.settings,
                                 request.app.state.pm)
    return _out(crisis, slug)


@post("/crisis/stop", opt={"action": "plugin.work", "rule": service.SWITCH_RULE}, tags=["webcare"], status_code=200,
      summary="Switch crisis mode off with a closing note; returns the crisis with its frozen report; 409 when "
              "it is not on")
async def crisis_stop(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                      data: dict[str, Any]) -> CrisisOut:
    """Body: note (required)."""
    crisis = await service.stop(db, principal_of(request), _body(data), request.app.state.settings,
                                request.app.state.pm)
    return _out(crisis, slug)


ROUTES = [crisis_status, crisis_start, crisis_stop]
