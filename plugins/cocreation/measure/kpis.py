"""The board's KPIs, each one SQL statement (two for a median on SQLite) over whole UTC days.

- ideas: ideas raised in the period (rejected ones, spam, left out);
- participants: distinct customers who raised an idea, voted or commented in the period;
- votes: votes cast in the period (a withdrawn vote is gone, so it no longer counts);
- adopted: ideas that reached a planned, in-development or done stage for the first time in the period;
- first_response_median: the median wall-clock time from publication to the first public word of staff, of the
  ideas that got it in the period (PostgreSQL `percentile_cont`; SQLite an ordered query with an offset);
- social_share: the share of the period's ideas that came from social media, webcare or the community;
- told_shipped: loop messages sent in the period about a move to a done stage (people told their idea shipped).

Every filter is on an indexed moment (`ix_cocreation_idea_recent`, `_response`, `ix_cocreation_vote_created`,
`ix_cocreation_comment_status`, `ix_cocreation_stage_change_recent`, `ix_cocreation_loop_sent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, extract, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.plugins.api import KpiDefinition
from plugins.cocreation.models import ADOPTED_MEANINGS, Comment, Idea, LoopMessage, StageChange, Vote

SOCIAL_SOURCES = ("mention", "case", "question")
COUNTED = ("pending", "published", "merged")
"""An idea counts unless moderation rejected it (spam is no idea)."""

KPIS = [
    KpiDefinition("cocreation.ideas", {"nl": "Nieuwe ideeën", "en": "New ideas"}, "count",
                  {"nl": "Ideeën die in de periode op het ideeënbord zijn aangedragen (afgewezen spam niet).",
                   "en": "Ideas raised on the idea board in the period (rejected spam left out)."}),
    KpiDefinition("cocreation.participants", {"nl": "Deelnemers", "en": "Participants"}, "count",
                  {"nl": "Verschillende klanten die in de periode een idee aandroegen, stemden of reageerden.",
                   "en": "Distinct customers who raised an idea, voted or commented in the period."}),
    KpiDefinition("cocreation.votes", {"nl": "Stemmen", "en": "Votes"}, "count",
                  {"nl": "Stemmen op ideeën in de periode (ingetrokken stemmen tellen niet).",
                   "en": "Votes on ideas in the period (withdrawn votes do not count)."}),
    KpiDefinition("cocreation.adopted", {"nl": "Overgenomen ideeën", "en": "Ideas adopted"}, "count",
                  {"nl": "Ideeën die in de periode voor het eerst naar gepland, in ontwikkeling of gerealiseerd "
                         "gingen.",
                   "en": "Ideas that moved to planned, in development or done for the first time in the period."}),
    KpiDefinition("cocreation.first_response_median",
                  {"nl": "Eerste reactie op een idee (mediaan)", "en": "First response to an idea (median)"},
                  "minutes",
                  {"nl": "Mediane tijd van publicatie tot het eerste publieke woord van de organisatie (een "
                         "fasewissel of officiële reactie), van de ideeën die dat in de periode kregen; leeg als "
                         "er geen waren.",
                   "en": "Median time from publication to the organisation's first public word (a stage change or "
                         "an official comment), of the ideas that got it in the period; empty when there were "
                         "none."}),
    KpiDefinition("cocreation.social_share",
                  {"nl": "Ideeën uit social media en webcare", "en": "Ideas from social media and webcare"},
                  "percent",
                  {"nl": "Aandeel van de nieuwe ideeën dat uit een vermelding, een webcarezaak of de community "
                         "kwam; leeg zonder nieuwe ideeën.",
                   "en": "Share of the new ideas that came from a mention, a webcare case or the community; empty "
                         "without new ideas."}),
    KpiDefinition("cocreation.told_shipped",
                  {"nl": "Geïnformeerd over gerealiseerd idee", "en": "People told their idea shipped"}, "count",
                  {"nl": "Berichten van de cirkel terug die in de periode zijn verstuurd over een idee dat "
                         "gerealiseerd is.",
                   "en": "Loop messages sent in the period about an idea that was done."}),
]


@dataclass(frozen=True)
class Window:
    """Whole UTC days first..last (inclusive) as the half-open interval [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def of(cls, first: date, last: date) -> Window:
        return cls(datetime.combine(first, time(0), tzinfo=UTC),
                   datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC))

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def ideas(session: AsyncSession, window: Window) -> int:
    return int(await session.scalar(select(func.count()).select_from(Idea).where(
        Idea.status.in_(COUNTED), window.holds(Idea.created_at))) or 0)


