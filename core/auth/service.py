"""Accounts: authenticating, lockout and unlock links, sessions, invitations (single-use, expiring, mailed
through a job)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.service import SYSTEM, record
from core.auth import ghosts, lockout, security
from core.auth.models import Invitation, Membership, Role, User
from core.auth.passwords import hash_password, password_problem, verify_password
from core.auth.security import ROTATE, new_session
from core.auth.tokens import digest, new_secret
from core.errors import DomainError
from core.i18n import N_, Msg, gettext_for
from core.jobs.outbox import enqueue
from core.mfa.models import MfaFactor
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant, tenant_scope
from core.validation import clean_email

WRONG = N_("E-mail address or password is incorrect.")
LOCKED = N_("Too many failed sign-ins: signing in is blocked for a while. Try again later, or reset your password.")
log = logging.getLogger("regie.security")


class LoginRefused(DomainError):
    """A refused sign-in; `kind` (never the password) goes to the audit trail."""

    def __init__(self, kind: str, msgid: str = WRONG) -> None:
        super().__init__(field="email", msgid=msgid)
        self.kind = kind


_ghosts = ghosts.MEMORY.entries
"""Failures for e-mail addresses without an account when Redis is not configured (see `core.auth.ghosts`)."""


def _in_future(until: datetime | None) -> bool:
    return until is not None and until > security.clock()


async def is_locked(session: AsyncSession, user: User, address: str) -> bool:
    """Whether sign-in attempts (password, second factor, password change) of `user` from this client address
    are refused now: this address is locked, or the account's back-off runs (`core.auth.lockout`)."""
    return await lockout.refusal_for(session, user, address) is not None


async def authenticate(session: AsyncSession, email: str, password: str, tenant: Tenant | None = None,
                       ghost_store: ghosts.GhostStore | None = None, address: str = "") -> User:
    """The user for these credentials from this client address; in a tenant, only its active members (and
    mediators).

    Every refusal hashes once (a dummy for unknown addresses), so timing tells nothing either."""
    user = await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    refused = await lockout.refusal_for(session, user, address) if user is not None \
        else await (ghost_store or ghosts.MEMORY).refusal(email, address)
    if refused is not None:
        raise LoginRefused(refused, LOCKED)
    if not ok or user is None:
        raise LoginRefused("unknown_email" if user is None else "wrong_password")
    if not user.is_active:
        raise LoginRefused("inactive")
    if tenant is not None and not user.is_mediator:
        member = await session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.is_active.is_(True)))
        if member is None:
            raise LoginRefused("not_member")
    if await session.scalar(select(MfaFactor.id).where(MfaFactor.user_id == user.id,
                                                       MfaFactor.confirmed_at.is_not(None))) is None:
        # with a second factor the failures are forgiven only after the code (core.mfa): a known password
        # must not reset the count of wrong codes
        await lockout.forgive(session, user, address)
    return user


async def note_failed_login(sessionmaker: async_sessionmaker[AsyncSession], settings: Any, email: str,
                            kind: str, tenant: Tenant | None, action: str = "auth.sign_in_failed",
                            address: str = "") -> None:
    """Count a failed sign-in from a client address (`core.auth.lockout`), in its own transaction (the refused
    request's own transaction is rolled back). Audited in the sign-in page's tenant, or in the user's tenants.
    When it locks the account for this address or starts the back-off, the owner is mailed an unlock link."""
    email = email.strip().lower()
    where = lockout.address_key(address)
    counted = kind in lockout.COUNTED
    outcome = lockout.Outcome()
    with cross_tenant():
        async with sessionmaker() as session, session.begin():
            user = None
            if email:  # the row is held while counting, so two failures at once both count
                query = select(User).where(func.lower(User.email) == email)
                user = await session.scalar(query.with_for_update() if counted else query)
            if user is not None and counted:
                outcome = await lockout.count_failure(session, user, address, settings)
            elif user is None and counted and email:  # the same rules, in Redis when configured
                outcome = await ghosts.ghost_store(settings).fail(email, address, settings)
            await audit_account(session, user, action, tenant, summary=email[:254],
                                data={"reason": kind, "address": where})
            if outcome.locked:
                await audit_account(session, user, "auth.locked", tenant, summary=email[:254],
                                    data={"minutes": settings.lockout_minutes, "address": where})
            if outcome.delay:
                await audit_account(session, user, "auth.throttled", tenant, summary=email[:254],
                                    data={"seconds": outcome.delay, "failures": outcome.failures})
            if user is not None and user.is_active and (outcome.locked or outcome.delay):
                await _mail_unlock_link(session, settings, user, where, tenant)


