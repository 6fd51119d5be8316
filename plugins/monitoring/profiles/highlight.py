"""Marking a query's terms in a mention's text, for the preview: the same folding as matching (case and
accents ignored), mapped back onto the original characters so the text is shown as written."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from plugins.monitoring.query import fold

WINDOW = 240


def _pattern(term: str) -> str:
    """`zorg`, `#zorg`, `klant*`, `"slecht nieuws"` → a regex over folded text."""
    words = term.strip('"').split()
    parts = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words]
    return r"(?<!\w)" + r"\W+".join(parts) + r"(?!\w)"


def _folded(text: str) -> tuple[str, list[int]]:
    """The folded text and, per folded character, the index of the original character it came from."""
    pieces: list[str] = []
    origins: list[int] = []
    for i, char in enumerate(text):
        folded = fold(char)
        pieces.append(folded)
        origins += [i] * len(folded)
    origins.append(len(text))
    return "".join(pieces), origins


def spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) ranges of the original text where a term occurs."""
    if not text or not terms:
        return []
    folded, origins = _folded(text)
    regex = re.compile("|".join(f"(?:{_pattern(t)})" for t in terms))
    found: list[tuple[int, int]] = []
    for match in regex.finditer(folded):
        if match.end() > match.start():
            found.append((origins[match.start()], origins[match.end() - 1] + 1))
    return found


def highlight(mention: Any, terms: list[str], window: int = WINDOW) -> Markup:
    """A short excerpt of the first part (title, lead, body) with a hit, hits in <mark>; escaped."""
    parts = [p for p in (mention.title, mention.lead, mention.body) if p]
    for text in parts:
        hits = spans(text, terms)
        if hits:
            start = max(0, hits[0][0] - window // 3)
            end = min(len(text), start + window)
            return _marked(text, [h for h in hits if h[0] >= start and h[1] <= end], start, end)
    text = parts[0] if parts else ""
    return _marked(text, [], 0, min(len(text), window))


def _marked(text: str, hits: list[tuple[int, int]], start: int, end: int) -> Markup:
    out = [Markup("…") if start > 0 else Markup("")]
    cursor = start
    for a, b in hits:
        out += [escape(text[cursor:a]), Markup("<mark>"), escape(text[a:b]), Markup("</mark>")]
        cursor = b
    out.append(escape(text[cursor:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)
