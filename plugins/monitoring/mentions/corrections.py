"""A person's sentiment label for a mention: stored, shown, counted, and learned by the tenant's classifier.

Test-then-train: before the classifier learns a correction it predicts the same text, and that prediction
is stored with it. The share of corrections the classifier already had right is therefore an honest
measure of how well it does on this tenant's own texts (it never saw the text when it predicted).
A confirmation (the label the mention already has) is a learning sample too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, FieldErrors, NotFound, clean_uuid, record_audit
from plugins.monitoring.mentions.classifier import load_classifier, save_classifier
from plugins.monitoring.mentions.service import part_texts
from plugins.monitoring.models import ClassifierState, Mention, MentionProfile, SentimentCorrection
from plugins.monitoring.sentiment import LABELS
from plugins.monitoring.stats import Counted, count

PARTS = ("overall", "title", "lead", "body")
SCORES = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}
"""A person's label is certain: the score is its sign."""
MAX_BULK = 500
TREND_BLOCK = 50
"""The trend is the accuracy per block of this many corrections, oldest first; 'recent' is the last block."""
TREND_BLOCKS = 12


def clean_label(label: Any) -> str:
    value = str(label or "").strip().lower()
    if value not in LABELS:
        raise DomainError(field="label", msgid="Choose one of: {choices}.", choices=", ".join(LABELS))
    return value


def clean_part(part: Any) -> str:
    value = str(part or "overall").strip().lower()
    if value not in PARTS:
        raise DomainError(field="part", msgid="Choose one of: {choices}.", choices=", ".join(PARTS))
    return value


def learned_text(mention: Mention, part: str) -> str:
    """What the classifier learns from: the whole text for the overall label, else that part's text."""
    texts = part_texts(mention)
    return "\n".join(texts.values()) if part == "overall" else texts.get(part, "")


@dataclass
class _Moved:
    """A mention whose overall label changed: its counts move from `old` to its new label."""

    mention: Mention
    old: str


def _prediction(mention: Mention, classifier: Any, part: str, text: str) -> str:
    """What the model says now: the overall as ingestion reads it (parts weighted), or the part's own label."""
    if part == "overall":
        parts = (mention.title or "", mention.lead or "", mention.body or "")
        return classifier.analyse([parts], [mention.language])[0].overall.label
    return classifier.predict([text], [mention.language])[0].label


def _apply(mention: Mention, classifier: Any, principal: Any, label: str, part: str) -> SentimentCorrection:
    """Predict, store the correction, relabel the mention, then learn (in that order: test, then train)."""
    text = learned_text(mention, part)
    predicted = _prediction(mention, classifier, part, text)
    if part == "overall":
        old = mention.sentiment
        mention.sentiment, mention.sentiment_score, mention.sentiment_by = label, SCORES[label], "person"
    else:
        old = ((mention.sentiment_parts or {}).get(part) or {}).get("label") or mention.sentiment
        mention.sentiment_parts = {**(mention.sentiment_parts or {}),
                                   part: {"label": label, "score": SCORES[label], "by": "person"}}
    classifier.learn(text, mention.language, label)
    return SentimentCorrection(mention_id=mention.id, user_id=principal.user_id if principal else None, part=part,
                               old_label=old, new_label=label, predicted_label=predicted,
                               language=mention.language, text=text)


async def _follow(session: AsyncSession, originals: list[Mention], part: str) -> None:
    """Folded copies read as their original (ingestion copies it at fold time): a person's label goes to them
    too. They are not counted, so no counts move, and the classifier learns the text once."""
    if part == "overall":
        first = originals[0]
        ids = [m.id for m in originals]
        for chunk in range(0, len(ids), MAX_BULK):
            await session.execute(update(Mention).where(Mention.duplicate_of_id.in_(ids[chunk:chunk + MAX_BULK]))
                                  .values(sentiment=first.sentiment, sentiment_score=first.sentiment_score,
                                          sentiment_by="person"))
        return
    for m in originals:
        await session.execute(update(Mention).where(Mention.duplicate_of_id == m.id)
                              .values(sentiment_parts=m.sentiment_parts))


async def _move_counts(session: AsyncSession, moved: list[_Moved]) -> None:
    """Counted mentions (not folded duplicates) leave their old label's hour counts for the new label's."""
    moved = [m for m in moved if m.mention.duplicate_of_id is None and m.old != m.mention.sentiment]
    if not moved:
        return
    ids = [m.mention.id for m in moved]
    profiles: dict[UUID, list[UUID]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), MAX_BULK):
        rows = await session.execute(select(MentionProfile.mention_id, MentionProfile.profile_id)
                                     .where(MentionProfile.mention_id.in_(ids[chunk:chunk + MAX_BULK])))
        for mention_id, profile_id in rows.all():
            profiles[mention_id].append(profile_id)

    def counted(m: Mention, sentiment: str) -> Counted:
        return Counted(published_at=m.published_at, profile_ids=tuple(profiles[m.id]), source_type=m.source_type,
                       language=m.language, sentiment=sentiment, reach=m.author_reach)

    await count(session, [counted(m.mention, m.old) for m in moved], sign=-1)
    await count(session, [counted(m.mention, m.mention.sentiment) for m in moved], sign=1)


