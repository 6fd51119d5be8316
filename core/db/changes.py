"""Change counters: an integer column raised in the same transaction as any ORM change to watched rows.

A page that polls "did anything change?" reads one small row instead of comparing lists (the webcare
inbox's live updates). A counter rather than `max(updated_at)`: the `UPDATE` takes the counter row's lock,
so raises follow commit order, while `updated_at` is set when a statement runs and a slower transaction can
commit an older value after a newer one (its change would never be seen). The raise runs at the start of the
flush, before any watched row is written, so every transaction takes the counter's lock before the rows'
locks (no lock-order deadlocks).

A plugin registers a pair through `core.plugins.api.count_changes`; the core owns the one `before_flush`
listener, so no plugin installs session listeners of its own. Rows written past the ORM (bulk inserts)
raise the counter themselves with `next_value(counter)`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from core.tenancy.scope import current_tenant_id

COUNTERS: dict[type, list[Any]] = {}
"""Watched model → the counter columns its changes raise."""
_installed = False


def count_changes(watched: type, counter: Any) -> None:
    """Raise `counter` (an integer column of a tenant-owned table with one row per tenant, such as a plugin's
    settings row) by one in every flush that inserts, deletes or changes a `watched` row of that tenant.
    Call it once at import time, next to the models; registering the same pair again changes nothing."""
    counters = COUNTERS.setdefault(watched, [])
    if not any(c is counter for c in counters):
        counters.append(counter)
    _install()


def next_value(counter: Any) -> dict[str, Any]:
    """The values of one raise, for an `UPDATE` of the counter's row by hand (after a bulk insert)."""
    return {counter.key: counter + 1}


def _install() -> None:
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _raise_counters)
        _installed = True


def _changed(session: Session) -> list[tuple[Any, set[Any]]]:
    """(counter column, tenants with a watched row inserted, deleted or really modified in this flush)."""
    found: dict[int, tuple[Any, set[Any]]] = {}  # by id: a column compared with == makes an SQL expression
    for obj in (*session.new, *session.deleted, *session.dirty):
        counters = [c for watched, cs in COUNTERS.items() if isinstance(obj, watched) for c in cs]
        if not counters or (obj in session.dirty and not session.is_modified(obj)):
            continue
        tenant_id = getattr(obj, "tenant_id", None) or current_tenant_id()
        for counter in counters:
            found.setdefault(id(counter), (counter, set()))[1].add(tenant_id)
    return list(found.values())


def _raise_counters(session: Session, _context: Any, _instances: Any) -> None:
    if not COUNTERS:
        return
    for counter, tenants in _changed(session):
        tenants.discard(None)
        if tenants:
            model = counter.class_
            session.execute(update(model).where(model.tenant_id.in_(tenants)).values(next_value(counter))
                            .execution_options(synchronize_session=False))
