"""NPS figures, read from the daily rollup only (never from the answers): counts per category, the NPS with its
95% confidence interval, and the trend per month.

NPS = %promoters − %detractors. With p and d the shares of promoters and detractors among n answers, the
variance of the NPS (as a fraction) is (p + d − (p − d)²) / n, so the 95% interval is
NPS ± 1.96 · √var · 100 points. Below `RELIABLE_FROM` answers the figure is shown with a warning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, FieldErrors, clean_date
from plugins.energizing.surveys.models import SurveyDayCount

RELIABLE_FROM = 30
FIRST_YEAR, LAST_YEAR = 1900, 2999
"""Periods outside these years are refused: the trend reaches twelve months back and a month forward, which
must stay within the calendar."""
Z95 = 1.96


@dataclass
class Nps:
    """The figures of one period: counts per score and category, the NPS and its interval."""

    scores: list[int] = field(default_factory=lambda: [0] * 11)

    @property
    def answers(self) -> int:
        return sum(self.scores)

    @property
    def promoters(self) -> int:
        return self.scores[9] + self.scores[10]

    @property
    def passives(self) -> int:
        return self.scores[7] + self.scores[8]

    @property
    def detractors(self) -> int:
        return sum(self.scores[:7])

    @property
    def score(self) -> float | None:
        """−100..100, None without answers."""
        n = self.answers
        return None if n == 0 else (self.promoters - self.detractors) * 100.0 / n

    @property
    def margin(self) -> float | None:
        """Half the 95% confidence interval, in NPS points."""
        n = self.answers
        if n == 0:
            return None
        p, d = self.promoters / n, self.detractors / n
        variance = max(p + d - (p - d) ** 2, 0.0) / n
        return Z95 * math.sqrt(variance) * 100.0

    @property
    def reliable(self) -> bool:
        return self.answers >= RELIABLE_FROM

    def share(self, part: int) -> float:
        return 0.0 if not self.answers else part * 100.0 / self.answers

    def add(self, score: int, count: int) -> None:
        if 0 <= score <= 10:
            self.scores[score] += int(count)

    def as_json(self) -> dict[str, Any]:
        score, margin = self.score, self.margin
        return {"answers": self.answers, "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "scores": list(self.scores),
                "nps": None if score is None else round(score, 1),
                "ci_low": None if score is None or margin is None else round(score - margin, 1),
                "ci_high": None if score is None or margin is None else round(score + margin, 1),
                "reliable": self.reliable}


def _where(survey_id: UUID | None, start: date | None, end: date | None) -> list[Any]:
    clauses: list[Any] = []
    if survey_id is not None:
        clauses.append(SurveyDayCount.survey_id == survey_id)
    if start is not None:
        clauses.append(SurveyDayCount.day >= start)
    if end is not None:
        clauses.append(SurveyDayCount.day <= end)
    return clauses


async def nps(session: AsyncSession, survey_id: UUID | None = None, start: date | None = None,
              end: date | None = None) -> Nps:
    """The figures of `start`..`end` (inclusive), of one survey or all of the tenant's."""
    rows = await session.execute(select(SurveyDayCount.score, func.sum(SurveyDayCount.answers))
                                 .where(*_where(survey_id, start, end)).group_by(SurveyDayCount.score))
    found = Nps()
    for score, count in rows:
        found.add(score, count or 0)
    return found


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


def months(last: date, count: int) -> list[date]:
    """The first days of the `count` months up to and including `last`'s month, oldest first."""
    first = add_months(month_start(last), -(count - 1))
    return [add_months(first, n) for n in range(count)]


async def trend(session: AsyncSession, survey_id: UUID | None, last: date, count: int = 12) -> list[tuple[date, Nps]]:
    """The NPS per month for the `count` months up to `last`: one grouped read of at most 31·11 rows a month."""
    firsts = months(last, count)
    rows = await session.execute(
        select(SurveyDayCount.day, SurveyDayCount.score, func.sum(SurveyDayCount.answers))
        .where(*_where(survey_id, firsts[0], month_end(last))).group_by(SurveyDayCount.day, SurveyDayCount.score))
    by_month = {first: Nps() for first in firsts}
    for day, score, answers in rows:
        bucket = by_month.get(month_start(day))
        if bucket is not None:
            bucket.add(score, answers or 0)
    return list(by_month.items())


def month_labels(firsts: Iterable[date]) -> list[str]:
    return [f"{d.year}-{d.month:02d}" for d in firsts]


@dataclass
class Report:
    """The results page's data: the period's figures and the trend of the 12 months up to the period's end."""

    start: date | None
    end: date | None
    figures: Nps
    trend: list[tuple[date, Nps]]

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, **self.figures.as_json(),
                "trend": [{"month": f"{m.year}-{m.month:02d}", "answers": n.answers,
                           "nps": None if n.score is None else round(n.score, 1)} for m, n in self.trend]}


async def report(session: AsyncSession, survey_id: UUID | None, start: date | None, end: date | None,
                 today: date) -> Report:
    return Report(start, end, await nps(session, survey_id, start, end),
                  await trend(session, survey_id, end or today, 12))


def clean_period(params: Any, default: tuple[date | None, date | None]) -> tuple[date | None, date | None]:
    """The period asked for: `month=YYYY-MM`, or `from`/`to` dates, else the default (the survey's period).
    A DomainError names the field that is wrong."""
    month = str(params.get("month") or "").strip()
    if month:
        year, _dash, number = month.partition("-")
        if not (year.isdigit() and number.isdigit() and len(year) == 4 and 1 <= int(number) <= 12):
            raise DomainError(field="month", msgid="Give a month as YYYY-MM.")
        if not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise DomainError(field="month", msgid="Give a year from {low} to {high}.", low=FIRST_YEAR,
                              high=LAST_YEAR)
        first = date(int(year), int(number), 1)
        return first, month_end(first)
    if not params.get("from") and not params.get("to"):
        return default
    errors = FieldErrors()
    start = errors.clean(clean_date, params.get("from"), "from", required=False)
    end = errors.clean(clean_date, params.get("to"), "to", required=False)
    for name, day in (("from", start), ("to", end)):
        if isinstance(day, date) and not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors.add(name, msgid="Give a year from {low} to {high}.", low=FIRST_YEAR, high=LAST_YEAR)
    if start and end and end < start:
        errors.add("to", msgid="The end comes on or after the start.")
    errors.raise_if_any()
    return start, end
