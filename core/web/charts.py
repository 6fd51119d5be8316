"""Chart configurations for `frontend/static/js/charts.js` (Chart.js, vendored): built here, rendered as
a `data-chart` attribute, so pages show charts without inline script. Plugins reach it via the public API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape


@dataclass
class Series:
    label: str
    values: list[float | int | None]
    color: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def chart(kind: str, labels: list[str], series: list[Series], *, stacked: bool = False, percent: bool = False,
          horizontal: bool = False, title: str = "", height: int = 260) -> Markup:
    """A `<canvas>` for a line, bar or doughnut chart; `title` doubles as the accessible label."""
    datasets = []
    for s in series:
        data: dict[str, Any] = {"label": s.label, "data": s.values, **s.extra}
        if s.color:
            data["color"] = s.color
        if kind == "line":
            data.setdefault("fill", stacked)
            data.setdefault("tension", 0.25)
            data.setdefault("pointRadius", 2)
        datasets.append(data)
    options: dict[str, Any] = {"plugins": {"legend": {"display": len(series) > 1 or kind == "doughnut"}}}
    if kind != "doughnut":
        axis: dict[str, Any] = {"beginAtZero": True, "stacked": stacked}
        if percent:
            axis["max"] = 100
        options["scales"] = {"x": {"stacked": stacked}, "y": axis}
        if horizontal:
            options["indexAxis"] = "y"
            options["scales"] = {"x": axis, "y": {"stacked": stacked}}
    config = {"type": kind, "data": {"labels": labels, "datasets": datasets}, "options": options}
    # The height is a data attribute that charts.js applies through the CSSOM: a style attribute breaks the CSP.
    return Markup('<div class="chart" data-height="{h}"><canvas role="img" aria-label="{t}" data-chart="{c}">'
                  '</canvas></div>').format(h=int(height), t=escape(title), c=json.dumps(config, default=str))


def doughnut(labels: list[str], values: list[float | int], colors: list[str] | None = None, title: str = "",
             height: int = 220) -> Markup:
    extra = {"colors": colors} if colors else {}
    return chart("doughnut", labels, [Series(title, list(values), extra=extra)], title=title, height=height)
