"""The report's charts as PNG data URIs, drawn on the server (matplotlib, Agg): the HTML page and the PDF
embed the very same images, nothing is downloaded. Every chart states the methodology version it measures."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

from core.reports.figures import KpiResult  # noqa: E402

BLUE, GREY, GREEN, ORANGE, RED = "#1f5fa8", "#9aa5b1", "#2e8b57", "#d9822b", "#b3261e"


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _fit(fig: Figure, rows: int) -> None:
    """Room for the KPI names on the left and the title on top of a bar chart of `rows` bars."""
    height = 0.45 * rows + 1.0
    fig.subplots_adjust(left=0.3, right=0.95, top=1 - 0.45 / height, bottom=0.55 / height)


def _weekly(series: list[tuple[date, float | None]]) -> tuple[list[date], list[float]]:
    """Days folded into weeks (a quarter reads better as 13 points than as 92), as the week's daily average, so
    the part-weeks at the ends of a period do not look like a drop."""
    weeks: dict[date, list[float]] = {}
    for day, value in series:
        if value is None:
            continue
        monday = date.fromordinal(day.toordinal() - day.weekday())
        weeks.setdefault(monday, []).append(value)
    keys = sorted(weeks)
    values = [sum(weeks[k]) / len(weeks[k]) for k in keys]
    return keys, values


def kpi_chart(result: KpiResult, methodology: str, _: Callable[..., str]) -> str | None:
    """The KPI's daily value over the period (averaged per week), with the target as a line where the target is
    a level (a KPI measured as a daily average)."""
    weeks, values = _weekly(result.series)
    if not weeks:
        return None
    fig = Figure(figsize=(6.4, 2.3))
    ax = fig.subplots()
    ax.plot(weeks, values, color=BLUE, marker="o", markersize=3, linewidth=1.8)
    ax.fill_between(weeks, values, color=BLUE, alpha=0.08)
    if result.target is not None and result.aggregate != "total":
        ax.axhline(result.target, color=ORANGE, linestyle="--", linewidth=1.2, label=_("Target"))
        ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.set_title(_("{kpi}: value per day, averaged per week", kpi=result.name), fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d-%m"))
    fig.text(0.99, 0.02, methodology, fontsize=6, color=GREY, ha="right")
    fig.subplots_adjust(left=0.08, right=0.98, top=0.87, bottom=0.2)  # fixed: tight_layout doubles the cost
    return _png(fig)


def progress_chart(results: list[KpiResult], methodology: str, _: Callable[..., str]) -> str | None:
    """Every KPI with a target: the share of the target reached, 100 % marked."""
    rows = [r for r in results if r.progress is not None]
    if not rows:
        return None
    fig = Figure(figsize=(6.4, 0.45 * len(rows) + 1.0))
    ax = fig.subplots()
    names = [r.name for r in rows][::-1]
    shares = [min(r.progress or 0, 200) for r in rows][::-1]
    # a ceiling (lower is better) is met while below 100 % and bad above it, however long the bar; a goal is met
    # from 100 % on and on its way below it
    met = [(s <= 100) if r.direction == "lower" else (s >= 100) for r, s in zip(rows[::-1], shares, strict=True)]
    colors = [GREEN if m else (RED if r.direction == "lower" else BLUE) for r, m in zip(rows[::-1], met,
                                                                                         strict=True)]
    ax.barh(names, shares, color=colors)
    ax.axvline(100, color=ORANGE, linestyle="--", linewidth=1.2)
    for y, share in enumerate(shares):
        ax.text(share + 2, y, f"{share:.0f}%", va="center", fontsize=7)
    ax.set_xlim(0, max(120, max(shares) + 20))
    ax.set_title(_("Progress against target (%)"), fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, methodology, fontsize=6, color=GREY, ha="right")
    _fit(fig, len(rows))
    return _png(fig)


def comparison_chart(results: list[KpiResult], labels: tuple[str, str], methodology: str,
                     _: Callable[..., str]) -> str | None:
    """This period against the previous one, as a change in percent per KPI."""
    rows = [r for r in results if r.change is not None]
    if not rows:
        return None
    fig = Figure(figsize=(6.4, 0.45 * len(rows) + 1.0))
    ax = fig.subplots()
    names = [r.name for r in rows][::-1]
    changes = [max(min(r.change or 0, 200), -200) for r in rows][::-1]
    good = [(c <= 0) if r.negative else (c >= 0) for c, r in zip(changes, rows[::-1], strict=True)]
    ax.barh(names, changes, color=[GREEN if g else ORANGE for g in good])
    ax.axvline(0, color=GREY, linewidth=1)
    ax.set_title(_("Change against {previous} (%)", previous=labels[1]), fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.99, 0.01, methodology, fontsize=6, color=GREY, ha="right")
    _fit(fig, len(rows))
    return _png(fig)
