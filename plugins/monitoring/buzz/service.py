"""The buzz dashboard (the continuous measurement): filters and every figure, from the rollups only.

Times are UTC: `HourStat` hours and `DayStat` days are UTC, so a day on the dashboard is a UTC day.
A preset period ends with the current hour (included) and starts N×24 hours earlier; a custom period runs
from the start of its first day to the end of its last. Rankings (terms, hashtags, authors, places) are per
whole day, so a rolling period's first and last day count in full there.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import N_, DomainError, FieldErrors, clean_choice, clean_uuid
from plugins.monitoring.buzz.figures import (
    DAY,
    HOUR,
    Cell,
    Ranked,
    Scope,
    VolumeRead,
    dirty_days,
    last_day,
    midnight,
    places_count,
    rankings,
    small_plans,
    volume_cells,
    volume_reads,
)
from plugins.monitoring.dates import clean_day
from plugins.monitoring.models import ALL_PROFILES, SENTIMENTS, SOURCE_TYPES, SearchProfile, Source

PERIODS: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
                                 "90d": timedelta(days=90)}
PERIOD_LABELS = {"24h": N_("Last 24 hours"), "7d": N_("Last 7 days, up to now"), "30d": N_("Last 30 days, up to now"),
                 "90d": N_("Last 90 days, up to now"), "custom": N_("Custom period")}
"""Rolling periods that include today: "up to now" tells them from the dashboard's "last 7 days" (whole days
before today)."""
DEFAULT_PERIOD = "30d"
GRANULARITIES = {"hour": N_("per hour"), "day": N_("per day"), "week": N_("per week")}
MAX_HOURLY = timedelta(days=31)
MAX_DAYS = 731
LANGUAGES = {"nl": N_("Dutch"), "en": N_("English"), "und": N_("unknown language")}
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
TOP = 10


@dataclass(frozen=True)
class BuzzFilters:
    """What the dashboard shows: a period [start, end) in UTC, its granularity and the dimension filters."""

    period: str
    start: datetime
    end: datetime
    granularity: str
    granularity_chosen: bool = False
    date_from: date | None = None
    date_to: date | None = None
    profile_id: UUID | None = None
    source_type: str | None = None
    sentiment: str | None = None
    language: str | None = None

    @property
    def dims(self) -> dict[str, str]:
        return {d: v for d in ("source_type", "language", "sentiment") if (v := getattr(self, d))}

    @property
    def profile_key(self) -> UUID:
        return self.profile_id or ALL_PROFILES

    @property
    def previous(self) -> tuple[datetime, datetime]:
        """The equal period just before, for the change on the KPI tiles."""
        return self.start - (self.end - self.start), self.start

    @property
    def days(self) -> tuple[date, date]:
        """The whole days the period touches (rankings are per day)."""
        return self.start.date(), last_day(self.end)

    def params(self, **override: Any) -> dict[str, str]:
        """Query parameters that give these filters again (links, pagination, the mention list)."""
        values: dict[str, Any] = {"period": self.period,
                                  "from": self.date_from.isoformat() if self.date_from else None,
                                  "to": self.date_to.isoformat() if self.date_to else None,
                                  "granularity": self.granularity if self.granularity_chosen else None,
                                  "profile": str(self.profile_id) if self.profile_id else None,
                                  "source_type": self.source_type, "sentiment": self.sentiment,
                                  "language": self.language, **override}
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def auto_granularity(length: timedelta) -> str:
    if length <= timedelta(days=2):
        return "hour"
    return "day" if length <= timedelta(days=92) else "week"


def _language(value: str, field_name: str = "language") -> str:
    code = value.strip().lower()
    if not LANGUAGE_CODE.match(code):
        raise DomainError(field=field_name, msgid="Use a language code such as nl or en.")
    return code


def parse_filters(params: Mapping[str, Any], profile_ids: Iterable[UUID], now: datetime | None = None
                  ) -> BuzzFilters:
    """Filters from query parameters; every bad value is reported under its own field name."""
    def get(name: str) -> str:
        return str(params.get(name) or "").strip()

    errors = FieldErrors()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    period = get("period") or ("custom" if get("from") or get("to") else DEFAULT_PERIOD)
    period = errors.clean(clean_choice, period, "period", [*PERIODS, "custom"]) or DEFAULT_PERIOD
    date_from = date_to = None
    if period == "custom":
        date_from = errors.clean(clean_day, get("from"), "from")
        date_to = errors.clean(clean_day, get("to"), "to")
        if date_from and date_to and date_to < date_from:
            errors.add("to", msgid="The end of the period lies before its start.")
        elif date_from and date_to and (date_to - date_from).days >= MAX_DAYS:
            errors.add("to", msgid="Choose a period of at most {n} days.", n=MAX_DAYS)
    if date_from and date_to and not errors:
        start, end = midnight(date_from), midnight(date_to) + DAY
    else:
        end = now.replace(minute=0, second=0, microsecond=0) + HOUR
        start = end - PERIODS.get(period, PERIODS[DEFAULT_PERIOD])
    granularity = get("granularity")
    if granularity:
        granularity = errors.clean(clean_choice, granularity, "granularity", list(GRANULARITIES)) or ""
        if granularity == "hour" and end - start > MAX_HOURLY:
            errors.add("granularity", msgid="Hourly figures cover at most 31 days: choose per day or per week.")
    profile_id = None
    if get("profile"):
        profile_id = errors.clean(clean_uuid, get("profile"), "profile")
        if profile_id is not None and profile_id not in set(profile_ids):
            errors.add("profile", msgid="Choose a valid option.")
    source_type = errors.clean(clean_choice, get("source_type"), "source_type", list(SOURCE_TYPES)) \
        if get("source_type") else None
    sentiment = errors.clean(clean_choice, get("sentiment"), "sentiment", list(SENTIMENTS)) \
        if get("sentiment") else None
    language = errors.clean(_language, get("language")) if get("language") else None
    errors.raise_if_any()
    return BuzzFilters(period=period, start=start, end=end, granularity=granularity or auto_granularity(end - start),
                       granularity_chosen=bool(granularity), date_from=date_from, date_to=date_to,
                       profile_id=profile_id, source_type=source_type, sentiment=sentiment, language=language)


def default_filters(period: str = DEFAULT_PERIOD, now: datetime | None = None) -> BuzzFilters:
    return parse_filters({"period": period}, (), now)


# --- buckets ----------------------------------------------------------------------------------------------
def bucket_of(at: datetime, granularity: str) -> Any:
    if granularity == "hour":
        return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    day = at.astimezone(UTC).date()
    return day if granularity == "day" else day - timedelta(days=day.weekday())


def buckets(start: datetime, end: datetime, granularity: str) -> list[Any]:
    if granularity == "hour":
        return [start + HOUR * i for i in range(int((end - start) / HOUR))]
    first, last = bucket_of(start, granularity), bucket_of(end - timedelta(microseconds=1), granularity)
    step = timedelta(days=1 if granularity == "day" else 7)
    return [first + step * i for i in range((last - first) // step + 1)]


def bucket_label(key: Any, granularity: str) -> str:
    if granularity == "hour":
        return key.strftime("%Y-%m-%d %H:00")
    if granularity == "week":
        year, week, _ = key.isocalendar()
        return f"{year}-W{week:02d}"
    return key.isoformat()


# --- the figures ------------------------------------------------------------------------------------------
@dataclass
class Totals:
    mentions: int = 0
    reach: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    places: int = 0
    negative_share: float | None = None
    """Percent of mentions that are negative."""
    sentiment_index: float | None = None
    """(positive − negative) / mentions × 100, from −100 to 100."""


def totals_of(cells: Iterable[Cell], places: int = 0, by: int = 0) -> Totals:
    """Totals from cells whose key part `by` is the sentiment."""
    mentions = reach = 0
    per_sentiment: dict[str, int] = defaultdict(int)
    for c in cells:
        mentions += c.mentions
        reach += c.reach
        per_sentiment[c.key[by]] += c.mentions
    t = Totals(mentions=mentions, reach=reach, negative=per_sentiment["negative"], neutral=per_sentiment["neutral"],
               positive=per_sentiment["positive"], places=places)
    if t.mentions:
        t.negative_share = round(100 * t.negative / t.mentions, 1)
        t.sentiment_index = round(100 * (t.positive - t.negative) / t.mentions, 1)
    return t


@dataclass
class Kpi:
    key: str
    value: float | None
    previous: float | None
    change: float | None
    """Relative change in percent for counts, the difference in points for shares and the index."""
    change_unit: str


def kpis_of(now: Totals, before: Totals) -> list[Kpi]:
    """The tiles: each figure with its change against the period before."""
    kpis = []
    for key in ("mentions", "reach", "negative_share", "sentiment_index", "places"):
        a, b = getattr(now, key), getattr(before, key)
        if key in ("negative_share", "sentiment_index"):
            change = round(a - b, 1) if a is not None and b is not None else None
            kpis.append(Kpi(key, a, b, change, "points"))
        else:
            change = round(100 * (a - b) / b, 1) if b and a is not None else None  # a KPI not measured yet: None
            kpis.append(Kpi(key, a, b, change, "percent"))
    return kpis


@dataclass
class SeriesData:
    key: str
    label: str
    values: list[float]


@dataclass
class Dashboard:
    """Everything the page and the API show for one set of filters."""

    period: str
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    granularity: str
    profile_id: UUID | None
    source_type: str | None
    sentiment: str | None
    language: str | None
    totals: Totals
    previous: Totals
    kpis: list[Kpi]
    buckets: list[str]
    volume_by: str
    """profile (one series per profile, plus all mentions) or source_type (with a profile filter)."""
    volume: list[SeriesData]
    sentiment_share: dict[str, int]
    sentiment_trend: list[SeriesData]
    """Percent of each bucket's mentions per sentiment."""
    source_types: dict[str, int]
    top_authors: list[Ranked]
    top_terms: list[Ranked]
    top_hashtags: list[Ranked]
    top_places: list[Ranked]
    rankings_from: date
    rankings_to: date
    profiles: dict[str, str] = field(default_factory=dict)
    """Profile id → name, for the series labels."""


