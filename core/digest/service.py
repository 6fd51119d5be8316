"""Who gets the weekly digest: on by default for the workgroup (a seat, or the regie holder), off by default
for everyone else, who may opt in. A person's choice is a `DigestSubscription` row; no row means the default.
The row (and its unsubscribe token) is created the first time it is needed: a choice, or the first mail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth.models import Membership, User
from core.errors import NotFound
from core.measurement.models import DigestSubscription
from core.validation import clean_choice
from core.workgroup.models import RegieAppointment, WorkgroupSeat

CHOICES = ("on", "off")
TOKEN_BYTES = 32
"""secrets.token_urlsafe(32): 43 characters, fits the 64 of the column."""


@dataclass
class Recipient:
    user: User
    subscription: DigestSubscription | None


async def workgroup_user_ids(session: AsyncSession) -> set[UUID]:
    """Users with a workgroup seat or the open regie appointment: their digest is on unless they turn it off."""
    seated = select(Membership.user_id).join(WorkgroupSeat, WorkgroupSeat.membership_id == Membership.id)
    holder = select(Membership.user_id).join(RegieAppointment, RegieAppointment.membership_id == Membership.id) \
        .where(RegieAppointment.ended_at.is_(None))
    return set((await session.scalars(seated)).all()) | set((await session.scalars(holder)).all())


async def subscription_of(session: AsyncSession, user_id: UUID) -> DigestSubscription | None:
    return await session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user_id))


def new_row(user_id: UUID, subscribed: bool) -> DigestSubscription:
    return DigestSubscription(user_id=user_id, subscribed=subscribed, token=secrets.token_urlsafe(TOKEN_BYTES))


async def set_subscribed(session: AsyncSession, principal: Any, choice: Any) -> DigestSubscription:
    """The signed-in person turns their own digest on or off (`choice` "on" / "off"); audited."""
    value = clean_choice(choice, "subscribed", CHOICES) == "on"
    user_id = principal.user.id
    row = await subscription_of(session, user_id)
    if row is None:
        row = new_row(user_id, value)
        session.add(row)
    row.subscribed = value
    await session.flush()
    await record(session, principal, "digest.subscribed" if value else "digest.unsubscribed", subject=row,
                 summary="weekly digest on" if value else "weekly digest off", touch=False)
    return row


async def by_token(session: AsyncSession, token: str) -> DigestSubscription | None:
    """The subscription of an unsubscribe link, in the request's tenant; None for a wrong or foreign token."""
    if not token or len(token) > 64:
        return None
    return await session.scalar(select(DigestSubscription).where(DigestSubscription.token == token))


async def unsubscribe(session: AsyncSession, token: str) -> DigestSubscription:
    """The link in the mail, confirmed with a POST (no login): the digest stops; audited as the link's owner."""
    row = await by_token(session, token)
    if row is None:
        raise NotFound()
    if row.subscribed:
        row.subscribed = False
        user = await session.get(User, row.user_id)
        await record(session, f"{user.email if user else 'unknown'} (unsubscribe link)", "digest.unsubscribed",
                     subject=row, summary="weekly digest off through the link in the mail", touch=False)
    return row


async def recipients(session: AsyncSession) -> list[Recipient]:
    """Everyone who gets this tenant's digest: active members (workgroup by default, others who opted in) and
    mediators who opted in; never a deactivated user or membership."""
    rows = {s.user_id: s for s in (await session.scalars(select(DigestSubscription))).all()}
    default_on = await workgroup_user_ids(session)
    members = (await session.scalars(select(Membership).where(Membership.is_active.is_(True)))).all()
    found: dict[UUID, Recipient] = {}
    for membership in members:
        user, row = membership.user, rows.get(membership.user_id)
        wanted = row.subscribed if row is not None else membership.user_id in default_on
        if wanted and user.is_active:
            found[user.id] = Recipient(user=user, subscription=row)
    opted_mediators = [uid for uid, row in rows.items() if row.subscribed and uid not in found]
    if opted_mediators:
        users = await session.scalars(select(User).where(User.id.in_(opted_mediators), User.is_mediator.is_(True),
                                                          User.is_active.is_(True)))
        for user in users.all():
            found[user.id] = Recipient(user=user, subscription=rows[user.id])
    return sorted(found.values(), key=lambda r: r.user.email)
