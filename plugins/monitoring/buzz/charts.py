"""Charts and number formatting of the buzz pages (dashboard, widget, baseline report): presentation only."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from core.plugins.api import Series, chart, doughnut, format_number
from plugins.monitoring.models import SENTIMENTS, SOURCE_TYPES

SENTIMENT_COLORS = {"negative": "#c53030", "neutral": "#a0aec0", "positive": "#2f855a"}


def number_format(lang: str) -> Callable[..., str]:
    """`num(value, digits=0)` for templates: 12.345 in Dutch, 12,345 in English; '—' for nothing."""
    def num(value: Any, digits: int = 0) -> str:
        return format_number(value, lang, digits, keep_zeros=True)
    return num


def source_label(key: str, _: Callable[..., str]) -> str:
    return _(SOURCE_TYPES[key]) if key in SOURCE_TYPES else key


def sentiment_share_chart(share: Mapping[str, int], _: Callable[..., str], height: int = 220) -> Markup:
    return doughnut([_(SENTIMENTS[s]) for s in SENTIMENTS], [share.get(s, 0) for s in SENTIMENTS],
                    colors=[SENTIMENT_COLORS[s] for s in SENTIMENTS], title=_("Sentiment share"), height=height)


def sentiment_trend_chart(labels: list[str], trend: Mapping[str, Sequence[float]], _: Callable[..., str]) -> Markup:
    series = [Series(_(SENTIMENTS[s]), list(trend.get(s, [])), color=SENTIMENT_COLORS[s]) for s in SENTIMENTS]
    return chart("bar", labels, series, stacked=True, percent=True, title=_("Sentiment trend (% of mentions)"))


def source_split_chart(split: Mapping[str, int], _: Callable[..., str]) -> Markup:
    return chart("bar", [source_label(k, _) for k in split], [Series(_("Mentions"), list(split.values()))],
                 title=_("Mentions per source type"))


def volume_chart(labels: list[str], series: Sequence[tuple[str, Sequence[float]]], title: str,
                 height: int = 280) -> Markup:
    return chart("line", labels, [Series(name, list(values)) for name, values in series], title=title,
                 height=height)


def dashboard_charts(board: Any, _: Callable[..., str]) -> dict[str, Markup]:
    if board.volume_by == "profile":
        series = [(_("All mentions") if s.key == "all" else s.label, s.values) for s in board.volume]
    else:
        series = [(source_label(s.key, _), s.values) for s in board.volume]
    return {"volume": volume_chart(board.buckets, series, _("Volume over time")),
            "share": sentiment_share_chart(board.sentiment_share, _),
            "trend": sentiment_trend_chart(board.buckets, {s.key: s.values for s in board.sentiment_trend}, _),
            "sources": source_split_chart(board.source_types, _)}
