"""Who is asking: the signed-in user (or API token) and their roles in the request's tenant."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import ApiToken, Membership, User
from core.auth.tokens import digest
from core.tenancy.models import Tenant
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat


@dataclass
class Principal:
    user: User | None = None
    tenant: Tenant | None = None
    membership: Membership | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    via_token: bool = False
    scopes: frozenset[str] = field(default_factory=frozenset)
    """An API token's scopes (`core.auth.permissions.TOKEN_SCOPES`); empty for a signed-in person."""
    seat_department_ids: frozenset[UUID] = field(default_factory=frozenset)
    """Departments this person represents in the workgroup."""

    @property
    def user_id(self) -> UUID | None:
        return self.user.id if self.user else None

    @property
    def is_mediator(self) -> bool:
        return bool(self.user and self.user.is_mediator)

    @property
    def label(self) -> str:
        return self.user.email if self.user else "anonymous"

    def has(self, role: str) -> bool:
        return role in self.roles


async def tenant_roles(session: AsyncSession, user: User, tenant: Tenant) -> Principal:
    """Roles of a user in a tenant; the session must already be scoped to that tenant.

    One statement, asked on every request: the membership, one row per workgroup seat, whether it holds the
    regie and whether its department is the hub."""
    holder = select(RegieAppointment.membership_id).where(RegieAppointment.ended_at.is_(None)).limit(1) \
        .scalar_subquery()
    hub = select(Department.is_hub).where(Department.id == Membership.department_id).scalar_subquery()
    rows = (await session.execute(
        select(Membership, WorkgroupSeat.department_id, holder == Membership.id, hub)
        .outerjoin(WorkgroupSeat, WorkgroupSeat.membership_id == Membership.id)
        .where(Membership.user_id == user.id, Membership.is_active.is_(True))
    )).all()
    roles: set[str] = set()
    seats: frozenset[UUID] = frozenset()
    membership = rows[0][0] if rows else None
    if user.is_mediator:
        roles.add("mediator")
    if membership is not None:
        roles.add(membership.role)
        seats = frozenset(seat for _m, seat, _h, _hub in rows if seat is not None)
        if seats:
            roles.add("workgroup")
        if rows[0][2]:
            roles.add("regie")
        if membership.department_id is not None and membership.role != "viewer" and rows[0][3]:
            roles.add("hub")
    return Principal(user=user, tenant=tenant, membership=membership, roles=frozenset(roles),
                     seat_department_ids=seats)


async def principal_from_token(session: AsyncSession, tenant: Tenant, raw: str, *, method: str = "",
                               path: str = "") -> Principal | None:
    """Resolve `Authorization: Bearer …` to the member the token acts as (never a mediator), limited to the
    token's scopes. Revoked and expired tokens are refused and audited; every use is audited."""
    from core.auth import token_use

    token = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(raw)))
    if token is None:
        return None
    now = token_use.now()
    reason = token_use.refusal(token, now)
    if reason is not None:
        await token_use.refuse(session, token, reason, method, path)
        return None
    membership = await session.get(Membership, token.membership_id)
    if membership is None or not membership.is_active or not membership.user.is_active:
        await token_use.refuse(session, token, "member inactive", method, path)
        return None
    principal = await tenant_roles(session, membership.user, tenant)
    principal.roles = frozenset((principal.roles - {"mediator"}) | {"api"})
    principal.via_token = True
    principal.scopes = token.scope_set
    await token_use.note_use(session, token, principal, now, method, path)
    return principal
