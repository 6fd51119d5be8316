"""The baseline study (nulmeting): a report for a chosen period, computed once and frozen.

Who says what about the organisation (leading authors with examples, the most shared mentions, terms and
hashtags), sentiment (share and weekly trend), the audience's needs (questions and requests), the buzz (per
source type, per week) and the number of places. The report is stored as JSON and shown from that JSON
only: later mentions or corrections never change it. Freezing also creates the core's `BaselineStudy`,
which satisfies the roadmap's baseline gate item.

Counts come from the mentions themselves (exact for any set of profiles, a mention matching two chosen
profiles counts once); terms and hashtags come from the day rollups (per chosen profile, summed).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    clean_text,
    clean_uuid,
    freeze_baseline,
    get_or_404,
    gettext_for,
)
from plugins.monitoring.buzz.figures import Scope, midnight, ranking
from plugins.monitoring.buzz.rollup import settle
from plugins.monitoring.buzz.service import bucket_label, buckets
from plugins.monitoring.buzz.terms import terms_of
from plugins.monitoring.dates import clean_day
from plugins.monitoring.models import (
    ALL_PROFILES,
    SENTIMENTS,
    BaselineReport,
    Mention,
    MentionProfile,
    SearchProfile,
)

REPORT_VERSION = 1
MAX_DAYS = 731
TOP_AUTHORS = 10
SAMPLES_PER_AUTHOR = 3
TOP_SHARED = 10
NEED_SAMPLES = 10
PLACES_LISTED = 200
EXCERPT = 280
NEED_WORDS = ("hoe", "waarom", "wanneer", "kan ik", "kun je", "kunnen jullie", "graag", "how", "why", "when",
              "can i", "could you", "please")
NEED = re.compile(r"\?|\b(?:" + "|".join(w.replace(" ", r"\s+") for w in NEED_WORDS) + r")\b", re.IGNORECASE)
"""A question or a request: a question mark or a typical Dutch or English question/request word."""


# --- input ------------------------------------------------------------------------------------------------
def _profile_ids(value: Any) -> list[UUID]:
    raw = value if isinstance(value, list | tuple) else ([value] if value not in (None, "") else [])
    return sorted({clean_uuid(v, "profile_ids") for v in raw if v not in (None, "")}, key=str)


async def _check(session: AsyncSession, title: Any, period_start: Any, period_end: Any, profile_ids: Any
                 ) -> tuple[str, date, date, list[SearchProfile]]:
    errors = FieldErrors()
    title = errors.clean(clean_text, title, "title")
    start = errors.clean(clean_day, period_start, "period_start")
    end = errors.clean(clean_day, period_end, "period_end")
    if start and end and end < start:
        errors.add("period_end", msgid="The end of the period lies before its start.")
    elif start and end and (end - start).days >= MAX_DAYS:
        errors.add("period_end", msgid="Choose a period of at most {n} days.", n=MAX_DAYS)
    ids = errors.clean(_profile_ids, profile_ids) or []
    chosen: list[SearchProfile] = []
    if ids:
        chosen = list(await session.scalars(select(SearchProfile).where(SearchProfile.id.in_(ids))
                                            .order_by(SearchProfile.name)))
        if len(chosen) != len(ids):
            errors.add("profile_ids", msgid="Choose a valid option.")
    errors.raise_if_any()
    assert title is not None and start is not None and end is not None
    return title, start, end, chosen


# --- computing the report ---------------------------------------------------------------------------------
def _in_period(start: date, end: date, profile_ids: list[UUID]) -> list[Any]:
    clauses = [Mention.published_at >= midnight(start), Mention.published_at < midnight(end) + timedelta(days=1),
               Mention.duplicate_of_id.is_(None)]
    if profile_ids:
        clauses.append(Mention.id.in_(select(MentionProfile.mention_id)
                                      .where(MentionProfile.profile_id.in_(profile_ids))))
    return clauses


def _sample(m: Mention) -> dict[str, Any]:
    text = m.lead or m.body or m.title
    return {"id": str(m.id), "published_at": m.published_at.isoformat(), "author": m.author_handle,
            "author_name": m.author_name, "source_type": m.source_type, "place": m.place, "title": m.title[:300],
            "excerpt": text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""), "url": m.url,
            "sentiment": m.sentiment, "reach": m.author_reach, "reposts": m.reposts}


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


async def _counts(session: AsyncSession, where: list[Any], weeks: list[Any]) -> dict[str, Any]:
    """One pass over the period's mentions (light columns only): totals, weekly buzz and sentiment, places."""
    week_index = {w: i for i, w in enumerate(weeks)}
    sentiment: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    places: Counter[str] = Counter()
    weekly_source: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    weekly_sentiment: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    authors: dict[str, list[Any]] = {}
    mentions = reach = 0
    query = select(Mention.published_at, Mention.source_type, Mention.sentiment, Mention.language, Mention.place,
                   Mention.author_handle, Mention.author_name, Mention.author_reach).where(*where)
    async for row in await session.stream(query.execution_options(yield_per=2000)):
        mentions += 1
        reach += row.author_reach or 0
        sentiment[row.sentiment] += 1
        by_source[row.source_type] += 1
        languages[row.language] += 1
        day = row.published_at.date()
        i = week_index[day - timedelta(days=day.weekday())]
        weekly_source[row.source_type][i] += 1
        weekly_sentiment[row.sentiment][i] += 1
        if row.place:
            places[row.place] += 1
        if row.author_handle:
            a = authors.setdefault(row.author_handle, [0, 0, ""])
            a[0] += 1
            if (row.author_reach or 0, row.author_name) > (a[1], a[2]):
                a[1], a[2] = row.author_reach or 0, row.author_name
    return {"mentions": mentions, "reach": reach, "sentiment": sentiment, "by_source": by_source,
            "languages": languages, "places": places, "weekly_source": weekly_source,
            "weekly_sentiment": weekly_sentiment, "authors": authors}


