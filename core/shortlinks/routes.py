"""The public redirect of the tenant's short links: `/l/<code>` → the stored address, the click counted."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.permissions import PUBLIC
from core.shortlinks import service


@get("/l/{code:str}", opt={"action": PUBLIC}, include_in_schema=False)
async def follow(db: AsyncSession, code: str) -> Redirect:
    """302, never 301: a browser that cached the redirect would no longer be counted. Unknown codes: 404."""
    target = await service.follow(db, code)
    return Redirect(target, status_code=302, headers={"Cache-Control": "no-store"})


ROUTES = [follow]
