"""ORM listeners that scope every query and stamp every insert with the current tenant.

Reads: one `do_orm_execute` listener adds `with_loader_criteria` for every tenant-owned model.
Writes: one `before_flush` listener stamps `tenant_id` on new rows and refuses rows of another
tenant. Both are registered on `sqlalchemy.orm.Session` so every session (web, jobs, CLI) gets
them, whatever session class a library configures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from core.db.base import TenantScoped
from core.tenancy.scope import TenantScopeError, current_tenant_id, is_cross_tenant

_installed = False


def _scope_query(state: ORMExecuteState) -> None:
    if state.is_insert:
        _stamp_bulk_insert(state)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("cross_tenant") or is_cross_tenant():
        return
    if not _touches_tenant_tables(state):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError("query on a tenant-owned table without a tenant in scope")
    if not state.is_orm_statement:
        raise TenantScopeError("Core query on a tenant-owned table: the loader criteria cannot scope it; "
                               "query through the ORM models or mark it cross_tenant")
    state.statement = state.statement.options(
        with_loader_criteria(TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


def _stamp_bulk_insert(state: ORMExecuteState) -> None:
    """Bulk inserts (`session.execute(insert(Model), [rows])`, upserts included) get the tenant stamped on
    every row, and a row naming another tenant is refused, as the flush listener does for ORM objects.
    Values embedded in the statement itself are not inspected: pass rows as parameters."""
    mapper = state.bind_mapper
    if mapper is None:
        return
    rows = state.parameters
    stamp_rows(mapper.class_, [rows] if isinstance(rows, dict) else rows or [])


def stamp_rows(model: type, rows: list[dict[str, Any]]) -> None:
    """Stamp the tenant in scope on rows about to be inserted into `model` and refuse a row of another tenant
    (the rule for every bulk insert: the ORM's here, `core.db.bulk`'s too)."""
    if not issubclass(model, TenantScoped) or is_cross_tenant():
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantScopeError(f"insert into {model.__name__} without a tenant in scope")
    for row in rows:
        if row.setdefault("tenant_id", tenant_id) != tenant_id:
            raise TenantScopeError(f"{model.__name__} row for another tenant")


def _touches_tenant_tables(state: ORMExecuteState) -> bool:
    """True when the statement reads a tenant-owned table anywhere, subqueries and Core selects included."""
    subject = state.bind_mapper  # the statement's first entity, known without describing every column
    if subject is not None and issubclass(subject.class_, TenantScoped):
        return True
    for mapper in state.all_mappers:
        if issubclass(mapper.class_, TenantScoped):
            return True
    names = TenantScoped.table_names()
    tables = find_tables(state.statement, include_aliases=True, include_joins=True, include_selects=True)
    return any(getattr(t, "name", None) in names for t in tables)


def _stamp_and_check(session: Session, _flush_context: Any, _instances: Any) -> None:
    tenant_id = current_tenant_id()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantScopeError(f"new {type(obj).__name__} without a tenant in scope")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant")
        elif tenant_id is None and not is_cross_tenant():
            raise TenantScopeError(f"write to {type(obj).__name__} without a tenant in scope")


def _check_loaded(target: Any, _context: Any) -> None:
    """Identity-map hits skip the query criteria; a load of a foreign row is refused here too."""
    tenant_id = current_tenant_id()
    if tenant_id is not None and not is_cross_tenant() and target.tenant_id != tenant_id:
        raise TenantScopeError(f"{type(target).__name__} of another tenant loaded")


def install_tenant_guard() -> None:
    """Register the listeners once per process."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _scope_query)
    event.listen(Session, "before_flush", _stamp_and_check)
    event.listen(TenantScoped, "load", _check_loaded, propagate=True)
    _installed = True