async def correct(session: AsyncSession, principal: Any, mention: Mention, label: Any,
                  part: Any = "overall") -> SentimentCorrection:
    """One person's label for a mention (or one part of it); the tenant's classifier learns it at once."""
    errors = FieldErrors()
    label = errors.clean(clean_label, label)
    part = errors.clean(clean_part, part)
    errors.raise_if_any()
    if not learned_text(mention, part).strip():
        raise DomainError(field="part", msgid="This part of the mention has no text.")
    classifier = await load_classifier(session)
    old = mention.sentiment
    correction = _apply(mention, classifier, principal, label, part)
    session.add(correction)
    await save_classifier(session, classifier)
    await _follow(session, [mention], part)
    if part == "overall":
        await _move_counts(session, [_Moved(mention, old)])
    await session.flush()
    await record_audit(session, principal, "monitoring.sentiment.corrected", subject=mention,
                       summary=f"{part}: {correction.old_label} → {label}",
                       data={"part": part, "old": correction.old_label, "new": label,
                             "predicted": correction.predicted_label})
    return correction


def clean_ids(ids: Any) -> list[UUID]:
    if not isinstance(ids, list | tuple):
        ids = [ids] if ids else []
    if not ids:
        raise DomainError(field="ids", msgid="Select at least one mention.")
    if len(ids) > MAX_BULK:
        raise DomainError(field="ids", msgid="Select at most {max} mentions at once.", max=MAX_BULK)
    unique = list(dict.fromkeys(clean_uuid(i, "ids") for i in ids))
    return [i for i in unique if i is not None]


async def correct_many(session: AsyncSession, principal: Any, mention_ids: Sequence[Any],
                       label: Any) -> list[SentimentCorrection]:
    """The same overall label for many mentions, all or nothing: an unknown (or another tenant's) id changes
    nothing. Each mention is predicted before the classifier learns it, as for a single correction."""
    errors = FieldErrors()
    label = errors.clean(clean_label, label)
    ids = errors.clean(clean_ids, list(mention_ids) if isinstance(mention_ids, list | tuple) else mention_ids)
    errors.raise_if_any()
    found = {m.id: m for m in (await session.scalars(select(Mention).where(Mention.id.in_(ids)))).all()}
    if len(found) != len(ids):
        raise NotFound()
    mentions = [found[i] for i in ids]
    empty = [m for m in mentions if not learned_text(m, "overall").strip()]
    if empty:
        raise DomainError(field="ids", msgid="A selected mention has no text to learn from.")
    classifier = await load_classifier(session)
    moved = [_Moved(m, m.sentiment) for m in mentions]
    corrections = [_apply(m, classifier, principal, label, "overall") for m in mentions]
    session.add_all(corrections)
    await save_classifier(session, classifier)
    await _follow(session, mentions, "overall")
    await _move_counts(session, moved)
    await session.flush()
    await record_audit(session, principal, "monitoring.sentiment.corrected_bulk", summary=f"{len(ids)} → {label}",
                       data={"count": len(ids), "label": label,
                             "changed": sum(1 for c in corrections if c.old_label != label)})
    return corrections


def _share(hits: Any, total: Any) -> float | None:
    return round(float(hits or 0) / total, 4) if total else None


async def accuracy(session: AsyncSession) -> dict[str, Any]:
    """How often the classifier was right on the tenant's corrected texts before learning them.

    `accuracy` over every correction, `by_language`, `recent` (the last `TREND_BLOCK`) and `trend` (per block of
    `TREND_BLOCK`, oldest first, the last `TREND_BLOCKS` blocks); shares are None without a sample."""
    hit = case((SentimentCorrection.predicted_label == SentimentCorrection.new_label, 1), else_=0)
    rows = (await session.execute(select(SentimentCorrection.language, func.count(), func.sum(hit))
                                  .group_by(SentimentCorrection.language)
                                  .order_by(func.count().desc(), SentimentCorrection.language))).all()
    sample = sum(n for _, n, _ in rows)
    hits = sum(int(h or 0) for _, _, h in rows)
    by_language = [{"language": lang, "sample": n, "correct": int(h or 0), "accuracy": _share(h, n)}
                   for lang, n, h in rows]
    recent_q = (select(hit.label("hit")).order_by(SentimentCorrection.created_at.desc(),
                                                  SentimentCorrection.id.desc()).limit(TREND_BLOCK).subquery())
    recent_n, recent_hits = (await session.execute(select(func.count(), func.sum(recent_q.c.hit)))).one()
    numbered = select(hit.label("hit"), (func.row_number().over(
        order_by=(SentimentCorrection.created_at, SentimentCorrection.id)) - 1).label("n")).subquery()
    block = (numbered.c.n // TREND_BLOCK).label("block")
    blocks = (await session.execute(select(block, func.count(), func.sum(numbered.c.hit)).group_by(block)
                                    .order_by(block.desc()).limit(TREND_BLOCKS))).all()
    trend = [{"first": b * TREND_BLOCK + 1, "last": b * TREND_BLOCK + n, "sample": n, "accuracy": _share(h, n)}
             for b, n, h in reversed(blocks)]
    learned = await session.scalar(select(ClassifierState.learned)) or 0
    return {"sample": sample, "correct": hits, "accuracy": _share(hits, sample), "by_language": by_language,
            "recent": {"sample": recent_n, "correct": int(recent_hits or 0), "accuracy": _share(recent_hits, recent_n)},
            "trend": trend, "block": TREND_BLOCK, "learned": learned}
