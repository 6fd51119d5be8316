"""Accounts: authenticating, sessions, invitations (single-use, expiring, mailed through a job)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.service import record
from core.auth.models import Invitation, Membership, Role, User
from core.auth.passwords import hash_password, password_problem, verify_password
from core.auth.tokens import digest, new_secret
from core.errors import DomainError
from core.i18n import Msg, gettext_for
from core.jobs.outbox import enqueue
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant, tenant_scope
from core.validation import clean_email


async def authenticate(session: AsyncSession, email: str, password: str, tenant: Tenant | None = None) -> User:
    """The user for these credentials; in a tenant, only its active members (and mediators)."""
    user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise DomainError(field="email", msgid="E-mail address or password is incorrect.")
    if tenant is not None and not user.is_mediator:
        member = await session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.is_active.is_(True)))
        if member is None:
            raise DomainError(field="email", msgid="E-mail address or password is incorrect.")
    return user


async def start_session(request: Any, user: User) -> None:
    """A fresh session for a sign-in (never reuse the pre-login session's contents)."""
    request.clear_session()
    request.set_session({"uid": str(user.id), "since": datetime.now(UTC).isoformat()})


async def first_tenant_slug(sessionmaker: async_sessionmaker[AsyncSession], user_id: UUID) -> str | None:
    with cross_tenant():
        async with sessionmaker() as session:
            return await session.scalar(
                select(Tenant.slug).join(Membership, Membership.tenant_id == Tenant.id)
                .where(Membership.user_id == user_id, Membership.is_active.is_(True)).order_by(Tenant.name)
            )


async def set_locale(session: AsyncSession, user_id: UUID, lang: str) -> None:
    user = await session.get(User, user_id)
    if user is not None:
        user.locale = lang


async def create_user(session: AsyncSession, email: str, password: str | None, name: str = "",
                      is_mediator: bool = False, locale: str = "nl") -> User:
    email = clean_email(email)
    if password is not None and (problem := password_problem(password)):
        raise DomainError(field="password", msgid=problem)
    if await session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise DomainError(field="email", msgid="This e-mail address is already in use.")
    user = User(email=email, name=name.strip(), is_mediator=is_mediator, locale=locale,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    await session.flush()
    return user


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


async def add_member(session: AsyncSession, user: User, role: str, department_id: UUID | None = None
                     ) -> Membership:
    """Make a user a member of the current tenant (or update the role of an existing membership)."""
    if role not in Role.__members__:
        raise DomainError(field="role", msgid="Choose one of: admin, member, viewer.")
    membership = await session.scalar(select(Membership).where(Membership.user_id == user.id))
    if membership is None:
        membership = Membership(user_id=user.id, role=role, department_id=department_id)
        session.add(membership)
    else:
        membership.role, membership.is_active = role, True
        membership.department_id = department_id or membership.department_id
    await session.flush()
    return membership


async def invite(session: AsyncSession, principal: Any, tenant: Tenant, email: str, role: str,
                 department_id: UUID | None, base_url: str, days: int = 7) -> Invitation:
    """Create an invitation and queue its e-mail in the same transaction (outbox)."""
    email = clean_email(email)
    if role not in Role.__members__:
        raise DomainError(field="role", msgid="Choose one of: admin, member, viewer.")
    existing = await session.scalar(select(Membership).join(User).where(
        func.lower(User.email) == email, Membership.is_active.is_(True)))
    if existing is not None:
        raise DomainError(field="email", msgid="This person is already a member.")
    token = new_secret()
    invitation = Invitation(email=email, role=role, department_id=department_id, token_hash=digest(token),
                            expires_at=datetime.now(UTC) + timedelta(days=days),
                            invited_by_id=getattr(principal, "user_id", None))
    session.add(invitation)
    await session.flush()
    await record(session, principal, "member.invited", subject=invitation, summary=f"{email} ({role})")
    link = f"{base_url}/t/{tenant.slug}/invitation/{token}"
    invitee = await user_by_email(session, email)
    _ = gettext_for(invitee.locale if invitee else "nl")
    inviter = getattr(getattr(principal, "user", None), "display_name", "Regie")
    text = _("{inviter} invites you to join {tenant} on Regie as {role}.\n\n"
             "Accept the invitation within {days} days:\n{link}\n",
             inviter=inviter, tenant=tenant.name, role=_(role), days=days, link=link)
    enqueue(session, "core.send_mail", to=email, subject=_("Invitation to {tenant} on Regie", tenant=tenant.name),
            text=text)
    return invitation


async def open_invitation(session: AsyncSession, token: str) -> Invitation | None:
    """A valid invitation for this token: not accepted, not expired, in the current tenant."""
    invitation = await session.scalar(select(Invitation).where(Invitation.token_hash == digest(token)))
    if invitation is None or invitation.accepted_at is not None:
        return None
    expires = invitation.expires_at if invitation.expires_at.tzinfo else invitation.expires_at.replace(tzinfo=UTC)
    return invitation if expires > datetime.now(UTC) else None


async def accept_invitation(session: AsyncSession, token: str, name: str, password: str, repeat: str) -> User:
    """Join the tenant. A new person chooses a password; someone who already has a Regie account must
    prove it is theirs with its password, so an invitation link never signs anyone in as another user."""
    invitation = await open_invitation(session, token)
    if invitation is None:
        raise DomainError(field="token", msgid="This invitation is no longer valid.")
    errors: dict[str, Msg] = {}
    user = await user_by_email(session, invitation.email)
    existing = user is not None and user.password_hash is not None
    if existing:
        if not verify_password(user.password_hash, password):
            errors["password"] = Msg("Enter the password of your existing Regie account.")
    else:
        if problem := password_problem(password):
            errors["password"] = Msg(problem)
        elif password != repeat:
            errors["password_repeat"] = Msg("The passwords do not match.")
        if not name.strip():
            errors["name"] = Msg("Fill in your name.")
    if errors:
        raise DomainError(errors)
    if user is None:
        user = await create_user(session, invitation.email, password, name=name)
    elif not existing:
        user.password_hash = hash_password(password)
        user.name = name.strip()
    await add_member(session, user, invitation.role, invitation.department_id)
    invitation.accepted_at = datetime.now(UTC)
    await record(session, user_principal(user), "member.joined", subject=invitation,
                 summary=f"{user.email} ({invitation.role})")
    return user


async def has_account(session: AsyncSession, invitation: Invitation | None) -> bool:
    """Whether the invitee already has a Regie account with a password (then they confirm it instead)."""
    if invitation is None:
        return False
    user = await user_by_email(session, invitation.email)
    return user is not None and user.password_hash is not None


def user_principal(user: User) -> Any:
    from core.auth.principal import Principal

    return Principal(user=user)


__all__ = ["accept_invitation", "add_member", "authenticate", "create_user", "invite", "open_invitation",
           "start_session", "tenant_scope", "user_by_email"]
