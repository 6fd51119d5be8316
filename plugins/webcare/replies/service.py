"""Replies: canned responses, composing a reply on a case, approval, and recording what was sent.

A reply passes the core's outward check (`check_outward`: tone of voice of the published policy, approval by
the org model, always approval while a crisis is open). A tone problem refuses the reply with the reasons on
the `body` field (nothing is stored). A reply that needs approval waits as "pending_approval" for the approver
department (the hub; None: the regie holder decides); anyone may approve who may configure webcare or belongs
to that department. A reply that may go out is sent through its core channel connector (`connectors.py`): "posted
elsewhere" is sent at once (the agent gives the address where it was posted), "webhook" is delivered by the
job `webcare.deliver_reply` with retries, and so is "atproto": a reply in the thread of the case's post on the
network, from the account that read that post (the account mentioned or answered), else the first account
connected to the network (by handle); its record key is stored before the first attempt (`Reply.remote_key`),
so no attempt posts it twice. A sent reply becomes a "reply" line on the case's timeline, meets
the first-response SLA and opens a new or reopened case.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Msg,
    NotFound,
    PermissionDenied,
    Refused,
    channel_states,
    check_outbound_url,
    check_outward,
    clean_choice,
    clean_text,
    clean_uuid,
    department_and_regie,
    department_choices,
    enqueue_job,
    get_or_404,
    new_key,
    notify_people,
    owning_department,
    published_tone_rules,
    record_audit,
    utcnow,
)
from plugins.webcare.crisis.service import add_entry, open_crisis
from plugins.webcare.models import (
    CONNECTORS,
    CannedResponse,
    Case,
    CaseMessage,
    Delivery,
    Reply,
    WebcareConfig,
)
from plugins.webcare.replies.connectors import QUEUED, send
from plugins.webcare.sla import service as sla

VARIABLES = ("author", "agent_name", "agent_initials", "case_number")
"""What a canned response may contain as {name}."""
VARIABLE = re.compile(r"{([^{}\s]*)}")
PARTICLES = {"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "'t", "t", "von", "la", "le", "du",
             "da", "di", "des", "zu", "vom", "aan", "bij", "uit", "voor"}
"""Dutch (and a few other) name particles: "Jan de Vries" signs as JV."""
MAX_BODY = 10_000
MAX_ATTEMPTS = 5
CONFIGURE_ROLES = frozenset({"admin", "regie", "owner"})
"""Who may configure webcare (the matrix's plugin.configure): they may decide on every reply."""


class Problems(Msg):
    """Several reasons for one field, shown together."""

    def __init__(self, parts: list[Msg]) -> None:
        super().__init__("")
        self.parts = parts

    def render(self, lang: str) -> str:
        return " ".join(p.render(lang) for p in self.parts)


# -- canned responses ------------------------------------------------------------------------------------------

def canned_query(active_only: bool = False) -> Select[Any]:
    """Holding statements first (the crisis helper wants them at hand), then by title."""
    query = select(CannedResponse)
    if active_only:
        query = query.where(CannedResponse.is_active.is_(True))
    return query.order_by(CannedResponse.is_holding_statement.desc(), CannedResponse.title, CannedResponse.id)


def unknown_variables(body: str) -> list[str]:
    return [name for name in VARIABLE.findall(body or "") if name not in VARIABLES]


def _flag(value: Any) -> bool:
    return value in (True, "1", "on", "true", "yes", 1)


async def clean_canned(session: AsyncSession, values: dict[str, Any], own_id: UUID | None) -> dict[str, Any]:
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=120)
    body = errors.clean(clean_text, values.get("body"), "body", max_length=MAX_BODY)
    if body:
        unknown = unknown_variables(body)
        if unknown:
            errors.add("body", msgid="Unknown variable {name}; use {variables}.", name="{" + unknown[0] + "}",
                       variables=", ".join("{" + v + "}" for v in VARIABLES))
    language = str(values.get("language") or "nl").strip().lower()
    if language not in ("nl", "en"):
        errors.add("language", msgid="Choose one of: {choices}.", choices="nl, en")
    if title:
        clash = select(CannedResponse.id).where(func.lower(CannedResponse.title) == title.lower())
        if own_id is not None:
            clash = clash.where(CannedResponse.id != own_id)
        if await session.scalar(clash.limit(1)) is not None:
            errors.add("title", msgid="There is already a canned response with this title.")
    errors.raise_if_any()
    return {"title": title, "body": body, "language": language, "is_active": _flag(values.get("is_active")),
            "is_holding_statement": _flag(values.get("is_holding_statement"))}


