"""Missions: staff write them (the suggested text passes the policy check), ambassadors complete them for points.

Verification by kind: feedback is verified by the submission itself; a share is verified once its personal short
link got a click (else self-reported, until the `verify_shares` job sees one); a review and a community answer are
self-reported with their link (webcare offers no lookup of community answers through the contract). Staff may
reject a completion: its points are withdrawn in the same transaction.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID, uuid4

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Msg,
    NotFound,
    Refused,
    check_outward,
    check_web_url,
    clean_choice,
    clean_date,
    clean_text,
    record_audit,
    short_link_clicks_by_ref,
    shorten_links,
    utcnow,
)
from plugins.energizing.ambassadors import points
from plugins.energizing.ambassadors.models import MISSION_KINDS, Completion, Mission, ShareLink
from plugins.energizing.models import Ambassador

DISCLOSURE = re.compile(r"#(ad|samenwerking|sponsored|partner)\b", re.IGNORECASE)
"""A rewarded share says so: the suggested text of a share mission carries one of these tags."""
MAX_POINTS = 10_000
REPEAT_LIMIT = 5
"""A repeatable mission pays at most this many rounds per ambassador, and at most one a day (UTC), so repeating
it (a share whose link once got a click stays verified) cannot farm points."""


def clean_points(value: Any, field: str = "points", *, low: int = 1, high: int = MAX_POINTS) -> int:
    try:
        number = int(str(value or "").strip())
    except ValueError:
        raise DomainError(field=field, msgid="Fill in a whole number.") from None
    if not low <= number <= high:
        raise DomainError(field=field, msgid="Use a number from {low} to {high}.", low=low, high=high)
    return number


async def clean_mission(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """The mission's fields, every problem at its field; the suggested text through the outward policy check."""
    errors = FieldErrors()
    out: dict[str, Any] = {
        "title": errors.clean(clean_text, values.get("title"), "title", max_length=160),
        "kind": errors.clean(clean_choice, values.get("kind"), "kind", MISSION_KINDS),
        "instructions": errors.clean(clean_text, values.get("instructions"), "instructions", required=False,
                                     max_length=4000) or "",
        "suggested_text": errors.clean(clean_text, values.get("suggested_text"), "suggested_text", required=False,
                                       max_length=2000) or "",
        "points": errors.clean(clean_points, values.get("points")),
        "starts_on": errors.clean(clean_date, values.get("starts_on"), "starts_on"),
        "ends_on": errors.clean(clean_date, values.get("ends_on"), "ends_on"),
        "repeatable": str(values.get("repeatable") or "") in ("1", "on", "true", "True"),
        "target_url": "",
    }
    if str(values.get("target_url") or "").strip():
        out["target_url"] = errors.clean(check_web_url, values.get("target_url"), "target_url") or ""
    elif out["kind"] == "share":
        errors.add("target_url", msgid="A share mission needs the address of what is shared.")
    if out["starts_on"] and out["ends_on"] and out["ends_on"] < out["starts_on"]:
        errors.add("ends_on", msgid="The end comes on or after the start.")
    if out["kind"] == "share" and out["suggested_text"] and not DISCLOSURE.search(out["suggested_text"]):
        errors.add("suggested_text", msgid="A rewarded share says so: add #ad or #samenwerking to the suggested text.")
    out["policy_notes"] = ""
    if out["suggested_text"]:
        # ambassadors post it in their own name: the organisation's sign-off is not theirs, every other rule is
        check = await check_outward(session, out["suggested_text"], with_signoff=False)
        for _field, message in check.problems:
            errors.errors.setdefault("suggested_text", message)
        if check.note is not None:
            out["policy_notes"] = check.note.msgid
    errors.raise_if_any()
    return out


