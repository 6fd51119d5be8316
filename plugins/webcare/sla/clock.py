"""Business time: weekly opening hours in the tenant's time zone, minus holidays. Pure, no database.

A business minute is a real minute (UTC) that falls inside an opening interval of a day that is not a
holiday. Intervals are local wall-clock times converted per day with `zoneinfo`, so a DST change simply
makes that day's interval an hour shorter or longer in real time where it spans the change (09:00-17:00
never does in Europe/Amsterdam). `add` and `between` are each other's inverse on business moments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from core.plugins.api import DomainError, FieldErrors

WEEKDAYS = ("0", "1", "2", "3", "4", "5", "6")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DAYS = 366 * 8
"""`add` looks this far ahead at most (only reachable with absurd holiday lists)."""

Interval = tuple[int, int]
"""Minutes since local midnight: [start, end), end may be 24 * 60."""


def _minutes(text: str, *, end: bool) -> int | None:
    if end and text == "24:00":
        return 24 * 60
    match = HHMM.match(text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def clean_timezone(value: object, field: str = "timezone") -> str:
    name = str(value or "").strip()
    if not name or name not in _zones():
        raise DomainError(field=field, msgid="Unknown time zone: use a name like Europe/Amsterdam.")
    return name


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_day(raw: object, field: str = "business_hours") -> list[list[str]]:
    """One weekday's intervals: each HH:MM–HH:MM (end may be 24:00), start before end, no overlaps (touching
    is fine). Sorted, canonical copy; DomainError on `field` with every reason."""
    errors = FieldErrors()
    spans: list[tuple[int, int, str, str]] = []
    for pair in raw if isinstance(raw, list | tuple) else ([] if raw is None else [raw]):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            errors.add(field, "Each interval needs a start and an end time.")
            continue
        start_text, end_text = (str(p).strip() for p in pair)
        start, end = _minutes(start_text, end=False), _minutes(end_text, end=True)
        if start is None or end is None:
            errors.add(field, "Times are written as HH:MM, for example 09:00: {value}.",
                       value=f"{start_text}–{end_text}")
        elif start >= end:
            errors.add(field, "An interval must start before it ends: {value}.", value=f"{start_text}–{end_text}")
        else:
            spans.append((start, end, start_text, end_text))
    spans.sort()
    for before, after in zip(spans, spans[1:], strict=False):
        if after[0] < before[1]:
            errors.add(field, "Intervals of one day overlap: {first} and {second}.",
                       first=f"{before[2]}–{before[3]}", second=f"{after[2]}–{after[3]}")
    errors.raise_if_any()
    return [[s, e] for _s, _e, s, e in spans]


def clean_hours(hours: object, field: str = "business_hours") -> dict[str, list[list[str]]]:
    """Validate weekly hours (weekday "0" = Monday → [["09:00", "17:00"], ...]); the week needs at least one
    opening interval (else no deadline could ever fall)."""
    if not isinstance(hours, dict):
        raise DomainError(field=field, msgid="Business hours must be given per weekday.")
    errors = FieldErrors()
    cleaned = {day: errors.clean(clean_day, hours.get(day), field) or [] for day in WEEKDAYS}
    errors.raise_if_any()
    if not any(cleaned.values()):
        raise DomainError(field=field, msgid="Open at least one interval in the week.")
    return cleaned


class BusinessClock:
    """Arithmetic in business minutes for one tenant's zone, weekly hours and holidays."""

    def __init__(self, timezone: str, hours: dict[str, list[list[str]]], holidays: Iterable[date] = ()) -> None:
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone
        self.hours = clean_hours(hours)
        self.holidays = frozenset(holidays)
        self._week: dict[int, list[Interval]] = {
            int(day): [(_minutes(s, end=False) or 0, _minutes(e, end=True) or 0) for s, e in spans]
            for day, spans in self.hours.items()}
        self._days: dict[date, list[tuple[datetime, datetime]]] = {}

    # -- one day ---------------------------------------------------------------------------------------------

    def _local(self, day: date, minute: int) -> datetime:
        if minute == 24 * 60:
            return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone).astimezone(UTC)

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening intervals of a local date as UTC [start, end) pairs (empty on a holiday)."""
        found = self._days.get(day)
        if found is None:
            if day in self.holidays:
                found = []
            else:
                found = _merged([(self._local(day, s), self._local(day, e)) for s, e in self._week[day.weekday()]])
            if len(self._days) > 4000:
                self._days.clear()
            self._days[day] = found
        return found

    def _day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    # -- the three questions ---------------------------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        return any(s <= moment < e for s, e in self.intervals(self._day_of(moment)))

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` business minutes after `start` (outside hours: counted from the next opening).

        With 0 minutes: `start` itself when open, else the next opening. A result that uses up an interval
        exactly is that interval's closing time."""
        cursor = start.astimezone(UTC)
        left = timedelta(minutes=max(0, int(minutes)))
        day = self._day_of(cursor) - timedelta(days=1)  # an interval ending at 24:00 belongs to the day before
        for _ in range(MAX_DAYS):
            for s, e in self.intervals(day):
                if e <= cursor:
                    continue
                begin = max(s, cursor)
                if left <= e - begin:
                    return begin + left
                left -= e - begin
                cursor = e
            day += timedelta(days=1)
        raise ValueError("no business hours within reach")

    def between(self, a: datetime, b: datetime) -> int:
        """Business minutes from `a` to `b` (negative when `b` is before `a`)."""
        a, b = a.astimezone(UTC), b.astimezone(UTC)
        if b < a:
            return -self.between(b, a)
        total = timedelta(0)
        day = self._day_of(a) - timedelta(days=1)
        last = self._day_of(b)
        while day <= last:
            for s, e in self.intervals(day):
                lo, hi = max(s, a), min(e, b)
                if lo < hi:
                    total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)

    # -- for the settings page -------------------------------------------------------------------------------

    def weekly_minutes(self) -> dict[str, int]:
        """Nominal opening minutes per weekday (wall clock, ignoring DST and holidays)."""
        return {str(day): sum(e - s for s, e in spans) for day, spans in self._week.items()}


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, non-empty, non-overlapping: on the night clocks go forward a wall-clock interval that does not
    exist (02:15) lands on the same UTC minutes as a later one, and must count once."""
    out: list[tuple[datetime, datetime]] = []
    for s, e in sorted(span for span in spans if span[0] < span[1]):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out

