"""Read-only look-ups of core rows a plugin may need (the tenant it runs in, people's names)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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


async def public_names(session: AsyncSession, ids: Iterable[Any]) -> dict[UUID, str]:
    """The names staff chose to show, for pages the public reads (an official answer): never an e-mail address;
    a person without a name is left out, and the page names the organisation instead."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(wanted)))
    return {i: name.strip() for i, name in rows.all() if name and name.strip()}


async def registered_handles(session: AsyncSession, *, every_state: bool = False) -> set[str]:
    """The handles of the accounts the organisation holds (claimed, active, dormant or to close), lower-cased
    without a leading '@', to recognise its own accounts among mention authors; `every_state` adds those still
    requested, to be claimed, rejected or closed (whatever the registry already knows)."""
    from core.accounts.models import OWN_STATES, SocialAccount

    query = select(SocialAccount.handle)
    if not every_state:
        query = query.where(SocialAccount.status.in_(OWN_STATES))
    rows = await session.scalars(query)
    return {normal_handle(h) for h in rows.all() if h}


async def organisation_names(session: AsyncSession) -> list[str]:
    """The names an account of the organisation would use: its own name and the brand terms set on the sprawl
    report (to find accounts that use them without being registered)."""
    from core.accounts.sprawl import organisation_names as names

    return await names(session)


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


@dataclass(frozen=True)
class OutwardAccount:
    """A registered social account a plugin may send content to (talking's post variants)."""

    id: UUID
    platform: str
    handle: str
    department_id: UUID | None
    status: str


OUTWARD_STATUSES = ("claimed", "active", "dormant")
"""Account states in which the organisation may post on an account: claimed by a department or in use (a dormant
one is woken by posting on it). Requested, rejected, unclaimed and closing accounts carry no content."""


async def outward_accounts(session: AsyncSession) -> list[OutwardAccount]:
    """The tenant's accounts that may carry outward content, by platform and handle (one query)."""
    from core.accounts.models import SocialAccount

    rows = await session.execute(
        select(SocialAccount.id, SocialAccount.platform, SocialAccount.handle, SocialAccount.department_id,
               SocialAccount.status)
        .where(SocialAccount.status.in_(OUTWARD_STATUSES))
        .order_by(SocialAccount.platform, SocialAccount.handle))
    return [OutwardAccount(id=i, platform=platform, handle=handle, department_id=department, status=status)
            for i, platform, handle, department, status in rows.all()]


NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")


async def starting_point_objectives(session: AsyncSession) -> list[str]:
    """The objectives of the shared starting points (POST "Objectives"), one per line without its numbering,
    from the latest approved version (the latest version while none is approved); [] when there are none.

    Content that serves an objective keeps the objective's text, so it still reads right after a new version."""
    from core.roadmap.models import StartingPointsVersion

    text = await session.scalar(select(StartingPointsVersion.objectives)
                                .order_by(StartingPointsVersion.approved_at.is_(None),
                                          StartingPointsVersion.number.desc()).limit(1))
    lines = (NUMBERING.sub("", line).strip() for line in (text or "").splitlines())
    return list(dict.fromkeys(line[:300] for line in lines if line))
