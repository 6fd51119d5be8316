"""Jinja filters: dates and numbers in the page's language (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, pass_context


@pass_context
def _datetime(ctx: Any, value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(value, format=fmt, locale=ctx.get("lang", "nl"), tzinfo="Europe/Amsterdam")


@pass_context
def _date(ctx: Any, value: date | None, fmt: str = "medium") -> str:
    return "—" if value is None else format_date(value, format=fmt, locale=ctx.get("lang", "nl"))


def install_filters(env: Environment) -> None:
    env.filters["dt"] = _datetime
    env.filters["d"] = _date
