"""JSON API of the Conversation Index: the page's figures (trend and components per search profile)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.monitoring.conversation_index import boards, service
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
    computed_at: datetime | None
    """When the figures were computed (they are computed ahead, every few minutes at most); null while the
    period's first computation is still on its way: then `tenant` is empty and `profiles` too."""


@get("/conversation-index", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="The Conversation Index per search profile over a period")
async def conversation_index(db: AsyncSession, period: str | None = None) -> IndexOut:
    """period: 30d (daily points), 13w, 26w or 52w (weekly points); 13w by default."""
    chosen = service.parse_period(period)
    board = await boards.stored(db, chosen.key)
    if board is None:
        return IndexOut(period=chosen.key, first_day=chosen.start.date(), last_day=chosen.last_day,
                        bucket_days=chosen.bucket_days, buckets=[s.date() for s, _ in chosen.buckets],
                        tenant=ScoreOut.of(Score()), profiles=[], computed_at=None)
    return IndexOut(period=board.period.key, first_day=board.period.start.date(), last_day=board.period.last_day,
                    bucket_days=board.period.bucket_days, buckets=[s.date() for s, _ in board.period.buckets],
                    tenant=ScoreOut.of(board.tenant),
                    profiles=[ProfileIndex(id=p.id, name=p.name, period=ScoreOut.of(board.breakdown[p.id]),
                                           trend=service.values(board.trend[p.id])) for p in board.profiles],
                    computed_at=board.computed_at)


ROUTES = [conversation_index]
