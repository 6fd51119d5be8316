"""Shared, bounded request parameters: the schema states the bounds and Litestar enforces them (400 with
field and reason) before a value can overflow a database integer and surface as a 500."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

DB_INT_MAX = 2**31 - 1
"""The largest INTEGER PostgreSQL stores (SQLite stops at 2**63 - 1; the smaller bound holds for both)."""

VersionNumber = Annotated[int, Parameter(ge=1, le=DB_INT_MAX, description="A version number (1, 2, ...)")]
