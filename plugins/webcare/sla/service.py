"""SLA: the tenant's webcare settings, deadlines on cases, timers for pages, and the settings form.

Deadlines are stored on the case (`first_response_due`, `resolution_due`) so the inbox sorts on columns.
`refresh_deadlines` recomputes them from `opened_at` + the priority's business minutes; the resolution
deadline moves on by `paused_minutes` (business minutes spent waiting for the customer: `pause` / `resume`
keep that count). The clock of a tenant is cached per config row and its `updated_at` (holiday changes
touch the config), so intake pays one config read per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    NotFound,
    clean_date,
    clean_text,
    current_tenant_id,
    enqueue_job,
    record_audit,
    utcnow,
)
from plugins.webcare.models import DEFAULT_HOURS, DEFAULT_SLA, PRIORITIES, Case, Holiday, WebcareConfig
from plugins.webcare.sla.clock import WEEKDAYS, BusinessClock, clean_day, clean_timezone

KINDS = ("first_response", "resolution")
STATES = ("ok", "warning", "breached", "met", "paused")
LIMITS = {"warn_before_minutes": (0, 24 * 60), "join_window_hours": (1, 24 * 30)}
CLOCK_FIELDS = {"timezone", "business_hours", "sla"}
"""Changing one of these moves the deadlines of open cases (`webcare.refresh_deadlines`)."""
MAX_SLA_MINUTES = 60 * 24 * 60
"""Sixty days of business minutes: more is a typo."""

_CLOCKS: dict[tuple[Any, ...], BusinessClock] = {}


# -- config and clock ------------------------------------------------------------------------------------------

async def config_of(session: AsyncSession) -> WebcareConfig:
    """The tenant's settings row, created with the defaults on first use."""
    config = await session.scalar(select(WebcareConfig))
    if config is not None:
        return config
    try:
        async with session.begin_nested():
            config = WebcareConfig(timezone="Europe/Amsterdam", business_hours={k: [list(p) for p in v]
                                                                               for k, v in DEFAULT_HOURS.items()},
                                   sla={k: dict(v) for k, v in DEFAULT_SLA.items()}, warn_before_minutes=15,
                                   auto_assign=True, join_window_hours=72, webhook_url="", webhook_secret="",
                                   next_case_number=1)
            session.add(config)
    except IntegrityError:  # another request created it at the same moment
        config = await session.scalar(select(WebcareConfig))
        assert config is not None
    return config


async def clock_of(session: AsyncSession, config: WebcareConfig | None = None) -> BusinessClock:
    config = config or await config_of(session)
    key = (current_tenant_id(), config.id, config.updated_at, config.timezone, repr(config.business_hours))
    clock = _CLOCKS.get(key)
    if clock is None:
        days = (await session.scalars(select(Holiday.day))).all()
        clock = BusinessClock(config.timezone, config.business_hours, set(days))
        if len(_CLOCKS) > 256:
            _CLOCKS.clear()
        _CLOCKS[key] = clock
    return clock


def sla_minutes(config: WebcareConfig, priority: str, kind: str) -> int:
    per = (config.sla or {}).get(priority) or DEFAULT_SLA.get(priority) or DEFAULT_SLA["normal"]
    return int(per.get(kind) or DEFAULT_SLA.get(priority, DEFAULT_SLA["normal"])[kind])


# -- deadlines on a case -----------------------------------------------------------------------------------------

async def refresh_deadlines(session: AsyncSession, case: Case, now: datetime, *,
                            clock: BusinessClock | None = None, config: WebcareConfig | None = None) -> None:
    """Set the case's deadlines from its priority (after intake, a priority change, a resume).

    A deadline that moves to the future again may warn and breach again (it is a new deadline)."""
    config = config or await config_of(session)
    clock = clock or await clock_of(session, config)
    opened = case.opened_at
    dues: dict[str, datetime] = {}
    if case.first_response_at is None:
        dues["first_response"] = clock.add(opened, sla_minutes(config, case.priority, "first_response"))
    dues["resolution"] = clock.add(opened, sla_minutes(config, case.priority, "resolution")
                                   + max(0, case.paused_minutes or 0))
    warned, breached = list(case.sla_warned or []), list(case.sla_breached or [])
    for kind, due in dues.items():
        old = getattr(case, f"{kind}_due")
        if old is not None and old == due:
            continue
        setattr(case, f"{kind}_due", due)
        if due > now and kind in breached:
            breached.remove(kind)
        if clock.between(now, due) > config.warn_before_minutes and kind in warned:
            warned.remove(kind)
    if warned != list(case.sla_warned or []):
        case.sla_warned = warned
    if breached != list(case.sla_breached or []):
        case.sla_breached = breached


