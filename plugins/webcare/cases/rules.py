"""Routing rules in memory: validating what a person enters, evaluating a `mention.received` event, deriving
a priority and a topic. Pure functions (no database), so intake evaluates a whole batch after one query.

A rule holds when every condition it has holds (an absent condition does not restrict); the first active rule
by position wins. Conditions:

- `sentiments`: the mention's sentiment is one of these;
- `question`: the mention asks something (a '?' in title or text, or it opens with a question word);
- `keywords`: one of these occurs in title or text (case-insensitive, as a substring);
- `own_accounts`: the mention names one of the tenant's approved social accounts as `@handle` in title or text
  (core registry): a customer addressing the organisation;
- `profile_ids`: the mention matched one of these search profiles;
- `source_types`: the mention's source type is one of these.

Priority (unless the rule sets one): normal; author reach ≥ 10,000 → high, ≥ 50,000 → urgent; a negative
sentiment raises it one level (normal → high, high → urgent). A rule's priority overrides all of this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from core.plugins.api import N_, FieldErrors, clean_choice, clean_text, clean_uuid, normal_handle
from plugins.webcare.models import PRIORITIES

SENTIMENTS: dict[str, str] = {"negative": N_("negative"), "neutral": N_("neutral"), "positive": N_("positive")}
LEVELS = ("low", "normal", "high", "urgent")
"""Lowest first (`PRIORITIES` is highest first)."""
HIGH_REACH, URGENT_REACH = 10_000, 50_000
MAX_KEYWORDS, MAX_KEYWORD_LENGTH = 50, 100
MAX_TOPIC = 200
QUESTION_WORDS = frozenset({
    "hoe", "wat", "waarom", "wanneer", "waar", "wie", "welke", "welk", "kan", "kunnen", "kunt", "mag", "moet",
    "is", "zijn", "heeft", "hebben", "weet", "klopt", "werkt",
    "how", "what", "why", "when", "where", "who", "which", "can", "could", "are", "does", "do", "will",
})
_FIRST_WORD = re.compile(r"^\W*(\w+)")
_AT_HANDLE = re.compile(r"(?<![\w@])@([\w.]{1,100})")
_SOURCE_TYPE = re.compile(r"^[a-z][a-z_]{0,39}$")


@dataclass(slots=True)
class CompiledRule:
    id: UUID | None
    name: str
    queue_id: UUID | None = None
    priority: str | None = None
    sentiments: frozenset[str] = frozenset()
    question: bool = False
    keywords: tuple[str, ...] = ()
    """Lower-cased, in the rule's order (the first one names the topic)."""
    own_accounts: bool = False
    profile_ids: frozenset[str] = frozenset()
    source_types: frozenset[str] = frozenset()


@dataclass(slots=True)
class Match:
    rule: CompiledRule
    keywords: list[str] = field(default_factory=list)
    """The rule's keywords found in the mention."""


def compile_rule(rule: Any) -> CompiledRule:
    c = rule.conditions or {}
    return CompiledRule(
        id=rule.id, name=rule.name, queue_id=rule.queue_id, priority=rule.priority,
        sentiments=frozenset(c.get("sentiments") or ()), question=bool(c.get("question")),
        keywords=tuple(str(k).casefold() for k in c.get("keywords") or ()),
        own_accounts=bool(c.get("own_accounts")), profile_ids=frozenset(str(p) for p in c.get("profile_ids") or ()),
        source_types=frozenset(c.get("source_types") or ()))


def is_question(title: str, text: str) -> bool:
    if "?" in title or "?" in text:
        return True
    for part in (title, text):
        found = _FIRST_WORD.match(part or "")
        if found and found.group(1).casefold() in QUESTION_WORDS:
            return True
    return False


def addresses_own_account(title: str, text: str, own_handles: set[str]) -> bool:
    """True when title or text names one of the tenant's own accounts as `@handle` (any case; a full stop after
    it ends the sentence, not the handle)."""
    return any(normal_handle(h.rstrip(".")) in own_handles for h in _AT_HANDLE.findall(f"{title}\n{text}"))


def evaluate(rule: CompiledRule, payload: dict[str, Any], own_handles: set[str]) -> Match | None:
    """The match when every condition of `rule` holds for the event's payload, else None."""
    if rule.sentiments and payload.get("sentiment") not in rule.sentiments:
        return None
    if rule.source_types and payload.get("source_type") not in rule.source_types:
        return None
    if rule.profile_ids and not rule.profile_ids.intersection(payload.get("profile_ids") or ()):
        return None
    title, text = payload.get("title") or "", payload.get("text") or ""
    if rule.own_accounts and not addresses_own_account(title, text, own_handles):
        return None
    found: list[str] = []
    if rule.keywords:
        haystack = f"{title}\n{text}".casefold()
        found = [k for k in rule.keywords if k in haystack]
        if not found:
            return None
    if rule.question and not is_question(title, text):
        return None
    return Match(rule, found)


