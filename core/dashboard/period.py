"""The dashboard's period filter: last 7/30/90 days, this quarter so far, or a custom from–to.

A preset covers whole days that are over, as the daily snapshots do: "last 7 days" are the seven days before
today (`core.measurement.figures.last_days`), "this quarter" runs from its first day to yesterday. A custom
period may end today; its figures then cover the days up to yesterday and say so."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.i18n import N_
from core.measurement.figures import DEFAULT_DAYS, last_days
from core.validation import FieldErrors, clean_choice, clean_date

PERIODS = ("7", "30", "90", "quarter", "custom")
PERIOD_LABELS = {"7": N_("Last 7 days"), "30": N_("Last 30 days"), "90": N_("Last 90 days"),
                 "quarter": N_("This quarter"), "custom": N_("Custom period")}
DEFAULT = str(DEFAULT_DAYS)
MAX_DAYS = 731
"""A custom period spans at most two years: a longer one makes a chart of dots nobody can read."""


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def params(self) -> dict[str, str]:
        """The query parameters that select this period again (pagination and department links keep it)."""
        if self.key == "custom":
            return {"period": "custom", "from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.key}


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def default_period(today: date) -> Period:
    return Period(DEFAULT, *last_days(int(DEFAULT), today))


def parse_period(params: Mapping[str, Any], today: date) -> Period:
    """The period the query asks for; DomainError with every bad field (period, from, to) otherwise."""
    errors = FieldErrors()
    key = errors.clean(clean_choice, params.get("period") or DEFAULT, "period", PERIODS)
    if key == "custom":
        start = errors.clean(clean_date, params.get("from"), "from")
        end = errors.clean(clean_date, params.get("to"), "to")
        if start and end:
            if end < start:
                errors.add("to", msgid="The end of the period lies before its start.")
            elif end > today:
                errors.add("to", msgid="Choose an end date no later than today.")
            elif (end - start).days + 1 > MAX_DAYS:
                errors.add("to", msgid="Choose a period of at most two years.")
        errors.raise_if_any()
        assert start and end
        return Period("custom", start, end)
    errors.raise_if_any()
    if key == "quarter":  # on a quarter's first day no day of it is over yet: that day alone, still empty
        start = quarter_start(today)
        return Period("quarter", start, max(start, today - timedelta(days=1)))
    return Period(str(key), *last_days(int(str(key)), today))
