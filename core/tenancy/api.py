"""API: the tenant itself (an example of the API conventions every slice follows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get

from core.web.forms import tenant_of


@dataclass
class TenantOut:
    slug: str
    name: str
    org_model: str
    phase: str


@get("/t/{slug:str}", opt={"action": "tenant.read"}, tags=["tenant"], summary="The tenant")
async def tenant_detail(request: Request[Any, Any, Any]) -> TenantOut:
    tenant = tenant_of(request)
    return TenantOut(slug=tenant.slug, name=tenant.name, org_model=tenant.org_model, phase=tenant.phase)


ROUTES = [tenant_detail]
