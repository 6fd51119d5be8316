"""Answering a survey on its public page, without signing in.

Two ways in: a personal invitation link (its token is used up by the answer, in one conditional update, so two
posts of the same link cannot both count) or the survey's shared link (the answer waits, "pending", until the
respondent confirms it by the e-mail link; pending answers expire). Either way an address counts once per survey
(`counted_email` is unique). Spam is kept out by a honeypot field, a signed form stamp that must be at least
`MIN_SECONDS` old, and limits per client address counted in the database (so they hold across processes).

Counting an answer raises the daily rollup (an upsert, safe under concurrent answers on both databases) in the
same transaction — the rollup is the one count: lists and reports add it up, no counter row every answer would
wait on — and, when the tenant asks for it, fires `nps.case_requested` for a detractor (0–6, up to the tenant's
threshold), once. An invited answer is stored as counted in one insert (its address taken in the same statement);
a shared-link answer is counted on confirmation, conditional on its still being pending, so two overlapping
confirmations of one answer count it once.

The public page is the plugin's busiest path: an invited answer costs the link's lookup (invitation, survey and
the tenant's case rule in one query), the link's use, the insert and the rollup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    DomainEvent,
    FieldErrors,
    Refused,
    bulk_insert,
    clean_email,
    clean_text,
    fire_events,
    gettext_for,
    send_mail,
    utcnow,
)
from plugins.energizing.surveys.items import answer_item
from plugins.energizing.surveys.models import (
    ZONE,
    Survey,
    SurveyAnswer,
    SurveyDayCount,
    SurveyInvitation,
    SurveySettings,
    category_of,
)

MIN_SECONDS = 3
"""A form sent sooner after it was shown is a robot's."""
STAMP_HOURS = 24
CONFIRM_HOURS = 48
PER_ADDRESS = (20, timedelta(hours=1))
"""At most this many shared-link answers (each one mails a confirmation) from one client address per hour."""
PER_EMAIL = (3, timedelta(hours=1))
"""At most this many confirmation mails to one e-mail address per hour."""
HONEYPOT = "website"


class RateLimited(DomainError):
    """Too many answers from one place in a short time: 429."""

    status_code = 429


