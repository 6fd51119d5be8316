"""JSON API of the mentions slice: list and search mentions, one mention, correct sentiment (one or many),
the classifier's measured accuracy, and classify texts with the tenant's classifier. Plus the ingestion
endpoint (`ingest_api.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, PageInfo, get_or_404, lang_of, paginate, principal_of
from plugins.monitoring.mentions import corrections, service
from plugins.monitoring.mentions.ingest_api import ROUTES as INGEST_ROUTES
from plugins.monitoring.models import Mention, SearchProfile, SentimentCorrection

MAX_TEXTS = 100
MAX_TEXT_LENGTH = 10_000


@dataclass
class ProfileRef:
    id: str
    name: str


@dataclass
class Author:
    handle: str
    name: str
    reach: int


@dataclass
class SentimentOut:
    label: str
    score: float
    by: str
    """model or person."""


@dataclass
class MentionOut:
    id: str
    source_id: str
    source_type: str
    external_id: str
    url: str
    place: str
    author: Author
    published_at: str
    title: str
    lead: str
    body: str
    language: str
    sentiment: SentimentOut
    parts: dict[str, SentimentOut]
    """Per part with text (title, lead, body)."""
    profiles: list[ProfileRef]
    tags: list[str]
    duplicate_of_id: str | None
    reposts: int


@dataclass
class CorrectionOut:
    id: str
    part: str
    old_label: str
    new_label: str
    predicted_label: str
    language: str
    user_id: str | None
    created_at: str


@dataclass
class MentionDetailOut(MentionOut):
    corrections: list[CorrectionOut] = field(default_factory=list)
    """Newest first."""
    repost_ids: list[str] = field(default_factory=list)
    """Mentions folded into this one (the first 50)."""


@dataclass
class MentionPage:
    items: list[MentionOut]
    page: PageInfo


@dataclass
class CorrectionIn:
    label: str
    part: str = "overall"
    """overall, title, lead or body."""


@dataclass
class BulkCorrectionIn:
    ids: list[str]
    label: str


@dataclass
class BulkCorrected:
    corrected: int
    label: str
    changed: int
    """How many had another label before (the rest were confirmed)."""


@dataclass
class ClassifyIn:
    texts: list[str]


@dataclass
class Classified:
    language: str
    label: str
    score: float


def _out(m: Mention, profiles: list[SearchProfile]) -> dict[str, Any]:
    parts = {p: SentimentOut(str(v.get("label")), float(v.get("score") or 0.0), str(v.get("by") or "model"))
             for p, v in (m.sentiment_parts or {}).items() if isinstance(v, dict) and v.get("label")}
    return {"id": str(m.id), "source_id": str(m.source_id), "source_type": m.source_type,
            "external_id": m.external_id, "url": m.url, "place": m.place,
            "author": Author(m.author_handle, m.author_name, int(m.author_reach or 0)),
            "published_at": m.published_at.isoformat(), "title": m.title, "lead": m.lead, "body": m.body,
            "language": m.language, "sentiment": SentimentOut(m.sentiment, float(m.sentiment_score), m.sentiment_by),
            "parts": parts, "profiles": [ProfileRef(str(p.id), p.name) for p in profiles], "tags": list(m.tags or []),
            "duplicate_of_id": str(m.duplicate_of_id) if m.duplicate_of_id else None, "reposts": m.reposts}


def _correction(c: SentimentCorrection) -> CorrectionOut:
    return CorrectionOut(str(c.id), c.part, c.old_label, c.new_label, c.predicted_label, c.language,
                         str(c.user_id) if c.user_id else None, c.created_at.isoformat())


async def _detail(db: AsyncSession, mention_id: Any) -> MentionDetailOut:
    d = await service.mention_detail(db, mention_id)
    return MentionDetailOut(**_out(d.mention, d.profiles), corrections=[_correction(c) for c in d.corrections],
                            repost_ids=[str(r.id) for r in d.reposts])


@get("/mentions", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="List and search mentions, newest first (folded duplicates only with duplicates=true)")
async def list_mentions(
    request: Request[Any, Any, Any], db: AsyncSession,
    q: str | None = Parameter(default=None, description="Full text: words, \"a phrase\", -word to leave out"),
    date_from: str | None = Parameter(query="from", default=None,
                                      description="Published on or after this day (UTC), like 2026-01-31"),
    date_to: str | None = Parameter(query="to", default=None, description="Published on or before this day (UTC)"),
    period: str | None = Parameter(default=None, description="Without from/to: 24h, 7d, 30d or 90d up to today"),
    profile: str | None = Parameter(default=None, description="A search profile's id"),
    source: str | None = Parameter(default=None, description="A source's id"),
    source_type: str | None = None, sentiment: str | None = None, language: str | None = None,
    sentiment_by: str | None = Parameter(default=None, description="model or person"),
    duplicates: bool = False, lang: str | None = None,
    page: int = Parameter(default=1, ge=1), per_page: int = Parameter(default=25, ge=1, le=100),
) -> MentionPage:
    lang_of(request, lang)
    filters = service.parse_filters({"q": q, "from": date_from, "to": date_to, "period": period, "profile": profile,
                                     "source": source, "source_type": source_type, "sentiment": sentiment,
                                     "language": language, "sentiment_by": sentiment_by,
                                     "duplicates": "1" if duplicates else None})
    found = await paginate(db, service.mentions_query(filters, service.dialect_of(db)), page, per_page=per_page,
                           capped=True)
    profiles = await service.profiles_of(db, [m.id for m in found.items])
    return MentionPage(items=[MentionOut(**_out(m, profiles.get(m.id, []))) for m in found.items],
                       page=PageInfo(**found.as_json()))


@get("/mentions/{mention_id:uuid}", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="One mention with its parts, profiles, folded re-posts and correction history")
async def get_mention(db: AsyncSession, mention_id: UUID) -> MentionDetailOut:
    return await _detail(db, mention_id)


@post("/mentions/{mention_id:uuid}/sentiment", opt={"action": "plugin.work"}, tags=["monitoring"], status_code=200,
      summary="Correct (or confirm) a mention's sentiment, overall or of one part; the classifier learns from it")
async def correct_mention(request: Request[Any, Any, Any], db: AsyncSession, mention_id: UUID, data: CorrectionIn,
                          lang: str | None = None) -> MentionDetailOut:
    lang_of(request, lang)
    mention = await get_or_404(db, Mention, mention_id)
    await corrections.correct(db, principal_of(request), mention, data.label, data.part)
    return await _detail(db, mention.id)


@post("/mentions/sentiment", opt={"action": "plugin.work"}, tags=["monitoring"], status_code=200,
      summary="Give up to 500 mentions the same overall sentiment; all or nothing (an unknown id changes nothing)")
async def correct_mentions(request: Request[Any, Any, Any], db: AsyncSession, data: BulkCorrectionIn,
                           lang: str | None = None) -> BulkCorrected:
    lang_of(request, lang)
    done = await corrections.correct_many(db, principal_of(request), data.ids, data.label)
    return BulkCorrected(corrected=len(done), label=done[0].new_label,
                         changed=sum(1 for c in done if c.old_label != c.new_label))


@dataclass
class LanguageAccuracy:
    language: str
    sample: int
    correct: int
    accuracy: float | None


@dataclass
class Block:
    first: int
    last: int
    sample: int
    accuracy: float | None


@dataclass
class Recent:
    sample: int
    correct: int
    accuracy: float | None


@dataclass
class AccuracyOut:
    sample: int
    """Corrections (and confirmations) so far."""
    correct: int
    """How many the classifier had right before it learned them (test-then-train)."""
    accuracy: float | None
    by_language: list[LanguageAccuracy]
    recent: Recent
    """The last `block` corrections."""
    trend: list[Block]
    """Accuracy per block of `block` corrections, oldest first."""
    block: int
    learned: int
    """Texts the tenant's classifier learned from."""


