"""Comparing two versions of a sectioned document (starting points, policy): one helper for both.

Each section is compared word by word with difflib; the result is a list of (op, text) chunks where op is
"equal", "insert" or "delete". Templates render the same chunks as a unified view (deletions and insertions
inline) or side by side (left: equal + delete, right: equal + insert). The API gets unified-diff lines.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class SectionDiff:
    key: str
    old: str
    new: str
    chunks: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def left(self) -> list[tuple[str, str]]:
        return [c for c in self.chunks if c[0] != "insert"]

    @property
    def right(self) -> list[tuple[str, str]]:
        return [c for c in self.chunks if c[0] != "delete"]

    def unified_lines(self, old_label: str = "a", new_label: str = "b") -> list[str]:
        return [line.rstrip("\n") for line in difflib.unified_diff(
            self.old.splitlines(), self.new.splitlines(), fromfile=f"{old_label}/{self.key}",
            tofile=f"{new_label}/{self.key}", lineterm="")]

    def as_json(self, old_label: str = "a", new_label: str = "b") -> dict[str, Any]:
        return {"section": self.key, "changed": self.changed,
                "insertions": [t for op, t in self.chunks if op == "insert"],
                "deletions": [t for op, t in self.chunks if op == "delete"],
                "unified": self.unified_lines(old_label, new_label)}


def word_chunks(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level differences of two texts, whitespace kept, as (op, text) chunks."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    chunks: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if chunks and chunks[-1][0] == op:
            chunks[-1] = (op, chunks[-1][1] + text)
        else:
            chunks.append((op, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return chunks


def diff_sections(old: dict[str, str], new: dict[str, str], keys: Iterable[str]) -> list[SectionDiff]:
    """Per section (in the order of `keys`), the word-level differences from `old` to `new`."""
    result = []
    for key in keys:
        a, b = str(old.get(key) or ""), str(new.get(key) or "")
        result.append(SectionDiff(key=key, old=a, new=b, chunks=word_chunks(a, b)))
    return result
