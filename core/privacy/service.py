"""Retention and erasure: the tenant's setting, the plugins' hooks and the record of each run.

The core owns the people (users, memberships) and the record; each plugin owns its own rows and is asked
through `regie_retention(ctx, cutoff, mode)` and `regie_erase_subject(ctx, subject)`. Every plugin is asked,
active or not: a paused plugin's rows are still personal data. A plugin that fails makes the whole run fail
(one transaction): an erasure is either complete and recorded, or not done at all.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import SYSTEM, actor_of, record
from core.auth.models import ApiToken, Invitation, Membership, User
from core.customers.signin import erase_customer
from core.errors import DomainError
from core.plugins.host import PluginHost, call
from core.plugins.info import ErasureSubject, HookContext
from core.privacy.models import (
    DEFAULT_RETENTION_MONTHS,
    MAX_RETENTION_MONTHS,
    MIN_RETENTION_MONTHS,
    MODES,
    PrivacyRecord,
    PrivacySetting,
)
from core.tenancy.models import Tenant
from core.validation import FieldErrors, clean_choice, clean_text

REMOVED_USER = "Removed user"
"""The name a pseudonymised user gets; pages show it wherever the person's content is attributed."""


async def setting_of(session: AsyncSession) -> PrivacySetting:
    """The tenant's setting (unsaved defaults when it never changed them)."""
    row = await session.scalar(select(PrivacySetting))
    return row or PrivacySetting(retention_months=DEFAULT_RETENTION_MONTHS, retention_mode=MODES[0])


def clean_setting(data: dict[str, Any]) -> tuple[int, str]:
    errors = FieldErrors()
    raw = str(data.get("retention_months") or "").strip()
    months = None
    if not raw:
        errors.add("retention_months", "This field is required.")
    elif not raw.isdigit() or not MIN_RETENTION_MONTHS <= int(raw) <= MAX_RETENTION_MONTHS:
        errors.add("retention_months", "Use a whole number of months from {min} to {max}.",
                   min=MIN_RETENTION_MONTHS, max=MAX_RETENTION_MONTHS)
    else:
        months = int(raw)
    mode = errors.clean(clean_choice, data.get("retention_mode"), "retention_mode", MODES)
    errors.raise_if_any()
    assert months is not None and mode is not None
    return months, mode


async def save_setting(session: AsyncSession, principal: Any, data: dict[str, Any]) -> PrivacySetting:
    months, mode = clean_setting(data)
    row = await session.scalar(select(PrivacySetting))
    if row is None:
        row = PrivacySetting()
        session.add(row)
    old = (row.retention_months, row.retention_mode)
    row.retention_months, row.retention_mode = months, mode
    await session.flush()
    await record(session, principal, "privacy.retention_set", subject=row, summary=f"{months} / {mode}",
                 data={"before": list(old), "after": [months, mode]})
    return row


def cutoff_for(now: datetime, months: int) -> datetime:
    """`months` calendar months before `now` (the day clamped to the target month's length)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    next_month = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=now.tzinfo or UTC)
    last_day = (next_month - timedelta(days=1)).day
    return now.replace(year=year, month=month, day=min(now.day, last_day))


def subject_ref(tenant_id: UUID, subject: ErasureSubject) -> str:
    """A non-reversible reference: the same subject gives the same reference in this tenant only."""
    if subject.kind == "user":
        key = f"user:{subject.user_id}"
    else:
        handle = subject.handle.strip().lstrip("@").casefold()
        key = f"author:{subject.platform.strip().casefold()}:{handle}"
    return hashlib.sha256(f"{tenant_id}:{key}".encode()).hexdigest()


def _ctx(session: AsyncSession, tenant: Tenant, principal: Any = None) -> HookContext:
    return HookContext(tenant_id=tenant.id, tenant_slug=tenant.slug, session=session,
                       user_id=getattr(principal, "user_id", None))


async def _ask_plugins(pm: PluginHost, hook_name: str, **kwargs: Any) -> dict[str, dict[str, int]]:
    """Every plugin (active or not), one at a time, so the counts say whose rows they were."""
    counts: dict[str, dict[str, int]] = {}
    for info in pm.infos:
        for result in await call(pm.hook(hook_name, only=info.name), **kwargs):
            if result:
                counts[info.name] = {str(k): int(v) for k, v in dict(result).items()}
    return counts


async def run_retention(session: AsyncSession, pm: Any, tenant: Tenant, now: datetime | None = None,
                        principal: Any = SYSTEM) -> PrivacyRecord:
    """Blank or delete what is older than the tenant's retention period; idempotent (a second run counts 0)."""
    setting = await setting_of(session)
    cutoff = cutoff_for(now or datetime.now(UTC), setting.retention_months)
    counts = await _ask_plugins(pm, "regie_retention", ctx=_ctx(session, tenant, principal), cutoff=cutoff,
                                mode=setting.retention_mode)
    actor_id, label = actor_of(principal)
    row = PrivacyRecord(kind="retention", requested_by_id=actor_id, requested_by_label=label, cutoff=cutoff,
                        mode=setting.retention_mode, counts=counts)
    session.add(row)
    await session.flush()
    return row


def clean_author(data: dict[str, Any]) -> tuple[ErasureSubject, str]:
    errors = FieldErrors()
    handle = errors.clean(clean_text, data.get("handle"), "handle", max_length=254)
    if handle is not None and not handle.strip().lstrip("@"):
        errors.add("handle", "This field is required.")
    platform = errors.clean(clean_text, data.get("platform"), "platform", required=False, max_length=40)
    reason = errors.clean(clean_text, data.get("reason"), "reason", max_length=500)
    errors.raise_if_any()
    return ErasureSubject(kind="author", platform=(platform or "").casefold(), handle=handle or ""), reason or ""