async def _needs(session: AsyncSession, where: list[Any], mentions: int) -> dict[str, Any]:
    """Questions and requests: a cheap SQL pre-filter, then the exact pattern; top terms among them."""
    text = Mention.title + " " + Mention.lead + " " + Mention.body
    rough = or_(text.contains("?"), *(text.ilike(f"%{w.split()[0]}%") for w in NEED_WORDS))
    query = select(Mention).where(*where, rough).execution_options(yield_per=1000)
    count = 0
    terms: Counter[str] = Counter()
    best: list[tuple[int, str, dict[str, Any]]] = []
    async for m in await session.stream_scalars(query):
        if not NEED.search(" ".join((m.title, m.lead, m.body))):
            continue
        count += 1
        terms.update(terms_of(m.title, m.lead, m.body))
        best.append((-(m.author_reach or 0), str(m.id), _sample(m)))
        if len(best) > 4 * NEED_SAMPLES:
            best = sorted(best)[:NEED_SAMPLES]
    return {"mentions": count, "share": _pct(count, mentions),
            "terms": [{"term": t, "mentions": n} for t, n in sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))
                      [:20]],
            "samples": [s for _, _, s in sorted(best)[:NEED_SAMPLES]]}


async def _rankings(session: AsyncSession, base: str, start: date, end: date, profile_ids: list[UUID],
                    limit: int) -> list[dict[str, Any]]:
    totals: Counter[str] = Counter()
    for key in profile_ids or [ALL_PROFILES]:
        for r in await ranking(session, base, Scope.of([key], {}), start, end, limit * 2):
            totals[r.key] += r.mentions
    return [{"term": k, "mentions": n} for k, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


async def compute_report(session: AsyncSession, start: date, end: date, profiles: list[SearchProfile]
                         ) -> dict[str, Any]:
    """The whole report as JSON-ready data (never stored objects)."""
    ids = [p.id for p in profiles]
    where = _in_period(start, end, ids)
    weeks = buckets(midnight(start), midnight(end) + timedelta(days=1), "week")
    c = await _counts(session, where, weeks)
    n = c["mentions"]
    s = c["sentiment"]
    top = sorted(c["authors"].items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:TOP_AUTHORS]
    authors = []
    for handle, (count, reach, name) in top:
        rows = await session.scalars(select(Mention).where(*where, Mention.author_handle == handle)
                                     .order_by(Mention.published_at.desc()).limit(SAMPLES_PER_AUTHOR))
        authors.append({"handle": handle, "name": name, "reach": reach, "mentions": count,
                        "samples": [_sample(m) for m in rows]})
    shared = await session.scalars(select(Mention).where(*where).order_by(
        Mention.reposts.desc(), Mention.author_reach.desc(), Mention.published_at.desc()).limit(TOP_SHARED))
    await settle(session, start, end)
    week_labels = [bucket_label(w, "week") for w in weeks]
    totals_per_week = [sum(v[i] for v in c["weekly_sentiment"].values()) for i in range(len(weeks))]
    return {
        "version": REPORT_VERSION,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "profiles": [{"id": str(p.id), "name": p.name} for p in profiles],
        "computed_at": datetime.now(UTC).isoformat(),
        "totals": {"mentions": n, "reach": c["reach"], "authors": len(c["authors"]), "places": len(c["places"]),
                   **{k: s[k] for k in SENTIMENTS}, "negative_share": _pct(s["negative"], n),
                   "sentiment_index": round(100 * (s["positive"] - s["negative"]) / n, 1) if n else 0.0},
        "languages": dict(c["languages"].most_common()),
        "sentiment": {"share": {k: s[k] for k in SENTIMENTS}, "weeks": week_labels,
                      "trend": {k: [_pct(v, t) for v, t in zip(c["weekly_sentiment"].get(k, [0] * len(weeks)),
                                                                 totals_per_week, strict=True)]
                                for k in SENTIMENTS}},
        "buzz": {"by_source_type": dict(c["by_source"].most_common()), "weeks": week_labels,
                 "weekly": {k: v for k, v in sorted(c["weekly_source"].items())}},
        "authors": authors,
        "most_shared": [_sample(m) for m in shared],
        "needs": await _needs(session, where, n),
        "places": {"count": len(c["places"]),
                   "list": [{"place": p, "mentions": k} for p, k in
                            sorted(c["places"].items(), key=lambda kv: (-kv[1], kv[0]))[:PLACES_LISTED]]},
        "terms": await _rankings(session, "term", start, end, ids, 20),
        "hashtags": await _rankings(session, "hashtag", start, end, ids, 10),
    }


def summary_of(report: dict[str, Any], lang: str) -> str:
    t = report["totals"]
    _ = gettext_for(lang)
    return _("{mentions} mentions by {authors} authors in {places} places; negative share {negative} %, "
             "sentiment index {index}.", mentions=t["mentions"], authors=t["authors"], places=t["places"],
             negative=t["negative_share"], index=t["sentiment_index"])


# --- freezing and reading ---------------------------------------------------------------------------------
async def freeze(session: AsyncSession, principal: Any, title: Any, period_start: Any, period_end: Any,
                 profile_ids: Any = None, lang: str = "nl") -> BaselineReport:
    """Compute the report for the period and freeze it, with the core's baseline study as gate evidence."""
    title, start, end, chosen = await _check(session, title, period_start, period_end, profile_ids)
    report = await compute_report(session, start, end, chosen)
    if not report["totals"]["mentions"]:
        raise DomainError(field="period_start", msgid="No mentions in this period.")
    study = await freeze_baseline(session, principal, title, start, end, summary_of(report, lang), report,
                                  source="monitoring")
    row = BaselineReport(title=title, period_start=start, period_end=end, profile_ids=[str(p.id) for p in chosen],
                         report=report, study_id=study.id, created_by_id=principal.user_id)
    session.add(row)
    await session.flush()
    return row


def reports_query() -> Select[Any]:
    """Frozen baseline reports, newest first (for `paginate`)."""
    return select(BaselineReport).order_by(BaselineReport.created_at.desc())


async def get_report(session: AsyncSession, report_id: Any) -> BaselineReport:
    return await get_or_404(session, BaselineReport, report_id)