async def _mail_unlock_link(session: AsyncSession, settings: Any, user: User, address: str,
                            tenant: Tenant | None) -> None:
    """Tell the owner their account was locked, with a link that unlocks it. Once per lock: while a link sent
    earlier is still valid, later locks (other addresses, the back-off) send nothing more."""
    if _in_future(user.unlock_expires_at):
        return
    token = issue_link(user, UNLOCK, settings.unlock_minutes)
    hours = max(1, round(settings.unlock_minutes / 60))
    _ = gettext_for(user.locale)
    text = _("Someone failed to sign in to your Regie account {email} several times, the last time from the "
             "address {address}, so signing in is blocked for a while.\n\n"
             "Was it you? Unblock signing in at once with this link (it works once, within {hours} hours):\n"
             "{link}\n\n"
             "Was it not you? Your account is safe as long as nobody knows your password. To be sure, "
             "choose a new one:\n{forgot}\n",
             email=user.email, address=address or "?", hours=hours,
             link=f"{settings.base_url}/login/unlock/{token}", forgot=f"{settings.base_url}/password/forgot")
    enqueue(session, "core.send_mail", to=user.email, subject=_("Signing in to your Regie account was blocked"),
            text=text)
    await audit_account(session, user, "auth.unlock_mailed", tenant, data={"address": address})


RESET, UNLOCK = "reset", "unlock"
_LINKS = {RESET: ("reset_token_hash", "reset_expires_at"), UNLOCK: ("unlock_token_hash", "unlock_expires_at")}
"""Single-use, expiring links mailed to an account's owner: the columns keeping the digest and the expiry."""


def issue_link(user: User, purpose: str, minutes: int) -> str:
    """A new 256-bit link secret for `purpose` (it replaces an earlier one); only its digest is stored."""
    token = new_secret()
    hash_column, expiry_column = _LINKS[purpose]
    setattr(user, hash_column, digest(token))
    setattr(user, expiry_column, security.clock() + timedelta(minutes=minutes))
    return token


async def open_link(session: AsyncSession, purpose: str, token: str) -> User | None:
    """The active user of a valid (unused, unexpired) link for `purpose`."""
    hash_column, expiry_column = _LINKS[purpose]
    user = await session.scalar(select(User).where(getattr(User, hash_column) == digest(token)))
    if user is None or not user.is_active or not _in_future(getattr(user, expiry_column)):
        return None
    return user


def use_link(user: User, purpose: str) -> None:
    """Used up: the link stops working."""
    for column in _LINKS[purpose]:
        setattr(user, column, None)


async def unlock_account(session: AsyncSession, token: str) -> User:
    """The owner's unlock link: every failure count of the account (every address, the back-off) is cleared."""
    user = await open_link(session, UNLOCK, token)
    if user is None:
        raise DomainError(field="token", msgid="This link was already used or has expired.")
    use_link(user, UNLOCK)
    await lockout.clear(session, user)
    await audit_account(session, user, "auth.unlocked", None)
    return user