async def save(session: AsyncSession, principal: Any, values: dict[str, Any],
               mission: Mission | None = None) -> Mission:
    """Create a mission, or change one (its kind stays: completions were made against it)."""
    cleaned = await clean_mission(session, values)
    created = mission is None
    if mission is None:
        mission = Mission(**cleaned, state="open", completions=0,
                          created_by_id=getattr(getattr(principal, "user", None), "id", None))
        session.add(mission)
    else:
        if cleaned["kind"] != mission.kind and mission.completions:
            raise DomainError(field="kind", msgid="The kind cannot change once the mission was completed.")
        for key, value in cleaned.items():
            setattr(mission, key, value)
    await session.flush()
    if created:
        await record_audit(session, principal, "energizing.mission_created", subject=mission,
                           summary=Msg("Mission \"{title}\" created", title=mission.title))
    else:
        await record_audit(session, principal, "energizing.mission_changed", subject=mission,
                           summary=Msg("Mission \"{title}\" changed", title=mission.title))
    return mission


async def close(session: AsyncSession, principal: Any, mission: Mission) -> None:
    if mission.state == "closed":
        return
    mission.state = "closed"
    await session.flush()
    await record_audit(session, principal, "energizing.mission_closed", subject=mission,
                       summary=Msg("Mission \"{title}\" closed", title=mission.title))


def open_missions_query() -> Any:
    today = utcnow().date()
    return (select(Mission).where(Mission.state == "open", Mission.starts_on <= today, Mission.ends_on >= today)
            .order_by(Mission.ends_on, Mission.title))


