"""The current tenant of a request, job or CLI command.

A context variable rather than a handler argument: the ORM listeners in `guard` read it, so a
handler that forgets to filter still only ever sees its own tenant's rows (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

_tenant: ContextVar[UUID | None] = ContextVar("regie_tenant", default=None)
_cross: ContextVar[bool] = ContextVar("regie_cross_tenant", default=False)


class TenantScopeError(RuntimeError):
    """A tenant-owned table was touched with no tenant in scope, or with another tenant's row."""


def current_tenant_id() -> UUID | None:
    return _tenant.get()


def is_cross_tenant() -> bool:
    return _cross.get()


@contextmanager
def tenant_scope(tenant_id: UUID) -> Iterator[None]:
    """Run a block (a job, a CLI command, a test) as one tenant."""
    token = _tenant.set(tenant_id)
    cross = _cross.set(False)
    try:
        yield
    finally:
        _cross.reset(cross)
        _tenant.reset(token)


@contextmanager
def cross_tenant() -> Iterator[None]:
    """Explicitly read across tenants (mediator console, schedulers). Callers audit mediator reads."""
    token = _cross.set(True)
    try:
        yield
    finally:
        _cross.reset(token)