async def audit_account(session: AsyncSession, user: User | None, action: str, tenant: Tenant | None,
                        summary: str = "", data: dict[str, Any] | None = None) -> None:
    """Account events belong to no single tenant: they go to the tenant whose page it was, else to every
    tenant the person is a member of, and always to the `regie.security` log (mediators, unknown e-mails)."""
    log.info("%s %s %s", action, summary or (user.email if user else ""), data or {})
    if tenant is not None:
        tenant_ids = [tenant.id]
    elif user is not None:
        with cross_tenant():
            tenant_ids = list((await session.scalars(select(Membership.tenant_id).where(
                Membership.user_id == user.id, Membership.is_active.is_(True)))).all())
    else:
        tenant_ids = []
    principal = user_principal(user) if user is not None else SYSTEM
    with cross_tenant():
        for tenant_id in tenant_ids:
            await record(session, principal, action, subject=user, summary=summary or (user.email if user else ""),
                         data=data, tenant_id=tenant_id, touch=False)
        await session.flush()  # inside the cross-tenant block: the entries may belong to other tenants


async def start_session(request: Any, user: User) -> None:
    """A fresh session under a new id for a sign-in (never reuse the pre-login session or its id)."""
    request.clear_session()
    request.scope.setdefault("state", {})[ROTATE] = True
    request.set_session(new_session(user))


async def end_all_sessions(session: AsyncSession, user: User) -> User:
    """Every session of this user stops working at its next request (their epoch no longer matches)."""
    user = await session.get(User, user.id) or user  # the principal's user may come from another session
    user.session_epoch = int(user.session_epoch or 0) + 1
    await session.flush()
    return user


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
    if password is not None and (problem := password_problem(password, email=email)):
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
    return invitation if invitation.expires_at > datetime.now(UTC) else None


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
        tenant = await session.get(Tenant, invitation.tenant_id)
        if problem := password_problem(password, email=invitation.email, tenant_name=tenant.name if tenant else ""):
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


async def request_reset(session: AsyncSession, email: str, base_url: str, minutes: int) -> None:
    """Mail a single-use reset link (only its digest is kept) if the address has an active account.

    Silent otherwise: the page answers the same either way, so it tells nobody which addresses exist."""
    user = await user_by_email(session, email) if email.strip() else None
    if user is None or not user.is_active:
        return
    token = issue_link(user, RESET, minutes)
    _ = gettext_for(user.locale)
    link = f"{base_url}/password/reset/{token}"
    text = _("Someone asked to reset the password of your Regie account.\n\n"
             "Choose a new password within {minutes} minutes:\n{link}\n\n"
             "Did you not ask for this? Then ignore this e-mail; your password stays as it is.\n",
             minutes=minutes, link=link)
    enqueue(session, "core.send_mail", to=user.email, subject=_("Reset your Regie password"), text=text)
    await audit_account(session, user, "auth.reset_requested", None)


async def open_reset(session: AsyncSession, token: str) -> User | None:
    """The user of a valid (unused, unexpired) reset token."""
    return await open_link(session, RESET, token)


async def reset_password(session: AsyncSession, token: str, password: str, repeat: str) -> User:
    """Set a new password: the link is used up, the account unlocked and every session ended."""
    user = await open_reset(session, token)
    if user is None:
        raise DomainError(field="token", msgid="This link is no longer valid; ask for a new one.")
    if problem := password_problem(password, email=user.email):
        raise DomainError(field="password", msgid=problem)
    if password != repeat:
        raise DomainError(field="password_repeat", msgid="The passwords do not match.")
    user.password_hash = hash_password(password)
    use_link(user, RESET)
    await lockout.clear(session, user)
    await end_all_sessions(session, user)
    await audit_account(session, user, "auth.password_reset", None)
    return user


def user_principal(user: User) -> Any:
    from core.auth.principal import Principal

    return Principal(user=user)


__all__ = ["accept_invitation", "add_member", "authenticate", "create_user", "invite", "open_invitation",
           "start_session", "tenant_scope", "user_by_email"]
