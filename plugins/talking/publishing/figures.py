"""What the network says back: interactions per published variant (its first `INTERACTION_DAYS` days) and
followers per account per day, read by periodic jobs; and the KPIs computed from them.

- `talking.interactions`: likes + reposts + replies + quotes (the latest counts) of the variants that went out
  in the period;
- `talking.followers`: the network's size at the period's end: per account that talking posts on, its latest
  follower count read on or before the period's last day, summed (None: never read);
- `talking.engagement_rate`: `talking.interactions` ÷ the followers, at the period's end, of the accounts
  those variants went out on, as a percentage (None without followers read for them).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    Capability,
    ChannelError,
    JobContext,
    NotConnected,
    NotOnNetwork,
    PostRef,
    channel_connector,
    channel_states,
    job_transaction,
    open_channel,
    outward_accounts,
    read_profile,
    utcnow,
)
from plugins.talking.models import AccountFollowers, Post, PostVariant, VariantInteractions
from plugins.talking.moments import utc_days

log = logging.getLogger(__name__)
INTERACTION_DAYS = 7
BATCH = 100
"""Variants read per account per transaction."""


async def refresh_interactions(ctx: JobContext, **_: Any) -> dict[str, int]:
    """Hourly: the counts of every variant published through the network in the last week, a batch per account
    in a transaction of its own. A post the network no longer has (or has not indexed yet) keeps its last counts;
    an account whose connection fails is left for the next run. Idempotent (one row per variant)."""
    since = utcnow() - timedelta(days=INTERACTION_DAYS)
    async with job_transaction(ctx) as session:
        rows = (await session.execute(
            select(PostVariant.id, PostVariant.account_id, PostVariant.remote_uri)
            .where(PostVariant.published_at >= since, PostVariant.remote_uri.like("at://%"),
                   PostVariant.removed_at.is_(None)).order_by(PostVariant.account_id, PostVariant.published_at)
        )).all()
    by_account: dict[UUID, list[tuple[UUID, str]]] = defaultdict(list)
    for variant_id, account_id, uri in rows:
        by_account[account_id].append((variant_id, uri))
    counts = {"read": 0, "missing": 0, "failed": 0}
    for account_id, variants in by_account.items():
        for start in range(0, len(variants), BATCH):
            try:
                async with job_transaction(ctx) as session:
                    await _read_batch(session, ctx, account_id, variants[start:start + BATCH], counts)
            except (ChannelError, NotConnected):
                counts["failed"] += 1  # the connection says why; the next run tries again
                break
            except Exception:  # noqa: BLE001 - one account's trouble never stops the others
                log.exception("reading interactions of account %s failed", account_id)
                counts["failed"] += 1
                break
    return counts


async def _read_batch(session: AsyncSession, ctx: JobContext, account_id: UUID, variants: list[tuple[UUID, str]],
                      counts: dict[str, int]) -> None:
    stored = {row.variant_id: row for row in (await session.scalars(select(VariantInteractions).where(
        VariantInteractions.variant_id.in_([v for v, _uri in variants])))).all()}
    async with open_channel(session, ctx.settings, account_id) as (connector, connection):
        if Capability.interactions not in connector.capabilities:
            return
        for variant_id, uri in variants:
            try:
                figures = await connector.interactions(connection, PostRef.from_uri(uri))
            except (NotOnNetwork, ValueError):
                counts["missing"] += 1
                continue
            row = stored.get(variant_id)
            if row is None:
                row = VariantInteractions(variant_id=variant_id, account_id=account_id)
                session.add(row)
            row.likes, row.reposts, row.replies, row.quotes = (figures.likes, figures.reposts, figures.replies,
                                                               figures.quotes)
            row.read_at = utcnow()
            counts["read"] += 1


async def read_followers(ctx: JobContext, **_: Any) -> dict[str, int]:
    """Daily: the followers of every account talking posts on whose connection can read a profile; one row per
    account per day (a second run the same day updates it). An account at a time, in its own transaction."""
    async with job_transaction(ctx) as session:
        accounts = [a.id for a in await outward_accounts(session)]
        states = await channel_states(session, accounts)
    counts = {"read": 0, "failed": 0}
    today = utcnow().date()
    for account_id in accounts:
        state = states.get(account_id)
        if state is None or state.status == "disconnected" or \
                Capability.profile not in channel_connector(state.connector, ctx.settings).capabilities:
            continue
        try:
            async with job_transaction(ctx) as session:
                try:
                    figures = await read_profile(session, ctx.settings, account_id)
                except ChannelError:
                    counts["failed"] += 1  # the connection now says failing with the reason: keep that
                    continue
                row = await session.scalar(select(AccountFollowers).where(
                    AccountFollowers.account_id == account_id, AccountFollowers.day == today))
                if row is None:
                    row = AccountFollowers(account_id=account_id, day=today)
                    session.add(row)
                row.followers, row.follows, row.posts = figures.followers, figures.follows, figures.posts
                row.read_at = utcnow()
                counts["read"] += 1
        except Exception:  # noqa: BLE001
            log.exception("reading the followers of account %s failed", account_id)
            counts["failed"] += 1
    return counts


# -- KPIs ---------------------------------------------------------------------------------------------------------

async def interactions_in(session: AsyncSession, period: tuple[date, date]) -> tuple[int, set[UUID]]:
    """Interactions on the variants that went out in the period, and the accounts they went out on."""
    start, end = utc_days(*period)
    rows = (await session.execute(
        select(PostVariant.account_id,
               func.coalesce(func.sum(VariantInteractions.likes + VariantInteractions.reposts
                                      + VariantInteractions.replies + VariantInteractions.quotes), 0))
        .join(Post, Post.id == PostVariant.post_id)
        .outerjoin(VariantInteractions, VariantInteractions.variant_id == PostVariant.id)
        .where(PostVariant.published_at >= start, PostVariant.published_at < end, Post.state != "cancelled")
        .group_by(PostVariant.account_id))).all()
    return int(sum(total for _a, total in rows)), {account for account, _t in rows}


async def followers_at(session: AsyncSession, day: date, accounts: set[UUID] | None = None) -> int | None:
    """Followers at the end of `day`: per account its latest reading on or before it, summed; None: none read."""
    latest = select(AccountFollowers.account_id, func.max(AccountFollowers.day).label("day")) \
        .where(AccountFollowers.day <= day).group_by(AccountFollowers.account_id)
    if accounts is not None:
        if not accounts:
            return None
        latest = latest.where(AccountFollowers.account_id.in_(accounts))
    sub = latest.subquery()
    total, found = (await session.execute(
        select(func.coalesce(func.sum(AccountFollowers.followers), 0), func.count())
        .join(sub, and_(sub.c.account_id == AccountFollowers.account_id, sub.c.day == AccountFollowers.day)))).one()
    return int(total) if found else None


async def measure(session: AsyncSession, kpi: str, period: tuple[date, date]) -> float | None:
    if kpi == "talking.interactions":
        return float((await interactions_in(session, period))[0])
    if kpi == "talking.followers":
        followers = await followers_at(session, period[1])
        return float(followers) if followers is not None else None
    if kpi == "talking.engagement_rate":
        total, accounts = await interactions_in(session, period)
        followers = await followers_at(session, period[1], accounts)
        return 100.0 * total / followers if followers else None
    return None
