"""Declarative bases. `TenantScoped` marks a tenant-owned table; the tenancy guard does the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from advanced_alchemy.base import UUIDAuditBase
from advanced_alchemy.types import GUID
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

Base = UUIDAuditBase
"""Every table: UUID primary key plus created_at / updated_at (UTC)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment from outside the database (typed in, parsed from text or a job's payload) in UTC; one
    without a zone is read as UTC. Stored moments need no such step: the engine hands them back aware."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class TenantScoped:
    """Mixin for tenant-owned models: a `tenant_id` the guard filters on and stamps."""

    _table_names: ClassVar[set[str]] = set()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("__tablename__")
        if isinstance(name, str):
            TenantScoped._table_names.add(name)

    @declared_attr
    def tenant_id(cls) -> Mapped[UUID]:  # noqa: N805
        return mapped_column(GUID, ForeignKey("tenant.id", ondelete="CASCADE"), index=True, nullable=False)

    @classmethod
    def table_names(cls) -> set[str]:
        return cls._table_names
