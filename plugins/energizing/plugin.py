"""The energizing plugin (Groundswell: energizing). Hook implementations only; each slice lives in its package.

- `surveys`: NPS surveys (contact lists with consent, invitations and one reminder, the public survey page,
  results with a confidence interval and trend, the "why" texts with their sentiment, a detractor → a case);
- `ambassadors`: the roster with consent, tiers and opt-out, the portal (e-mail link sign-in, missions, points,
  leaderboard, rewards), invitations from a promoter or a candidate;
- `listening`: promoters found in monitoring's mentions, a review queue and the decision recorded;
- `leads`: referral codes per ambassador and campaign, the public lead form and the signed CRM webhook,
  qualification by sales.

A slice takes part in a per-tenant hook by defining the function of the same role in its `hooks.py`
(`nav`, `widgets`, `digest`, `policy_sections`, `item_actions`, `find_item`, `on_events`, `seed_demo`,
`retention`, `erase_subject`) and `KPIS` with `measure` for its KPIs; `routes.py`, `api.py` and `jobs.py` give
its pages, API routes and jobs. `SliceHooks.hookimpls` gathers them in slice order.
"""

from __future__ import annotations

from pathlib import Path

from core.plugins.api import PluginInfo, SliceHooks
from plugins.energizing.events import EVENTS

HERE = Path(__file__).resolve().parent

INFO = PluginInfo(
    name="energizing",
    groundswell_function="energizing",
    default_owner="sales",
    min_phase="pilot",
    prerequisites=(),
    version="0.2.0",
    contract_version=1,
    title={"nl": "Enthousiasmeren", "en": "Energizing"},
    description={
        "nl": "Enthousiasmeren: NPS-onderzoek, promotors en ambassadeurs, missies, beloningen en leads.",
        "en": "Energizing: NPS surveys, promoters and ambassadors, missions, rewards and leads.",
    },
    migrations=HERE / "migrations" / "versions",
    translations=HERE / "translations",
    events=EVENTS,
)
SLICES = ("surveys", "ambassadors", "listening", "leads")
HOOKS = SliceHooks("plugins.energizing", SLICES)
globals().update(HOOKS.hookimpls(INFO))  # regie_plugin, regie_routes, ..., the per-tenant hooks by role