@dataclass
class Reactions:
    """What counting an answer may need beyond the session: the plugin host and tenant to fire the case event,
    the site's address for the answer's link."""

    pm: Any = None
    tenant: Any = None
    lang: str = "nl"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def form_stamp(secret: str, survey_id: UUID, at: float | None = None) -> str:
    """"<unix time>.<signature>": when the form was shown, signed so it cannot be made up."""
    moment = str(int(at if at is not None else time.time()))
    signature = hmac.new(secret.encode(), f"{survey_id}:{moment}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{moment}.{signature}"


def check_stamp(secret: str, survey_id: UUID, stamp: Any, now: float | None = None) -> None:
    moment, _dot, signature = str(stamp or "").partition(".")
    expected = form_stamp(secret, survey_id, int(moment) if moment.isdigit() else 0).partition(".")[2]
    if not moment.isdigit() or not hmac.compare_digest(signature, expected):
        raise DomainError(field="__all__", msgid="This form has expired. Load the page again and answer.")
    age = (now if now is not None else time.time()) - int(moment)
    if age < MIN_SECONDS:
        raise DomainError(field="__all__", msgid="That was very fast. Check your answers and send them again.")
    if age > STAMP_HOURS * 3600:
        raise DomainError(field="__all__", msgid="This form has expired. Load the page again and answer.")


def _score(value: Any) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 0 <= int(text) <= 10:
        raise DomainError(field="score", msgid="Choose a score from 0 to 10.")
    return int(text)


def _scale(value: Any, field: str) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 5:
        raise DomainError(field=field, msgid="Choose 1 to 5.")
    return int(text)


def clean_answer(survey: Survey, data: dict[str, Any], *, with_email: bool) -> dict[str, Any]:
    """The answer's values, or every field's reason at once. A filled honeypot is refused like bad input."""
    errors = FieldErrors()
    if str(data.get(HONEYPOT) or "").strip():
        errors.add("__all__", msgid="Your answer could not be accepted.")
    values: dict[str, Any] = {
        "score": errors.clean(_score, data.get("score")),
        "why": errors.clean(clean_text, data.get("why"), "why", required=False, max_length=2000) or "",
        "may_contact": str(data.get("may_contact") or "") in ("1", "on", "true", "yes"),
    }
    extra: dict[str, Any] = {}
    for question in survey.questions or []:
        key = question["key"]
        if question["kind"] == "scale":
            found = errors.clean(_scale, data.get(key), key)
        else:
            found = errors.clean(clean_text, data.get(key), key, required=False, max_length=500)
        if found not in (None, ""):
            extra[key] = found
    values["extra"] = extra
    if with_email:
        values["email"] = errors.clean(clean_email, data.get("email"))
        values["name"] = errors.clean(clean_text, data.get("name"), "name", required=False, max_length=120) or ""
    errors.raise_if_any()
    return values


def _must_be_open(survey: Survey) -> None:
    if survey.state != "open":
        raise Refused(field="__all__", msgid="This survey is closed: answers are no longer accepted.")


@dataclass
class Invited:
    """An invitation link's lookup: the invitation, its survey and the tenant's case rule, in one query."""

    invitation: SurveyInvitation
    survey: Survey
    auto_case: bool = False
    case_threshold: int = 6


async def invitation_for(session: AsyncSession, token: str) -> Invited | None:
    row = (await session.execute(
        select(SurveyInvitation, Survey, SurveySettings.auto_case, SurveySettings.case_threshold)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .outerjoin(SurveySettings, SurveySettings.tenant_id == SurveyInvitation.tenant_id)
        .where(SurveyInvitation.token_digest == digest(token)))).first()
    if row is None:
        return None
    return Invited(row[0], row[1], bool(row[2]), 6 if row[3] is None else int(row[3]))


async def answer_invitation(session: AsyncSession, invited: Invited, data: dict[str, Any], *, client_ip: str,
                            reactions: Reactions) -> UUID:
    """Store and count the invited person's answer; the link is used up. Returns the answer's id."""
    survey, invitation = invited.survey, invited.invitation
    _must_be_open(survey)
    if invitation.answered_at is not None:
        raise Refused(field="__all__", msgid="This invitation was already answered. Thank you!")
    values = clean_answer(survey, data, with_email=False)
    now = utcnow()
    used = await session.execute(update(SurveyInvitation).where(SurveyInvitation.id == invitation.id,
                                                                SurveyInvitation.answered_at.is_(None))
                                 .values(answered_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        raise Refused(field="__all__", msgid="This invitation was already answered. Thank you!")
    row = {"id": uuid4(), "survey_id": survey.id, "invitation_id": invitation.id, "state": "counted",
           "email": invitation.email, "counted_email": invitation.email, "name": invitation.name,
           "category": category_of(values["score"]), "answered_at": now, "confirmed_at": now,
           "client_ip": client_ip[:45], "sentiment_label": "", **values}
    if not await _insert_counted(session, row):
        # the address answered by the shared link first; the response's rollback gives the link back (the form has
        # no address field: the reason is the form's own)
        raise Refused(field="__all__", msgid="This e-mail address already answered this survey. Thank you!")
    await _raise_rollup(session, survey.id, now, values["score"])
    if invited.auto_case and row["category"] == "detractor" and values["score"] <= invited.case_threshold:
        answer = await session.get(SurveyAnswer, row["id"])
        if answer is not None:
            await request_case(session, survey, answer, reactions)
    return row["id"]


async def _insert_counted(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Insert a counted answer unless its address already counted for the survey (then False): one statement,
    no savepoint — on PostgreSQL a unique violation would end the transaction, ON CONFLICT leaves it usable."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SurveyAnswer).on_conflict_do_nothing(
        index_elements=["tenant_id", "survey_id", "counted_email"]).returning(SurveyAnswer.id)
    return (await session.execute(statement, [row])).first() is not None


async def _raise_rollup(session: AsyncSession, survey_id: UUID, answered_at: datetime, score: int) -> None:
    day = answered_at.astimezone(ZONE).date()
    await bulk_insert(session, SurveyDayCount, [{"survey_id": survey_id, "day": day, "score": score, "answers": 1}],
                      conflict=("tenant_id", "survey_id", "day", "score"), increment=("answers",))


async def _recent(session: AsyncSession, *where: Any) -> int:
    return await session.scalar(select(func.count()).select_from(SurveyAnswer).where(*where)) or 0


async def answer_shared(session: AsyncSession, survey: Survey, data: dict[str, Any], *, client_ip: str,
                        confirm_base: str, tenant_name: str, lang: str) -> SurveyAnswer:
    """Keep the answer as pending and mail the confirmation link; it counts once confirmed."""
    _must_be_open(survey)
    values = clean_answer(survey, data, with_email=True)
    now = utcnow()
    if client_ip and await _recent(session, SurveyAnswer.client_ip == client_ip[:45],
                                   SurveyAnswer.invitation_id.is_(None),
                                   SurveyAnswer.answered_at >= now - PER_ADDRESS[1]) >= PER_ADDRESS[0]:
        raise RateLimited(field="__all__", msgid="Too many answers from your network. Try again later.")
    if await _recent(session, SurveyAnswer.email == values["email"], SurveyAnswer.state == "pending",
                     SurveyAnswer.answered_at >= now - PER_EMAIL[1]) >= PER_EMAIL[0]:
        raise RateLimited(field="email", msgid="Too many confirmation mails for this address. Try again in an hour.")
    token = secrets.token_urlsafe(32)
    answer = SurveyAnswer(survey_id=survey.id, state="pending", category=category_of(values["score"]),
                          answered_at=now, confirm_digest=digest(token),
                          confirm_expires_at=now + timedelta(hours=CONFIRM_HOURS), client_ip=client_ip[:45],
                          sentiment_label="", **values)
    session.add(answer)
    await session.flush()
    _ = gettext_for(lang)
    text = _("Thank you for answering the survey \"{title}\" of {tenant}. Your answer counts once you confirm "
             "it with this link (valid for {hours} hours):\n\n{link}\n\nDid you not answer? Then you can ignore "
             "this mail.", title=survey.title, tenant=tenant_name, hours=CONFIRM_HOURS, link=confirm_base + token)
    send_mail(session, values["email"], _("Confirm your answer to {tenant}", tenant=tenant_name), text)
    return answer


async def pending_for(session: AsyncSession, token: str) -> SurveyAnswer | None:
    """The pending, unexpired answer this confirmation token belongs to, or None."""
    answer = await session.scalar(select(SurveyAnswer).where(SurveyAnswer.confirm_digest == digest(token)))
    if answer is None or answer.state != "pending" or answer.confirm_expires_at is None:
        return None
    return answer if answer.confirm_expires_at > utcnow() else None


async def confirm(session: AsyncSession, token: str, reactions: Reactions) -> SurveyAnswer:
    """Count a shared-link answer: once, and only if its address has not answered this survey already."""
    answer = await pending_for(session, token)
    if answer is None:
        raise Refused(field="token", msgid="This confirmation link is no longer valid.")
    survey = await session.get(Survey, answer.survey_id)
    if survey is None:
        raise Refused(field="token", msgid="This confirmation link is no longer valid.")
    _must_be_open(survey)
    answer.confirmed_at = utcnow()
    await count(session, survey, answer, reactions)
    return answer


async def count(session: AsyncSession, survey: Survey, answer: SurveyAnswer, reactions: Reactions) -> None:
    """Make a pending answer count: its address taken for this survey, the rollup raised,
    a detractor's case requested when the tenant asks for it. Refused when the address already answered."""
    await session.flush()
    try:
        async with session.begin_nested():
            # conditional on "still pending": of two overlapping confirmations only one changes the row
            taken = await session.execute(
                update(SurveyAnswer).where(SurveyAnswer.id == answer.id, SurveyAnswer.state == "pending")
                .values(state="counted", counted_email=answer.email, confirm_digest=None, confirm_expires_at=None)
                .execution_options(synchronize_session=False))
    except IntegrityError:
        raise Refused(field="email", msgid="This e-mail address already answered this survey. Thank you!") from None
    await session.refresh(answer)
    if taken.rowcount != 1:
        raise Refused(field="token", msgid="This confirmation link is no longer valid.")
    await _raise_rollup(session, survey.id, answer.answered_at, answer.score)
    settings = await session.scalar(select(SurveySettings))
    if (settings is not None and settings.auto_case and answer.category == "detractor"
            and answer.score <= settings.case_threshold):
        await request_case(session, survey, answer, reactions)


async def request_case(session: AsyncSession, survey: Survey, answer: SurveyAnswer, reactions: Reactions) -> bool:
    """Fire `nps.case_requested` for this answer, once (a second call changes nothing)."""
    if answer.case_requested_at is not None or reactions.tenant is None:
        return False
    answer.case_requested_at = utcnow()
    await session.flush()
    item = answer_item(answer, survey, reactions.tenant.slug)
    await fire_events(session, reactions.tenant, reactions.pm, [DomainEvent("nps.case_requested", dict(item))],
                      lang=reactions.lang, exclude="energizing")
    return True


async def expire_pending(session: AsyncSession, now: datetime | None = None) -> int:
    """Pending answers whose confirmation link ran out are dropped (they never counted)."""
    result = await session.execute(delete(SurveyAnswer).where(SurveyAnswer.state == "pending",
                                                              SurveyAnswer.confirm_expires_at < (now or utcnow()))
                                   .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
