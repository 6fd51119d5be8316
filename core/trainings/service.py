"""The training catalogue (kept by the mediator), suggestions to a tenant, and each person's enrolment.

The catalogue is platform data, outside every tenant's audit log: each change is written to the
training's own `history` (who, when, what changed) and to the "regie.audit" log. Suggestions and
enrolments are tenant rows, audited in the tenant's log as usual.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import actor_of, record
from core.auth.models import Membership, User
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.trainings.models import Enrolment, Training, TrainingSuggestion
from core.validation import FieldErrors, clean_choice, clean_text, clean_uuid

log = logging.getLogger("regie.audit")

TOPICS = ("webcare", "publishing", "crisis", "monitoring", "general")
TOPIC_LABELS = {"webcare": N_("webcare"), "publishing": N_("publishing"), "crisis": N_("crisis communication"),
                "monitoring": N_("listening and monitoring"), "general": N_("general")}
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
LANGS = ("nl", "en")

DEFAULTS: list[dict[str, Any]] = [
    {"key": "webcare-basics", "topic": "webcare", "duration_hours": 8, "qualifies_publisher": True,
     "title": {"nl": "Webcare in de praktijk", "en": "Webcare in practice"},
     "description": {"nl": "Klantvragen en klachten op sociale media beantwoorden in de toon van de organisatie: "
                           "reactietijden, escalatie en het gesprek offline brengen.",
                     "en": "Answering customer questions and complaints on social media in the organisation's "
                           "tone of voice: response times, escalation and taking the conversation offline."}},
    {"key": "crisis-communication", "topic": "crisis", "duration_hours": 4, "qualifies_publisher": False,
     "title": {"nl": "Crisiscommunicatie op sociale media", "en": "Crisis communication on social media"},
     "description": {"nl": "Wat te doen als een issue online escaleert: het crisisteam, vaste verklaringen, "
                           "goedkeuring en de toon in een crisis.",
                     "en": "What to do when an issue escalates online: the crisis team, holding statements, "
                           "approval and tone during a crisis."}},
    {"key": "social-media-for-employees", "topic": "publishing", "duration_hours": 3, "qualifies_publisher": True,
     "title": {"nl": "Sociale media voor elke medewerker die publiceert",
               "en": "Social media for every employee who publishes"},
     "description": {"nl": "Het beleid, de gedragsregels en de toon van de organisatie, zodat iedere getrainde "
                           "medewerker zelf namens de organisatie mag publiceren.",
                     "en": "The policy, rules of engagement and tone of voice, so every trained employee may "
                           "publish on behalf of the organisation."}},
    {"key": "listening-and-monitoring", "topic": "monitoring", "duration_hours": 4, "qualifies_publisher": False,
     "title": {"nl": "Luisteren en monitoren", "en": "Listening and monitoring"},
     "description": {"nl": "Zoekprofielen opzetten, sentiment beoordelen en issues vroeg herkennen.",
                     "en": "Setting up search profiles, judging sentiment and spotting issues early."}},
]
"""The catalogue every platform starts with (`ensure_catalogue`); the mediator edits it from there."""


def title_of(training: Training, lang: str) -> str:
    titles = training.title or {}
    return str(titles.get(lang) or titles.get("nl") or titles.get("en") or training.key)


def description_of(training: Training, lang: str) -> str:
    texts = training.description or {}
    return str(texts.get(lang) or texts.get("nl") or texts.get("en") or "")


def _history(training: Training, principal: Any, action: str, changes: dict[str, Any] | None = None) -> None:
    _id, label = actor_of(principal)
    entry = {"at": datetime.now(UTC).isoformat(), "by": label, "action": action, "changes": changes or {}}
    training.history = [*(training.history or []), entry]
    log.info("%s %s by %s: %s", action, training.key, label, sorted((changes or {}).keys()))


async def ensure_catalogue(session: AsyncSession) -> int:
    """Add the default trainings whose key is missing (never touches an existing or deactivated one)."""
    existing = set((await session.scalars(select(Training.key))).all())
    added = 0
    for spec in DEFAULTS:
        if spec["key"] in existing:
            continue
        training = Training(**spec, active=True, history=[])
        _history(training, "system", "training.seeded")
        try:  # a concurrent request may seed the same key: its row stands, this one is dropped
            async with session.begin_nested():
                session.add(training)
                await session.flush()
            added += 1
        except IntegrityError:
            pass
    return added


def catalogue_query(active_only: bool = False) -> Select[Any]:
    stmt = select(Training).order_by(Training.topic, Training.key)
    return stmt.where(Training.active.is_(True)) if active_only else stmt


async def get_training(session: AsyncSession, training_id: Any) -> Training:
    try:
        uid = clean_uuid(training_id, "training_id")
    except DomainError:
        raise NotFound() from None
    training = await session.get(Training, uid)
    if training is None:
        raise NotFound()
    return training


def _clean_hours(value: Any) -> int:
    try:
        hours = int(str(value or "").strip())
    except ValueError:
        raise DomainError(field="duration_hours", msgid="Use a whole number of hours from 1 to 200.") from None
    if not 1 <= hours <= 200:
        raise DomainError(field="duration_hours", msgid="Use a whole number of hours from 1 to 200.")
    return hours


def _flag(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "yes")


async def _clean(session: AsyncSession, values: dict[str, Any], current: Training | None) -> dict[str, Any]:
    """Every field checked at once; the key is fixed once created (suggestions and history refer to it)."""
    errors = FieldErrors()
    cleaned: dict[str, Any] = {}
    if current is None:
        key = str(values.get("key") or "").strip().lower()
        if not KEY.match(key):
            errors.add("key", "Use 3-80 lowercase letters, digits and hyphens.")
        elif await session.scalar(select(Training.id).where(Training.key == key)):
            errors.add("key", "A training with this key exists already.")
        cleaned["key"] = key
    title_nl = errors.clean(clean_text, values.get("title_nl"), "title_nl", max_length=200)
    title_en = errors.clean(clean_text, values.get("title_en"), "title_en", required=False, max_length=200)
    desc_nl = errors.clean(clean_text, values.get("description_nl"), "description_nl", required=False,
                           max_length=4000)
    desc_en = errors.clean(clean_text, values.get("description_en"), "description_en", required=False,
                           max_length=4000)
    cleaned["topic"] = errors.clean(clean_choice, values.get("topic"), "topic", TOPICS)
    cleaned["duration_hours"] = errors.clean(_clean_hours, values.get("duration_hours"))
    errors.raise_if_any()
    cleaned["title"] = {"nl": title_nl, **({"en": title_en} if title_en else {})}
    cleaned["description"] = {k: v for k, v in (("nl", desc_nl), ("en", desc_en)) if v}
    cleaned["qualifies_publisher"] = _flag(values.get("qualifies_publisher"))
    return cleaned


async def create_training(session: AsyncSession, principal: Any, values: dict[str, Any]) -> Training:
    cleaned = await _clean(session, values, None)
    training = Training(**cleaned, active=True, history=[])
    _history(training, principal, "training.created", {k: v for k, v in cleaned.items() if k != "key"})
    session.add(training)
    await session.flush()
    return training


async def update_training(session: AsyncSession, principal: Any, training: Training,
                          values: dict[str, Any]) -> Training:
    cleaned = await _clean(session, values, training)
    changes = {k: v for k, v in cleaned.items() if getattr(training, k) != v}
    for name, value in changes.items():
        setattr(training, name, value)
    if changes:
        _history(training, principal, "training.updated", changes)
    await session.flush()
    return training


async def set_active(session: AsyncSession, principal: Any, training: Training, values: dict[str, Any]) -> Training:
    """Deactivate (no new suggestions or enrolments; past ones stay) or reactivate."""
    wanted = str(values.get("active") or "").strip()
    if wanted not in ("0", "1"):
        raise DomainError(field="active", msgid="Choose one of: {choices}.", choices="0, 1")
    active = wanted == "1"
    if training.active != active:
        training.active = active
        _history(training, principal, "training.activated" if active else "training.deactivated")
        await session.flush()
    return training


# -- suggestions ---------------------------------------------------------------------------------------------------

async def suggest_topic(session: AsyncSession, topic: str, reason: str, department_id: UUID | None = None) -> int:
    """Suggest every active training of a topic to the tenant in scope, once per training and reason."""
    await ensure_catalogue(session)
    trainings = (await session.scalars(catalogue_query(active_only=True).where(Training.topic == topic))).all()
    have = set((await session.scalars(select(TrainingSuggestion.training_id)
                                      .where(TrainingSuggestion.reason == reason))).all())
    added = 0
    for training in trainings:
        if training.id in have:
            continue
        session.add(TrainingSuggestion(training_id=training.id, reason=reason, department_id=department_id))
        # the trigger is a key ("plugin.activated:webcare"): kept as data, not shown as the entry's reason
        await record(session, "system", "training.suggested", subject=training,
                     summary=(training.title or {}).get("en") or training.key, data={"trigger": reason}, touch=False)
        added += 1
    if added:
        await session.flush()
    return added


async def suggest_for_org_model(session: AsyncSession, tenant: Any) -> int:
    """The holistic model lets any trained employee publish: suggest the training for everyone who publishes."""
    if tenant is None or tenant.org_model != "holistic":
        return 0
    return await suggest_topic(session, "publishing", "org_model:holistic")


def open_suggestions_query() -> Select[Any]:
    return (select(TrainingSuggestion, Training).join(Training, Training.id == TrainingSuggestion.training_id)
            .where(TrainingSuggestion.dismissed_at.is_(None), Training.active.is_(True))
            .order_by(TrainingSuggestion.created_at.desc(), TrainingSuggestion.id))


async def dismiss(session: AsyncSession, principal: Any, suggestion_id: Any) -> TrainingSuggestion:
    suggestion = await session.get(TrainingSuggestion, suggestion_id)
    if suggestion is None:
        raise NotFound()
    if suggestion.dismissed_at is None:
        suggestion.dismissed_at = datetime.now(UTC)
        await record(session, principal, "training.suggestion_dismissed", subject=suggestion,
                     summary=suggestion.reason)
    return suggestion


# -- enrolment -----------------------------------------------------------------------------------------------------

async def people(session: AsyncSession) -> list[tuple[UUID, str]]:
    """The tenant's active people (user id, name) by name: whom one can enrol."""
    rows = await session.execute(select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.is_active.is_(True)).order_by(User.name, User.email))
    return [(i, name or email) for i, name, email in rows.all()]


