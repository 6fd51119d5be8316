"""Crisis mode: switched on by whoever configures webcare (admin, regie holder, the owning department).

While a `Crisis` is open (no `ended_at`; at most one): every outward reply needs approval (the replies slice asks
`open_crisis` and passes `crisis=True` to `check_outward`), a banner shows on every page (`banners`, through the
`regie_banners` hook), holding statements (`CannedResponse.is_holding_statement`) are at hand, and a timeline
(`CrisisEntry`) records what happened: other slices add lines with `add_entry`. Switching off freezes a report in
`Crisis.report`: duration, cases opened during it by priority, replies and approvals, the median time to
approve, and the timeline.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    Banner,
    DomainError,
    DomainEvent,
    FieldErrors,
    HookContext,
    Msg,
    NotFound,
    PermissionDenied,
    Refused,
    clean_text,
    clean_uuid,
    current_tenant,
    department_and_regie,
    department_choices,
    fire_events,
    get_or_404,
    gettext_for,
    notify_people,
    owning_department,
    record_audit,
    user_names,
    utcnow,
)
from plugins.webcare.models import PRIORITIES, CannedResponse, Case, Crisis, CrisisEntry, Reply
from plugins.webcare.sla.service import config_of

ENTRY_KINDS: dict[str, str] = {
    "started": N_("crisis mode on"), "ended": N_("crisis mode off"), "note": N_("note"),
    "statement": N_("holding statement"), "approval": N_("reply approved"), "rejection": N_("reply rejected"),
    "reply": N_("reply"), "statement_used": N_("holding statement used"), "reply_approved": N_("reply approved"),
    "reply_rejected": N_("reply rejected"),
}
"""Known timeline kinds → msgid (other slices may add their own kinds; they show as written)."""
MAX_TIMELINE_IN_REPORT = 2000


# -- for other slices -------------------------------------------------------------------------------------------

async def open_crisis(session: AsyncSession) -> Crisis | None:
    """The tenant's open crisis, or None (one indexed query)."""
    return await session.scalar(select(Crisis).where(Crisis.ended_at.is_(None))
                                .order_by(Crisis.started_at.desc()).limit(1))


async def add_entry(session: AsyncSession, kind: str, text: str, user_id: UUID | None = None,
                    case_id: UUID | None = None) -> CrisisEntry | None:
    """A line on the open crisis's timeline (None when no crisis is open: nothing is written)."""
    crisis = await open_crisis(session)
    if crisis is None:
        return None
    entry = CrisisEntry(crisis_id=crisis.id, at=utcnow(), kind=kind[:20], text=text, user_id=user_id,
                        case_id=case_id)
    session.add(entry)
    await session.flush()
    return entry


async def banners(ctx: HookContext) -> list[Banner]:
    """The `regie_banners` contribution: one crisis banner while crisis mode is on."""
    if await open_crisis(ctx.session) is None:
        return []
    _ = gettext_for(ctx.lang)
    return [Banner(_("Crisis mode: every reply needs approval"), "crisis", f"/t/{ctx.tenant_slug}/p/webcare/crisis/")]


# -- switching on and off ---------------------------------------------------------------------------------------

def clean_start(values: dict[str, Any]) -> dict[str, str]:
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=200)
    reason = errors.clean(clean_text, values.get("reason"), "reason", max_length=5000)
    errors.raise_if_any()
    return {"title": title or "", "reason": reason or ""}


async def everyone(session: AsyncSession) -> list[Any]:
    """Every active person of the tenant's departments plus the regie holder, each once."""
    people: dict[Any, Any] = {}
    for department_id, _name in await department_choices(session):
        for user in await department_and_regie(session, department_id):
            people[user.id] = user
    if not people:
        for user in await department_and_regie(session, None):
            people[user.id] = user
    return sorted(people.values(), key=lambda u: u.email)


async def _announce(session: AsyncSession, pm: Any, name: str, crisis: Crisis) -> None:
    tenant = await current_tenant(session)
    if tenant is None or pm is None:
        return
    await fire_events(session, tenant, pm, [DomainEvent(name, {
        "crisis_id": str(crisis.id), "title": crisis.title, "started_at": crisis.started_at.isoformat(),
        "ended_at": crisis.ended_at.isoformat() if crisis.ended_at else None})], exclude="webcare")


# -- who switches: the regie holder or the webcare lead -----------------------------------------------------------

SWITCH_RULE = "only the regie holder or the webcare lead named on the crisis page"
"""`may_switch` in words, declared on the routes that switch (`opt["rule"]`) for the authorisation page."""


async def may_switch(session: AsyncSession, principal: Any) -> bool:
    """The regie holder, or the webcare lead named on the crisis page."""
    if "regie" in (getattr(principal, "roles", None) or ()):
        return True
    lead = (await config_of(session)).lead_user_id
    return lead is not None and lead == getattr(principal, "user_id", None)


