"""The Conversation Index computed from mention rows: pure functions, so every number can be checked by hand.

Each component is a 0–100 score over the mentions of one scope (a search profile, or every mention once for
the tenant) in one bucket (a day, a week, a period); a bucket without mentions scores None, never 0:

- status: the bucket's mentions per day against the mean per day of the `BASELINE` before it,
  `min(100, 50 × ratio)` (50 = as usual, 100 = twice as much or more); None without a baseline;
- ranking: the scope's place by mentions among the profiles with mentions in the bucket,
  `100 × (n − rank) / (n − 1)` (100 alone or first, 0 last); None for the tenant as a whole;
- perception: net sentiment mapped to 0–100, `50 + 50 × (positive − negative) / mentions`;
- authority: share of mentions by authors with at least `HIGH_REACH` followers;
- opportunities: share of mentions with a purchase or lead signal (`INTENT`, per language) or a question;
- relationship: share of mentions by a returning author (seen in the scope in the `RETURNING` before) or
  addressing one of the organisation's own handles (its own accounts excluded);
- interaction: share of mentions that are replies (`@…` at the start, a "Re:" title) or were re-posted.

The index is the weighted mean of the components that have a value (`WEIGHTS`, equal by default).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.plugins.api import N_

COMPONENTS: dict[str, str] = {
    "status": N_("Status"), "ranking": N_("Ranking"), "perception": N_("Perception"),
    "authority": N_("Authority"), "opportunities": N_("Business opportunities"),
    "relationship": N_("Relationship with followers"), "interaction": N_("Interaction"),
}
"""Component key → msgid to show, in the order docs/measurement.md lists them."""

WEIGHTS: dict[str, float] = dict.fromkeys(COMPONENTS, 1.0)
"""Fixed default weights (monitoring has no per-tenant settings table); equal, so the index is a plain mean."""

HIGH_REACH = 10_000
"""Followers from which an author counts as authoritative."""
BASELINE = timedelta(days=28)
"""Status compares with the mean per day of this long before the bucket."""
RETURNING = timedelta(days=90)
"""An author seen in the scope this recently before a mention is a returning author."""

INTENT: dict[str, tuple[str, ...]] = {
    "nl": ("kopen", "koop", "bestel", "offerte", "prijs", "prijzen", "wat kost", "aanbieding", "korting",
           "proefperiode", "interesse in", "waar kan ik", "aanrader", "aanraden"),
    "en": ("buy", "purchase", "order", "quote", "price", "pricing", "how much", "discount", "deal", "trial",
           "interested in", "where can i", "recommend"),
}
"""Purchase or lead signals, matched at the start of a word (`koop` matches `koopt`, not `verkoop`). A mention in
Dutch is matched against the Dutch list, in English against the English one, in another language against both."""


@dataclass(frozen=True, slots=True)
class Row:
    """One mention in one scope, reduced to what the index reads (`data` fills the flags from `signals`)."""

    key: Any
    """The scope: a profile id, or ALL_PROFILES."""
    published_at: datetime
    sentiment: str = "neutral"
    reach: int = 0
    author: str = ""
    """Normalised handle ('@Acme' → 'acme'); empty when unknown."""
    reposts: int = 0
    reply: bool = False
    intent: bool = False
    """A purchase/lead signal or a question."""
    addresses_us: bool = False
    """The text names one of the organisation's own handles."""
    own_author: bool = False
    """Written by one of the organisation's own accounts."""


@dataclass
class Score:
    """The index of one scope in one bucket."""

    mentions: int = 0
    components: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(COMPONENTS))
    value: float | None = None


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1)


def combine(components: Mapping[str, float | None], weights: Mapping[str, float] = WEIGHTS) -> float | None:
    """Weighted mean of the components that have a value; None when none has (or all weights are 0)."""
    present = [(weights.get(k, 0.0), v) for k, v in components.items() if v is not None]
    total = sum(w for w, _ in present)
    if not present or total <= 0:
        return None
    return round(sum(w * v for w, v in present) / total, 1)


