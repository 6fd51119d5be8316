"""Members (role, department, active), invitations and API tokens of the current tenant.

Invitations reuse `core.auth.service.invite` (which mails through the outbox). Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth import service as auth_service
from core.auth.models import ApiToken, Invitation, Membership, Role, User
from core.auth.permissions import can
from core.auth.tokens import digest, new_secret
from core.db.lookup import get_or_404
from core.errors import DomainError, NotFound, PermissionDenied
from core.validation import FieldErrors, clean_choice, clean_email, clean_text
from core.workgroup import service as workgroup
from core.workgroup.models import Department, RegieAppointment, WorkgroupSeat

ROLES = [r.value for r in Role]
TOKEN_PREFIX = "rg_"


# --- members -------------------------------------------------------------------------------------------

@dataclass
class MemberRow:
    membership: Membership
    department: Department | None
    seats: list[str]
    is_regie: bool

    @property
    def user(self) -> User:
        return self.membership.user


def members_query() -> Select[Any]:
    """Members by name (active first), for `core.web.pagination.paginate`."""
    return (select(Membership).join(User, User.id == Membership.user_id)
            .order_by(Membership.is_active.desc(), User.name, User.email))


async def member_rows(session: AsyncSession, memberships: list[Membership]) -> list[MemberRow]:
    """Add department, workgroup seats and the regie flag to a page of memberships."""
    departments = {d.id: d for d in await workgroup.list_departments(session)}
    seat_map: dict[UUID, list[str]] = {}
    for seat in (await session.scalars(select(WorkgroupSeat))).unique().all():
        seat_map.setdefault(seat.membership_id, []).append(seat.department.name)
    holder = await session.scalar(select(RegieAppointment.membership_id).where(RegieAppointment.ended_at.is_(None)))
    return [MemberRow(membership=m, department=departments.get(m.department_id) if m.department_id else None,
                      seats=sorted(seat_map.get(m.id, [])), is_regie=m.id == holder) for m in memberships]


async def get_member(session: AsyncSession, membership_id: Any) -> Membership:
    return await get_or_404(session, Membership, membership_id)


async def _other_active_admins(session: AsyncSession, membership: Membership) -> int:
    return await session.scalar(select(func.count(Membership.id)).where(
        Membership.role == Role.admin.value, Membership.is_active.is_(True), Membership.id != membership.id)) or 0


_UNSET: Any = object()


async def update_member(session: AsyncSession, principal: Any, membership_id: Any, *, role: Any = None,
                        department_id: Any = _UNSET, is_active: bool | None = None) -> Membership:
    """Change a member's role, department and/or active flag (None / unset leaves a field as it is).

    The last active admin can neither lose the role nor be deactivated; the regie holder cannot be
    deactivated (appoint another holder first); a deactivated member leaves the workgroup.
    """
    membership = await get_member(session, membership_id)
    errors = FieldErrors()
    new_role = membership.role
    new_department = membership.department_id
    if role is not None:
        new_role = errors.clean(clean_choice, role, "role", ROLES)
    if department_id is not _UNSET:
        new_department = await errors.aclean(workgroup.department_choice, session, department_id)
    new_active = membership.is_active if is_active is None else bool(is_active)
    errors.raise_if_any()
    was_admin = membership.role == Role.admin.value and membership.is_active
    stays_admin = new_role == Role.admin.value and new_active
    if was_admin and not stays_admin and await _other_active_admins(session, membership) == 0:
        field = "role" if new_role != Role.admin.value else "is_active"
        raise DomainError(field=field, msgid="This is the last admin; make someone else admin first.")
    if membership.is_active and not new_active:
        holder = await workgroup.current_appointment(session)
        if holder is not None and holder.membership_id == membership.id:
            raise DomainError(field="is_active",
                              msgid="This person holds the regie; appoint another regie holder first.")
    if new_role == Role.viewer.value and membership.role != Role.viewer.value:
        holder = await workgroup.current_appointment(session)
        if holder is not None and holder.membership_id == membership.id:
            raise DomainError(field="role",
                              msgid="This person holds the regie; appoint another regie holder first.")
    email = membership.user.email
    if new_role != membership.role:
        await record(session, principal, "member.role_changed", subject=membership,
                     summary=f"{email}: {membership.role} → {new_role}",
                     data={"from": membership.role, "to": new_role})
        membership.role = new_role
        membership.user.session_epoch = int(membership.user.session_epoch or 0) + 1  # privileges changed: sign in again
    if new_department != membership.department_id:
        await record(session, principal, "member.department_changed", subject=membership, summary=email,
                     data={"from": str(membership.department_id) if membership.department_id else None,
                           "to": str(new_department) if new_department else None})
        membership.department_id = new_department
    if new_active != membership.is_active:
        membership.is_active = new_active
        await record(session, principal, "member.activated" if new_active else "member.deactivated",
                     subject=membership, summary=email)
        if not new_active:
            membership.user.session_epoch = int(membership.user.session_epoch or 0) + 1
            await workgroup.remove_seats_of(session, principal, membership, reason="member deactivated")
    if new_role == Role.viewer.value:
        await workgroup.remove_seats_of(session, principal, membership, reason="member became viewer")
    await session.flush()
    return membership


# --- invitations --------------------------------------------------------------------------------------

def open_invitations_query() -> Select[Any]:
    return (select(Invitation).where(Invitation.accepted_at.is_(None), Invitation.expires_at > datetime.now(UTC))
            .order_by(Invitation.created_at.desc()))


async def open_invitations(session: AsyncSession) -> list[Invitation]:
    return list((await session.scalars(open_invitations_query())).all())


async def invite(session: AsyncSession, principal: Any, tenant: Any, email: Any, role: Any, department_id: Any,
                 base_url: str) -> Invitation:
    """Invite someone by e-mail (the mail leaves through the outbox after commit)."""
    errors = FieldErrors()
    address = errors.clean(clean_email, email)
    errors.clean(clean_choice, role, "role", ROLES)
    department: UUID | None = await errors.aclean(workgroup.department_choice, session, department_id)
    errors.raise_if_any()
    pending = await session.scalar(open_invitations_query().where(func.lower(Invitation.email) == address))
    if pending is not None:
        raise DomainError(field="email", msgid="This address already has an open invitation.")
    return await auth_service.invite(session, principal, tenant, address, str(role), department,
                                     base_url.rstrip("/"))


async def revoke_invitation(session: AsyncSession, principal: Any, invitation_id: Any) -> None:
    """Withdraw an open invitation: the row is deleted (its link stops working), the audit log keeps it."""
    invitation = await get_or_404(session, Invitation, invitation_id)
    if invitation.accepted_at is not None:
        raise NotFound()
    await record(session, principal, "member.invitation_revoked", subject=invitation,
                 summary=f"{invitation.email} ({invitation.role})")
    await session.delete(invitation)
    await session.flush()


# --- API tokens -------------------------------------------------------------------------------------

@dataclass
class NewToken:
    token: ApiToken
    membership: Membership
    secret: str
    """Shown once; only its SHA-256 digest is stored."""


def tokens_query(principal: Any) -> Select[Any]:
    """Every token for an admin (token.manage); a member's own tokens otherwise."""
    query = (select(ApiToken, Membership).join(Membership, Membership.id == ApiToken.membership_id)
             .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc()))
    if not can(principal.roles, "token.manage"):
        query = query.where(ApiToken.membership_id == principal.membership.id)
    return query


