"""Plugins built of slices (`<plugin>/<slice>/routes.py`, `api.py`, `jobs.py`) collect their parts here."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def collect(package: str, slices: tuple[str, ...], module: str, name: str) -> list[Any]:
    """`name` (e.g. ROUTES) of every slice's `module` (e.g. "routes") that has one, in slice order."""
    found: list[Any] = []
    for slice_ in slices:
        qualified = f"{package}.{slice_}.{module}"
        try:
            found += getattr(import_module(qualified), name)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:  # a slice without this module; any other missing import is a real error
                raise
    return found