async def participants(session: AsyncSession, window: Window) -> int:
    """One UNION of the three ways to take part: a customer counts once, however often they took part."""
    taking_part = union(
        select(Idea.customer_id.label("customer_id")).where(
            Idea.status.in_(COUNTED), window.holds(Idea.created_at), Idea.customer_id.is_not(None)),
        select(Vote.customer_id.label("customer_id")).where(window.holds(Vote.created_at)),
        select(Comment.customer_id.label("customer_id")).where(
            Comment.status.in_(("pending", "published")), window.holds(Comment.created_at),
            Comment.customer_id.is_not(None)),
    ).subquery()
    return int(await session.scalar(select(func.count()).select_from(taking_part)) or 0)


async def votes(session: AsyncSession, window: Window) -> int:
    return int(await session.scalar(select(func.count()).select_from(Vote).where(window.holds(Vote.created_at)))
               or 0)


async def adopted(session: AsyncSession, window: Window) -> int:
    """Ideas whose first move to an adopted stage lies in the window (a later planned → done is no new one)."""
    earlier = aliased(StageChange)
    return int(await session.scalar(select(func.count(func.distinct(StageChange.idea_id))).where(
        StageChange.to_meaning.in_(ADOPTED_MEANINGS), window.holds(StageChange.created_at),
        ~exists().where(earlier.idea_id == StageChange.idea_id, earlier.to_meaning.in_(ADOPTED_MEANINGS),
                        earlier.created_at < window.start))) or 0)


async def first_response_median(session: AsyncSession, window: Window) -> float | None:
    """Minutes, the continuous median (the mean of the middle two of an even number)."""
    answered = (window.holds(Idea.first_response_at), Idea.published_at.is_not(None),
                Idea.first_response_at >= Idea.published_at)
    if _is_postgres(session):
        minutes = extract("epoch", Idea.first_response_at - Idea.published_at) / 60.0
        value = await session.scalar(select(func.percentile_cont(0.5).within_group(minutes)).where(*answered))
        return None if value is None else round(float(value), 1)
    minutes = (func.julianday(Idea.first_response_at) - func.julianday(Idea.published_at)) * 1440.0
    n = int(await session.scalar(select(func.count()).select_from(Idea).where(*answered)) or 0)
    if not n:
        return None
    middle = select(minutes.label("minutes")).where(*answered).order_by(minutes) \
        .limit(2 - n % 2).offset((n - 1) // 2).subquery()
    value = await session.scalar(select(func.avg(middle.c.minutes)))
    return None if value is None else round(float(value), 1)


async def social_share(session: AsyncSession, window: Window) -> float | None:
    total, social = (await session.execute(select(
        func.count(), func.coalesce(func.sum(case((Idea.source.in_(SOCIAL_SOURCES), 1), else_=0)), 0)).where(
        Idea.status.in_(COUNTED), window.holds(Idea.created_at)))).one()
    return None if not total else round(100.0 * float(social) / float(total), 1)


async def told_shipped(session: AsyncSession, window: Window) -> int:
    return int(await session.scalar(select(func.count()).select_from(LoopMessage).join(
        StageChange, StageChange.id == LoopMessage.stage_change_id).where(
        LoopMessage.state == "sent", window.holds(LoopMessage.sent_at), StageChange.to_meaning == "done")) or 0)


MEASURES = {
    "cocreation.ideas": ideas, "cocreation.participants": participants, "cocreation.votes": votes,
    "cocreation.adopted": adopted, "cocreation.first_response_median": first_response_median,
    "cocreation.social_share": social_share, "cocreation.told_shipped": told_shipped,
}


async def measure(session: AsyncSession, kpi: str, period: tuple[date, date]) -> float | None:
    """One KPI over `period` (two dates, inclusive): counts are 0 for an empty period, the median and the share
    None when there is nothing to measure."""
    function = MEASURES.get(kpi)
    if function is None:
        return None
    value = await function(session, Window.of(*period))
    return None if value is None else float(value)
