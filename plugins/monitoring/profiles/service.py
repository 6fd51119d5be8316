"""Search profiles: what the organisation follows (a boolean query, languages, source types) and when it wants
to be warned (alert thresholds).

Changing what a profile matches bumps its `version` and starts the re-tag job (`retag.py`), which brings past
mentions and the profile's counters in line; re-activating a profile re-tags too, to fill the gap in which it
was not followed. Every decision is audited. A query that does not parse is refused with the parser's reason
and the position of the problem (counted from 1, as a person counts characters).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    FieldErrors,
    Msg,
    clean_text,
    enqueue_job,
    get_or_404,
    gettext_for,
    record_audit,
    start_progress,
)
from plugins.monitoring.models import (
    SOURCE_TYPES,
    DayStat,
    HourStat,
    Mention,
    MentionProfile,
    SearchProfile,
)
from plugins.monitoring.query import (
    Document,
    Node,
    ProfileMatcher,
    ProfileSpec,
    QuerySyntaxError,
    parse,
    positive_terms,
    to_text,
)

LANGUAGES: dict[str, str] = {"nl": N_("Dutch"), "en": N_("English"), "und": N_("language unknown")}
"""Stored value → msgid to show; "und" is what language detection says when it cannot tell."""
MAX_QUERY = 4000
"""A generous cap before parsing; the parser has its own limit and reports it with a position."""
PREVIEW_WINDOW = 5000
"""The preview judges the query against this many of the newest mentions."""
RETAG_JOB = "monitoring.retag_profile"
RETAG_KIND = "monitoring.retag"
MATCHING_FIELDS = ("query", "languages", "source_types")
"""A change of one of these changes what the profile matches: new version, re-tag."""
AT_POSITION = N_("{reason} (position {position})")


@dataclass(frozen=True)
class Bound:
    kind: type
    low: float
    high: float


THRESHOLDS: dict[str, Bound] = {
    "alert_window_minutes": Bound(int, 5, 1440),
    "volume_factor": Bound(float, 1.5, 50),
    "volume_min_mentions": Bound(int, 1, 10000),
    "negative_rise": Bound(float, 0.05, 0.9),
}
DEFAULTS: dict[str, Any] = {"languages": [], "source_types": [], "is_active": True, "alert_window_minutes": 60,
                            "volume_factor": 3.0, "volume_min_mentions": 10, "negative_rise": 0.20,
                            "alerts_enabled": True}
FIELDS = ("name", "query", "languages", "source_types", "is_active", *THRESHOLDS, "alerts_enabled")


class QueryProblem(Msg):
    """The parser's reason (its own msgid and parameters) and the position, rendered as one sentence."""

    def __init__(self, exc: QuerySyntaxError) -> None:
        super().__init__(AT_POSITION, position=exc.position + 1)
        self.reason = Msg(exc.msgid, **exc.params)
        self.offset = exc.position

    def render(self, lang: str) -> str:
        return gettext_for(lang)(self.msgid, reason=self.reason.render(lang), position=self.params["position"])


@dataclass
class Saved:
    """A saved profile and, when past mentions are being re-tagged, the progress row to show."""

    profile: SearchProfile
    progress: Any = None


@dataclass
class Preview:
    """How a query would do on the newest mentions, while editing it."""

    query: str
    canonical: str
    terms: list[str]
    scanned: int
    matched: int
    sample: list[Mention]


# --- cleaning --------------------------------------------------------------------------------------------

def clean_query(value: Any) -> tuple[str, Node]:
    """The user's text (stored as typed, trimmed) and its parse tree; a parse error names the position."""
    text = clean_text(value, "query", max_length=MAX_QUERY)
    try:
        return text, parse(text)
    except QuerySyntaxError as exc:
        typed = str(value)
        exc.position += len(typed) - len(typed.lstrip())  # a position in the text as typed, before trimming
        raise DomainError({"query": QueryProblem(exc)}) from None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def clean_subset(value: Any, field_name: str, choices: Mapping[str, str]) -> list[str]:
    """Any of the choices (a list, or a comma-separated text); empty means all."""
    picked = _as_list(value)
    if any(v not in choices for v in picked):
        raise DomainError(field=field_name, msgid="Choose any of: {choices}.", choices=", ".join(choices))
    return sorted(set(picked), key=list(choices).index)


def clean_flag(value: Any, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "on", "yes", "ja"):
        return True
    if text in ("", "0", "false", "off", "no", "nee"):
        return False
    raise DomainError(field=field_name, msgid="Choose yes or no.")


