"""The roster: inviting people (by hand, from an NPS promoter, from a listening candidate), their consent against
a versioned text, the opt-out link every mail carries, tiers, and what staff change on a person.

Other slices call `invite` with `link_base` from `portal_base(settings.base_url, slug)`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    FieldErrors,
    Msg,
    Refused,
    clean_choice,
    clean_email,
    clean_text,
    gettext_for,
    member_principal,
    record_audit,
    send_mail,
    utcnow,
)
from plugins.energizing.ambassadors import tokens
from plugins.energizing.ambassadors.models import AmbassadorToken, ConsentText, Tier
from plugins.energizing.models import KINDS, SOURCES, Ambassador

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""No 0, O, 1 or I: a referral code read aloud or typed over from a flyer is not mistaken."""
CODE_LENGTH = 8
RESEND_AFTER = timedelta(days=1)
DEFAULT_CONSENT = N_(
    "I take part in the ambassador programme of {tenant}. {tenant} may mail me missions and keep my name, e-mail "
    "address, points and the missions I did for as long as I take part. When I share something I was rewarded "
    "for, I say so (#ad or #samenwerking). I can stop at any time with the opt-out link in every mail; my details "
    "are then no longer used for the programme."
)
DEFAULT_TIERS = (("Brons", 0), ("Zilver", 100), ("Goud", 300))
AMBASSADOR = Msg("ambassador")
"""The audit log's actor when an ambassador acts through the portal or a mail link (no user account), shown in the
reader's language."""


def portal_base(base_url: str, slug: str) -> str:
    """The absolute address of a tenant's ambassador portal, as links in mails need it (ends in a slash)."""
    return f"{base_url.rstrip('/')}/t/{slug}/p/energizing/portal/"


async def _actor(session: AsyncSession, user_id: UUID | None) -> Any:
    """Who an audit entry names: the member who invited, or the programme itself."""
    principal = await member_principal(session, user_id) if user_id else None
    return principal or "energizing"


