"""Quarters: the default period of a report and the period it is compared with."""

from __future__ import annotations

from datetime import date, timedelta


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(start: date) -> date:
    """The last day of the quarter that begins on `start`."""
    nxt = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return nxt - timedelta(days=1)


def last_full_quarter(today: date) -> tuple[date, date]:
    """The quarter before the one `today` lies in: the period a quarterly report covers by default."""
    start = quarter_start(quarter_start(today) - timedelta(days=1))
    return start, quarter_end(start)


def is_quarter(start: date, end: date) -> bool:
    return start == quarter_start(start) and end == quarter_end(start)


def previous_period(start: date, end: date) -> tuple[date, date]:
    """A calendar quarter is compared with the quarter before it, any other period with the equally long
    period right before it."""
    if is_quarter(start, end):
        prev = quarter_start(start - timedelta(days=1))
        return prev, quarter_end(prev)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def quarter_label(start: date, end: date) -> str:
    """"Q3 2026" for a calendar quarter, else "2026-07-01 – 2026-09-30"."""
    if is_quarter(start, end):
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return f"{start.isoformat()} – {end.isoformat()}"