def _series(cells: Iterable[Cell], keys: list[Any], by: int | None = 0) -> dict[str, list[int]]:
    """Mentions per bucket for each value of key part `by` (None: one series, '')."""
    index = {k: i for i, k in enumerate(keys)}
    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(keys))
    for c in cells:
        i = index.get(c.at)
        if i is not None:
            out["" if by is None else c.key[by]][i] += c.mentions
    return out


def _ordered(series: Mapping[str, Any]) -> list[str]:
    """Source types in their usual order, unknown ones after."""
    return [k for k in SOURCE_TYPES if k in series] + sorted(k for k in series if k not in SOURCE_TYPES)


class ProfileName(NamedTuple):
    id: UUID
    name: str


async def profiles(session: AsyncSession) -> list[ProfileName]:
    """The search profiles by name: their id and name are all the filters and the series need."""
    rows = await session.execute(select(SearchProfile.id, SearchProfile.name).order_by(SearchProfile.name))
    return [ProfileName(*row) for row in rows]


async def setup_state(session: AsyncSession) -> dict[str, int]:
    """How far the tenant is: profiles and sources (the empty state says what to do first)."""
    return {"profiles": int(await session.scalar(select(func.count()).select_from(SearchProfile)) or 0),
            "sources": int(await session.scalar(select(func.count()).select_from(Source)) or 0)}


