"""The social media policy: strategy and way of work, versioned, published by the regie holder.

Writing always creates a new version (number = max + 1); a version never changes afterwards except for
its publication. The policy in force is the most recently published version (`published_policy`).
Tone rules are machine-checkable: forbidden words, a required sign-off and a maximum length per channel.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.db.base import utcnow
from core.errors import DomainError, NotFound, Refused
from core.i18n import N_
from core.plugins.host import PluginHost
from core.plugins.info import HookContext
from core.plugins.records import PolicySection
from core.policy.models import STRATEGY_SECTIONS, WAY_OF_WORK_SECTIONS, PolicyVersion
from core.policy.silence import SECTION as SILENCE_SECTION
from core.policy.silence import parse_silence
from core.validation import FieldErrors, clean_text
from core.web.diff import SectionDiff, diff_sections

SECTION_MAX = 20000
NOTE_MAX = 2000
CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
MAX_LENGTH_LIMIT = 100000

SECTION_TITLES = {
    "function": N_("Function of social media"),
    "goals": N_("Goals"),
    "measurement_methods": N_("Measurement methods"),
    "targets": N_("Targets"),
    "roles": N_("Roles per department"),
    "tone_of_voice": N_("Tone of voice and social identity"),
    "discussions": N_("Discussions and factual errors"),
    "rules_of_engagement": N_("Rules of engagement"),
    "account_conditions": N_("Conditions for new accounts"),
    "longest_silence": N_("Longest silence allowed per account"),
    "new_initiatives": N_("Room for new initiatives"),
    "forbidden_words": N_("Forbidden words"),
    "required_signoff": N_("Required sign-off"),
    "max_length": N_("Maximum length per channel"),
    "alt_text_required": N_("Images need alternative text"),
}
SECTION_HINTS = {
    "longest_silence": N_("Days an account may go without posting before it counts as dormant: a number for "
                          "every account, and platform=days lines for exceptions, like instagram=60."),
}


def versions_query(drafts_only: bool = False) -> Select[Any]:
    """Versions, newest first (only the unpublished ones with drafts_only), for `paginate`."""
    query = select(PolicyVersion).order_by(PolicyVersion.number.desc())
    return query.where(PolicyVersion.published_at.is_(None)) if drafts_only else query


async def list_versions(session: AsyncSession) -> list[PolicyVersion]:
    return list((await session.scalars(versions_query())).all())


async def latest(session: AsyncSession) -> PolicyVersion | None:
    return await session.scalar(select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1))


async def get_version(session: AsyncSession, number: int) -> PolicyVersion:
    version = await session.scalar(select(PolicyVersion).where(PolicyVersion.number == number))
    if version is None:
        raise NotFound()
    return version


async def published_policy(session: AsyncSession) -> PolicyVersion | None:
    """The policy in force: the most recently published version, or None."""
    return await session.scalar(
        select(PolicyVersion).where(PolicyVersion.published_at.is_not(None))
        .order_by(PolicyVersion.published_at.desc(), PolicyVersion.number.desc()).limit(1))


async def plugin_sections(session: AsyncSession, pm: PluginHost | None, ctx: HookContext) -> list[PolicySection]:
    """Way-of-work sections contributed by the tenant's active plugins; a key the core or an earlier plugin
    already uses is left out (the first one keeps it)."""
    if pm is None:
        return []
    sections: list[PolicySection] = []
    seen = set(WAY_OF_WORK_SECTIONS)
    for _plugin, section in await (await pm.for_tenant(session)).collect("regie_policy_sections", PolicySection,
                                                                          ctx=ctx):
        if section.key and section.key not in seen:
            seen.add(section.key)
            sections.append(section)
    return sections


def parse_words(text: str) -> list[str]:
    """Forbidden words from a textarea: one per line or separated by commas."""
    words: list[str] = []
    for part in re.split(r"[,\n]", text or ""):
        word = part.strip()
        if word and word.lower() not in {w.lower() for w in words}:
            words.append(word)
    return words


def parse_max_length(text: str, field: str = "max_length") -> dict[str, int]:
    """`channel=number` lines → {channel: number}; a bad line raises DomainError naming the line."""
    limits: dict[str, Any] = {}
    for i, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        channel, sep, number = line.partition("=")
        if not sep:
            raise DomainError(field=field, msgid="Line {line}: use channel=number, for example x=280.", line=i)
        limits[channel.strip().lower()] = number.strip()
    return clean_max_length(limits, field)


def clean_max_length(limits: dict[str, Any], field: str = "max_length") -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for channel, number in (limits or {}).items():
        name = str(channel).strip().lower()
        if not CHANNEL.match(name):
            raise DomainError(field=field, msgid="{channel} is not a valid channel name.", channel=name)
        try:
            value = int(str(number).strip())
        except ValueError:
            raise DomainError(field=field, msgid="The maximum length for {channel} must be a whole number.",
                              channel=name) from None
        if not 1 <= value <= MAX_LENGTH_LIMIT:
            raise DomainError(field=field, msgid="The maximum length for {channel} must be between 1 and {max}.",
                              channel=name, max=MAX_LENGTH_LIMIT)
        cleaned[name] = value
    return cleaned


def _flag(value: Any) -> bool:
    """A checkbox or a JSON boolean: "1", "on", "true", True → True; "", "0", None, False → False."""
    return value is True or str(value or "").strip().lower() in ("1", "on", "true", "yes")


def format_max_length(limits: dict[str, int]) -> str:
    return "\n".join(f"{k}={v}" for k, v in (limits or {}).items())


def form_values(version: PolicyVersion | None) -> dict[str, str]:
    """A version as flat form values (sections, tone rules as text)."""
    values: dict[str, str] = {}
    if version is None:
        return values
    for key, text in (version.strategy or {}).items():
        values[key] = text
    for key, text in (version.way_of_work or {}).items():
        values[key] = text
    rules = version.tone_rules or {}
    values["forbidden_words"] = "\n".join(rules.get("forbidden_words") or [])
    values["required_signoff"] = rules.get("required_signoff") or ""
    values["max_length"] = format_max_length(rules.get("max_length") or {})
    values["alt_text_required"] = "1" if rules.get("alt_text_required") else ""
    return values


async def write_version(session: AsyncSession, principal: Any, data: dict[str, Any],
                        extra_sections: list[str] | tuple[str, ...] = ()) -> PolicyVersion:
    """A new version. `data`: "strategy" and "way_of_work" (section → text), "tone_rules" (forbidden_words:
    list, required_signoff: str, max_length: {channel: int}) and "note". A missing section or rule is taken
    over from the latest version; `extra_sections` are way-of-work keys contributed by active plugins."""
    previous = await latest(session)
    errors = FieldErrors()
    strategy = dict(previous.strategy) if previous else {}
    way_of_work = dict(previous.way_of_work) if previous else {}
    rules = dict(previous.tone_rules) if previous else {}
    note = ""
    allowed_wow = (*WAY_OF_WORK_SECTIONS, *extra_sections)
    for part, target, allowed in (("strategy", strategy, STRATEGY_SECTIONS), ("way_of_work", way_of_work,
                                                                                 allowed_wow)):
        given = data.get(part) or {}
        if not isinstance(given, dict):
            errors.add(part, msgid="Choose a valid option.")
            continue
        for key, text in given.items():
            if key not in allowed and not (part == "way_of_work" and key in way_of_work):
                errors.add(key, msgid="Unknown section.")
                continue
            cleaned = errors.clean(clean_text, text, key, required=False, max_length=SECTION_MAX)
            if cleaned is None:
                continue
            if cleaned:
                target[key] = cleaned
            else:
                target.pop(key, None)
    given_rules = data.get("tone_rules") or {}
    if "forbidden_words" in given_rules:
        words = given_rules["forbidden_words"]
        words = parse_words("\n".join(str(w) for w in words) if isinstance(words, list | tuple) else str(words))
        if any(len(w) > 100 for w in words):
            errors.add("forbidden_words", msgid="Use at most {max} characters.", max=100)
        rules["forbidden_words"] = words
    if "required_signoff" in given_rules:
        rules["required_signoff"] = errors.clean(clean_text, given_rules["required_signoff"], "required_signoff",
                                                 required=False, max_length=200)
    if "max_length" in given_rules:
        raw = given_rules["max_length"]
        rules["max_length"] = errors.clean(parse_max_length, raw) if isinstance(raw, str) \
            else errors.clean(clean_max_length, raw or {})
    if SILENCE_SECTION in way_of_work and SILENCE_SECTION not in errors.errors:
        errors.clean(parse_silence, way_of_work[SILENCE_SECTION])
    if "alt_text_required" in given_rules:
        rules["alt_text_required"] = _flag(given_rules["alt_text_required"])
    note = errors.clean(clean_text, data.get("note"), "note", required=False, max_length=NOTE_MAX)
    errors.raise_if_any()
    rules = {"forbidden_words": rules.get("forbidden_words") or [],
             "required_signoff": rules.get("required_signoff") or "",
             "max_length": rules.get("max_length") or {},
             "alt_text_required": bool(rules.get("alt_text_required"))}
    if not strategy and not way_of_work:
        raise DomainError(field="function", msgid="Fill in at least one section.")
    if previous is not None and strategy == previous.strategy and way_of_work == previous.way_of_work \
            and rules == {"forbidden_words": [], "required_signoff": "", "max_length": {},
                          "alt_text_required": False, **(previous.tone_rules or {})}:
        raise DomainError(msgid="Nothing changed compared to version {number}.", number=previous.number)

    number = int(await session.scalar(select(func.max(PolicyVersion.number))) or 0) + 1
    version = PolicyVersion(number=number, strategy=strategy, way_of_work=way_of_work, tone_rules=rules,
                            note=note, author_id=getattr(principal, "user_id", None))
    session.add(version)
    await session.flush()
    await record(session, principal, "policy.written", subject=version, summary=f"Policy version {number}",
                 reason=note, data={"number": number})
    return version


async def publish(session: AsyncSession, principal: Any, number: int, reason: str = "") -> PolicyVersion:
    """The regie holder publishes a version; it becomes the policy in force."""
    version = await get_version(session, number)
    if version.published_at is not None:
        raise Refused(msgid="Version {number} is already published.", number=number)
    reason = clean_text(reason, "reason", required=False, max_length=NOTE_MAX)
    before = await published_policy(session)
    version.published_at = utcnow()
    version.published_by_id = principal.user_id
    await record(session, principal, "policy.published", subject=version, summary=f"Policy version {number} published",
                 reason=reason, data={"number": number, "replaces": before.number if before else None})
    return version


def _flat(version: PolicyVersion) -> dict[str, str]:
    flat = form_values(version)
    flat["note"] = version.note or ""
    return flat


def section_keys(versions: list[PolicyVersion], extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    keys = [*STRATEGY_SECTIONS, *WAY_OF_WORK_SECTIONS]
    for key in extra:
        if key not in keys:
            keys.append(key)
    for v in versions:
        for key in (v.way_of_work or {}):
            if key not in keys:
                keys.append(key)
    return [*keys, "forbidden_words", "required_signoff", "max_length", "alt_text_required", "note"]


async def compare(session: AsyncSession, a: int, b: int) -> tuple[PolicyVersion, PolicyVersion, list[SectionDiff]]:
    """What changed from the older of versions `a` and `b` to the newer, in whichever order they are given."""
    a, b = sorted((a, b))
    old, new = await get_version(session, a), await get_version(session, b)
    return old, new, diff_sections(_flat(old), _flat(new), section_keys([old, new]))