def returning_flags(rows: Sequence[Row], seen: Mapping[Any, Mapping[str, datetime]],
                    order: Sequence[int] | None = None) -> list[bool]:
    """Per row (in `rows`' order): its author was seen in its scope within `RETURNING` before it.

    `seen` holds, per scope, each author's last mention before the rows start (the data layer reads it);
    `order`: the row indexes by time, when the caller has them already."""
    by_key: dict[Any, list[int]] = defaultdict(list)
    for i in order if order is not None else sorted(range(len(rows)), key=lambda i: rows[i].published_at):
        by_key[rows[i].key].append(i)
    flags = [False] * len(rows)
    for key, picked in by_key.items():
        last = dict(seen.get(key, {}))
        for i in picked:
            row = rows[i]
            if not row.author:
                continue
            before = last.get(row.author)
            flags[i] = before is not None and before < row.published_at and row.published_at - before <= RETURNING
            if before is None or before < row.published_at:
                last[row.author] = row.published_at
    return flags


def score_bucket(rows: Sequence[Row], returning: Sequence[bool], baseline_per_day: float | None,
                 days: float, rank: tuple[int, int] | None,
                 weights: Mapping[str, float] = WEIGHTS) -> Score:
    """The components of one scope's rows in one bucket of `days` days.

    `baseline_per_day`: mean mentions per day before the bucket (None or 0: no baseline); `rank`: (rank, n)
    among the profiles, or None where ranking does not apply (the tenant as a whole)."""
    n = len(rows)
    if not n:
        return Score()
    net = high = intent = related = interacted = 0
    for r, ret in zip(rows, returning, strict=True):  # one pass: a year of mentions goes through here
        net += (r.sentiment == "positive") - (r.sentiment == "negative")
        high += r.reach >= HIGH_REACH
        intent += r.intent
        related += bool((ret or r.addresses_us) and not r.own_author)
        interacted += bool(r.reply or r.reposts > 0)
    c: dict[str, float | None] = {
        "status": (round(min(100.0, 50 * (n / days) / baseline_per_day), 1) if baseline_per_day else None),
        "ranking": None,
        "perception": round(50 + 50 * net / n, 1),
        "authority": _pct(high, n),
        "opportunities": _pct(intent, n),
        "relationship": _pct(related, n),
        "interaction": _pct(interacted, n),
    }
    if rank is not None:
        place, among = rank
        c["ranking"] = 100.0 if among <= 1 else round(100 * (among - place) / (among - 1), 1)
    return Score(mentions=n, components=c, value=combine(c, weights))


def ranks(volumes: Mapping[Any, int]) -> dict[Any, tuple[int, int]]:
    """(rank, n) per scope with mentions; ties share the better rank."""
    counted = {k: v for k, v in volumes.items() if v > 0}
    return {k: (1 + sum(o > v for o in counted.values()), len(counted)) for k, v in counted.items()}


def score_series(rows: Sequence[Row], before: Iterable[tuple[Any, datetime]],
                 seen: Mapping[Any, Mapping[str, datetime]], buckets: Sequence[tuple[datetime, datetime]],
                 keys: Sequence[Any], rank: bool = True,
                 weights: Mapping[str, float] = WEIGHTS) -> dict[Any, list[Score]]:
    """Every scope's score in every bucket [start, end).

    `rows`: the mentions from the first bucket's start to the last one's end; `before`: (scope, time) of the
    mentions in the `BASELINE` before the first bucket; `seen`: authors' last mention before the first bucket."""
    order = sorted(range(len(rows)), key=lambda i: rows[i].published_at)
    moments = [rows[i].published_at for i in order]
    returning = returning_flags(rows, seen, order)
    code = {k: n for n, k in enumerate(keys)}
    codes = [code.get(r.key, -1) for r in rows]  # small ints: hashing a UUID per row and bucket is slow
    times: dict[Any, list[datetime]] = defaultdict(list)
    for key, at in before:
        times[key].append(at)
    for i in order:
        times[rows[i].key].append(rows[i].published_at)
    for t in times.values():
        t.sort()
    out: dict[Any, list[Score]] = {k: [] for k in keys}
    for start, end in buckets:
        grouped: dict[int, list[int]] = defaultdict(list)
        for i in order[bisect_left(moments, start):bisect_left(moments, end)]:
            grouped[codes[i]].append(i)
        inside = {k: grouped.get(n, []) for k, n in code.items()}
        places = ranks({k: len(inside.get(k, ())) for k in keys}) if rank else {}
        days = (end - start) / timedelta(days=1)
        for k in keys:
            t = times.get(k, [])
            prior = bisect_left(t, start) - bisect_left(t, start - BASELINE)
            baseline = prior / (BASELINE / timedelta(days=1)) if prior else None
            picked = inside.get(k, [])
            out[k].append(score_bucket([rows[i] for i in picked], [returning[i] for i in picked], baseline, days,
                                       places.get(k) if rank else None, weights))
    return out