async def pause(session: AsyncSession, case: Case, now: datetime) -> None:
    """The case now waits for the customer: its resolution clock stands still from `now`."""
    if case.waiting_since is None:
        case.waiting_since = now


async def resume(session: AsyncSession, case: Case, now: datetime, *, clock: BusinessClock | None = None) -> int:
    """The wait is over: add the business minutes spent waiting to `paused_minutes` and move the deadline.
    Returns the minutes added."""
    if case.waiting_since is None:
        return 0
    config = await config_of(session)
    clock = clock or await clock_of(session, config)
    added = max(0, clock.between(case.waiting_since, now))
    case.paused_minutes = (case.paused_minutes or 0) + added
    case.waiting_since = None
    await refresh_deadlines(session, case, now, clock=clock, config=config)
    return added


# -- timers for pages --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Timer:
    state: str
    """ok, warning, breached, met, paused (or "" when the case has no such deadline)."""
    minutes: int | None = None
    """Business minutes left (ok, warning, paused) or overdue (breached); None when met."""
    due: datetime | None = None


@dataclass(frozen=True)
class Timers:
    first_response: Timer
    resolution: Timer


def _one(due: datetime | None, done_at: datetime | None, now: datetime, clock: BusinessClock,
         warn_before: int, paused_since: datetime | None) -> Timer:
    if due is None:
        return Timer("")
    if done_at is not None:
        return Timer("met", None, due) if done_at <= due else Timer("breached", clock.between(due, done_at), due)
    if paused_since is not None:
        return Timer("paused", max(0, clock.between(paused_since, due)), due)
    if now >= due:
        return Timer("breached", clock.between(due, now), due)
    left = clock.between(now, due)
    return Timer("warning" if left <= warn_before else "ok", left, due)


def timer(case: Case, now: datetime, clock: BusinessClock, warn_before: int = 15) -> Timers:
    """Both clocks of a case as the inbox and the case page show them."""
    paused = (case.waiting_since or now) if case.status == "waiting" else None
    ended = case.resolved_at or case.closed_at
    if case.status not in ("resolved", "closed"):
        ended = None
    first_done = case.first_response_at or ended
    return Timers(first_response=_one(case.first_response_due, first_done, now, clock, warn_before, paused),
                  resolution=_one(case.resolution_due, ended, now, clock, warn_before, paused))


def duration(minutes: int | None) -> str:
    """1 d 2 h 5 min style, in business time (days of 24 business hours would mislead: hours and minutes)."""
    if minutes is None:
        return ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


# -- the settings form --------------------------------------------------------------------------------------------

def form_of(config: WebcareConfig) -> dict[str, Any]:
    """The config as form values: hours as "09:00-12:00, 13:00-17:00" per weekday."""
    values: dict[str, Any] = {"timezone": config.timezone, "warn_before_minutes": config.warn_before_minutes,
                              "join_window_hours": config.join_window_hours, "auto_assign": config.auto_assign}
    for day in WEEKDAYS:
        values[f"hours_{day}"] = ", ".join(f"{s}-{e}" for s, e in (config.business_hours or {}).get(day, []))
    for priority in PRIORITIES:
        for kind in KINDS:
            values[f"sla_{priority}_{kind}"] = sla_minutes(config, priority, kind)
    return values


