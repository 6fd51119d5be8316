"""The page's charts: the index per profile over time, and each profile's components side by side."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from core.plugins.api import Series, chart
from plugins.monitoring.conversation_index.components import COMPONENTS
from plugins.monitoring.conversation_index.service import Board, component_values, values


def trend_chart(board: Board, _: Callable[..., str]) -> Markup:
    series = [Series(p.name, values(board.trend[p.id]), extra={"spanGaps": True}) for p in board.shown]
    return chart("line", board.labels, series, percent=True, title=_("Conversation Index per search profile"),
                 height=300)


def components_chart(board: Board, _: Callable[..., str]) -> Markup:
    series = [Series(p.name, component_values(board.breakdown[p.id], COMPONENTS)) for p in board.shown]
    return chart("bar", [_(v) for v in COMPONENTS.values()], series, percent=True,
                 title=_("Components per search profile"), height=300)
