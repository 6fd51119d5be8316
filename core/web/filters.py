"""Jinja filters and globals: numbers, dates, counted words and handles in the page's language (Babel).

Registered once on every template environment (pages, the digest mail, the quarterly report); the
formatting itself lives in `core.i18n.formats`, so a page, a mail and a message parameter agree.

    {{ value | num }}            1.051.920        {{ value | num(1) }}      43,8
    {{ 43.8 | pct(1) }}          43,8%            {{ share | pct(share=True) }}
    {{ when | dt }}              7 dec 2026 08:25:56 (Europe/Amsterdam)
    {{ when | dt("short") }}     07-12-2026 08:25 {{ day | d }}             16 nov 2026
    {{ author | handle }}        @lisa_b (also when stored as "@lisa_b")
    {{ entry.action | action }}  SLA-termijn bijna verstreken (not "webcare.sla_warning")
    {{ entry | summary }}        an audit summary recorded as a `Msg`, in the page's language
    {{ entry | actor }}          an audit entry's actor; one recorded as a `Msg` in the page's language
    {{ keys | gate_items }}      ["starting_points", "baseline"] as the gate items' titles
    {{ ngettext("{n} day measured", "{n} days measured", days) }}
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, pass_context

from core.i18n import Msg, formats, gettext_for, ngettext_for


def _lang(ctx: Any) -> str:
    return ctx.get("lang") or "nl"


@pass_context
def _datetime(ctx: Any, value: datetime | str | None, fmt: str = "medium") -> str:
    return formats.moment(value, _lang(ctx), fmt)


@pass_context
def _date(ctx: Any, value: date | datetime | None, fmt: str = "medium") -> str:
    return formats.day(value, _lang(ctx), fmt)


@pass_context
def _time(ctx: Any, value: datetime | None, fmt: str = "short") -> str:
    return formats.clock(value, _lang(ctx), fmt)


@pass_context
def _number(ctx: Any, value: int | float | Decimal | str | None, digits: int | None = None,
            keep_zeros: bool = False) -> str:
    if isinstance(value, str):
        try:
            return formats.number(float(value), _lang(ctx), digits, keep_zeros)
        except ValueError:  # not a number: shown as it is
            return value
    return formats.number(value, _lang(ctx), digits, keep_zeros)


@pass_context
def _percent(ctx: Any, value: int | float | Decimal | None, digits: int = 0, share: bool = False) -> str:
    return formats.percent(value, _lang(ctx), digits, share)


def handle(value: str | None) -> str:
    """An account handle with exactly one leading "@", whether or not the source stored one; an e-mail address
    (a mail channel's "handle") stays as it is."""
    text = (value or "").strip().lstrip("@")
    return "" if not text else text if "@" in text else "@" + text


@pass_context
def _action(ctx: Any, key: str) -> str:
    """An audit log action ("webcare.sla_warning") by its name in the page's language (`audit_actions.po`)."""
    return gettext_for(_lang(ctx))(key)


def _stored_message(ctx: Any, entry: Any, key: str, fallback: str) -> str:
    """An audit entry's text recorded as a message (`data[key]`) in the page's language, else the stored
    column `fallback` as it is."""
    stored = (getattr(entry, "data", None) or {}).get(key)
    if isinstance(stored, dict):
        try:
            return Msg.from_data(stored).render(_lang(ctx))
        except (KeyError, ValueError, TypeError, IndexError, AttributeError):  # not a message we wrote: its text
            pass
    return getattr(entry, fallback, "") or ""


@pass_context
def _summary(ctx: Any, entry: Any) -> str:
    """An audit entry's summary in the page's language when it was recorded as a message, else as stored."""
    return _stored_message(ctx, entry, "summary_message", "summary")


@pass_context
def _actor(ctx: Any, entry: Any) -> str:
    """Who made an audit entry: a party recorded as a message in the page's language, else the label
    as stored (an e-mail address, "system")."""
    return _stored_message(ctx, entry, "actor_message", "actor_label")


@pass_context
def _gate_items(ctx: Any, keys: list[str] | None) -> str:
    """Gate items stored by key (an override's failing items) by their titles: "Starting points approved …; …"."""
    from core.roadmap.gates import ITEM_TITLES

    _ = gettext_for(_lang(ctx))
    return "; ".join(_(ITEM_TITLES.get(key, key)) for key in keys or [])


@pass_context
def _ngettext(ctx: Any, singular: str, plural: str, n: int, **params: Any) -> str:
    return ngettext_for(_lang(ctx))(singular, plural, n, **params)


def install_filters(env: Environment) -> None:
    env.filters["dt"] = _datetime
    env.filters["d"] = _date
    env.filters["time"] = _time
    env.filters["num"] = _number
    env.filters["pct"] = _percent
    env.filters["handle"] = handle
    env.filters["action"] = _action
    env.filters["summary"] = _summary
    env.filters["actor"] = _actor
    env.filters["gate_items"] = _gate_items
    env.globals["ngettext"] = _ngettext
