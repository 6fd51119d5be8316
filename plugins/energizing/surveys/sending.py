"""Mailing a survey: one personal invitation per consenting contact per survey, and one reminder at most.

Both are idempotent: an invitation exists once per (survey, address) — a contact already invited is skipped —
and a reminder sets `reminded_at` in an update conditioned on it being empty, so of two overlapping runs only
one mails each person. The mail goes through the outbox in the same transaction as the row that records it, so a
crash never mails without a record.

Every mail carries an opt-out link (signed with the site's secret, stable across the reminder): it leads to a
page whose button withdraws the contact's consent. A reminder goes only to those whose consent still stands.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Refused, gettext_for, send_mail, utcnow
from plugins.energizing.surveys.answering import digest
from plugins.energizing.surveys.models import Survey, SurveyAnswer, SurveyContact, SurveyInvitation

Progress = Callable[[int, int], Awaitable[None]]


def invitation_base(base_url: str, slug: str) -> str:
    return f"{base_url}/t/{slug}/p/energizing/s/i/"


def optout_base(base_url: str, slug: str) -> str:
    return f"{base_url}/t/{slug}/p/energizing/s/o/"


def _optout_signature(secret: str, invitation_id: UUID) -> str:
    return hmac.new(secret.encode(), f"optout:{invitation_id}".encode(), hashlib.sha256).hexdigest()[:32]


def optout_token(secret: str, invitation_id: UUID) -> str:
    """"<invitation id>.<signature>": names no address, cannot be made up, and survives the reminder's new link."""
    return f"{invitation_id.hex}.{_optout_signature(secret, invitation_id)}"


def optout_invitation_id(secret: str, token: str) -> UUID | None:
    """The invitation an opt-out token belongs to, or None when it is not one we signed."""
    raw, _dot, signature = str(token or "").partition(".")
    try:
        invitation_id = UUID(hex=raw)
    except ValueError:
        return None
    return invitation_id if hmac.compare_digest(signature, _optout_signature(secret, invitation_id)) else None


def _invitation_text(lang: str, survey: Survey, tenant_name: str, name: str, link: str, reminder: bool,
                     optout: str) -> tuple[str, str]:
    _ = gettext_for(lang)
    greeting = _("Dear {name},", name=name) if name else _("Hello,")
    if reminder:
        subject = _("Reminder: how likely are you to recommend {tenant}?", tenant=tenant_name)
        body = _("A few days ago we asked for your opinion. It takes a minute, and it helps us a lot:")
    else:
        subject = _("How likely are you to recommend {tenant}?", tenant=tenant_name)
        body = _("{tenant} would like to know what you think. Answer the survey \"{title}\"; it takes a minute:",
                 tenant=tenant_name, title=survey.title)
    footer = _("This link is personal: it records one answer. You receive this mail because you agreed to be "
               "asked for your opinion.")
    unsubscribe = _("No more survey mails from {tenant}? Unsubscribe here:", tenant=tenant_name)
    return subject, f"{greeting}\n\n{body}\n\n{link}\n\n{footer}\n\n{unsubscribe}\n{optout}"


async def send_invitations(session: AsyncSession, survey: Survey, *, base_url: str, slug: str, tenant_name: str,
                           secret: str, lang: str = "nl", progress: Progress | None = None,
                           limit: int | None = None) -> int:
    """Invite every contact with consent who has no invitation to this survey yet (at most `limit` of them, so a
    job can send in chunks of their own transaction); returns how many were sent."""
    if survey.state != "open":
        raise Refused(field="state", msgid="Open the survey before sending invitations.")
    invited = select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey.id)
    query = select(SurveyContact).where(SurveyContact.consent.is_(True), SurveyContact.email.not_in(invited)
                                        ).order_by(SurveyContact.email)
    contacts = list(await session.scalars(query if limit is None else query.limit(limit)))
    base = invitation_base(base_url, slug)
    now = utcnow()
    for n, contact in enumerate(contacts, start=1):
        token, invitation_id = secrets.token_urlsafe(24), uuid4()
        session.add(SurveyInvitation(id=invitation_id, survey_id=survey.id, email=contact.email, name=contact.name,
                                     token_digest=digest(token), sent_at=now))
        subject, text = _invitation_text(lang, survey, tenant_name, contact.name, base + token, reminder=False,
                                         optout=optout_base(base_url, slug) + optout_token(secret, invitation_id))
        send_mail(session, contact.email, subject, text)
        if progress is not None and (n % 200 == 0 or n == len(contacts)):
            await progress(n, len(contacts))
    if contacts:
        await session.flush()
        await session.execute(update(Survey).where(Survey.id == survey.id)
                              .values(invited=Survey.invited + len(contacts))
                              .execution_options(synchronize_session=False))
    return len(contacts)


async def send_reminders(session: AsyncSession, survey: Survey, *, base_url: str, slug: str, tenant_name: str,
                         secret: str, lang: str = "nl", progress: Progress | None = None) -> int:
    """Remind, once, those invited at least `reminder_days` ago who have not answered (by their link or, counted
    under their address, by the shared link).

    The reminder needs the link again, but only its digest is kept: the reminder carries a new token for the
    same invitation (the first link stops working, so still one answer per invitation)."""
    if survey.state != "open":
        return 0
    due = utcnow() - timedelta(days=survey.reminder_days)
    consenting = select(SurveyContact.email).where(SurveyContact.consent.is_(True))
    # an address counted by the shared link has answered: its unused invitation gets no reminder
    counted = select(SurveyAnswer.counted_email).where(SurveyAnswer.survey_id == survey.id,
                                                       SurveyAnswer.counted_email.is_not(None))
    rows = list(await session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.answered_at.is_(None),
        SurveyInvitation.reminded_at.is_(None), SurveyInvitation.sent_at <= due,
        SurveyInvitation.email.in_(consenting), SurveyInvitation.email.not_in(counted))
        .order_by(SurveyInvitation.email)))
    base = invitation_base(base_url, slug)
    now = utcnow()
    sent = 0
    for n, invitation in enumerate(rows, start=1):
        token = secrets.token_urlsafe(24)
        # only the run that sets reminded_at mails: another run that read the same rows changes nothing
        taken = await session.execute(
            update(SurveyInvitation).where(SurveyInvitation.id == invitation.id,
                                           SurveyInvitation.reminded_at.is_(None),
                                           SurveyInvitation.answered_at.is_(None))
            .values(token_digest=digest(token), reminded_at=now).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            sent += 1
            subject, text = _invitation_text(
                lang, survey, tenant_name, invitation.name, base + token, reminder=True,
                optout=optout_base(base_url, slug) + optout_token(secret, invitation.id))
            send_mail(session, invitation.email, subject, text)
        if progress is not None and (n % 200 == 0 or n == len(rows)):
            await progress(n, len(rows))
    for invitation in rows:
        session.expire(invitation)
    return sent


def uninvited_count_query(survey: Survey) -> Any:
    from sqlalchemy import func

    invited = select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey.id)
    return select(func.count()).select_from(SurveyContact).where(SurveyContact.consent.is_(True),
                                                                SurveyContact.email.not_in(invited))