async def totals_for(session: AsyncSession, start: datetime, end: datetime, profile_key: UUID = ALL_PROFILES,
                     dims: Mapping[str, str | None] | None = None, dirty: set[date] | None = None) -> Totals:
    """Mentions, reach, sentiment and places of a period (the KPIs and the widget)."""
    scope = Scope.of([profile_key], dims or {})
    if dirty is None:
        dirty = await dirty_days(session, start.date(), last_day(end))
    cells = await volume_cells(session, start, end, scope, ("sentiment",), dirty)
    return totals_of(cells, await places_count(session, scope, start.date(), last_day(end)))


async def dashboard(session: AsyncSession, f: BuzzFilters, known: list[ProfileName] | None = None) -> Dashboard:
    """Every figure of the dashboard for the filters, from `HourStat` and `DayStat`: the volume figures in one
    statement and the rankings in another (each round trip costs more than the rows it brings)."""
    known = await profiles(session) if known is None else known
    await small_plans(session)
    scope = Scope.of([f.profile_key], f.dims)
    prev_start, prev_end = f.previous
    dirty = await dirty_days(session, prev_start.date(), last_day(f.end))
    keys = buckets(f.start, f.end, f.granularity)
    first, last = f.days

    # narrow reads, all in one statement: sentiment per bucket, source types per bucket where they are drawn so
    # (a profile chosen) and as totals otherwise
    reads = [VolumeRead(prev_start, prev_end, scope, ("sentiment",)),
             VolumeRead(f.start, f.end, scope, ("sentiment",), f.granularity),
             VolumeRead(f.start, f.end, scope, ("source_type",), f.granularity if f.profile_id else None)]
    if f.profile_id is None:
        reads.append(VolumeRead(f.start, f.end, Scope.of([p.id for p in known], f.dims), ("profile_key",),
                                f.granularity))
    previous_cells, cells, source_cells, *profile_cells = await volume_reads(session, reads, dirty)
    ranked = await rankings(session, scope, first, last, (prev_start.date(), last_day(prev_end)),
                            {"author": TOP, "term": TOP * 2, "hashtag": TOP, "place": TOP})
    before = totals_of(previous_cells, ranked.previous_place_count)
    now = totals_of(cells, ranked.place_count)

    sentiment_series = _series(cells, keys, by=0)
    per_bucket = [sum(s[i] for s in sentiment_series.values()) for i in range(len(keys))]
    trend = [SeriesData(label, label, [round(100 * n / t, 1) if t else 0 for n, t in
                                       zip(sentiment_series.get(label, [0] * len(keys)), per_bucket, strict=True)])
             for label in SENTIMENTS]
    per_source: dict[str, int] = defaultdict(int)
    for c in source_cells:
        per_source[c.key[0]] += c.mentions
    names = {str(p.id): p.name for p in known}
    if f.profile_id is None:
        volume_by = "profile"
        by_profile = _series(profile_cells[0], keys)
        volume = [SeriesData("all", "all", per_bucket)] + [SeriesData(str(p.id), p.name, by_profile[str(p.id)])
                                                           for p in known if str(p.id) in by_profile]
    else:
        volume_by = "source_type"
        source_series = _series(source_cells, keys)
        volume = [SeriesData(k, k, source_series[k]) for k in _ordered(source_series)]
    return Dashboard(
        period=f.period, start=f.start, end=f.end, previous_start=prev_start, previous_end=prev_end,
        granularity=f.granularity, profile_id=f.profile_id, source_type=f.source_type, sentiment=f.sentiment,
        language=f.language, totals=now, previous=before, kpis=kpis_of(now, before),
        buckets=[bucket_label(k, f.granularity) for k in keys], volume_by=volume_by, volume=volume,
        sentiment_share={s: getattr(now, s) for s in SENTIMENTS}, sentiment_trend=trend,
        source_types={k: per_source[k] for k in _ordered(per_source) if per_source[k]},
        top_authors=ranked.authors, top_terms=ranked.terms, top_hashtags=ranked.hashtags, top_places=ranked.places,
        rankings_from=first, rankings_to=last, profiles=names)
