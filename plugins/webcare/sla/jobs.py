"""`webcare.check_sla`: every minute, per tenant with webcare active. Finds open cases (not waiting: their
clocks stand still) whose first-response or resolution deadline is within `warn_before_minutes` business
minutes (a warning) or has passed (a breach), and records each once per deadline in `sla_warned` /
`sla_breached`, with an event on the case's timeline and a notification to the assignee (else the handling
department, else the owning department, plus the regie holder). Idempotent: a second run finds nothing new.
Coalesced: a message that waited behind a finished run is dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select

from core.plugins.api import (
    N_,
    JobContext,
    JobSpec,
    Msg,
    as_utc,
    department_and_regie,
    notify_people,
    owning_department,
    record_audit,
    utcnow,
)
from plugins.webcare.models import OPEN_STATUSES, Case, CaseMessage
from plugins.webcare.sla.service import clock_of, config_of, refresh_deadlines

BATCH = 500
"""Cases per run, earliest deadline first; the next run (a minute later) takes the rest."""

TITLES = {
    ("first_response", "sla_warning"): N_("Case #{number}: first response due in {minutes} min"),
    ("resolution", "sla_warning"): N_("Case #{number}: resolution due in {minutes} min"),
    ("first_response", "sla_breach"): N_("Case #{number}: first response overdue by {minutes} min"),
    ("resolution", "sla_breach"): N_("Case #{number}: resolution overdue by {minutes} min"),
}


async def check_sla(ctx: JobContext, now: str | None = None, **_: Any) -> int:
    """Returns the number of warnings and breaches recorded. `now` (ISO) moves the clock (tests, by hand)."""
    session = ctx.session
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    config = await config_of(session)
    clock = await clock_of(session, config)
    horizon = clock.add(moment, config.warn_before_minutes)
    live = [s for s in OPEN_STATUSES if s != "waiting"]
    cases = (await session.scalars(select(Case).where(
        Case.status.in_(live),
        or_(and_(Case.first_response_at.is_(None), Case.first_response_due <= horizon),
            Case.resolution_due <= horizon),
    ).order_by(Case.first_response_due, Case.resolution_due).limit(BATCH))).all()
    recorded = 0
    owner = None
    for case in cases:
        found: list[tuple[str, str, int]] = []
        warned, breached = list(case.sla_warned or []), list(case.sla_breached or [])
        for kind in ("first_response", "resolution"):
            due = getattr(case, f"{kind}_due")
            if due is None or (kind == "first_response" and case.first_response_at is not None):
                continue
            if due <= moment:
                if kind not in breached:
                    breached.append(kind)
                    found.append((kind, "sla_breach", clock.between(due, moment)))
            elif due <= horizon and kind not in warned and kind not in breached:
                warned.append(kind)
                found.append((kind, "sla_warning", clock.between(moment, due)))
        if not found:
            continue
        case.sla_warned, case.sla_breached = warned, breached
        if case.assignee_id is None and case.department_id is None and owner is None:
            owner = await owning_department(session, "webcare")
        users = await _people(session, case, owner)
        for kind, event, minutes in found:
            session.add(CaseMessage(case_id=case.id, kind="event", at=moment,
                                    details={"event": event, "clock": kind, "due": getattr(case, f"{kind}_due")
                                             .isoformat(), "minutes": minutes}))
            title = Msg(TITLES[(kind, event)], number=case.number, minutes=minutes)
            await notify_people(session, ctx.settings, users, f"webcare.{event}", title,
                                Msg("Subject: {subject}", subject=case.subject) if case.subject else None,
                                href=f"/t/{ctx.tenant_slug}/p/webcare/cases/{case.id}")
            await record_audit(session, "system", f"webcare.{event}", subject=case, tenant_id=ctx.tenant_id,
                               summary=f"#{case.number} {kind.replace('_', ' ')}",
                               data={"clock": kind, "minutes": minutes}, touch=False)
            recorded += 1
    return recorded


async def _people(session: Any, case: Case, owner: Any) -> list[Any]:
    """The assignee when there is one (found among the handling department's people), else the department
    handling the case (else the owning one) and the regie holder."""
    department = case.department_id or owner
    if case.assignee_id is not None:
        people = await department_and_regie(session, department)
        mine = [u for u in people if u.id == case.assignee_id]
        if mine:
            return mine
    return await department_and_regie(session, department)


async def refresh_open_deadlines(ctx: JobContext, now: str | None = None, **_: Any) -> int:
    """After the hours, time zone, SLA minutes or holidays changed: recompute the deadlines of every open case
    (in pages of `BATCH` by id). Returns the number of cases looked at. Idempotent, coalesced."""
    session = ctx.session
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    config = await config_of(session)
    clock = await clock_of(session, config)
    seen, last = 0, None
    while True:
        query = select(Case).where(Case.status.in_(OPEN_STATUSES)).order_by(Case.id).limit(BATCH)
        if last is not None:
            query = query.where(Case.id > last)
        cases = (await session.scalars(query)).all()
        for case in cases:
            await refresh_deadlines(session, case, moment, clock=clock, config=config)
        await session.flush()
        seen += len(cases)
        if len(cases) < BATCH:
            return seen
        last = cases[-1].id


JOBS = [JobSpec(name="webcare.check_sla", run=check_sla, every_seconds=60, max_retries=3, time_limit_ms=120_000,
                coalesce=True),
        JobSpec(name="webcare.refresh_deadlines", run=refresh_open_deadlines, max_retries=3, time_limit_ms=300_000,
                coalesce=True)]
