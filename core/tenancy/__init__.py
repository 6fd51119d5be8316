"""Tenant scoping in one place: see `scope` (context) and `guard` (ORM listeners)."""

from core.tenancy.scope import (
    TenantScopeError,
    cross_tenant,
    current_tenant_id,
    is_cross_tenant,
    tenant_scope,
)

__all__ = ["TenantScopeError", "cross_tenant", "current_tenant_id", "is_cross_tenant", "tenant_scope"]
