"""Telling people: an in-app notification per person and, when asked, an e-mail in that person's language."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import Membership, User
from core.db.base import utcnow
from core.i18n import Msg, normalise
from core.jobs.outbox import enqueue
from core.notifications.models import Notification
from core.settings import Settings
from core.workgroup.models import RegieAppointment, WorkgroupSeat


async def department_and_regie(session: AsyncSession, department_id: UUID | None,
                               include_regie: bool = True) -> list[User]:
    """Active members of a department (by membership or workgroup seat) plus the regie holder, each once."""
    ids: set[UUID] = set()
    if department_id is not None:
        ids |= set((await session.scalars(select(Membership.user_id).where(
            Membership.department_id == department_id, Membership.is_active.is_(True)))).all())
        ids |= set((await session.scalars(select(Membership.user_id).join(
            WorkgroupSeat, WorkgroupSeat.membership_id == Membership.id).where(
            WorkgroupSeat.department_id == department_id, Membership.is_active.is_(True)))).all())
    if include_regie:
        holder = await session.scalar(select(Membership.user_id).join(
            RegieAppointment, RegieAppointment.membership_id == Membership.id).where(
            RegieAppointment.ended_at.is_(None)))
        if holder is not None:
            ids.add(holder)
    if not ids:
        return []
    return list((await session.scalars(select(User).where(User.id.in_(ids), User.is_active.is_(True))
                                       .order_by(User.email))).all())


async def notify_people(session: AsyncSession, settings: Settings, users: list[User], kind: str, title: Msg,
                        body: Msg | None = None, href: str = "", email: bool = True) -> list[Notification]:
    """One notification per person (in their language) and, with `email`, a mail through the outbox."""
    made = []
    for user in users:
        lang = normalise(user.locale)
        subject = title.render(lang)
        text = body.render(lang) if body is not None else ""
        note = Notification(user_id=user.id, kind=kind, title=subject[:300], body=text, href=href)
        session.add(note)
        made.append(note)
        if email:
            link = f"{settings.base_url}{href}" if href.startswith("/") else href
            enqueue(session, "core.send_mail", to=user.email, subject=subject,
                    text="\n\n".join(part for part in (text, link) if part))
    return made


def inbox_query(user_id: UUID) -> Select[Any]:
    return select(Notification).where(Notification.user_id == user_id).order_by(Notification.created_at.desc())


async def unread_count(session: AsyncSession, user_id: UUID) -> int:
    return await session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


async def mark_read(session: AsyncSession, user_id: UUID, notification_id: UUID | None = None) -> int:
    """Mark one (or, without an id, every) notification of this person read; another person's id is ignored."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = await session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
