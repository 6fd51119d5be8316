"""The rewards catalogue and its redemptions. No money changes hands: an ambassador redeems (points taken and
one piece of stock held), staff approve (the stock on hand goes down) or reject (points and the held piece back).

Both the points and the stock are taken by conditional updates, so two redemptions at the same moment never
take the balance or the stock below zero."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import FieldErrors, Msg, NotFound, Refused, clean_text, record_audit, utcnow
from plugins.energizing.ambassadors import points
from plugins.energizing.ambassadors.missions import clean_points
from plugins.energizing.ambassadors.models import Redemption, Reward
from plugins.energizing.ambassadors.service import AMBASSADOR
from plugins.energizing.models import Ambassador


def clean_reward(values: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    out = {
        "name": errors.clean(clean_text, values.get("name"), "name", max_length=120),
        "description": errors.clean(clean_text, values.get("description"), "description", required=False,
                                    max_length=2000) or "",
        "cost": errors.clean(clean_points, values.get("cost"), "cost"),
        "stock": errors.clean(clean_points, values.get("stock"), "stock", low=0, high=100_000),
        "active": str(values.get("active", "1")) in ("1", "on", "true", "True"),
    }
    errors.raise_if_any()
    return out


async def save(session: AsyncSession, principal: Any, values: dict[str, Any], reward: Reward | None = None) -> Reward:
    cleaned = clean_reward(values)
    if reward is None:
        reward = Reward(**cleaned, reserved=0)
        session.add(reward)
    else:
        # one conditional update: a redemption held at this moment is counted, not the `reserved` read earlier
        changed = await session.execute(update(Reward).where(Reward.id == reward.id,
                                                             Reward.reserved <= cleaned["stock"])
                                        .values(**cleaned).execution_options(synchronize_session=False))
        await session.refresh(reward)
        if changed.rowcount != 1:
            raise Refused(field="stock", msgid="{n} are held for redemptions awaiting a decision: the stock cannot "
                                                "be lower.", n=reward.reserved)
    await session.flush()
    await record_audit(session, principal, "energizing.reward_saved", subject=reward,
                       summary=Msg("Reward \"{name}\" saved ({cost} points, {stock} in stock)", name=reward.name,
                                   cost=reward.cost, stock=reward.stock))
    return reward


def catalogue_query() -> Any:
    return select(Reward).where(Reward.active.is_(True)).order_by(Reward.cost, Reward.name)


async def redeem(session: AsyncSession, ambassador: Ambassador, reward_id: Any) -> Redemption:
    """Redeem a reward: one piece held and the points taken, or Refused (out of stock, too few points)."""
    reward = await session.get(Reward, reward_id) if isinstance(reward_id, UUID) else None
    if reward is None or not reward.active:
        raise NotFound()
    held = await session.execute(update(Reward).where(Reward.id == reward.id, Reward.stock - Reward.reserved >= 1)
                                 .values(reserved=Reward.reserved + 1).execution_options(synchronize_session=False))
    if held.rowcount != 1:
        raise Refused(field="reward", msgid="This reward is out of stock.")
    redemption = Redemption(reward_id=reward.id, ambassador_id=ambassador.id, points=reward.cost, state="requested",
                            note="")
    session.add(redemption)
    await session.flush()
    await points.spend(session, ambassador.id, reward.cost, ref_id=redemption.id, label=reward.name)
    await record_audit(session, AMBASSADOR, "energizing.reward_redeemed", subject=redemption,
                       summary=Msg("{name} redeemed \"{reward}\" for {points} points", name=ambassador.name,
                                   reward=reward.name, points=reward.cost))
    return redemption


async def decide(session: AsyncSession, principal: Any, redemption_id: UUID, values: dict[str, Any]) -> Redemption:
    """Approve (the stock on hand goes down) or reject (points and the held piece back) a redemption, once."""
    errors = FieldErrors()
    decision = values.get("decision")
    if decision not in ("approve", "reject"):
        errors.add("decision", msgid="Choose approve or reject.")
    note = errors.clean(clean_text, values.get("note"), "note", required=decision == "reject", max_length=1000) or ""
    errors.raise_if_any()
    redemption = await session.get(Redemption, redemption_id)
    if redemption is None:
        raise NotFound()
    state = "approved" if decision == "approve" else "rejected"
    changed = await session.execute(
        update(Redemption).where(Redemption.id == redemption.id, Redemption.state == "requested")
        .values(state=state, note=note, decided_at=utcnow(),
                decided_by_id=getattr(getattr(principal, "user", None), "id", None))
        .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Refused(field="decision", msgid="This redemption was already decided.")
    await session.refresh(redemption)
    reward = await session.get(Reward, redemption.reward_id)
    name = reward.name if reward else ""
    if state == "approved":
        await session.execute(update(Reward).where(Reward.id == redemption.reward_id).values(
            stock=Reward.stock - 1, reserved=Reward.reserved - 1).execution_options(synchronize_session=False))
        await record_audit(session, principal, "energizing.redemption_approved", subject=redemption,
                           summary=Msg("Redemption of \"{reward}\" approved", reward=name))
    else:
        await session.execute(update(Reward).where(Reward.id == redemption.reward_id).values(
            reserved=Reward.reserved - 1).execution_options(synchronize_session=False))
        await points.refund(session, redemption.ambassador_id, redemption.points, ref_id=redemption.id, label=name)
        await record_audit(session, principal, "energizing.redemption_rejected", subject=redemption, reason=note,
                           summary=Msg("Redemption of \"{reward}\" rejected; points returned", reward=name))
    return redemption


def pending_query() -> Any:
    return select(Redemption).where(Redemption.state == "requested").order_by(Redemption.created_at)
