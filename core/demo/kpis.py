"""What a plugin's demo tells the core's demo: the KPIs it measures, and items later demos may act on.
`regie_demo` returns these."""

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
    ended_target: float | None = None
    """A target for the pilot's first weeks, a period that has ended (`core.demo.measurement.ended_period`): the
    demo then shows how a finished period went, and a prerequisite such as "another function met its targets"
    has a true answer. None: the KPI has only the quarter's target."""
    ended_rationale: str = ""


@dataclass(frozen=True)
class DemoItem:
    """An item a plugin's demo made that a plugin whose demo runs later may act on, as the organisation would
    (co-creation links the app ideas a customer raised in a mention or a webcare case to ideas on its board).

    The core hands the items of the demos that ran before to a plugin activated later in the demo
    (`HookContext.demo_items`); that plugin looks each up again through `find_item`, like any item."""

    kind: str
    """An item kind of `regie_find_item` ("mention", "case", "question")."""
    item_id: str
    topic: str = ""
    """What it is about, in a word the demos share ("app_idea")."""