def _canned_audit(canned: CannedResponse) -> dict[str, Any]:
    return {"title": canned.title, "is_active": canned.is_active, "is_holding_statement": canned.is_holding_statement,
            "language": canned.language}


async def create_canned(session: AsyncSession, principal: Any, values: dict[str, Any]) -> CannedResponse:
    canned = CannedResponse(**await clean_canned(session, values, None))
    session.add(canned)
    await session.flush()
    await record_audit(session, principal, "webcare.canned_created", subject=canned, summary=canned.title,
                       data=_canned_audit(canned))
    return canned


async def update_canned(session: AsyncSession, principal: Any, canned_id: Any, values: dict[str, Any]
                        ) -> CannedResponse:
    canned = await get_or_404(session, CannedResponse, canned_id)
    fields = await clean_canned(session, values, canned.id)
    before = _canned_audit(canned)
    for key, value in fields.items():
        setattr(canned, key, value)
    await session.flush()
    await record_audit(session, principal, "webcare.canned_updated", subject=canned, summary=canned.title,
                       data={"before": before, "after": _canned_audit(canned)})
    return canned


async def delete_canned(session: AsyncSession, principal: Any, canned_id: Any) -> None:
    canned = await get_or_404(session, CannedResponse, canned_id)
    await record_audit(session, principal, "webcare.canned_deleted", subject=canned, summary=canned.title)
    await session.delete(canned)
    await session.flush()


def canned_form(canned: CannedResponse | None) -> dict[str, Any]:
    if canned is None:
        return {"title": "", "body": "", "language": "nl", "is_active": True, "is_holding_statement": False}
    return {"title": canned.title, "body": canned.body, "language": canned.language, "is_active": canned.is_active,
            "is_holding_statement": canned.is_holding_statement}


# -- variables --------------------------------------------------------------------------------------------------

PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "twitter": ("twitter.com", "x.com"), "x": ("x.com", "twitter.com"), "facebook": ("facebook.com", "fb.com"),
    "instagram": ("instagram.com",), "linkedin": ("linkedin.com",), "tiktok": ("tiktok.com",),
    "youtube": ("youtube.com", "youtu.be"), "threads": ("threads.net",), "bluesky": ("bsky.app",),
}
"""Channel names the policy may use for a length rule → the hosts of that platform."""


def guess_channel(url: str, policy_channels: Any = ()) -> str:
    """The channel of a case from the address of its message, so the policy's length rule applies without the
    agent typing it: a channel the policy names first, else a known platform; "" when the host says nothing."""
    host = (urlparse(url or "").hostname or "").lower().removeprefix("www.").removeprefix("m.")
    if not host:
        return ""

    def on(name: str) -> bool:
        hosts = PLATFORM_HOSTS.get(name, (f"{name}.com",))
        return any(host == h or host.endswith("." + h) for h in hosts)

    for name in policy_channels:
        if on(str(name).lower()):
            return str(name).lower()
    return next((name for name in PLATFORM_HOSTS if on(name)), "")


def initials_of(name: str) -> str:
    """"Jan de Vries" → "JV", "Anna-Lisa Bakker" → "AB"; particles (de, van, ...) are left out."""
    words = [w for w in (name or "").replace(".", " ").split() if w]
    picked = [w for w in words if w.casefold() not in PARTICLES] or words
    return "".join(w[0].upper() for w in picked if w[0].isalpha())