def clean_bounded(value: Any, field_name: str) -> int | float:
    """A threshold within its bounds; a decimal comma is accepted (Dutch forms)."""
    bound = THRESHOLDS[field_name]
    if isinstance(value, bool):
        raise DomainError(field=field_name, msgid="Enter a number.")
    try:
        number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise DomainError(field=field_name, msgid="Enter a number.") from None
    if number != number:
        raise DomainError(field=field_name, msgid="Enter a number.")
    if bound.kind is int and number != int(number):
        raise DomainError(field=field_name, msgid="Enter a whole number.")
    if not bound.low <= number <= bound.high:
        low, high = (int(bound.low), int(bound.high)) if bound.kind is int else (bound.low, bound.high)
        raise DomainError(field=field_name, msgid="Use a number from {low} to {high}.", low=low, high=high)
    return int(number) if bound.kind is int else number


def clean_values(values: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """The fields present in `values`, cleaned (on create: every field, defaults filled in); all errors at once."""
    errors = FieldErrors()
    given = {k: values[k] for k in FIELDS if k in values and values[k] is not None}
    if creating:
        given = {**DEFAULTS, **given}
        given.setdefault("name", "")
        given.setdefault("query", "")
    cleaned: dict[str, Any] = {}
    for name, raw in given.items():
        if name == "name":
            cleaned[name] = errors.clean(clean_text, raw, "name", max_length=120)
        elif name == "query":
            parsed = errors.clean(clean_query, raw)
            cleaned[name] = parsed[0] if parsed else None
        elif name == "languages":
            cleaned[name] = errors.clean(clean_subset, raw, name, LANGUAGES)
        elif name == "source_types":
            cleaned[name] = errors.clean(clean_subset, raw, name, SOURCE_TYPES)
        elif name in THRESHOLDS:
            cleaned[name] = errors.clean(clean_bounded, raw, name)
        else:
            cleaned[name] = errors.clean(clean_flag, raw, name)
    errors.raise_if_any()
    return cleaned


async def _check_name_free(session: AsyncSession, name: str, exclude: UUID | None = None) -> None:
    query = select(SearchProfile.id).where(func.lower(SearchProfile.name) == name.lower())
    if exclude is not None:
        query = query.where(SearchProfile.id != exclude)
    if await session.scalar(query) is not None:
        raise DomainError(field="name", msgid="A search profile with this name already exists.")


@asynccontextmanager
async def _unique_name(session: AsyncSession) -> AsyncIterator[None]:
    """Changes made inside are flushed in a savepoint: when someone saved the same name meanwhile, the
    constraint decides and the loser gets a field error (the request's transaction stays usable)."""
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError:
        raise DomainError(field="name", msgid="A search profile with this name already exists.") from None


# --- reading ---------------------------------------------------------------------------------------------

def profiles_query() -> Select[Any]:
    """Every profile, by name (for `paginate`)."""
    return select(SearchProfile).order_by(SearchProfile.name, SearchProfile.id)


async def list_profiles(session: AsyncSession) -> list[SearchProfile]:
    return list((await session.scalars(profiles_query())).all())


async def get_profile(session: AsyncSession, profile_id: Any) -> SearchProfile:
    return await get_or_404(session, SearchProfile, profile_id)


async def matched_counts(session: AsyncSession, profile_ids: list[UUID]) -> dict[UUID, int]:
    """Mentions matched per profile, from the pre-aggregated counters (no scan of a million tags)."""
    if not profile_ids:
        return {}
    rows = await session.execute(select(HourStat.profile_key, func.sum(HourStat.mentions))
                                 .where(HourStat.profile_key.in_(profile_ids)).group_by(HourStat.profile_key))
    return {key: int(total or 0) for key, total in rows.all()}


async def recent_matches(session: AsyncSession, profile_id: UUID, limit: int = 10) -> list[Mention]:
    """The newest mentions the profile matched (its page shows what it catches)."""
    query = (select(Mention).join(MentionProfile, MentionProfile.mention_id == Mention.id)
             .where(MentionProfile.profile_id == profile_id)
             .order_by(MentionProfile.published_at.desc(), Mention.id.desc()).limit(limit))
    return list((await session.scalars(query)).all())


# --- changing --------------------------------------------------------------------------------------------

async def start_retag(session: AsyncSession, principal: Any, profile: SearchProfile) -> Any:
    """A progress row and the job that brings past mentions in line with the profile's current version."""
    progress = start_progress(session, RETAG_KIND, title=profile.name[:200],
                              started_by_id=getattr(principal, "user_id", None))
    await session.flush()
    enqueue_job(session, RETAG_JOB, profile_id=str(profile.id), progress_id=str(progress.id),
                version=profile.version)
    return progress


def _audit_data(profile: SearchProfile) -> dict[str, Any]:
    return {"query": profile.query, "languages": list(profile.languages or []),
            "source_types": list(profile.source_types or []), "is_active": profile.is_active,
            "version": profile.version, "alerts_enabled": profile.alerts_enabled,
            **{k: getattr(profile, k) for k in THRESHOLDS}}


async def create_profile(session: AsyncSession, principal: Any, values: Mapping[str, Any]) -> Saved:
    """A new profile (version 1); past mentions are tagged by the re-tag job straight away."""
    cleaned = clean_values(values, creating=True)
    await _check_name_free(session, cleaned["name"])
    profile = SearchProfile(version=1, **cleaned)
    async with _unique_name(session):
        session.add(profile)
    await record_audit(session, principal, "monitoring.profile.created", subject=profile, summary=profile.name,
                       data=_audit_data(profile))
    progress = await start_retag(session, principal, profile)
    return Saved(profile, progress)


async def update_profile(session: AsyncSession, principal: Any, profile_id: Any,
                         values: Mapping[str, Any]) -> Saved:
    """Change the fields present in `values`. What the profile matches changed → new version and a re-tag;
    re-activated → a re-tag of the same version (mentions of the inactive period get their tags)."""
    profile = await get_profile(session, profile_id)
    cleaned = clean_values(values, creating=False)
    if "name" in cleaned and cleaned["name"] != profile.name:
        await _check_name_free(session, cleaned["name"], exclude=profile.id)
    changed = [k for k, v in cleaned.items() if getattr(profile, k) != v]
    if not changed:
        return Saved(profile)
    before = {k: getattr(profile, k) for k in changed}
    reactivated = "is_active" in changed and cleaned["is_active"]
    rematch = any(k in MATCHING_FIELDS for k in changed)
    async with _unique_name(session):
        for key in changed:
            setattr(profile, key, cleaned[key])
        if rematch:
            profile.version += 1
    await record_audit(session, principal, "monitoring.profile.updated", subject=profile, summary=profile.name,
                       data={"changed": changed, "before": _jsonable(before), "after": _audit_data(profile)})
    progress = await start_retag(session, principal, profile) if rematch or reactivated else None
    return Saved(profile, progress)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in values.items()}


