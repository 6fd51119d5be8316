"""Inbox pages: the list of cases with filters, saved views, counts per queue and the agent's availability (live:
the page asks `stamp` every second whether any case changed and then reloads the list as a fragment; a slow
refresh keeps the SLA timers current); the case page with its timeline (polls), the author's history,
the actions (status, priority, assignee, internal note; each at the revision the person saw) and presence."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    Refused,
    form_errors,
    item_actions,
    lang_of,
    member_choices,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
    utcnow,
)
from plugins.webcare.cases.changes import inbox_version
from plugins.webcare.cases.items import case_item
from plugins.webcare.inbox import service
from plugins.webcare.models import (
    CHANNELS,
    ESCALATION_REASONS,
    EVENT_LABELS,
    MESSAGE_KINDS,
    PRIORITIES,
    STATUSES,
    Case,
)
from plugins.webcare.sla import service as sla

LIST_CHANGED = "webcare-inbox-changed"
"""The event the stamp answers with when a case changed; the list reloads on it (`hx-trigger ... from:body`)."""


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/"


def _user_id(request: Request[Any, Any, Any]) -> UUID | None:
    return getattr(principal_of(request), "user_id", None)


async def _timers(db: AsyncSession, cases: list[Case]) -> dict[UUID, Any]:
    if not cases:
        return {}
    config = await sla.config_of(db)
    clock = await sla.clock_of(db, config)
    now = utcnow()
    return {c.id: sla.timer(c, now, clock, config.warn_before_minutes) for c in cases}


async def _inbox_context(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> dict[str, Any]:
    params = request.query_params
    filters = service.clean_filters({k: params.get(k) for k in service.FILTER_KEYS}, _user_id(request))
    base = _base(slug)
    cases = await paginate(db, service.cases_query(filters), page_number(params.get("page")),
                           per_page=service.PER_PAGE, base_path=base, params=filters.params(), capped=True)
    poll = f"{base}?{urlencode({**filters.params(), 'page': cases.number, 'fragment': '1'})}"
    return {"base": base, "filters": filters, "cases": cases, "poll_url": poll,
            "timers": await _timers(db, cases.items),
            "names": await user_names(db, {c.assignee_id for c in cases.items}),
            "queues": await service.queue_names(db), "departments": await service.department_names(db),
            "counts": await service.queue_counts(db), "badge_cap": service.BADGE_CAP,
            "statuses": STATUSES, "priorities": PRIORITIES,
            "channels": CHANNELS, "duration": sla.duration, "case_base": f"{base}cases/",
            "active_view": params.get("view") or ""}


@get("/", opt={"action": "plugin.read"})
async def inbox(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    """The inbox; with `?fragment=1` only the list and the queue counts (what a change or the slow refresh loads)."""
    context = await _inbox_context(request, db, slug)
    if request.query_params.get("fragment"):
        return page(request, "webcare/inbox/_list.html", **context, fragment=True)
    user_id = _user_id(request)
    return page(request, "webcare/inbox/index.html", **context, version=await inbox_version(db),
                views=await service.views_of(db, user_id), urlencode=urlencode,
                available=await service.is_available(db, user_id),
                members=[(str(i), n) for i, n in await member_choices(db)])


@get("/stamp", opt={"action": "plugin.read"})
async def stamp(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    """Whether a case changed since the page's version `v`: 204 (nothing to do) or the new stamp with an
    `HX-Trigger` the list reloads on. One indexed one-row read, so a poll every second per open inbox is cheap."""
    seen = request.query_params.get("v", "")
    if not seen.isdigit():
        raise DomainError(field="v", msgid="Give the inbox version as a whole number.")
    version = await inbox_version(db)
    if int(seen) == version:
        return Response(content=b"", status_code=204)
    response = page(request, "webcare/inbox/_stamp.html", base=_base(slug), version=version)
    response.headers["HX-Trigger"] = LIST_CHANGED
    return response


@post("/views", opt={"action": "plugin.read"})
async def save_view(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """Save the filters in the form under a name (the person's own view)."""
    try:
        view = await service.save_view(db, principal_of(request), data.get("name"),
                                       {k: data.get(k) for k in service.FILTER_KEYS})
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        return page(request, "error.html", status_code=exc.status_code, title=errors.get("name", ""),
                    messages=[{"field": f, "reason": r} for f, r in errors.items()])
    return Redirect(f"{_base(slug)}?{urlencode({**view.filters, 'view': str(view.id)})}", status_code=303)


@post("/views/{view_id:uuid}/delete", opt={"action": "plugin.read", "takes_input": False})
async def delete_view(request: Request[Any, Any, Any], db: AsyncSession, slug: str, view_id: UUID) -> Redirect:
    await service.delete_view(db, principal_of(request), view_id)
    return Redirect(_base(slug), status_code=303)


@post("/availability", opt={"action": "plugin.work"})
async def availability(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Redirect:
    """Take new cases (round robin) or stop taking them."""
    await service.set_available(db, principal_of(request), data.get("available"))
    return Redirect(_base(slug), status_code=303)


# -- the case page -------------------------------------------------------------------------------------------------

async def _timeline(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case: Case) -> dict[str, Any]:
    """The timeline's last page unless another is asked for (new messages land at the end)."""
    base = f"{_base(slug)}cases/{case.id}"
    raw = request.query_params.get("tpage")
    number = page_number(raw) if raw else 10**9
    timeline = await paginate(db, service.timeline_query(case.id), number, per_page=service.TIMELINE_PER_PAGE,
                              base_path=base, param="tpage")
    names = await user_names(db, service.people_in(case, timeline.items))
    return {"case": case, "timeline": timeline, "names": names, "snames": {str(k): v for k, v in names.items()},
            "kinds": MESSAGE_KINDS, "statuses": STATUSES, "events": EVENT_LABELS,
            "escalation_reasons": ESCALATION_REASONS, "priorities": PRIORITIES, "case_url": base,
            "timeline_url": f"{base}/timeline?{urlencode({'tpage': timeline.number, 'rev': case.revision})}"}


async def _case_context(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case: Case,
                        errors: dict[str, str] | None = None, form: dict[str, Any] | None = None) -> dict[str, Any]:
    base = _base(slug)
    history = await paginate(db, service.history_query(case), page_number(request.query_params.get("hpage")),
                             per_page=service.HISTORY_PER_PAGE, base_path=f"{base}cases/{case.id}", param="hpage")
    context = await _timeline(request, db, slug, case)
    queues = await service.queue_names(db)
    departments = await service.department_names(db)
    members = [(str(i), n) for i, n in await member_choices(db)]
    context["names"].update(await user_names(db, {case.assignee_id}))
    actions = await item_actions(request, db, "case", case_item(case))  # other plugins' (talking: respond publicly)
    return {**context, "base": base, "case_base": f"{base}cases/", "history": history, "actions": actions,
            "timers": (await _timers(db, [case]))[case.id], "duration": sla.duration,
            "queue_name": queues.get(case.queue_id, "") if case.queue_id else "",
            "department_name": departments.get(case.department_id, "") if case.department_id else "",
            "members": members, "channels": CHANNELS, "settable": service.SETTABLE_STATUSES,
            "errors": errors or {}, "form": form or {}, "rev": case.revision}


@get("/cases/{case_id:uuid}", opt={"action": "plugin.read"})
async def case_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> Template:
    case = await service.get_case(db, case_id)
    return page(request, "webcare/inbox/case.html", **await _case_context(request, db, slug, case))


@get("/cases/{case_id:uuid}/timeline", opt={"action": "plugin.read"})
async def timeline(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> Template:
    """The timeline fragment (polled); says so when the case changed since the page was loaded (`rev`)."""
    case = await service.get_case(db, case_id)
    context = await _timeline(request, db, slug, case)
    try:
        seen = int(request.query_params.get("rev") or case.revision)
    except ValueError:
        seen = case.revision
    return page(request, "webcare/inbox/_timeline.html", **context, rev=seen)


@get("/cases/{case_id:uuid}/presence", opt={"action": "plugin.read"})
async def presence(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> Template:
    """Marks the person as looking at the case; names the others who are (fragment, polled every 10 s)."""
    others = await service.presence(db, principal_of(request), case_id)
    return page(request, "webcare/inbox/_presence.html", others=others,
                presence_url=f"{_base(slug)}cases/{case_id}/presence")


async def _stale(request: Request[Any, Any, Any], slug: str, case_id: UUID, exc: Refused,
                 note: str = "") -> Template:
    return page(request, "webcare/inbox/stale.html", status_code=409, case_url=f"{_base(slug)}cases/{case_id}",
                reasons=form_errors(exc.errors, lang_of(request)), note=note)


@post("/cases/{case_id:uuid}/change", opt={"action": "plugin.work"})
async def change(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID, data: Form) -> Any:
    """One form per action (status, priority, assignee), each with the revision the person saw."""
    values = {k: data[k] for k in ("status", "priority", "assignee_id", "revision") if k in data}
    try:
        await service.update_case(db, principal_of(request), case_id, values)
    except Refused as exc:
        return await _stale(request, slug, case_id, exc)
    except DomainError as exc:
        case = await service.get_case(db, case_id)
        return page(request, "webcare/inbox/case.html", status_code=exc.status_code,
                    **await _case_context(request, db, slug, case, form_errors(exc.errors, lang_of(request)),
                                          values))
    return Redirect(f"{_base(slug)}cases/{case_id}", status_code=303)


@post("/cases/{case_id:uuid}/note", opt={"action": "plugin.work"})
async def note(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID, data: Form) -> Any:
    body = str(data.get("body") or "")
    try:
        await service.add_note(db, principal_of(request), case_id, body, data.get("revision"))
    except Refused as exc:
        return await _stale(request, slug, case_id, exc, note=body)
    except DomainError as exc:
        case = await service.get_case(db, case_id)
        return page(request, "webcare/inbox/case.html", status_code=exc.status_code,
                    **await _case_context(request, db, slug, case, form_errors(exc.errors, lang_of(request)),
                                          {"body": body}))
    return Redirect(f"{_base(slug)}cases/{case_id}", status_code=303)


ROUTES = [inbox, stamp, save_view, delete_view, availability, case_page, timeline, presence, change, note]