async def erase_author(session: AsyncSession, pm: Any, tenant: Tenant, principal: Any,
                       data: dict[str, Any]) -> PrivacyRecord:
    """Every plugin removes or pseudonymises what it holds of one mention author. An e-mail address is also a
    customer (`core.customers`): after the plugins blanked what the customer posted (they find it by the
    customer's id), the core pseudonymises the customer record and deletes its sign-in links."""
    subject, reason = clean_author(data)
    counts = await _ask_plugins(pm, "regie_erase_subject", ctx=_ctx(session, tenant, principal), subject=subject)
    if subject.platform == "email" and (erased := await erase_customer(session, subject.handle)):
        counts["core"] = erased
    return await _record_erasure(session, principal, tenant, "erase_author", subject, counts, reason)


async def erase_user(session: AsyncSession, pm: Any, tenant: Tenant, principal: Any,
                     data: dict[str, Any]) -> PrivacyRecord:
    """Remove a member from this tenant. The `User` is a platform identity: it is pseudonymised only when no
    other tenant knows it (and it is not a mediator); otherwise it stays for the other tenants."""
    errors = FieldErrors()
    raw = str(data.get("user_id") or "").strip()
    reason = errors.clean(clean_text, data.get("reason"), "reason", max_length=500)
    membership = None
    try:
        user_id = UUID(raw)
    except ValueError:
        errors.add("user_id", "Choose a valid option.")
    else:
        membership = await session.scalar(select(Membership).where(Membership.user_id == user_id))
        if membership is None:
            errors.add("user_id", "Choose a valid option.")
        elif membership.user_id == getattr(principal, "user_id", None):
            errors.add("user_id", "You cannot erase your own account here.")
    errors.raise_if_any()
    assert membership is not None
    user = membership.user
    subject = ErasureSubject(kind="user", user_id=user.id)
    counts = await _ask_plugins(pm, "regie_erase_subject", ctx=_ctx(session, tenant, principal), subject=subject)
    counts["core"] = await _erase_membership(session, membership, user)
    return await _record_erasure(session, principal, tenant, "erase_user", subject, counts, reason or "")


async def _erase_membership(session: AsyncSession, membership: Membership, user: User) -> dict[str, int]:
    from core.measurement.models import DigestSubscription
    from core.notifications.models import Notification
    from core.workgroup.models import RegieAppointment, WorkgroupSeat

    counts: dict[str, int] = {}
    for model, column in ((WorkgroupSeat, WorkgroupSeat.membership_id),
                          (RegieAppointment, RegieAppointment.membership_id),
                          (ApiToken, ApiToken.membership_id)):
        result = await session.execute(delete(model).where(column == membership.id)
                                       .execution_options(synchronize_session=False))
        counts[model.__tablename__] = result.rowcount or 0
    for model in (Notification, DigestSubscription):
        result = await session.execute(delete(model).where(model.user_id == user.id)
                                       .execution_options(synchronize_session=False))
        counts[model.__tablename__] = result.rowcount or 0
    result = await session.execute(delete(Invitation).where(Invitation.email == user.email)
                                   .execution_options(synchronize_session=False))
    counts["invitation"] = result.rowcount or 0
    await session.delete(membership)
    await session.flush()
    counts["membership"] = 1
    from core.tenancy.scope import cross_tenant

    with cross_tenant():
        others = await session.scalar(select(Membership.id).where(Membership.user_id == user.id).limit(1))
    counts["user_pseudonymised"] = 0
    if others is None and not user.is_mediator:
        user.email = f"removed-{user.id.hex}@removed.invalid"
        user.name = REMOVED_USER
        user.password_hash = None
        user.is_active = False
        user.reset_token_hash = None
        user.reset_expires_at = None
        user.session_epoch = (user.session_epoch or 0) + 1
        counts["user_pseudonymised"] = 1
        from core.mfa.models import MfaFactor, MfaRecoveryCode

        for model in (MfaFactor, MfaRecoveryCode):  # the second factor goes with the identity
            result = await session.execute(delete(model).where(model.user_id == user.id)
                                           .execution_options(synchronize_session=False))
            counts[model.__tablename__] = result.rowcount or 0
        await session.flush()
    return counts


async def _record_erasure(session: AsyncSession, principal: Any, tenant: Tenant, kind: str,
                          subject: ErasureSubject, counts: dict[str, Any], reason: str) -> PrivacyRecord:
    actor_id, label = actor_of(principal)
    row = PrivacyRecord(kind=kind, requested_by_id=actor_id, requested_by_label=label,
                        subject_ref=subject_ref(tenant.id, subject), platform=subject.platform, counts=counts,
                        reason=reason)
    session.add(row)
    await session.flush()
    await record(session, principal, f"privacy.{kind}", subject=row, summary=row.subject_ref[:12],
                 reason=reason, data={"counts": counts})
    return row


async def records(session: AsyncSession, limit: int = 100) -> list[PrivacyRecord]:
    rows = await session.scalars(select(PrivacyRecord).order_by(PrivacyRecord.created_at.desc()).limit(limit))
    return list(rows)


async def erasable_members(session: AsyncSession) -> list[tuple[UUID, str]]:
    rows = await session.scalars(select(Membership))
    return sorted(((m.user_id, m.user.display_name) for m in rows), key=lambda r: r[1].casefold())


__all__ = ["DomainError", "ErasureSubject", "erase_author", "erase_user", "run_retention", "save_setting"]
