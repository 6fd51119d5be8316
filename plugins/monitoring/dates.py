"""The range of moments monitoring takes: mentions published, and the days a list or dashboard is asked for.

Defined once so ingestion, imports and every date filter agree. Anything outside is refused with a field error
before any date arithmetic: at the edges of Python's range (year 1 or 9999) converting a time zone or adding a
day overflows, which would otherwise fail a whole batch or request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.plugins.api import N_, DomainError, Msg, clean_date

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The first moment taken (inclusive)."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The end of the range (exclusive): the last day taken is 2099-12-31."""
FIRST_DAY, LAST_DAY = EARLIEST.date(), LATEST.date() - timedelta(days=1)
OUT_OF_RANGE = N_("Use a date from {first} to {last}.")


def out_of_range() -> Msg:
    """The reason a date or moment outside the range is refused."""
    return Msg(OUT_OF_RANGE, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())


def moment_in_range(moment: datetime) -> bool:
    """Whether an aware (or, read as UTC, naive) moment lies in the range; compares without converting zones."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return EARLIEST <= moment < LATEST


def clean_day(value: Any, field: str, *, required: bool = True) -> date | None:
    """`clean_date` within the range (a DomainError on `field` outside it)."""
    day = clean_date(value, field, required=required)
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise DomainError(field=field, msgid=OUT_OF_RANGE, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return day
