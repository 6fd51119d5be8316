"""The weekly digest job `core.digest.weekly`: hourly for every tenant; it decides itself whether a week is due
(`core.digest.schedule.due_week`) and sends each subscribed person that week's digest once.

Never twice: the `DigestDelivery` row (unique per tenant, person and ISO week) is inserted first, in a savepoint,
and the mail is queued through the transactional outbox in the same transaction. A second run, or a concurrent
one that loses the race on the unique key, sends nothing; a run that fails rolls back both row and mail.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import as_utc
from core.digest.content import Digest, build_digest
from core.digest.render import render_mail
from core.digest.schedule import due_week, week_label, week_of
from core.digest.service import new_row, recipients
from core.i18n import normalise
from core.mail import send_mail
from core.measurement.models import DigestDelivery
from core.plugins.info import JobContext, JobSpec
from core.tenancy.models import Tenant

log = logging.getLogger("regie.digest")


def unsubscribe_url(base_url: str, slug: str, token: str) -> str:
    return f"{base_url}/t/{slug}/digest/unsubscribe/{token}"


async def send_week(session: AsyncSession, pm: Any, tenant: Tenant, week_start: date, base_url: str,
                    now: datetime | None = None) -> int:
    """Send the digest of the week starting `week_start` to everyone subscribed who has not had it; the number
    of mails queued. The digest is built once per language."""
    week = week_label(week_start)
    done = set((await session.scalars(select(DigestDelivery.user_id).where(DigestDelivery.week == week))).all())
    built: dict[str, Digest] = {}
    sent = 0
    for person in await recipients(session):
        if person.user.id in done:
            continue
        lang = normalise(person.user.locale)
        try:
            async with session.begin_nested():
                subscription = person.subscription
                if subscription is None:  # the first mail creates the row that holds the unsubscribe token
                    subscription = new_row(person.user.id, True)
                    session.add(subscription)
                session.add(DigestDelivery(user_id=person.user.id, week=week, sent_at=now or datetime.now(UTC),
                                           lang=lang))
                await session.flush()
        except IntegrityError:
            log.info("digest %s for %s already sent by another run", week, person.user.email)
            continue
        if lang not in built:
            built[lang] = await build_digest(session, pm, tenant, week_start, lang)
        subject, text, html = render_mail(built[lang], base_url,
                                          unsubscribe_url(base_url, tenant.slug, subscription.token))
        send_mail(session, person.user.email, subject, text, html)
        sent += 1
    return sent


async def weekly(ctx: JobContext, now: str | None = None, week: str | None = None) -> int:
    """The scheduled run (no payload: the week due now); `now` (ISO datetime) or `week` ("2026-W49") for a
    test or a run by hand."""
    moment = as_utc(datetime.fromisoformat(now)) if now else datetime.now(UTC)
    week_start = week_of(week) if week else due_week(moment)
    tenant = await ctx.session.get(Tenant, ctx.tenant_id)
    return await send_week(ctx.session, ctx.pm, tenant, week_start, ctx.settings.base_url, moment)


JOBS: list[JobSpec] = [JobSpec(name="core.digest.weekly", run=weekly, every_seconds=3600, max_retries=3)]