def with_ref(url: str, code: str) -> str:
    """`url` carrying `ref=<referral code>`, so a visit that ends in the lead form names the ambassador."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"] + [("ref", code)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), parts.fragment))


async def share_link(session: AsyncSession, mission: Mission, ambassador: Ambassador, base_url: str) -> ShareLink:
    """The ambassador's personal short link for a share mission (made once; its id is the short link's ref)."""
    found = await session.scalar(select(ShareLink).where(ShareLink.mission_id == mission.id,
                                                         ShareLink.ambassador_id == ambassador.id))
    if found is not None:
        return found
    link = ShareLink(id=uuid4(), mission_id=mission.id, ambassador_id=ambassador.id, short_url="")
    shortened = await shorten_links(session, with_ref(mission.target_url, ambassador.referral_code),
                                    base_url=base_url, origin="energizing", ref_id=link.id,
                                    utm={"utm_source": "ambassador", "utm_medium": "referral",
                                         "utm_campaign": "energizing"})
    link.short_url = shortened.links[0].short if shortened.links else mission.target_url
    try:
        async with session.begin_nested():
            session.add(link)
    except IntegrityError:  # the same ambassador in two tabs: the other request made it
        found = await session.scalar(select(ShareLink).where(ShareLink.mission_id == mission.id,
                                                             ShareLink.ambassador_id == ambassador.id))
        if found is None:
            raise
        return found
    return link


async def complete(session: AsyncSession, ambassador: Ambassador, mission: Mission, values: dict[str, Any], *,
                   base_url: str) -> Completion:
    """Record a completed mission and pay its points in the same transaction.

    A one-off mission has one row per ambassador (`round` 1): a double submit finds it, or — when both arrive at
    once — hits the unique constraint, and pays once. A repeatable one pays at most `REPEAT_LIMIT` rounds, one a
    day; rejected rounds count too."""
    today = utcnow().date()
    if mission.state != "open" or not mission.starts_on <= today <= mission.ends_on:
        raise Refused(field="mission", msgid="This mission is not open.")
    errors = FieldErrors()
    evidence, feedback = "", ""
    if mission.kind == "feedback":
        feedback = errors.clean(clean_text, values.get("feedback"), "feedback", max_length=4000) or ""
    elif mission.kind in ("review", "community") or str(values.get("evidence_url") or "").strip():
        evidence = errors.clean(check_web_url, values.get("evidence_url"), "evidence_url") or ""
    errors.raise_if_any()
    done = await session.scalar(select(func.max(Completion.round)).where(Completion.mission_id == mission.id,
                                                                        Completion.ambassador_id == ambassador.id))
    if done and not mission.repeatable:
        raise Refused(field="mission", msgid="You already completed this mission.")
    if done and done >= REPEAT_LIMIT:
        raise Refused(field="mission", msgid="You did this mission {max} times: that is as often as it pays.",
                      max=REPEAT_LIMIT)
    if done:
        last = await session.scalar(select(Completion.completed_at).where(
            Completion.mission_id == mission.id, Completion.ambassador_id == ambassador.id)
            .order_by(Completion.completed_at.desc()).limit(1))
        if last is not None and last.date() >= today:
            raise Refused(field="mission", msgid="You did this mission today. You can do it again tomorrow.")
    state = "verified" if mission.kind == "feedback" else "self_reported"
    if mission.kind == "share":
        link = await share_link(session, mission, ambassador, base_url)
        if (await short_link_clicks_by_ref(session, "energizing", [link.id])).get(link.id, 0) > 0:
            state = "verified"
    completion = Completion(mission_id=mission.id, ambassador_id=ambassador.id, round=(done or 0) + 1,
                            kind=mission.kind, state=state, evidence_url=evidence, feedback=feedback,
                            points=mission.points, completed_at=utcnow(), reason="")
    try:
        async with session.begin_nested():
            session.add(completion)
    except IntegrityError:
        raise Refused(field="mission", msgid="You already completed this mission.") from None
    await session.execute(update(Mission).where(Mission.id == mission.id)
                          .values(completions=Mission.completions + 1).execution_options(synchronize_session=False))
    await points.earn(session, ambassador.id, mission.points, reason="mission", ref_id=completion.id,
                      label=mission.title)
    return completion


async def reject(session: AsyncSession, principal: Any, completion_id: UUID, values: dict[str, Any]) -> Completion:
    """Reject a self-reported completion: its points are withdrawn, with the reason in the audit."""
    reason = clean_text(values.get("reason"), "reason", max_length=1000)
    completion = await session.get(Completion, completion_id)
    if completion is None:
        raise NotFound()
    if completion.state != "self_reported":
        raise Refused(field="state", msgid="Only a self-reported completion can be rejected.")
    changed = await session.execute(update(Completion).where(Completion.id == completion.id,
                                                             Completion.state == "self_reported")
                                    .values(state="rejected", reason=reason, decided_by_id=getattr(
                                        getattr(principal, "user", None), "id", None))
                                    .execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Refused(field="state", msgid="Only a self-reported completion can be rejected.")
    await session.refresh(completion)
    mission = await session.get(Mission, completion.mission_id)
    await session.execute(update(Mission).where(Mission.id == completion.mission_id)
                          .values(completions=Mission.completions - 1).execution_options(synchronize_session=False))
    await points.earn(session, completion.ambassador_id, -completion.points, reason="withdrawn", ref_id=completion.id,
                      label=mission.title if mission else "")
    await record_audit(session, principal, "energizing.completion_rejected", subject=completion, reason=reason,
                       summary=Msg("Completion of \"{title}\" rejected; {points} points withdrawn",
                                   title=mission.title if mission else "", points=completion.points))
    return completion


async def verify_shares(session: AsyncSession) -> int:
    """Self-reported shares whose personal link got a click become verified (idempotent: a second run finds
    nothing left to change). One grouped read of the clicks for the links still waiting."""
    waiting = (await session.execute(
        select(Completion.id, ShareLink.id).join(ShareLink, (ShareLink.mission_id == Completion.mission_id)
                                                 & (ShareLink.ambassador_id == Completion.ambassador_id))
        .where(Completion.kind == "share", Completion.state == "self_reported"))).all()
    clicks = await short_link_clicks_by_ref(session, "energizing", {link for _c, link in waiting})
    ready = [completion for completion, link in waiting if clicks.get(link, 0) > 0]
    if ready:
        await session.execute(update(Completion).where(Completion.id.in_(ready), Completion.state == "self_reported")
                              .values(state="verified").execution_options(synchronize_session=False))
    return len(ready)