def _user(principal: Any) -> Any:
    return getattr(principal, "user", None)


def variables_for(case: Case, principal: Any) -> dict[str, str]:
    user = _user(principal)
    name = (getattr(user, "name", "") or getattr(user, "email", "") or "") if user is not None else ""
    return {"author": case.author_name or case.author_handle or "", "agent_name": name,
            "agent_initials": initials_of(getattr(user, "name", "") or "") if user is not None else "",
            "case_number": str(case.number)}


def fill(body: str, values: dict[str, str]) -> str:
    """Known {variables} replaced; anything else in braces stays as written."""
    return VARIABLE.sub(lambda m: values[m.group(1)] if m.group(1) in values else m.group(0), body or "")


# -- crisis ------------------------------------------------------------------------------------------------------

# -- composing -----------------------------------------------------------------------------------------------------

MAX_NETWORK_CHARS = 300
"""What one post on the AT Protocol network holds (300 graphemes; counted here as characters)."""
NETWORK_CONNECTOR = "atproto"


async def reply_account(session: AsyncSession, case: Case) -> UUID | None:
    """The registered account a reply in the case's thread is posted from: the one whose connection read the
    case's post (the account mentioned or answered) while it is connected, else the first account connected
    to the network by handle; None when there is none."""
    states = [s for s in (await channel_states(session)).values()
              if s.connector == NETWORK_CONNECTOR and s.status != "disconnected"]
    if case.source_account_id is not None and any(s.social_account_id == case.source_account_id for s in states):
        return case.source_account_id
    first = min(states, key=lambda s: (s.remote_handle, str(s.social_account_id)), default=None)
    return first.social_account_id if first is not None else None


@dataclass
class Composed:
    reply: Reply
    queued: bool = False
    """True: a webhook delivery was queued (the reply is "sending")."""


async def channels_used(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(Reply.channel).where(Reply.channel != "").distinct().limit(50))
    return sorted(set(rows.all()))


def _check_revision(case: Case, revision: Any) -> None:
    if revision in (None, ""):
        return
    try:
        seen = int(str(revision))
    except ValueError:
        raise DomainError(field="revision", msgid="Enter a whole number.") from None
    if seen != case.revision:
        raise Refused(field="__all__",
                      msgid="Someone else changed this case in the meantime. Reload the page and try again.")


def clean_url(value: Any, field: str = "external_url") -> str:
    url = clean_text(value, field, max_length=2000)
    if not url.lower().startswith(("http://", "https://")) or len(url.split("://", 1)[1].strip("/")) == 0 \
            or any(c.isspace() for c in url):
        raise DomainError(field=field, msgid="Use a web address starting with http:// or https://.")
    return url


