"""Creating a tenant: shared by the mediator's console (which also invites the first admin) and the CLI."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.tenancy.models import OrgModel, Tenant
from core.tenancy.scope import tenant_scope
from core.validation import FieldErrors, clean_choice, clean_slug, clean_text


async def create_tenant(session: AsyncSession, actor: Any, name: Any, slug: Any, org_model: Any, *,
                        errors: FieldErrors | None = None, data: dict[str, Any] | None = None) -> Tenant:
    """A new tenant (it starts in the listening phase), flushed and audited as "tenant.created".

    `errors` lets a caller validate its own fields first so every reason is shown together; `data` is
    added to the audit entry's data.
    """
    errors = errors if errors is not None else FieldErrors()
    clean_name = errors.clean(clean_text, name, "name")
    clean = errors.clean(clean_slug, slug, "slug")
    model = errors.clean(clean_choice, org_model, "org_model", [m.value for m in OrgModel])
    if clean is not None and await session.scalar(select(Tenant.id).where(Tenant.slug == clean)):
        errors.add("slug", msgid="This address is already taken.")
    errors.raise_if_any()
    tenant = Tenant(name=clean_name, slug=clean, org_model=model)
    session.add(tenant)
    await session.flush()
    with tenant_scope(tenant.id):
        await record(session, actor, "tenant.created", subject=tenant, summary=f"{tenant.name} ({tenant.slug})",
                     data={"org_model": tenant.org_model, **(data or {})})
        await session.flush()
    return tenant
