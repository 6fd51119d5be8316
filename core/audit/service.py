"""Recording decisions. Call `record` in the same transaction as the decision itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditEntry
from core.db.base import utcnow
from core.i18n import Msg
from core.tenancy.models import Tenant

OPERATOR = "operator (CLI)"
SYSTEM = "system"


def actor_of(principal: Any) -> tuple[Any, str]:
    """(user id, label) of whoever acts: a principal, or the CLI operator / the system by name; a `Msg` names a
    party that is no user (its English text is the label)."""
    if isinstance(principal, str):
        return None, principal
    if isinstance(principal, Msg):
        return None, principal.render("en")
    user = getattr(principal, "user", None)
    if user is None:
        return None, SYSTEM
    label = user.email + (" (API)" if getattr(principal, "via_token", False) else "")
    return user.id, label


async def record(session: AsyncSession, principal: Any, action: str, *, subject: Any = None,
                 summary: str | Msg = "", reason: str = "", data: dict[str, Any] | None = None,
                 tenant_id: Any = None, touch: bool = True) -> AuditEntry:
    """Add an audit entry; `touch` also moves the tenant's last activity (not for mere reads).

    A `Msg` summary is stored as English text (search, exports) and as the message itself
    (`data["summary_message"]`), so the audit pages show it in each reader's language; so is a `Msg` actor,
    a party that is no user (`data["actor_message"]`)."""
    if isinstance(principal, Msg):
        data = {**(data or {}), "actor_message": principal.to_data()}
    if isinstance(summary, Msg):
        data = {**(data or {}), "summary_message": summary.to_data()}
        summary = summary.render("en")
    actor_id, label = actor_of(principal)
    entry = AuditEntry(
        actor_id=actor_id, actor_label=label, action=action,
        subject_type=type(subject).__name__ if subject is not None else "",
        subject_id=str(getattr(subject, "id", "") or ""), summary=summary, reason=reason, data=data or {},
    )
    if tenant_id is not None:
        entry.tenant_id = tenant_id
    session.add(entry)
    if touch:
        await _touch_tenant(session, tenant_id)
    return entry


async def _touch_tenant(session: AsyncSession, tenant_id: Any) -> None:
    """Last activity on the mediator's console is the time of the last decision."""
    from core.tenancy.scope import current_tenant_id

    tid = tenant_id or current_tenant_id()
    if tid is not None and (tenant := await session.get(Tenant, tid)) is not None:
        tenant.last_activity_at = utcnow()
