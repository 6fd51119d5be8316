"""The tenant overview: where a member lands after signing in."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.web.render import page


@get("/t/{slug:str}/", opt={"action": "tenant.read"})
async def overview(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return page(request, "tenant/overview.html")


ROUTES = [overview]
