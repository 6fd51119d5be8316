"""Numbers, percentages, dates and times in the reader's language (Babel), shown in the organisation's time zone.

One place for every page, mail and document: the Jinja filters (`core.web.filters`) and the parameters of a
translated message (`core.i18n.gettext_for`) both format through these functions, so "1.05192e+06", "43.8" or a
UTC time next to a local one cannot reappear in one corner of the product.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import (
    NumberPattern,
    format_decimal,
    format_percent,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_pattern,
)

TIME_ZONE = "Europe/Amsterdam"
"""The time zone dates and times are shown in. Regie serves Dutch organisations; stored times are UTC."""

Number = int | float | Decimal


@lru_cache(maxsize=64)
def _pattern(digits: int | None, keep_zeros: bool) -> NumberPattern | None:
    """Parsed once: a page formats dozens of numbers with a handful of patterns."""
    if digits is None:
        return None  # the locale's own pattern: up to three decimals, trailing zeros dropped
    if digits <= 0:
        return parse_pattern("#,##0")
    return parse_pattern("#,##0." + ("0" if keep_zeros else "#") * digits)


@lru_cache(maxsize=64)
def _percent_pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0%" if digits <= 0 else "#,##0." + "#" * digits + "%")


@lru_cache(maxsize=32)
def _locale(lang: str) -> Locale:
    """Parsed once: Babel would parse the language name again for every number and date."""
    return Locale.parse(lang)


@lru_cache(maxsize=64)
def _whole(lang: str, pattern: NumberPattern | None) -> Callable[[int], str] | None:
    """A quick writer of whole numbers for a locale that groups their digits by three, as nl and en do: a page
    writes dozens of counts. Checked once against Babel on a few numbers; None where they differ."""
    locale = _locale(lang)
    group, minus = get_group_symbol(locale), get_minus_sign_symbol(locale)

    def write(value: int) -> str:
        text = f"{abs(value):,}".replace(",", group)
        return minus + text if value < 0 else text

    probes = (0, 7, 999, 1000, 1234, 12345, 123456, 1234567, 1051920, -1, -1234, -1234567)
    return write if all(write(v) == format_decimal(v, format=pattern, locale=locale) for v in probes) else None


def number(value: Number | None, lang: str, digits: int | None = None, keep_zeros: bool = False) -> str:
    """1051920.0 → "1.051.920" (nl) / "1,051,920" (en); `digits` rounds, `keep_zeros` shows "3,0" rather than "3"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float) and value.is_integer() and digits is None:
        value = int(value)
    pattern = _pattern(digits, keep_zeros)
    if type(value) is int and (digits is None or digits <= 0) and (write := _whole(lang, pattern)) is not None:
        return write(value)
    return format_decimal(value, format=pattern, locale=_locale(lang))


def decimal(value: Number, lang: str, pattern: str) -> str:
    """`value` written with a Babel number pattern ("#,##0.0"), the pattern and the language parsed once."""
    return format_decimal(value, format=_parsed(pattern), locale=_locale(lang))


@lru_cache(maxsize=64)
def _parsed(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def percent(value: Number | None, lang: str, digits: int = 0, share: bool = False) -> str:
    """A percentage as the locale writes it: 43.8 → "43,8%" (nl). `share=True` takes a fraction (0.438)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    fraction = float(value) if share else float(value) / 100
    return format_percent(fraction, format=_percent_pattern(digits), locale=_locale(lang))


def local(value: datetime) -> datetime:
    """A moment as wall-clock time in `TIME_ZONE` (stored moments are aware; one without a zone is UTC)."""
    from zoneinfo import ZoneInfo

    from core.db.base import as_utc

    return as_utc(value).astimezone(ZoneInfo(TIME_ZONE))


def moment(value: datetime | str | None, lang: str, fmt: str = "medium") -> str:
    """A date and time in `TIME_ZONE` ("07-12-2026, 08:25" for "short" in nl); an ISO string (kept in JSON) too."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_datetime(local(parsed), format=fmt, locale=_locale(lang))
    return format_datetime(local(value), format=fmt, locale=_locale(lang))


def clock(value: datetime | None, lang: str, fmt: str = "short") -> str:
    """Only the time of day, in `TIME_ZONE`."""
    return "—" if value is None else format_time(local(value), format=fmt, locale=_locale(lang))


def day(value: date | datetime | None, lang: str, fmt: str = "medium") -> str:
    """A date ("16 nov 2026"); a datetime is first moved to `TIME_ZONE`, so late evening stays on its own day."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = local(value).date()
    return format_date(value, format=fmt, locale=_locale(lang))


def parameter(value: Any, lang: str) -> Any:
    """A message parameter as the reader's language writes it: floats, dates and times; other values unchanged.

    Whole numbers (`int`) are left alone: they are often numbers that are names (case #1234, version 2).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float | Decimal):
        return number(value, lang, digits=None if float(value).is_integer() else 2)
    if isinstance(value, datetime):
        return moment(value, lang, "short")
    if isinstance(value, date):
        return day(value, lang)
    return value
