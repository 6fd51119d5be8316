"""Web routes of privacy."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
