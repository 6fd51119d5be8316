"""Second factor: who must have one, enrolment, checking a code (TOTP or recovery), disabling.

The TOTP seed is sealed at rest (`core.auth.sealing`); recovery codes are kept as SHA-256 digests of
80-bit random codes and work once; a TOTP code is accepted once per time step (replay refused).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import security
from core.auth.models import Membership, User
from core.auth.sealing import SealError, seal, unseal
from core.auth.service import end_all_sessions
from core.auth.tokens import digest
from core.errors import DomainError
from core.i18n import N_, Msg
from core.mfa import totp
from core.mfa.models import MfaFactor, MfaRecoveryCode
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant

PURPOSE = "mfa.totp"
RECOVERY_CODES = 10
WRONG_CODE = N_("This code is not right. Enter the current code from your app, or an unused recovery code.")


async def factor_of(session: AsyncSession, user_id: Any) -> MfaFactor | None:
    """The user's confirmed factor (an unconfirmed enrolment lives only in the session)."""
    return await session.scalar(select(MfaFactor).where(MfaFactor.user_id == user_id,
                                                        MfaFactor.confirmed_at.is_not(None)))


async def is_required(session: AsyncSession, user: User, settings: Any) -> bool:
    """Mediators always; an admin when any tenant they administer asks for it; nobody when not enforced."""
    if not settings.mfa_enforced:
        return False
    if user.is_mediator:
        return True
    with cross_tenant():
        found = await session.scalar(
            select(Membership.id).join(Tenant, Tenant.id == Membership.tenant_id).where(
                Membership.user_id == user.id, Membership.is_active.is_(True), Membership.role == "admin",
                Tenant.mfa_required_for_admins.is_(True)).limit(1))
    return found is not None


def seal_secret(settings: Any, secret: str) -> str:
    return seal(settings.secret_key, PURPOSE, secret)


def unseal_secret(settings: Any, sealed: str) -> str | None:
    try:
        return unseal(settings.secret_key, PURPOSE, sealed)
    except SealError:
        return None


async def confirm_enrolment(session: AsyncSession, settings: Any, user: User, secret: str, code: str,
                            now: datetime | None = None) -> list[str]:
    """Store the seed once the person proved their app has it; returns the recovery codes (shown once)."""
    step = totp.matching_step(secret, code, now or security.clock())
    if step is None:
        raise DomainError(field="code", msgid="This code is not right. Enter the 6 digits your app shows now.")
    await session.execute(delete(MfaFactor).where(MfaFactor.user_id == user.id))
    session.add(MfaFactor(user_id=user.id, secret_sealed=seal_secret(settings, secret),
                          confirmed_at=security.clock(), last_step=step))
    await session.flush()
    return await new_recovery_codes(session, user)


async def new_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    """Replace every recovery code of the user with ten new ones; only their digests are kept."""
    await session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    codes = [totp.new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all([MfaRecoveryCode(user_id=user.id, code_hash=digest(totp.normal_recovery_code(c)))
                     for c in codes])
    await session.flush()
    return codes


async def check_code(session: AsyncSession, settings: Any, user: User, code: str,
                     now: datetime | None = None) -> str | None:
    """"totp" or "recovery" when the code is right (and now used up), None otherwise."""
    factor = await factor_of(session, user.id)
    if factor is None or not code.strip():
        return None
    if totp.looks_like_totp(code):
        secret = unseal_secret(settings, factor.secret_sealed)
        step = totp.matching_step(secret, code, now or security.clock(), after=int(factor.last_step or 0)) \
            if secret else None
        if step is None:
            return None
        factor.last_step = step
        await session.flush()
        return "totp"
    normal = totp.normal_recovery_code(code)
    if len(normal) != 16:
        return None
    recovery = await session.scalar(select(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user.id, MfaRecoveryCode.code_hash == digest(normal),
        MfaRecoveryCode.used_at.is_(None)))
    if recovery is None:
        return None
    recovery.used_at = security.clock()
    await session.flush()
    return "recovery"


async def unused_recovery_codes(session: AsyncSession, user_id: Any) -> int:
    return await session.scalar(select(func.count()).select_from(MfaRecoveryCode).where(
        MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None))) or 0


async def disable(session: AsyncSession, user: User) -> None:
    await session.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    await session.execute(delete(MfaFactor).where(MfaFactor.user_id == user.id))
    await session.flush()


NOT_YOURS_TO_RESET = N_("This person also works elsewhere on the platform: ask the consultancy to reset the "
                        "second factor.")


async def reset_for_member(session: AsyncSession, principal: Any, membership: Membership) -> User:
    """A member lost their authenticator and their recovery codes: remove the factor, end their sessions.

    The factor belongs to the person, not the tenant, so a tenant's admin may reset it only for someone who
    works in no other tenant and is no mediator; the mediator may reset it for anyone. With MFA required they
    enrol again at their next sign-in.
    """
    user = membership.user
    if not getattr(principal, "is_mediator", False):
        with cross_tenant():
            elsewhere = await session.scalar(select(Membership.id).where(
                Membership.user_id == user.id, Membership.tenant_id != membership.tenant_id).limit(1))
        if elsewhere is not None or user.is_mediator:
            raise DomainError({"membership": Msg(NOT_YOURS_TO_RESET)})
    if await factor_of(session, user.id) is None:
        raise DomainError({"membership": Msg("This person has no second factor to reset.")})
    await disable(session, user)
    return await end_all_sessions(session, user)