async def compose(session: AsyncSession, principal: Any, settings: Any, case_id: Any, values: dict[str, Any],
                  *, slug: str = "") -> Composed:
    """Check and store a reply; send it when no approval is needed. Tone problems: DomainError on `body`."""
    case = await get_or_404(session, Case, case_id)
    _check_revision(case, values.get("revision"))
    cfg = await sla.config_of(session)
    errors = FieldErrors()
    body = errors.clean(clean_text, values.get("body"), "body", max_length=MAX_BODY)
    channel = (errors.clean(clean_text, values.get("channel"), "channel", required=False, max_length=40)
               or "").lower()
    account_id = await reply_account(session, case) if case.source_uri else None
    default = "atproto" if account_id is not None else "posted_elsewhere"
    connector = errors.clean(clean_choice, values.get("connector") or default, "connector", CONNECTORS)
    canned_id = errors.clean(clean_uuid, values.get("canned_id"), "canned_id", required=False)
    canned = None
    if canned_id is not None:
        canned = await session.get(CannedResponse, canned_id)
        if canned is None:
            errors.add("canned_id", msgid="Choose a valid option.")
    if connector == "webhook" and not cfg.webhook_url:
        errors.add("connector", msgid="The webhook connector is not set up yet.")
    if connector == "atproto" and not case.source_uri:
        errors.add("connector", msgid="This case did not come from the network: there is no thread to reply in.")
    elif connector == "atproto" and account_id is None:
        errors.add("connector", msgid="No account of the organisation is connected to the network.")
    variables = variables_for(case, principal)
    body = fill(body or "", variables) if body else body
    if not channel:  # left empty: the case's platform, so its length rule cannot be skipped by omission
        channel = guess_channel(case.url, (await published_tone_rules(session)).get("max_length") or {})
    crisis = await open_crisis(session)
    check = None
    if body:
        check = await check_outward(session, body, channel=channel, department_id=case.department_id,
                                    author_initials=variables["agent_initials"], crisis=crisis is not None,
                                    author_id=getattr(principal, "user_id", None))
        if check.problems:
            errors.errors["body"] = Problems([m for _f, m in check.problems]) if len(check.problems) > 1 \
                else check.problems[0][1]
    if connector == "atproto" and body and len(body) > MAX_NETWORK_CHARS:
        errors.add("body", msgid="A post on the network holds at most {max} characters.", max=MAX_NETWORK_CHARS)
    external_url = ""
    if connector == "posted_elsewhere" and check is not None and not check.needs_approval:
        external_url = errors.clean(clean_url, values.get("external_url")) or ""
    errors.raise_if_any()
    assert check is not None and body
    user = _user(principal)
    now = utcnow()
    reply = Reply(case_id=case.id, body=body, channel=channel, connector=connector,
                  status="pending_approval" if check.needs_approval else "approved",
                  approval_reason=check.reason, approver_department_id=check.approver_department_id,
                  created_by_id=user.id if user is not None else None, external_url=external_url,
                  canned_id=canned.id if canned is not None else None, attempts=0, last_error="", decision_note="",
                  account_id=account_id if connector == "atproto" else None,
                  reply_to_uri=case.source_uri if connector == "atproto" else "", remote_key="", remote_uri="")
    session.add(reply)
    await session.flush()
    await record_audit(session, principal, "webcare.reply_created", subject=reply,
                       summary=f"#{case.number} {reply.status.replace('_', ' ')}",
                       data={"case_id": str(case.id), "connector": connector, "channel": channel,
                             "approval_reason": check.reason, "policy_number": check.policy_number,
                             "canned_id": str(canned.id) if canned else ""})
    if crisis is not None and canned is not None and canned.is_holding_statement:
        await add_entry(session, "statement_used", canned.title, reply.created_by_id, case.id)
    if check.needs_approval:
        session.add(CaseMessage(case_id=case.id, kind="event", at=now, reply_id=reply.id,
                                user_id=reply.created_by_id,
                                details={"event": "reply_pending_approval", "reason": check.reason}))
        case.revision = (case.revision or 0) + 1
        await _notify_approvers(session, settings, reply, case, crisis is not None, slug)
        return Composed(reply)
    queued = await dispatch(session, principal, reply, case)
    return Composed(reply, queued)


async def _notify_approvers(session: AsyncSession, settings: Any, reply: Reply, case: Case, crisis: bool,
                            slug: str) -> None:
    if reply.approver_department_id is not None and not crisis:
        people = await department_and_regie(session, reply.approver_department_id)
    else:
        people = await department_and_regie(session, await owning_department(session, "webcare"))
    title = Msg("Case #{number}: a reply awaits approval", number=case.number)
    body = {"crisis": Msg("Reason: crisis mode"), "training": Msg("Reason: the author has not completed a "
                                                                  "publishing training")}.get(
        reply.approval_reason, Msg("Reason: the organisation model"))
    await notify_people(session, settings, people, "webcare.reply_approval", title, body,
                        href=f"/t/{slug}/p/webcare/approvals/" if slug else "")