@get("/mentions/accuracy", opt={"action": "plugin.read"}, tags=["monitoring"],
     summary="The sentiment classifier's measured accuracy on this organisation's corrected mentions")
async def get_accuracy(db: AsyncSession) -> AccuracyOut:
    r = await corrections.accuracy(db)
    return AccuracyOut(sample=r["sample"], correct=r["correct"], accuracy=r["accuracy"],
                       by_language=[LanguageAccuracy(**x) for x in r["by_language"]], recent=Recent(**r["recent"]),
                       trend=[Block(**b) for b in r["trend"]], block=r["block"], learned=r["learned"])


def clean_texts(texts: list[Any]) -> list[str]:
    if not texts:
        raise DomainError(field="texts", msgid="Send at least one text.")
    if len(texts) > MAX_TEXTS:
        raise DomainError(field="texts", msgid="Send at most {max} texts at once.", max=MAX_TEXTS)
    if any(len(t) > MAX_TEXT_LENGTH for t in texts):
        raise DomainError(field="texts", msgid="A text may be at most {max} characters.", max=MAX_TEXT_LENGTH)
    return [str(t) for t in texts]


@post("/classify", opt={"action": "plugin.read"}, tags=["monitoring"], status_code=200,
      summary="Language, sentiment label and score for up to 100 texts, with this organisation's classifier")
async def classify(request: Request[Any, Any, Any], db: AsyncSession, data: ClassifyIn,
                   lang: str | None = None) -> list[Classified]:
    from plugins.monitoring.language import detect_languages
    from plugins.monitoring.mentions.classifier import reading_classifier

    lang_of(request, lang)
    texts = clean_texts(data.texts)
    languages = detect_languages(texts)
    results = (await reading_classifier(db)).predict(texts, languages)
    return [Classified(language=code, label=r.label, score=round(float(r.score), 4))
            for code, r in zip(languages, results, strict=True)]


ROUTES = [list_mentions, get_mention, correct_mention, correct_mentions, get_accuracy, classify, *INGEST_ROUTES]
