"""API: list and revoke API tokens (created on the web page or with the CLI only, never by a token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, delete, get
from sqlalchemy.ext.asyncio import AsyncSession

from core.people import service
from core.web.forms import principal_of
from core.web.pagination import PageInfo, page_number, paginate


@dataclass
class TokenOut:
    id: UUID
    name: str
    prefix: str
    member_email: str
    scopes: list[str]
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass
class TokensPage(PageInfo):
    """A page of tokens: the caller's own, or every token of the tenant for `token.manage`."""

    items: list[TokenOut]


def token_out(token: Any, membership: Any) -> TokenOut:
    return TokenOut(id=token.id, name=token.name, prefix=token.prefix, member_email=membership.user.email,
                    scopes=token.scopes.split(), expires_at=token.expires_at,
                    last_used_at=token.last_used_at, revoked_at=token.revoked_at)


@get("/t/{slug:str}/tokens", opt={"action": "token.create"}, tags=["people"],
     summary="List API tokens (own; every token for token.manage)")
async def list_tokens(request: Request[Any, Any, Any], db: AsyncSession, page: str | None = None) -> TokensPage:
    listing = await paginate(db, service.tokens_query(principal_of(request)), page_number(page), scalars=False)
    return TokensPage(items=[token_out(t, m) for t, m in listing.items], **listing.as_json())


@delete("/t/{slug:str}/tokens/{token_id:uuid}", opt={"action": "token.create"}, tags=["people"],
        summary="Revoke an API token (own; any for token.manage)")
async def revoke_token(request: Request[Any, Any, Any], db: AsyncSession, token_id: UUID) -> None:
    await service.revoke_token(db, principal_of(request), token_id)


ROUTES = [list_tokens, revoke_token]
