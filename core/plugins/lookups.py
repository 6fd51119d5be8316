"""Read-only look-ups of core rows a plugin may need (the tenant it runs in, people's names)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.tenancy.models import Tenant
from core.tenancy.scope import current_tenant_id


async def current_tenant(session: AsyncSession) -> Tenant | None:
    """The tenant in scope (events and links need its slug)."""
    tenant_id = current_tenant_id()
    return await session.get(Tenant, tenant_id) if tenant_id is not None else None


async def user_names(session: AsyncSession, ids: Iterable[Any]) -> dict[UUID, str]:
    """Display names (else e-mail addresses) of people, by id, for histories and "acknowledged by"."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name, User.email).where(User.id.in_(wanted)))
    return {i: name or email for i, name, email in rows.all()}


async def registered_handles(session: AsyncSession) -> set[str]:
    """The tenant's approved social account handles, lower-cased without a leading '@' (to recognise its own
    accounts among mention authors)."""
    from core.accounts.models import AccountStatus, SocialAccount

    rows = await session.scalars(select(SocialAccount.handle).where(
        SocialAccount.status == AccountStatus.approved.value))
    return {normal_handle(h) for h in rows.all() if h}


def normal_handle(handle: str | None) -> str:
    """'@Acme ' → 'acme': how handles are compared."""
    return (handle or "").strip().lstrip("@").casefold()


async def department_choices(session: AsyncSession) -> list[tuple[UUID, str]]:
    """The tenant's departments (id, name) by name, for a plugin's pickers."""
    from core.workgroup.models import Department

    rows = await session.execute(select(Department.id, Department.name).order_by(Department.name))
    return [(i, name) for i, name in rows.all()]


async def member_choices(session: AsyncSession) -> list[tuple[UUID, str]]:
    """The tenant's active people who may work (members and admins, not viewers) as (user id, name) by name,
    for a plugin's "assign to" pickers and to check such a choice."""
    from core.auth.models import Membership

    rows = await session.execute(select(User.id, User.name, User.email)
                                 .join(Membership, Membership.user_id == User.id)
                                 .where(Membership.is_active.is_(True), Membership.role != "viewer"))
    return sorted(((i, name or email) for i, name, email in rows.all()), key=lambda r: (r[1].casefold(), str(r[0])))


async def member_principal(session: AsyncSession, user_id: UUID, plugin: str = "") -> Any:
    """Who a member of the tenant in scope is, with the roles a request of theirs would carry inside `plugin`'s
    pages (`owner` in the department the plugin is activated for), or None when they are not an active member.

    For work a plugin does on a person's behalf outside a request, such as its demo data going through the
    same services (and audit entries) as that person's clicks would."""
    from core.activation.models import PluginActivation
    from core.auth.principal import tenant_roles
    from core.plugins.mount import in_department

    user = await session.get(User, user_id)
    tenant = await current_tenant(session)
    if user is None or tenant is None:
        return None
    principal = await tenant_roles(session, user, tenant)
    if principal.membership is None:
        return None
    if plugin:
        owner = await session.scalar(select(PluginActivation.department_id).where(PluginActivation.plugin == plugin))
        if owner is not None and in_department(principal, owner):
            principal.roles = principal.roles | {"owner"}
    return principal