async def new_referral_code(session: AsyncSession) -> str:
    """A code no ambassador of this tenant has (the unique constraint stays the last word)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if await session.scalar(select(Ambassador.id).where(Ambassador.referral_code == code)) is None:
            return code


# -- consent texts -----------------------------------------------------------------------------------------------

async def current_consent(session: AsyncSession, *, tenant_name: str = "", lang: str = "nl") -> ConsentText:
    """The newest consent text; the first time, version 1 from the standard wording."""
    text = await session.scalar(select(ConsentText).order_by(ConsentText.version.desc()).limit(1))
    if text is None:
        text = ConsentText(version=1, body=gettext_for(lang)(DEFAULT_CONSENT, tenant=tenant_name or "…"))
        try:
            async with session.begin_nested():
                session.add(text)
        except IntegrityError:  # two first invitations at once: the other request wrote version 1
            text = await session.scalar(select(ConsentText).order_by(ConsentText.version.desc()).limit(1))
            if text is None:
                raise
    return text


async def consent_version(session: AsyncSession, version: int | None) -> ConsentText | None:
    if version is None:
        return None
    return await session.scalar(select(ConsentText).where(ConsentText.version == version))


async def edit_consent(session: AsyncSession, principal: Any, values: dict[str, Any]) -> ConsentText:
    """A new version of the consent text (the old ones stay: people keep the text they agreed to)."""
    body = clean_text(values.get("body"), "body", max_length=10_000)
    latest = await session.scalar(select(func.max(ConsentText.version))) or 0
    current = await consent_version(session, latest)
    if current is not None and current.body == body:
        return current
    text = ConsentText(version=latest + 1, body=body, created_by_id=getattr(getattr(principal, "user", None), "id",
                                                                             None))
    try:
        async with session.begin_nested():
            session.add(text)
    except IntegrityError:  # someone else wrote this version at the same moment
        newest = await consent_version(session, await session.scalar(select(func.max(ConsentText.version))))
        if newest is not None and newest.body == body:
            return newest
        raise Refused(field="body", msgid="Someone else changed the consent text at the same moment. Read the "
                                          "newest version and try again.") from None
    await record_audit(session, principal, "energizing.consent_text_edited", subject=text,
                       summary=Msg("Consent text version {version} written", version=text.version))
    return text


# -- mail --------------------------------------------------------------------------------------------------------

def mail(session: AsyncSession, ambassador: Ambassador, subject: str, text: str, *, lang: str,
         link_base: str) -> bool:
    """Mail an ambassador with their personal opt-out link at the foot; nobody who opted out is mailed."""
    if ambassador.state == "opted_out":
        return False
    _ = gettext_for(lang)
    optout = tokens.issue(session, ambassador.id, "optout")
    link = f"{link_base}optout/{optout}"
    footer = _("Do you no longer want mail from the ambassador programme? Opt out here: {link}", link=link)
    send_mail(session, ambassador.email, subject, f"{text}\n\n--\n{footer}")
    return True


def _consent_mail(session: AsyncSession, ambassador: Ambassador, *, lang: str, link_base: str,
                  tenant_name: str) -> None:
    _ = gettext_for(lang)
    link = f"{link_base}consent/{tokens.issue(session, ambassador.id, 'consent')}"
    text = _("Hello {name},\n\n{tenant} invites you to its ambassador programme: missions, points and rewards for "
             "sharing what you like about us. Read what you agree to and say yes or no here (the link works for "
             "{days} days):\n\n{link}\n\nDid you not expect this? Then you can ignore this mail.",
             name=ambassador.name, tenant=tenant_name, days=tokens.LIFETIMES["consent"].days,
             link=link)
    mail(session, ambassador, _("Become an ambassador of {tenant}", tenant=tenant_name), text, lang=lang,
         link_base=link_base)


async def _last_consent_mail(session: AsyncSession, ambassador_id: UUID) -> Any:
    return await session.scalar(select(func.max(AmbassadorToken.created_at)).where(
        AmbassadorToken.ambassador_id == ambassador_id, AmbassadorToken.purpose == "consent"))


# -- inviting ----------------------------------------------------------------------------------------------------

async def invite(session: AsyncSession, *, email: str, name: str, source: str, source_ref: str,
                 invited_by_id: UUID | None, lang: str, link_base: str, tenant_name: str, handle: str = "",
                 kind: str = "customer") -> Ambassador:
    """Invite a person to the programme by mail (state "invited") or return who is already on the roster.

    Someone still invited gets the consent mail again at most once a day; someone who declined or is active is
    not mailed; someone who opted out is never invited again (DomainError on "email"). `link_base` is the portal's
    absolute address (`portal_base`)."""
    errors = FieldErrors()
    address = errors.clean(clean_email, email, "email")
    person = errors.clean(clean_text, name, "name", max_length=120)
    errors.clean(clean_choice, source, "source", SOURCES)
    errors.clean(clean_choice, kind, "kind", KINDS)
    handle = errors.clean(clean_text, handle, "handle", required=False, max_length=120) or ""
    errors.raise_if_any()
    assert address is not None and person is not None
    existing = await session.scalar(select(Ambassador).where(Ambassador.email == address))
    if existing is not None:
        if existing.state == "opted_out":
            raise DomainError(field="email", msgid="This person opted out of the ambassador programme and is not "
                                                   "invited again.")
        if existing.state == "invited":
            last = await _last_consent_mail(session, existing.id)
            if last is None or last <= utcnow() - RESEND_AFTER:
                _consent_mail(session, existing, lang=lang, link_base=link_base, tenant_name=tenant_name)
                await session.flush()
        return existing
    await current_consent(session, tenant_name=tenant_name, lang=lang)
    ambassador = Ambassador(email=address, name=person, source=source, source_ref=str(source_ref or "")[:64],
                            kind=kind, handle=handle, state="invited", invited_at=utcnow(),
                            invited_by_id=invited_by_id, referral_code=await new_referral_code(session),
                            tier=await tier_for(session, 0), points=0, points_earned=0, notes="",
                            on_leaderboard=False)
    try:
        async with session.begin_nested():
            session.add(ambassador)
    except IntegrityError:  # the same address invited at the same moment: the other request made the person
        existing = await session.scalar(select(Ambassador).where(Ambassador.email == address))
        if existing is None:
            raise
        return existing
    _consent_mail(session, ambassador, lang=lang, link_base=link_base, tenant_name=tenant_name)
    await session.flush()
    await record_audit(session, await _actor(session, invited_by_id), "energizing.ambassador_invited",
                       subject=ambassador, summary=Msg("{name} invited to the ambassador programme ({source})",
                                                       name=person, source=source),
                       data={"source": source, "source_ref": ambassador.source_ref})
    return ambassador


# -- consent and opt-out by link ---------------------------------------------------------------------------------

async def consent_page(session: AsyncSession, token: str) -> tuple[Ambassador, ConsentText] | None:
    """The person and the current consent text behind a consent link, or None for a used or expired link."""
    row = await tokens.open_token(session, token, "consent")
    if row is None:
        return None
    ambassador = await session.get(Ambassador, row.ambassador_id)
    if ambassador is None or ambassador.state != "invited":
        return None
    return ambassador, await current_consent(session)


async def answer_consent(session: AsyncSession, token: str, values: dict[str, Any]) -> Ambassador:
    """Accept (→ active, with the date and the text version shown) or decline (→ declined); the link is used up."""
    decision = clean_choice(values.get("decision"), "decision", {"accept": "", "decline": ""})
    version_seen = values.get("version")
    row = await tokens.open_token(session, token, "consent")
    ambassador = await session.get(Ambassador, row.ambassador_id) if row is not None else None
    if row is None or ambassador is None or ambassador.state != "invited":
        raise Refused(field="token", msgid="This link is no longer valid.")
    text = await current_consent(session)
    if decision == "accept" and str(version_seen or "") != str(text.version):
        raise Refused(field="version", msgid="The consent text changed while you were reading. Read it again, "
                                             "please.")
    if not await tokens.use_up(session, row):
        raise Refused(field="token", msgid="This link is no longer valid.")
    if decision == "accept":
        ambassador.state, ambassador.consent_at, ambassador.consent_version = "active", utcnow(), text.version
        ambassador.last_active_at = utcnow()
        summary = Msg("{name} gave consent (text version {version})", name=ambassador.name, version=text.version)
    else:
        ambassador.state = "declined"
        summary = Msg("{name} declined the invitation", name=ambassador.name)
    await session.flush()
    if decision == "accept":
        await record_audit(session, AMBASSADOR, "energizing.consent_given", subject=ambassador, summary=summary,
                           data={"version": text.version})
    else:
        await record_audit(session, AMBASSADOR, "energizing.consent_declined", subject=ambassador,
                           summary=summary)
    return ambassador


async def optout_page(session: AsyncSession, token: str) -> Ambassador | None:
    row = await tokens.open_token(session, token, "optout")
    if row is None:
        return None
    ambassador = await session.get(Ambassador, row.ambassador_id)
    return ambassador if ambassador is not None and ambassador.state != "opted_out" else None


async def opt_out(session: AsyncSession, ambassador: Ambassador, actor: Any = AMBASSADOR) -> bool:
    """Out of the programme: no more mail, off the leaderboard, recorded in the audit. One conditional update, so
    two at once record one opt-out; False when the person was already out."""
    if ambassador.state in ("opted_out", "erased"):
        return False
    changed = await session.execute(update(Ambassador).where(Ambassador.id == ambassador.id,
                                                             Ambassador.state.not_in(("opted_out", "erased")))
                                    .values(state="opted_out", opted_out_at=utcnow(), on_leaderboard=False)
                                    .execution_options(synchronize_session=False))
    await session.refresh(ambassador)
    if changed.rowcount != 1:
        return False
    await record_audit(session, actor, "energizing.ambassador_opted_out", subject=ambassador,
                       summary=Msg("{name} opted out of the ambassador programme", name=ambassador.name))
    return True


async def opt_out_by_link(session: AsyncSession, token: str) -> Ambassador:
    row = await tokens.open_token(session, token, "optout")
    ambassador = await session.get(Ambassador, row.ambassador_id) if row is not None else None
    if row is None or ambassador is None or not await tokens.use_up(session, row):
        raise Refused(field="token", msgid="This link is no longer valid.")
    await opt_out(session, ambassador)
    return ambassador


# -- tiers -------------------------------------------------------------------------------------------------------

async def tiers(session: AsyncSession) -> list[Tier]:
    return list((await session.scalars(select(Tier).order_by(Tier.threshold))).all())


async def tier_for(session: AsyncSession, points_earned: int) -> str:
    """The highest tier whose threshold the points reach ("" when the tenant has none)."""
    name = await session.scalar(select(Tier.name).where(Tier.threshold <= points_earned)
                                .order_by(Tier.threshold.desc()).limit(1))
    return name or ""


async def save_tiers(session: AsyncSession, principal: Any, values: dict[str, Any]) -> list[Tier]:
    """Replace the tenant's tiers (name and points threshold per line, "Zilver 100"); everyone's tier follows."""
    lines = [line.strip() for line in str(values.get("tiers") or "").splitlines() if line.strip()]
    parsed: dict[str, int] = {}
    for line in lines:
        name, _sep, threshold = line.rpartition(" ")
        if not name.strip() or not threshold.isdigit() or len(name.strip()) > 40:
            raise DomainError(field="tiers", msgid="Write one tier per line: a name and a number of points, like "
                                                   "\"Zilver 100\".")
        if name.strip() in parsed:
            raise DomainError(field="tiers", msgid="Each tier needs a name of its own.")
        parsed[name.strip()] = int(threshold)
    if not parsed:
        raise DomainError(field="tiers", msgid="Write at least one tier, like \"Brons 0\".")
    if len(parsed) > 20:
        raise DomainError(field="tiers", msgid="Use at most {max} tiers.", max=20)
    for tier in await tiers(session):
        await session.delete(tier)
    await session.flush()
    session.add_all([Tier(name=name, threshold=threshold) for name, threshold in parsed.items()])
    await session.flush()
    for person in (await session.scalars(select(Ambassador).where(Ambassador.state != "erased"))).all():
        person.tier = await tier_for(session, person.points_earned)
    await session.flush()
    await record_audit(session, principal, "energizing.tiers_changed", summary=Msg("Ambassador tiers changed"),
                       data={"tiers": parsed})
    return await tiers(session)


async def edit(session: AsyncSession, principal: Any, ambassador: Ambassador, values: dict[str, Any]) -> None:
    """Staff set the tier by hand (until points move it again) and keep notes."""
    names = {t.name: t.name for t in await tiers(session)} | {"": ""}
    errors = FieldErrors()
    tier = errors.clean(clean_choice, values.get("tier", ""), "tier", names)
    notes = errors.clean(clean_text, values.get("notes"), "notes", required=False, max_length=4000)
    errors.raise_if_any()
    ambassador.tier, ambassador.notes = tier or "", notes or ""
    await session.flush()
    await record_audit(session, principal, "energizing.ambassador_changed", subject=ambassador,
                       summary=Msg("{name}'s tier or notes changed", name=ambassador.name))