async def dispatch(session: AsyncSession, principal: Any, reply: Reply, case: Case) -> bool:
    """Send an approved reply through its connector: a queued one (the webhook) goes to the delivery job;
    another sends now ("posted elsewhere": recorded as sent when its address is known, else it waits for it).
    Returns True when a delivery was queued."""
    if reply.connector in QUEUED:
        reply.status = "sending"
        if reply.connector == "atproto" and not reply.remote_key:
            reply.remote_key = new_key()  # stored (committed with this) before any attempt sends
        await session.flush()
        enqueue_job(session, "webcare.deliver_reply", reply_id=str(reply.id))
        return True
    result = await send(reply, case, await sla.config_of(session), None)  # by hand: nothing leaves, no settings
    if result.ok:
        await mark_sent(session, reply, case, result.external_url, utcnow())
    return False


async def mark_sent(session: AsyncSession, reply: Reply, case: Case, external_url: str, now: datetime) -> None:
    """The reply is out: its timeline line, the first response of the case, a new case is now open."""
    reply.status = "sent"
    reply.sent_at = now
    reply.external_url = external_url or reply.external_url or ""
    session.add(CaseMessage(case_id=case.id, kind="reply", body=reply.body, user_id=reply.created_by_id,
                            reply_id=reply.id, url=reply.external_url, at=now,
                            details={"connector": reply.connector, "channel": reply.channel}))
    if case.first_response_at is None:
        case.first_response_at = now
    if case.status in ("new", "reopened"):
        session.add(CaseMessage(case_id=case.id, kind="event", at=now, reply_id=reply.id,
                                details={"event": "status", "from": case.status, "to": "open", "by": "reply"}))
        case.status = "open"
    case.revision = (case.revision or 0) + 1
    await session.flush()


async def record_posted(session: AsyncSession, principal: Any, reply_id: Any, values: dict[str, Any]) -> Reply:
    """An approved "posted elsewhere" reply was posted by hand: record where, and it counts as sent."""
    reply = await get_or_404(session, Reply, reply_id)
    if reply.connector != "posted_elsewhere" or reply.status != "approved":
        raise Refused(field="__all__", msgid="Only an approved reply that is posted by hand can be recorded.")
    url = clean_url(values.get("external_url"))
    case = await get_or_404(session, Case, reply.case_id)
    await mark_sent(session, reply, case, url, utcnow())
    await record_audit(session, principal, "webcare.reply_posted", subject=reply, summary=f"#{case.number}",
                       data={"external_url": url})
    return reply


async def retry(session: AsyncSession, principal: Any, reply_id: Any) -> tuple[Reply, bool]:
    """Try a failed webhook delivery again, by hand: the reply is "sending" and one more attempt is queued
    (`webcare.deliver_reply`; past the automatic attempts a failure fails it again at once, so a person decides
    each further try). Idempotent: a reply already sending or sent again is returned unchanged (False).
    Any other status is refused (409); without a webhook address the connector field says so."""
    reply = await get_or_404(session, Reply, reply_id)
    if reply.connector in QUEUED and reply.status in ("sending", "sent"):
        return reply, False
    if reply.connector not in QUEUED or reply.status != "failed":
        raise Refused(field="__all__", msgid="Only a reply whose delivery failed can be retried.")
    if reply.connector == "webhook" and not (await sla.config_of(session)).webhook_url:
        raise DomainError(field="connector", msgid="The webhook connector is not set up yet.")
    case = await get_or_404(session, Case, reply.case_id)
    user = _user(principal)
    reply.status = "sending"
    session.add(CaseMessage(case_id=case.id, kind="event", at=utcnow(), reply_id=reply.id,
                            user_id=user.id if user is not None else None,
                            details={"event": "reply_retried", "attempts": reply.attempts or 0}))
    case.revision = (case.revision or 0) + 1
    await session.flush()
    await record_audit(session, principal, "webcare.reply_retried", subject=reply, summary=f"#{case.number}",
                       data={"attempts": reply.attempts or 0, "last_error": (reply.last_error or "")[:300]})
    enqueue_job(session, "webcare.deliver_reply", reply_id=str(reply.id))
    return reply, True


