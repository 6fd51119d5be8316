"""Moments as people plan them: in the organisation's time zone (Europe/Amsterdam), stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.plugins.api import DomainError

ZONE = ZoneInfo("Europe/Amsterdam")
DEFAULT_TIME = time(9, 0)
"""Where a post dropped on a day without a time of its own goes."""


def parse_moment(value: Any, field: str, *, required: bool = False) -> datetime | None:
    """"2026-05-14T09:30" (a form's local time) or ISO 8601 with an offset → an aware UTC moment; a moment
    without an offset is read in the organisation's time zone. DomainError on `field` otherwise."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            if required:
                raise DomainError(field=field, msgid="This field is required.")
            return None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            raise DomainError(field=field, msgid="Use a date and time like 2026-01-31 09:30.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZONE)
    if not 2000 <= moment.year <= 2100:
        raise DomainError(field=field, msgid="Use a date and time like 2026-01-31 09:30.")
    return moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def local_day(moment: datetime) -> date:
    return local(moment).date()


def day_start(day: date) -> datetime:
    """Midnight of `day` in the organisation's time zone, in UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=ZONE).astimezone(UTC)


def on_day(moment: datetime | None, day: date) -> datetime:
    """`moment`'s local time of day on `day` (a post dragged to another day keeps its hour)."""
    clock = local(moment).timetz().replace(tzinfo=None) if moment is not None else DEFAULT_TIME
    return datetime.combine(day, clock, tzinfo=ZONE).astimezone(UTC)


def form_value(moment: datetime | None) -> str:
    """The value of a datetime-local input."""
    return local(moment).strftime("%Y-%m-%dT%H:%M") if moment is not None else ""


def utc_days(first: date, last: date) -> tuple[datetime, datetime]:
    """Whole UTC days first..last (inclusive) as [start, end) moments, as the KPIs count them."""
    start = datetime.combine(first, time(0, 0), tzinfo=UTC)
    return start, datetime.combine(last, time(0, 0), tzinfo=UTC) + timedelta(days=1)