async def enrol(session: AsyncSession, principal: Any, values: dict[str, Any], user_ids: list[Any]) -> int:
    """Enrol people in an active training; someone enrolled already stays as they are. Returns how many new."""
    errors = FieldErrors()
    training_id = errors.clean(clean_uuid, values.get("training_id"), "training_id")
    training = await session.get(Training, training_id) if training_id else None
    if training_id and (training is None or not training.active):
        errors.add("training_id", "Choose a valid option.")
    allowed = {i for i, _name in await people(session)}
    chosen: list[UUID] = []
    for raw in user_ids:
        try:
            uid = clean_uuid(raw, "user_ids")
        except DomainError:
            uid = None
        if uid is None or uid not in allowed:
            errors.add("user_ids", "Choose a valid option.")
            break
        if uid not in chosen:
            chosen.append(uid)
    if not chosen and "user_ids" not in errors.errors:
        errors.add("user_ids", "Choose at least one person.")
    errors.raise_if_any()
    assert training is not None
    have = set((await session.scalars(select(Enrolment.user_id).where(Enrolment.training_id == training.id))).all())
    new = [uid for uid in chosen if uid not in have]
    for uid in new:
        session.add(Enrolment(training_id=training.id, user_id=uid, enrolled_by_id=getattr(principal, "user_id", None)))
    if new:
        await record(session, principal, "training.enrolled", subject=training, summary=training.key,
                     data={"users": [str(u) for u in new]})
        await session.flush()
    return len(new)