async def create_token(session: AsyncSession, principal: Any, name: Any, scopes: Any = None,
                       expires_at: Any = None) -> NewToken:
    """A token for the principal themself: it acts with their roles, so nobody can hand out another's rights."""
    if principal.membership is None:
        raise PermissionDenied("token.create")
    return await create_token_for(session, principal, principal.membership, name, scopes=scopes,
                                  expires_at=expires_at)


async def create_token_for(session: AsyncSession, actor: Any, membership: Membership, name: Any, *,
                           name_required: bool = True, scopes: Any = None, expires_at: Any = None) -> NewToken:
    """A token acting as `membership` (the web's own token, or the operator's CLI); audited as `actor`.
    Its scopes narrow the member's roles (never widen them); it always expires (default 90 days)."""
    from core.people.token_input import clean_expiry, clean_scopes

    clean_name = clean_text(name, "name", required=name_required, max_length=100)
    clean = clean_scopes(scopes)
    expires = clean_expiry(expires_at)
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(membership_id=membership.id, name=clean_name, prefix=secret[:8], token_hash=digest(secret),
                     scopes=clean, expires_at=expires)
    session.add(token)
    await session.flush()
    await record(session, actor, "token.created", subject=token,
                 summary=f"{clean_name} ({token.prefix}…, {clean}) for {membership.user.email}",
                 data={"membership_id": str(membership.id), "prefix": token.prefix, "scopes": clean,
                       "expires_at": expires.isoformat()})
    return NewToken(token=token, membership=membership, secret=secret)


async def revoke_token(session: AsyncSession, principal: Any, token_id: Any) -> ApiToken:
    token = await get_or_404(session, ApiToken, token_id)
    own = principal.membership is not None and token.membership_id == principal.membership.id
    if not own and not can(principal.roles, "token.manage"):
        raise NotFound()
    if token.revoked_at is not None:
        raise DomainError(field="token", msgid="This token was already revoked.")
    token.revoked_at = datetime.now(UTC)
    await record(session, principal, "token.revoked", subject=token, summary=f"{token.name} ({token.prefix}…)",
                 data={"membership_id": str(token.membership_id), "prefix": token.prefix})
    await session.flush()
    return token