async def delete_profile(session: AsyncSession, principal: Any, profile_id: Any) -> None:
    """Gone with its tags, its counters and its alerts (a running re-tag job sees it is gone and stops)."""
    profile = await get_profile(session, profile_id)
    await session.execute(delete(MentionProfile).where(MentionProfile.profile_id == profile.id))
    await session.execute(delete(HourStat).where(HourStat.profile_key == profile.id))
    await session.execute(delete(DayStat).where(DayStat.profile_key == profile.id))
    await record_audit(session, principal, "monitoring.profile.deleted", subject=profile, summary=profile.name,
                       data=_audit_data(profile))
    await session.delete(profile)
    await session.flush()


# --- preview ---------------------------------------------------------------------------------------------

async def preview(session: AsyncSession, query: Any, languages: Any = None, source_types: Any = None,
                  limit: int = 20, window: int = PREVIEW_WINDOW) -> Preview:
    """How many of the newest `window` mentions (not folded duplicates) the query and filters would match,
    with the newest `limit` of them: an editor sees what a query catches before saving it."""
    errors = FieldErrors()
    parsed = errors.clean(clean_query, query)
    langs = errors.clean(clean_subset, languages, "languages", LANGUAGES)
    types = errors.clean(clean_subset, source_types, "source_types", SOURCE_TYPES)
    errors.raise_if_any()
    assert parsed is not None
    text, node = parsed
    matcher = ProfileMatcher([ProfileSpec("preview", text, frozenset(langs or ()), frozenset(types or ()))])
    columns = (Mention.id, Mention.title, Mention.lead, Mention.body, Mention.author_handle, Mention.language,
               Mention.source_type)
    rows = (await session.execute(select(*columns).where(Mention.duplicate_of_id.is_(None))
                                  .order_by(Mention.published_at.desc(), Mention.id.desc()).limit(window))).all()
    hits = [r.id for r in rows if matcher.match(Document.of(r.title, r.lead, r.body, r.author_handle),
                                                r.language, r.source_type)]
    sample: list[Mention] = []
    if hits[:limit]:
        found = {m.id: m for m in (await session.scalars(select(Mention).where(Mention.id.in_(hits[:limit]))))}
        sample = [found[i] for i in hits[:limit] if i in found]
    return Preview(query=text, canonical=to_text(node), terms=positive_terms(node), scanned=len(rows),
                   matched=len(hits), sample=sample)
