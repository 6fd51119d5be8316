"""What a plugin's demo tells the core's demo about measurement: `regie_demo` returns these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoKpi:
    """One of the plugin's KPIs that the demo organisation chose for its first methodology, and its target.

    The core writes it into the demo methodology (the plugin as its source, the plugin's department as its
    owner, the unit from `regie_kpis`) and, with a `target`, sets the quarter's target. A plugin returns the
    same list on every run; the core uses it once.
    """

    key: str
    """A KPI this plugin declares in `regie_kpis` (`<plugin>.<kpi>`)."""
    name: str
    """What the demo organisation calls it, in its own language."""
    definition: str
    target: float | None = None
    rationale: str = ""
    """Why this target (shown with the target)."""
    department: str | None = None
    """The name of the department the target is for; None: the whole organisation."""