async def complete(session: AsyncSession, principal: Any, enrolment_id: Any) -> Enrolment:
    enrolment = await session.get(Enrolment, enrolment_id)
    if enrolment is None:
        raise NotFound()
    if enrolment.completed_at is None:
        enrolment.completed_at = datetime.now(UTC)
        await record(session, principal, "training.completed", subject=enrolment,
                     data={"user": str(enrolment.user_id), "training": str(enrolment.training_id)})
    return enrolment


def enrolments_query(user_id: UUID | None = None) -> Select[Any]:
    """Enrolments with their training and person, newest first; `user_id`: only that person's own."""
    stmt = (select(Enrolment, Training, User).join(Training, Training.id == Enrolment.training_id)
            .join(User, User.id == Enrolment.user_id).order_by(Enrolment.created_at.desc(), Enrolment.id))
    return stmt.where(Enrolment.user_id == user_id) if user_id is not None else stmt


async def is_trained(session: AsyncSession, user_id: UUID | None) -> bool:
    """A "trained employee" (holistic org model): completed a training that qualifies a publisher."""
    if user_id is None:
        return False
    found = await session.scalar(select(Enrolment.id).join(Training, Training.id == Enrolment.training_id).where(
        Enrolment.user_id == user_id, Enrolment.completed_at.is_not(None),
        Training.qualifies_publisher.is_(True)).limit(1))
    return found is not None