# -- approval ------------------------------------------------------------------------------------------------------

def departments_of(principal: Any) -> set[UUID]:
    found: set[UUID] = set(getattr(principal, "seat_department_ids", None) or ())
    membership = getattr(principal, "membership", None)
    if membership is not None and membership.department_id is not None:
        found.add(membership.department_id)
    return found


def may_configure(principal: Any) -> bool:
    return bool(set(getattr(principal, "roles", ()) or ()) & CONFIGURE_ROLES)


DECIDE_RULE = "only the reply's approving department (or who configures webcare), never the reply's author"
"""`may_decide` in words, declared on the routes that decide (`opt["rule"]`) for the authorisation page."""


def may_decide(principal: Any, reply: Reply) -> bool:
    """Who may configure webcare decides every reply; members of the approver department decide theirs.
    Nobody decides on their own reply (four eyes)."""
    user = _user(principal)
    if user is not None and reply.created_by_id == user.id:
        return False
    if may_configure(principal):
        return True
    return reply.approver_department_id is not None and reply.approver_department_id in departments_of(principal)


def approvals_query(principal: Any) -> Select[Any]:
    """Pending replies this person may decide, oldest first, with their case."""
    query = (select(Reply, Case).join(Case, Case.id == Reply.case_id)
             .where(Reply.status == "pending_approval").order_by(Reply.created_at, Reply.id))
    if not may_configure(principal):
        mine = departments_of(principal)
        if not mine:
            raise PermissionDenied("plugin.configure")
        query = query.where(Reply.approver_department_id.in_(mine))
    return query


async def _pending(session: AsyncSession, principal: Any, reply_id: Any) -> tuple[Reply, Case]:
    reply = await get_or_404(session, Reply, reply_id)
    if not may_decide(principal, reply):
        raise PermissionDenied("plugin.configure")
    if reply.status != "pending_approval":
        raise Refused(field="__all__", msgid="This reply has already been decided.")
    case = await session.get(Case, reply.case_id)
    if case is None:
        raise NotFound()
    return reply, case


async def approve(session: AsyncSession, principal: Any, settings: Any, reply_id: Any, note: Any = "",
                  *, slug: str = "") -> Reply:
    reply, case = await _pending(session, principal, reply_id)
    note_text = clean_text(note, "note", required=False, max_length=2000)
    user = _user(principal)
    now = utcnow()
    reply.status, reply.decided_at, reply.decision_note = "approved", now, note_text
    reply.decided_by_id = user.id if user is not None else None
    session.add(CaseMessage(case_id=case.id, kind="event", at=now, reply_id=reply.id, user_id=reply.decided_by_id,
                            body=note_text, details={"event": "reply_approved"}))
    case.revision = (case.revision or 0) + 1
    await add_entry(session, "reply_approved", reply.body[:500], reply.decided_by_id, case.id)
    await record_audit(session, principal, "webcare.reply_approved", subject=reply, summary=f"#{case.number}",
                       reason=note_text, data={"approval_reason": reply.approval_reason})
    await dispatch(session, principal, reply, case)
    if reply.status == "approved" and reply.created_by_id is not None:  # posted by hand: tell the author to post
        await notify_author(session, settings, reply, case, Msg("Case #{number}: your reply was approved; post it "
                                                                 "and record where", number=case.number), None, slug)
    return reply


