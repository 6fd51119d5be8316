"""Single sign-on in the domain: a tenant's provider settings, who may come in, just-in-time provisioning.

The protocol lives in `core.sso.oidc`; this module decides what a verified ID token means here: an e-mail
from an allowed domain, an active account, and (with provisioning on) a membership whose role and
department follow the claims the admin mapped.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.service import record
from core.auth.models import Membership, User
from core.auth.sealing import SealError, unseal
from core.auth.service import add_member, audit_account, create_user, user_by_email, user_principal
from core.errors import DomainError
from core.settings import Settings
from core.sso.models import SECRET_PURPOSE, OidcProvider
from core.sso.oidc import RelyingParty, SsoFailure
from core.tenancy.scope import cross_tenant
from core.workgroup.models import Department

ROLE_ORDER = ("admin", "member", "viewer")
"""When claims map to several roles, the first in this order wins."""


async def provider_of(session: AsyncSession) -> OidcProvider | None:
    """The current tenant's provider settings (None: never configured)."""
    return await session.scalar(select(OidcProvider))


async def password_barred(sessionmaker: async_sessionmaker[AsyncSession], user: User) -> bool:
    """A person who belongs to any organisation that signs in only through its provider may not use a
    password anywhere (one session reaches all of a person's tenants). Mediators never are. Its own
    cross-tenant transaction: the request's is bound to one tenant (or none)."""
    if user.is_mediator:
        return False
    with cross_tenant():
        async with sessionmaker() as session:
            found = await session.scalar(
                select(OidcProvider.id).join(Membership, Membership.tenant_id == OidcProvider.tenant_id)
                .where(Membership.user_id == user.id, Membership.is_active.is_(True),
                       OidcProvider.enabled.is_(True), OidcProvider.local_passwords_enabled.is_(False)).limit(1))
    return found is not None


def login_button(provider: OidcProvider | None) -> dict[str, Any] | None:
    """What the tenant's sign-in page shows: the button, and whether the password form is still there."""
    if provider is None or not provider.enabled or not provider.issuer:
        return None
    return {"name": provider.name or "SSO", "passwords": provider.local_passwords_enabled}


def relying_party(provider: OidcProvider, settings: Settings) -> RelyingParty:
    try:
        secret = unseal(settings.secret_key, SECRET_PURPOSE, provider.client_secret_sealed)
    except SealError as exc:  # the secret key changed: the admin must enter the client secret again
        raise SsoFailure("not_configured") from exc
    return RelyingParty(issuer=provider.issuer, client_id=provider.client_id, client_secret=secret)


def mediator_party(settings: Settings) -> RelyingParty | None:
    """The consultancy's own provider from the environment (None: mediators sign in with a password)."""
    if not (settings.mediator_oidc_issuer and settings.mediator_oidc_client_id):
        return None
    return RelyingParty(issuer=settings.mediator_oidc_issuer.rstrip("/"),
                        client_id=settings.mediator_oidc_client_id,
                        client_secret=settings.mediator_oidc_client_secret)


# -- signing in ----------------------------------------------------------------------------------------


def _values(claim: Any) -> list[str]:
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [str(v) for v in claim if isinstance(v, str | int)]
    return []


def role_from(provider: OidcProvider, claims: dict[str, Any]) -> str:
    mapped = {provider.role_map.get(v) for v in _values(claims.get(provider.role_claim or ""))}
    return next((r for r in ROLE_ORDER if r in mapped), provider.default_role or "member")


async def department_from(session: AsyncSession, provider: OidcProvider, claims: dict[str, Any]) -> UUID | None:
    """The first mapped department that still exists in the tenant (a removed one maps to none)."""
    if not provider.department_claim:
        return None
    for value in _values(claims.get(provider.department_claim)):
        target = (provider.department_map or {}).get(value)
        try:
            department = await session.get(Department, UUID(target)) if target else None
        except ValueError:
            department = None
        if department is not None:
            return department.id
    return None


def email_of(claims: dict[str, Any]) -> str:
    """The verified e-mail address of the token (a provider that says it is unverified is not believed)."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise SsoFailure("email")
    if claims.get("email_verified") is False or str(claims.get("email_verified")).lower() == "false":
        raise SsoFailure("email", email)
    return email


async def member_for(session: AsyncSession, provider: OidcProvider, claims: dict[str, Any]) -> User:
    """The person this token signs in to the current tenant, provisioned just in time if allowed."""
    email = email_of(claims)
    domain = email.rsplit("@", 1)[1]
    if domain not in (provider.allowed_domains or []):
        raise SsoFailure("domain", email)
    user = await user_by_email(session, email)
    if user is not None and not user.is_active:
        raise SsoFailure("inactive", email)
    membership = await session.scalar(select(Membership).where(Membership.user_id == user.id)) if user else None
    if membership is not None:
        if not membership.is_active:
            raise SsoFailure("inactive", email)
        return user  # type: ignore[return-value]
    if user is not None and user.is_mediator:
        return user
    if not provider.jit_enabled:
        raise SsoFailure("no_account", email)
    role = role_from(provider, claims)
    try:
        if user is None:
            user = await create_user(session, email, None, name=str(claims.get("name") or "")[:200])
        membership = await add_member(session, user, role, await department_from(session, provider, claims))
    except DomainError as exc:  # an address our rules refuse, a mapping that no longer fits
        raise SsoFailure("email", email) from exc
    await record(session, user_principal(user), "member.provisioned", subject=membership,
                 summary=f"{email} ({role})", data={"method": "oidc", "role": role})
    return user


async def mediator_for(session: AsyncSession, claims: dict[str, Any]) -> User:
    """Only people who already are mediators, by e-mail: no provisioning at platform level."""
    email = email_of(claims)
    user = await user_by_email(session, email)
    if user is None or not user.is_mediator:
        raise SsoFailure("no_account", email)
    if not user.is_active:
        raise SsoFailure("inactive", email)
    return user


async def audit_failure(sessionmaker: async_sessionmaker[AsyncSession], tenant: Any, failure: SsoFailure) -> None:
    """In its own transaction: the refused request's own transaction is rolled back."""
    with cross_tenant():
        async with sessionmaker() as session, session.begin():
            user = await user_by_email(session, failure.email) if failure.email else None
            await audit_account(session, user, "auth.sign_in_failed", tenant, summary=failure.email[:254] or "oidc",
                                data={"reason": failure.reason, "method": "oidc"})


__all__ = ["audit_failure", "login_button", "mediator_for", "member_for", "provider_of"]