def parse_hours(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:00" → [["09:00", "12:00"], ["13:00", "17:00"]]; empty: closed."""
    spans = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip().replace("–", "-")
        if not part:
            continue
        start, _, end = part.partition("-")
        spans.append([start.strip(), end.strip()])
    return spans


def _int(errors: FieldErrors, data: dict[str, Any], field: str, low: int, high: int) -> int | None:
    raw = str(data.get(field, "")).strip()
    try:
        value = int(raw)
    except ValueError:
        errors.add(field, "Enter a whole number.")
        return None
    if not low <= value <= high:
        errors.add(field, "Enter a number from {low} to {high}.", low=low, high=high)
        return None
    return value


def clean_settings(data: dict[str, Any]) -> dict[str, Any]:
    """Every field of the settings form checked at once; DomainError with every field's reason."""
    errors = FieldErrors()
    values: dict[str, Any] = {"timezone": errors.clean(clean_timezone, data.get("timezone"))}
    hours = {day: errors.clean(clean_day, parse_hours(data.get(f"hours_{day}", "")), f"hours_{day}") or []
             for day in WEEKDAYS}
    if not any(k.startswith("hours_") for k in errors.errors) and not any(hours.values()):
        errors.add("hours_0", "Open at least one interval in the week.")
    values["business_hours"] = hours
    sla: dict[str, dict[str, int]] = {}
    for priority in PRIORITIES:
        minutes = {kind: _int(errors, data, f"sla_{priority}_{kind}", 1, MAX_SLA_MINUTES) for kind in KINDS}
        if minutes["first_response"] is not None and minutes["resolution"] is not None \
                and minutes["first_response"] > minutes["resolution"]:
            errors.add(f"sla_{priority}_first_response",
                       "The first response cannot take longer than the resolution.")
        sla[priority] = {k: v or 0 for k, v in minutes.items()}
    values["sla"] = sla
    for field, (low, high) in LIMITS.items():
        values[field] = _int(errors, data, field, low, high)
    values["auto_assign"] = str(data.get("auto_assign", "")).lower() in ("1", "on", "true", "yes")
    errors.raise_if_any()
    return values


async def save_settings(session: AsyncSession, principal: Any, data: dict[str, Any]) -> WebcareConfig:
    values = clean_settings(data)
    config = await config_of(session)
    before = {k: getattr(config, k) for k in values}
    changed = sorted(k for k, v in values.items() if before[k] != v)
    for key in changed:
        setattr(config, key, values[key])
    if changed:
        config.updated_at = utcnow()
        if set(changed) & CLOCK_FIELDS:
            enqueue_job(session, "webcare.refresh_deadlines")
        await record_audit(session, principal, "webcare.settings.changed", subject=config,
                           summary=", ".join(changed),
                           data={"before": {k: before[k] for k in changed}, "after": {k: values[k] for k in changed}})
    return config


# -- holidays ------------------------------------------------------------------------------------------------------

def holidays_query() -> Any:
    return select(Holiday).order_by(Holiday.day)


async def add_holiday(session: AsyncSession, principal: Any, data: dict[str, Any]) -> Holiday:
    errors = FieldErrors()
    day: date | None = errors.clean(clean_date, data.get("day"), "day")
    name = errors.clean(clean_text, data.get("name"), "name", max_length=120, required=False) or ""
    errors.raise_if_any()
    assert day is not None
    if await session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
        raise DomainError(field="day", msgid="This day is already a holiday.")
    holiday = Holiday(day=day, name=name)
    session.add(holiday)
    config = await config_of(session)
    config.updated_at = utcnow()  # a new clock for the tenant
    enqueue_job(session, "webcare.refresh_deadlines")
    await session.flush()
    await record_audit(session, principal, "webcare.holiday.added", subject=holiday, summary=f"{day} {name}".strip())
    return holiday


async def remove_holiday(session: AsyncSession, principal: Any, holiday_id: UUID) -> None:
    holiday = await session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound()
    config = await config_of(session)
    config.updated_at = utcnow()
    enqueue_job(session, "webcare.refresh_deadlines")
    await record_audit(session, principal, "webcare.holiday.removed", subject=holiday,
                       summary=f"{holiday.day} {holiday.name}".strip())
    await session.delete(holiday)
