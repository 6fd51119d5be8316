"""Points: every change goes to `Ambassador.points` (and, for earned points, `points_earned` and the tier) in the
caller's transaction, with a ledger entry for the history. Spending is one conditional update, so two
redemptions at once never take the balance below zero."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Refused, utcnow
from plugins.energizing.ambassadors.models import PointsEntry
from plugins.energizing.ambassadors.service import tier_for
from plugins.energizing.models import Ambassador


async def _retier(session: AsyncSession, ambassador_id: UUID) -> None:
    ambassador = await session.get(Ambassador, ambassador_id, populate_existing=True)
    if ambassador is not None:
        ambassador.tier = await tier_for(session, ambassador.points_earned)
        await session.flush()


async def earn(session: AsyncSession, ambassador_id: UUID, delta: int, *, reason: str, ref_id: UUID | None,
               label: str) -> None:
    """Add (or, for a withdrawn completion, take back) earned points; the tier follows the points earned."""
    await session.execute(update(Ambassador).where(Ambassador.id == ambassador_id).values(
        points=Ambassador.points + delta, points_earned=Ambassador.points_earned + delta,
        last_active_at=utcnow()).execution_options(synchronize_session=False))
    session.add(PointsEntry(ambassador_id=ambassador_id, delta=delta, reason=reason, ref_id=ref_id,
                            label=label[:200]))
    await session.flush()
    await _retier(session, ambassador_id)


async def spend(session: AsyncSession, ambassador_id: UUID, cost: int, *, ref_id: UUID, label: str) -> None:
    """Take `cost` points for a redemption, only when the balance holds them (Refused otherwise)."""
    result = await session.execute(update(Ambassador).where(Ambassador.id == ambassador_id,
                                                            Ambassador.points >= cost)
                                   .values(points=Ambassador.points - cost, last_active_at=utcnow())
                                   .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Refused(field="reward", msgid="You do not have enough points for this reward.")
    session.add(PointsEntry(ambassador_id=ambassador_id, delta=-cost, reason="redeemed", ref_id=ref_id,
                            label=label[:200]))
    await session.flush()


async def refund(session: AsyncSession, ambassador_id: UUID, points: int, *, ref_id: UUID, label: str) -> None:
    """Points back for a rejected redemption (they were never earned twice, so the tier stays)."""
    await session.execute(update(Ambassador).where(Ambassador.id == ambassador_id).values(
        points=Ambassador.points + points).execution_options(synchronize_session=False))
    session.add(PointsEntry(ambassador_id=ambassador_id, delta=points, reason="refunded", ref_id=ref_id,
                            label=label[:200]))
    await session.flush()