def first_match(rules: list[CompiledRule], payload: dict[str, Any], own_handles: set[str]) -> Match | None:
    for rule in rules:
        match = evaluate(rule, payload, own_handles)
        if match is not None:
            return match
    return None


def topic_of(rule: CompiledRule | None, profile_ids: list[str] | None) -> str:
    """What joins later messages: the matched profile ids (sorted, comma-separated), else the rule's first
    keyword, else nothing (then only the author joins)."""
    if profile_ids:
        return ",".join(sorted(str(p) for p in profile_ids))[:MAX_TOPIC]
    if rule is not None and rule.keywords:
        return rule.keywords[0][:MAX_TOPIC]
    return ""


def derive_priority(reach: int, sentiment: str, override: str | None = None) -> str:
    if override in PRIORITIES:
        return override  # type: ignore[return-value]
    level = LEVELS.index("normal")
    if reach >= URGENT_REACH:
        level = LEVELS.index("urgent")
    elif reach >= HIGH_REACH:
        level = LEVELS.index("high")
    if sentiment == "negative":
        level += 1
    return LEVELS[min(level, len(LEVELS) - 1)]


def higher(a: str, b: str) -> str:
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


# -- validation of the rule form --------------------------------------------------------------------------------

def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def split_words(value: Any) -> list[str]:
    """'storing, Ligt eruit\\nstoring' → ['storing', 'ligt eruit'] (commas or new lines, no repeats)."""
    raw = value if isinstance(value, list | tuple) else re.split(r"[,\n]", str(value or ""))
    seen: list[str] = []
    for word in raw:
        word = str(word).strip().casefold()
        if word and word not in seen:
            seen.append(word)
    return seen


def clean_rule(values: dict[str, Any], queue_ids: set[UUID]) -> dict[str, Any]:
    """Form or API values → RoutingRule fields; every problem is reported with its field at once."""
    errors = FieldErrors()
    name = errors.clean(clean_text, values.get("name"), "name", max_length=120)
    sentiments = _as_list(values.get("sentiments"))
    for s in sentiments:
        if s not in SENTIMENTS:
            errors.add("sentiments", msgid="Unknown sentiment: {value}.", value=s[:40])
    keywords = split_words(values.get("keywords"))
    if len(keywords) > MAX_KEYWORDS:
        errors.add("keywords", msgid="Use at most {max} keywords.",
                                                max=MAX_KEYWORDS)
    elif any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
        errors.add("keywords", msgid="A keyword has at most {max} characters.",
                                                max=MAX_KEYWORD_LENGTH)
    profile_ids: list[str] = []
    for raw in split_words(values.get("profile_ids")):
        pid = errors.clean(clean_uuid, raw, "profile_ids")
        if pid is not None:
            profile_ids.append(str(pid))
    source_types = split_words(values.get("source_types"))
    if any(not _SOURCE_TYPE.match(t) for t in source_types):
        errors.add("source_types", msgid="Use source types like review or news, separated by commas.")
    question, own_accounts = _flag(values.get("question")), _flag(values.get("own_accounts"))
    queue_id = None
    if values.get("queue_id"):
        queue_id = errors.clean(clean_uuid, values.get("queue_id"), "queue_id")
        if queue_id is not None and queue_id not in queue_ids:
            errors.add("queue_id", msgid="Choose a valid option.")
            queue_id = None
    priority = None
    if values.get("priority"):
        priority = errors.clean(clean_choice, values.get("priority"), "priority", PRIORITIES)
    conditions: dict[str, Any] = {}
    if sentiments:
        conditions["sentiments"] = sorted(set(sentiments))
    if question:
        conditions["question"] = True
    if keywords:
        conditions["keywords"] = keywords
    if own_accounts:
        conditions["own_accounts"] = True
    if profile_ids:
        conditions["profile_ids"] = profile_ids
    if source_types:
        conditions["source_types"] = source_types
    if not conditions and not errors.errors:
        errors.add("__all__", msgid="Give the rule at least one condition, or it would turn every mention into a case.")
    errors.raise_if_any()
    return {"name": name, "conditions": conditions, "queue_id": queue_id, "priority": priority,
            "is_active": _flag(values.get("is_active"))}


def _flag(value: Any) -> bool:
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value is True or str(value).strip().lower() in ("1", "on", "true", "yes")