async def _must_switch(session: AsyncSession, principal: Any) -> None:
    if not await may_switch(session, principal):
        raise PermissionDenied("webcare.crisis.switch")


async def lead_choices(session: AsyncSession) -> list[tuple[UUID, str]]:
    """Who can be the webcare lead: the members of the department that owns webcare."""
    people = await department_and_regie(session, await owning_department(session, "webcare"), include_regie=False)
    return [(u.id, u.name or u.email) for u in people]


async def set_lead(session: AsyncSession, principal: Any, values: dict[str, Any]) -> UUID | None:
    if values.get("lead_user_id") is None:  # the form always sends it; empty means nobody
        raise DomainError(field="lead_user_id", msgid="Choose the webcare lead, or nobody.")
    lead = clean_uuid(values.get("lead_user_id"), "lead_user_id", required=False)
    if lead is not None and lead not in dict(await lead_choices(session)):
        raise DomainError(field="lead_user_id", msgid="Choose a member of the department that owns webcare.")
    config = await config_of(session)
    before, config.lead_user_id = config.lead_user_id, lead
    names = await user_names(session, {before, lead})
    await record_audit(session, principal, "webcare.lead_changed", subject=config,
                       summary=f"{names.get(before, '-')} → {names.get(lead, '-')}")
    return lead


async def start(session: AsyncSession, principal: Any, values: dict[str, Any], settings: Any = None,
                pm: Any = None) -> Crisis:
    """Switch crisis mode on (409 when it already is): timeline, audit, everyone told, `crisis.started`."""
    await _must_switch(session, principal)
    fields = clean_start(values)
    if await open_crisis(session) is not None:
        raise Refused(field="__all__", msgid="Crisis mode is already on.")
    user_id = getattr(principal, "user_id", None)
    now = utcnow()
    crisis = Crisis(title=fields["title"], reason=fields["reason"], started_at=now, started_by_id=user_id,
                    report={})
    session.add(crisis)
    await session.flush()
    session.add(CrisisEntry(crisis_id=crisis.id, at=now, kind="started", text=fields["reason"], user_id=user_id))
    await session.flush()
    await record_audit(session, principal, "webcare.crisis_started", subject=crisis, summary=crisis.title,
                       data={"reason": crisis.reason})
    tenant = await current_tenant(session)
    if settings is not None:
        await notify_people(session, settings, await everyone(session), "webcare.crisis_started",
                            Msg("Crisis mode is on: {title}", title=crisis.title), _Text(crisis.reason),
                            href=f"/t/{tenant.slug}/p/webcare/crisis/" if tenant else "")
    await _announce(session, pm, "crisis.started", crisis)
    return crisis


async def stop(session: AsyncSession, principal: Any, values: dict[str, Any] | None = None, settings: Any = None,
               pm: Any = None) -> Crisis:
    """Switch crisis mode off with a closing note (409 when it is not on) and freeze the report."""
    await _must_switch(session, principal)
    values = values or {}
    errors = FieldErrors()
    note = errors.clean(clean_text, values.get("note"), "note", max_length=5000) or ""
    errors.raise_if_any()
    crisis = await open_crisis(session)
    if crisis is None:
        raise Refused(field="__all__", msgid="Crisis mode is not on.")
    user_id = getattr(principal, "user_id", None)
    now = utcnow()
    session.add(CrisisEntry(crisis_id=crisis.id, at=now, kind="ended", text=note, user_id=user_id))
    await session.flush()
    crisis.ended_at = now
    crisis.ended_by_id = user_id
    crisis.report = await build_report(session, crisis, now)
    await session.flush()
    await record_audit(session, principal, "webcare.crisis_ended", subject=crisis, summary=crisis.title,
                       data={"minutes": crisis.report["minutes"], "cases": crisis.report["cases"]["total"],
                             "replies": crisis.report["replies"]["total"]})
    tenant = await current_tenant(session)
    if settings is not None:
        await notify_people(session, settings, await everyone(session), "webcare.crisis_ended",
                            Msg("Crisis mode is off: {title}", title=crisis.title), _Text(note),
                            href=f"/t/{tenant.slug}/p/webcare/crisis/{crisis.id}" if tenant else "", email=False)
    await _announce(session, pm, "crisis.ended", crisis)
    return crisis


