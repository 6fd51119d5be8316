"""Moving through the phases: advance when the gate holds, or override it (regie holder, with a reason)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.service import fire_events
from core.audit.service import record
from core.errors import DomainError, Refused
from core.mediator.jobs import summarise_soon
from core.plugins.info import DomainEvent
from core.roadmap.gates import GateReport, evaluate
from core.roadmap.models import PhaseTransition
from core.tenancy.models import Phase, Tenant

log = logging.getLogger("regie.roadmap")

MIN_REASON = 20
"""An override skips a failing gate: its reason (after trimming) must say why, not just "x" (web and API)."""


def history_query() -> Select[Any]:
    """Phase transitions, oldest first (for `core.web.pagination.paginate`)."""
    return select(PhaseTransition).order_by(PhaseTransition.created_at)


async def history(session: AsyncSession) -> list[PhaseTransition]:
    return list((await session.scalars(history_query())).all())


async def open_overrides(session: AsyncSession, tenant: Tenant, report: GateReport) -> list[PhaseTransition]:
    """Overrides into the current phase whose failing items still fail now (shown on the mediator's console).

    An override skipped the gate of the phase it LEFT; once in the new phase, those items belong to the
    previous gate, so they are re-evaluated against that earlier phase's gate.
    """
    from core.roadmap.gates import evaluate_phase

    rows = (await session.scalars(select(PhaseTransition).where(
        PhaseTransition.overridden.is_(True), PhaseTransition.to_phase == tenant.phase)
        .order_by(PhaseTransition.created_at))).all()
    still_open = []
    for row in rows:
        earlier = await evaluate_phase(session, tenant, row.from_phase)
        failing_now = set(earlier.failing_keys)
        if failing_now & set(row.failing_items or []):
            still_open.append(row)
    return still_open


async def _tenant_row(session: AsyncSession, tenant: Tenant) -> Tenant:
    row = await session.get(Tenant, tenant.id)
    assert row is not None
    return row


async def advance(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, lang: str) -> PhaseTransition:
    """The normal move: refused (409) while any item of the current gate fails."""
    tenant = await _tenant_row(session, tenant)
    report = await evaluate(session, tenant, pm, lang)
    if report.is_final:
        raise Refused(field="__all__", msgid="Implementation is the last phase; there is nothing to advance to.")
    if not report.ok:
        raise Refused(field="__all__", msgid="The gate does not hold yet: {n} of {m} items fail ({items}).",
                      n=len(report.failing), m=report.total,
                      items="; ".join(i.text.rstrip(".") for i in report.failing))
    return await _move(session, principal, tenant, pm, report, lang, overridden=False, reason="")


async def override(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, reason: str,
                   lang: str) -> PhaseTransition:
    """The regie holder moves on past a failing gate; the reason and failing items are recorded.

    When the gate holds after all, this is an ordinary advance (with the reason kept)."""
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError(field="reason", msgid="Write a reason of at least {n} characters.", n=MIN_REASON)
    if len(reason) > 4000:
        raise DomainError(field="reason", msgid="Use at most {max} characters.", max=4000)
    tenant = await _tenant_row(session, tenant)
    report = await evaluate(session, tenant, pm, lang)
    if report.is_final:
        raise Refused(field="__all__", msgid="Implementation is the last phase; there is nothing to advance to.")
    return await _move(session, principal, tenant, pm, report, lang, overridden=not report.ok, reason=reason)


async def _move(session: AsyncSession, principal: Any, tenant: Tenant, pm: Any, report: GateReport, lang: str,
                overridden: bool, reason: str) -> PhaseTransition:
    old, new = tenant.phase, report.next_phase
    assert new is not None
    transition = PhaseTransition(from_phase=old, to_phase=new, by_id=principal.user_id, overridden=overridden,
                                 reason=reason, failing_items=report.failing_keys if overridden else [])
    session.add(transition)
    tenant.phase = Phase(new).value
    await session.flush()
    action = "phase.overridden" if overridden else "phase.advanced"
    await record(session, principal, action, subject=transition, summary=f"{old} → {new}", reason=reason,
                 data={"from": old, "to": new, "failing_items": transition.failing_items,
                       "failing": [i.text for i in report.failing] if overridden else []})
    await phase_changed(session, tenant, pm, old, new, lang, principal.user_id)
    return transition


async def phase_changed(session: AsyncSession, tenant: Tenant, pm: Any, old: str, new: str, lang: str,
                        user_id: Any = None) -> None:
    """Announce the move as the event `phase.changed` (each listening plugin in a savepoint of its own), and have
    the mediator's summary of the tenant worked out again for its new phase."""
    summarise_soon(session, tenant.id)
    await fire_events(session, tenant, pm, [DomainEvent("phase.changed", {"old": old, "new": new})], lang,
                      user_id=user_id)
