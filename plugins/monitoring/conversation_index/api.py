"""JSON API of the Conversation Index: the page's figures (trend and components per search profile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.monitoring.conversation_index import service
from plugins.monitoring.conversation_index.components import Score


@dataclass
class ScoreOut:
    mentions: int
    components: dict[str, float | None]
    """status, ranking, perception, authority, opportunities, relationship, interaction: 0–100 or null."""
    value: float | None
    """The index (weighted mean of the components that have a value); null without mentions."""

    @classmethod
    def of(cls, score: Score) -> ScoreOut:
        return cls(mentions=score.mentions, components=dict(score.components), value=score.value)


@dataclass
class ProfileIndex:
    id: UUID
    name: str
    period: ScoreOut
    trend: list[float | None]
    """The index per bucket, in the order of `buckets`."""


@dataclass
class IndexOut:
    period: str
    first_day: date
    last_day: date
    bucket_days: int
    buckets: list[date]
    """First day of each bucket."""
    tenant: ScoreOut
    """Every mention once (no ranking)."""
    profiles: list[ProfileIndex]


@get("/conversation-index", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="The Conversation Index per search profile over a period")
async def conversation_index(db: AsyncSession, period: str | None = None) -> IndexOut:
    """period: 30d (daily points), 13w, 26w or 52w (weekly points); 13w by default."""
    board = await service.board(db, service.parse_period(period))
    return IndexOut(period=board.period.key, first_day=board.period.start.date(), last_day=board.period.last_day,
                    bucket_days=board.period.bucket_days, buckets=[s.date() for s, _ in board.period.buckets],
                    tenant=ScoreOut.of(board.tenant),
                    profiles=[ProfileIndex(id=p.id, name=p.name, period=ScoreOut.of(board.breakdown[p.id]),
                                           trend=service.values(board.trend[p.id])) for p in board.profiles])


ROUTES = [conversation_index]
