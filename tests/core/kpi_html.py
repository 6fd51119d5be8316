"""Reading KPI figures off a page: every page marks a KPI's figure with `data-figure="<key>"` and
`data-period="<first>/<last>"` (the days it covers), so tests compare what people read, page by page."""

from __future__ import annotations

import html
from html.parser import HTMLParser


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []
        self._open: list[tuple[str, str, int, list[str]]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "input", "meta", "link"):
            return
        self._depth += 1
        found = dict(attrs)
        if found.get("data-figure") and found.get("data-period"):
            self._open.append((str(found["data-figure"]), str(found["data-period"]), self._depth, []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "img", "input", "meta", "link"):
            return
        if self._open and self._open[-1][2] == self._depth:
            key, period, _depth, parts = self._open.pop()
            self.found.append((key, period, " ".join("".join(parts).split())))
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for entry in self._open:
            entry[3].append(data)


def figures(page: str) -> list[tuple[str, str, str]]:
    """Every marked figure on the page: (KPI key, "first/last", the text shown), in page order."""
    parser = _Figures()
    parser.feed(page)
    return parser.found


def figure(page: str, key: str, period: str | None = None) -> str:
    """The one text shown for `key` (and `period`); fails when the page shows that KPI for those days with two
    different values, or not at all."""
    shown = {text for k, p, text in figures(page) if k == key and (period is None or p == period)}
    assert len(shown) == 1, f"{key} {period}: {shown or 'not on the page'}\n{html.unescape(page)[:300]}"
    return shown.pop()