async def reject(session: AsyncSession, principal: Any, settings: Any, reply_id: Any, note: Any,
                 *, slug: str = "") -> Reply:
    reply, case = await _pending(session, principal, reply_id)
    note_text = clean_text(note, "note", max_length=2000)
    user = _user(principal)
    now = utcnow()
    reply.status, reply.decided_at, reply.decision_note = "rejected", now, note_text
    reply.decided_by_id = user.id if user is not None else None
    session.add(CaseMessage(case_id=case.id, kind="event", at=now, reply_id=reply.id, user_id=reply.decided_by_id,
                            body=note_text, details={"event": "reply_rejected"}))
    case.revision = (case.revision or 0) + 1
    await record_audit(session, principal, "webcare.reply_rejected", subject=reply, summary=f"#{case.number}",
                       reason=note_text, data={"approval_reason": reply.approval_reason})
    await notify_author(session, settings, reply, case, Msg("Case #{number}: your reply was rejected",
                                                             number=case.number),
                         Msg("Note: {note}", note=note_text), slug)
    return reply


async def notify_author(session: AsyncSession, settings: Any, reply: Reply, case: Case, title: Msg,
                         body: Msg | None, slug: str) -> None:
    if reply.created_by_id is None:
        return
    people = [u for u in await department_and_regie(session, case.department_id, include_regie=False)
              if u.id == reply.created_by_id]
    if not people:
        people = await _users(session, [reply.created_by_id])
    await notify_people(session, settings, people, "webcare.reply_decided", title, body,
                        href=f"/t/{slug}/p/webcare/cases/{case.id}" if slug else "")


async def _users(session: AsyncSession, ids: list[UUID]) -> list[Any]:
    """Active people of this tenant by id (through the department look-up of the public API)."""
    everyone = await department_and_regie(session, None, include_regie=True)
    found = [u for u in everyone if u.id in ids]
    if found:
        return found
    # not in a department and not the regie holder: look through every department once
    for department_id, _name in await department_choices(session):
        found = [u for u in await department_and_regie(session, department_id, include_regie=False) if u.id in ids]
        if found:
            return found
    return []


# -- what a case page shows -----------------------------------------------------------------------------------------

def replies_query(case_id: UUID) -> Select[Any]:
    return select(Reply).where(Reply.case_id == case_id).order_by(Reply.created_at.desc(), Reply.id)


async def deliveries_of(session: AsyncSession, reply_ids: list[UUID]) -> dict[UUID, list[Delivery]]:
    found: dict[UUID, list[Delivery]] = {}
    if not reply_ids:
        return found
    rows = await session.scalars(select(Delivery).where(Delivery.reply_id.in_(reply_ids))
                                 .order_by(Delivery.attempt, Delivery.created_at))
    for d in rows.all():
        found.setdefault(d.reply_id, []).append(d)
    return found


# -- connector settings ---------------------------------------------------------------------------------------------

async def save_connector(session: AsyncSession, principal: Any, settings: Any, values: dict[str, Any]
                         ) -> tuple[WebcareConfig, str]:
    """Save the webhook address (checked against private networks); returns (config, a new secret or "").

    A secret is made when there is none (or when `regenerate` is ticked); it is shown once."""
    if values.get("webhook_url") is None:
        raise DomainError(field="webhook_url", msgid="This field is required.")
    cfg = await sla.config_of(session)
    url = str(values.get("webhook_url") or "").strip()
    if url:
        if len(url) > 2000:
            raise DomainError(field="webhook_url", msgid="Use at most {max} characters.", max=2000)
        url = await asyncio.to_thread(check_outbound_url, url, settings, "webhook_url")
    new_secret = ""
    if url and (not cfg.webhook_secret or _flag(values.get("regenerate"))):
        new_secret = secrets.token_urlsafe(32)
        cfg.webhook_secret = new_secret
    before = cfg.webhook_url
    if url == before and not new_secret:
        return cfg, ""
    cfg.webhook_url = url
    await session.flush()
    await record_audit(session, principal, "webcare.connector_saved", subject=cfg, summary=url or "-",
                       data={"before": before, "after": url, "secret_regenerated": bool(new_secret)})
    return cfg, new_secret