class _Text:
    """A notification body written by a person: the same in every language."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, lang: str) -> str:
        return self.text


# -- the report --------------------------------------------------------------------------------------------------

async def build_report(session: AsyncSession, crisis: Crisis, until: datetime) -> dict[str, Any]:
    """What happened between `started_at` and `until`, as plain JSON (frozen on the crisis)."""
    since = crisis.started_at
    assert since is not None
    by_priority = dict((await session.execute(
        select(Case.priority, func.count()).where(Case.opened_at >= since, Case.opened_at <= until)
        .group_by(Case.priority))).all())
    replies = list((await session.execute(
        select(Reply.status, Reply.approval_reason, Reply.created_at, Reply.decided_at)
        .where(Reply.created_at >= since, Reply.created_at <= until))).all())
    needed = [r for r in replies if r.approval_reason]
    waits = [(r.decided_at - r.created_at).total_seconds() / 60
             for r in needed if r.decided_at is not None and r.status != "rejected"]
    entries = list((await session.scalars(select(CrisisEntry).where(CrisisEntry.crisis_id == crisis.id)
                                          .order_by(CrisisEntry.at, CrisisEntry.created_at)
                                          .limit(MAX_TIMELINE_IN_REPORT + 1))).all())
    names = await user_names(session, {e.user_id for e in entries} | {crisis.started_by_id, crisis.ended_by_id})
    return {
        "started_at": since.isoformat(), "ended_at": until.isoformat(),
        "minutes": round((until - since).total_seconds() / 60),
        "started_by": names.get(crisis.started_by_id, "") if crisis.started_by_id else "",
        "ended_by": names.get(crisis.ended_by_id, "") if crisis.ended_by_id else "",
        "cases": {"total": sum(by_priority.values()),
                  "by_priority": {p: int(by_priority.get(p, 0)) for p in PRIORITIES}},
        "replies": {"total": len(replies), "sent": sum(1 for r in replies if r.status == "sent"),
                    "needed_approval": len(needed),
                    "approved": sum(1 for r in needed if r.decided_at is not None and r.status != "rejected"),
                    "rejected": sum(1 for r in needed if r.status == "rejected"),
                    "median_minutes_to_approve": round(median(waits), 1) if waits else None},
        "timeline": [{"at": e.at.isoformat(), "kind": e.kind, "text": e.text,
                      "by": names.get(e.user_id, "") if e.user_id else "",
                      "case_id": str(e.case_id) if e.case_id else None}
                     for e in entries[:MAX_TIMELINE_IN_REPORT]],
        "timeline_truncated": len(entries) > MAX_TIMELINE_IN_REPORT,
    }


# -- notes and holding statements --------------------------------------------------------------------------------

async def add_note(session: AsyncSession, principal: Any, values: dict[str, Any]) -> CrisisEntry:
    errors = FieldErrors()
    text = errors.clean(clean_text, values.get("text"), "text", max_length=5000)
    errors.raise_if_any()
    entry = await add_entry(session, "note", text or "", user_id=getattr(principal, "user_id", None))
    if entry is None:
        raise Refused(field="__all__", msgid="Crisis mode is not on.")
    await record_audit(session, principal, "webcare.crisis_note", subject=entry, summary=(text or "")[:200])
    return entry


def entries_query(crisis_id: UUID) -> Select[Any]:
    return select(CrisisEntry).where(CrisisEntry.crisis_id == crisis_id).order_by(CrisisEntry.at.desc(),
                                                                                  CrisisEntry.created_at.desc())


def past_query() -> Select[Any]:
    return select(Crisis).where(Crisis.ended_at.is_not(None)).order_by(Crisis.started_at.desc(), Crisis.id)


def statements_query() -> Select[Any]:
    return select(CannedResponse).where(CannedResponse.is_holding_statement.is_(True)).order_by(
        CannedResponse.title, CannedResponse.id)


async def _clean_statement(session: AsyncSession, values: dict[str, Any],
                           statement: CannedResponse | None) -> dict[str, str]:
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=120)
    body = errors.clean(clean_text, values.get("body"), "body", max_length=5000)
    if title:
        clash = select(CannedResponse.id).where(func.lower(CannedResponse.title) == title.lower())
        if statement is not None:
            clash = clash.where(CannedResponse.id != statement.id)
        if await session.scalar(clash) is not None:
            errors.add("title", msgid="There is already a response with this title.")
    errors.raise_if_any()
    return {"title": title or "", "body": body or ""}


async def create_statement(session: AsyncSession, principal: Any, values: dict[str, Any]) -> CannedResponse:
    fields = await _clean_statement(session, values, None)
    statement = CannedResponse(**fields, language="nl", is_active=True, is_holding_statement=True)
    session.add(statement)
    await session.flush()
    await record_audit(session, principal, "webcare.statement_created", subject=statement, summary=statement.title)
    await add_entry(session, "statement", statement.title, user_id=getattr(principal, "user_id", None))
    return statement


async def update_statement(session: AsyncSession, principal: Any, statement_id: UUID,
                           values: dict[str, Any]) -> CannedResponse:
    statement = await get_or_404(session, CannedResponse, statement_id)
    if not statement.is_holding_statement:
        raise NotFound()
    fields = await _clean_statement(session, values, statement)
    before = {"title": statement.title, "body": statement.body}
    statement.title, statement.body = fields["title"], fields["body"]
    await session.flush()
    await record_audit(session, principal, "webcare.statement_updated", subject=statement, summary=statement.title,
                       data={"before": before, "after": fields})
    return statement
