"""Signals read from a mention's text: a purchase/lead word or a question, a reply, an own handle named.

Read in Python with one compiled expression per language (SQL `LIKE` tests cost a hundred times more than
fetching the text). Words match at a word start, case-insensitively: `koop` matches "Koopt", not "verkoop".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from plugins.monitoring.conversation_index.components import INTENT

TEXT_CHARS = 2_000
"""How much of a body is read (title and lead are read whole): signals sit at the start."""


def _words(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in w.split()) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


PATTERNS = {"nl": _words(INTENT["nl"]), "en": _words(INTENT["en"]),
            "und": _words([*INTENT["nl"], *INTENT["en"]])}


@lru_cache(maxsize=64)
def handles_pattern(handles: frozenset[str]) -> re.Pattern[str] | None:
    """`@handle` of any of the organisation's accounts, not a longer handle (`@acme` is not `@acmefan`)."""
    if not handles:
        return None
    return re.compile(r"@(?:" + "|".join(re.escape(h) for h in sorted(handles)) + r")(?!\w)", re.IGNORECASE)


def read(language: str, title: str, lead: str, body: str, handles: frozenset[str]) -> tuple[bool, bool, bool]:
    """(intent or question, reply, names an own handle) of one mention."""
    text = f"{title}\n{lead}\n{body[:TEXT_CHARS]}"
    pattern = PATTERNS.get(language, PATTERNS["und"])
    intent = "?" in text or pattern.search(text) is not None
    reply = body.lstrip().startswith("@") or title.lstrip().lower().startswith("re:")
    ours = handles_pattern(handles)
    return intent, reply, bool(ours and ours.search(text))
