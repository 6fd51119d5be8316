"""API: members and invitations. API tokens are created on the web page or with the CLI only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, delete, get, patch, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Invitation
from core.people import service
from core.web.forms import principal_of, tenant_of
from core.web.pagination import PageInfo, page_number, paginate


@dataclass
class MemberOut:
    id: UUID
    user_id: UUID
    name: str
    email: str
    role: str
    department_id: UUID | None
    department: str | None
    is_active: bool
    seats: list[str]
    is_regie: bool


@dataclass
class MembersPage(PageInfo):
    """A page of members: the `Page.as_json()` fields plus the items."""

    items: list[MemberOut]


class MemberPatch(msgspec.Struct, forbid_unknown_fields=True):
    role: str | None = None
    department_id: UUID | None | msgspec.UnsetType = msgspec.UNSET
    """null clears the department; leave it out to keep it."""
    is_active: bool | None = None


@dataclass
class InvitationOut:
    id: UUID
    email: str
    role: str
    department_id: UUID | None
    expires_at: datetime


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    role: str = "member"
    department_id: UUID | None = None


def member_out(row: service.MemberRow) -> MemberOut:
    m = row.membership
    return MemberOut(id=m.id, user_id=m.user_id, name=m.user.display_name, email=m.user.email, role=m.role,
                     department_id=m.department_id, department=row.department.name if row.department else None,
                     is_active=m.is_active, seats=row.seats, is_regie=row.is_regie)


def invitation_out(i: Invitation) -> InvitationOut:
    return InvitationOut(id=i.id, email=i.email, role=i.role, department_id=i.department_id,
                         expires_at=i.expires_at)


@get("/t/{slug:str}/members", opt={"action": "tenant.read"}, tags=["people"], summary="List members (paginated)")
async def list_members(db: AsyncSession, page: str | None = None) -> MembersPage:
    listing = await paginate(db, service.members_query(), page_number(page))
    rows = await service.member_rows(db, listing.items)
    return MembersPage(items=[member_out(r) for r in rows], **listing.as_json())


@patch("/t/{slug:str}/members/{membership_id:uuid}", opt={"action": "member.manage"}, tags=["people"],
       summary="Change a member's role, department or active flag")
async def update_member(request: Request[Any, Any, Any], db: AsyncSession, membership_id: UUID,
                        data: MemberPatch) -> MemberOut:
    kwargs: dict[str, Any] = {"role": data.role, "is_active": data.is_active}
    if data.department_id is not msgspec.UNSET:
        kwargs["department_id"] = data.department_id
    membership = await service.update_member(db, principal_of(request), membership_id, **kwargs)
    return member_out((await service.member_rows(db, [membership]))[0])


@get("/t/{slug:str}/invitations", opt={"action": "member.invite"}, tags=["people"], summary="Open invitations")
async def list_invitations(db: AsyncSession) -> list[InvitationOut]:
    return [invitation_out(i) for i in await service.open_invitations(db)]


@post("/t/{slug:str}/invitations", opt={"action": "member.invite"}, tags=["people"],
      summary="Invite someone by e-mail")
async def create_invitation(request: Request[Any, Any, Any], db: AsyncSession, data: InvitationIn) -> InvitationOut:
    invitation = await service.invite(db, principal_of(request), tenant_of(request), data.email, data.role,
                                      data.department_id, request.app.state.settings.base_url)
    return invitation_out(invitation)


@delete("/t/{slug:str}/invitations/{invitation_id:uuid}", opt={"action": "member.invite"}, tags=["people"],
        summary="Revoke an open invitation")
async def revoke_invitation(request: Request[Any, Any, Any], db: AsyncSession, invitation_id: UUID) -> None:
    await service.revoke_invitation(db, principal_of(request), invitation_id)


ROUTES = [list_members, update_member, list_invitations, create_invitation, revoke_invitation]
