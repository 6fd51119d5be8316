"""Four eyes on what speaks for the organisation: an official comment or a reply of the loop that the org model
wants a colleague to approve is decided by someone other than its author, from the department the policy check
names (or by whoever configures the plugin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PermissionDenied, department_choices, permission_check

APPROVE_RULE = "only the approving department the policy names (or who configures cocreation), never the author"
"""The rule in words, declared on the routes that approve (`opt["rule"]`) for the authorisation page."""


def departments_of(principal: Any) -> set[UUID]:
    """The departments a person acts for: their workgroup seats and their own department."""
    found: set[UUID] = set(getattr(principal, "seat_department_ids", None) or ())
    membership = getattr(principal, "membership", None)
    if membership is not None and getattr(membership, "department_id", None) is not None:
        found.add(membership.department_id)
    return found


def may_approve(principal: Any, author_id: UUID | None, approver_department_id: UUID | None) -> bool:
    """Nobody approves their own words; who configures the plugin approves the rest, members of the approving
    department approve what the check sent to them (none named: the regie holder, who configures)."""
    user_id = getattr(principal, "user_id", None)
    if author_id is not None and user_id == author_id:
        return False
    if permission_check(principal)("plugin.configure"):
        return True
    return approver_department_id is not None and approver_department_id in departments_of(principal)


def check_may_approve(principal: Any, author_id: UUID | None, approver_department_id: UUID | None) -> None:
    if not may_approve(principal, author_id, approver_department_id):
        raise PermissionDenied("plugin.configure")


def approval_detail(reason: str, approver_department_id: UUID | None) -> str:
    """What a held loop reply keeps in its detail: "approval:<reason>[:<department id>]"."""
    detail = "approval:" + (reason or "org_model")
    return f"{detail}:{approver_department_id}" if approver_department_id is not None else detail


def approval_of(detail: str) -> tuple[bool, UUID | None]:
    """(waits for approval, approving department) from a loop reply's detail."""
    if not (detail or "").startswith("approval:"):
        return False, None
    parts = detail.split(":")
    try:
        return True, UUID(parts[2]) if len(parts) > 2 and parts[2] else None
    except ValueError:
        return True, None


@dataclass(frozen=True)
class Waiting:
    """Why someone sees no approve button on a held text: who must approve it, and whether they wrote it."""

    department: str
    """The approving department's name ("" when none is named: whoever configures co-creation approves)."""
    own: bool
    """The viewer wrote it (or made the change that triggered it): four eyes leave it to someone else."""


async def approval_view(session: AsyncSession, principal: Any,
                        held: list[tuple[UUID, UUID | None, UUID | None]]) -> tuple[set[UUID], dict[UUID, Waiting]]:
    """For a page of held texts (id, author, approving department): the ids this person may approve, and for the
    others who must. Decided here once per page, so a template shows an approve form only where the POST would
    accept it; one query for the department names, none per row."""
    approvable: set[UUID] = set()
    refused: list[tuple[UUID, UUID | None, UUID | None]] = []
    for item_id, author_id, department_id in held:
        if may_approve(principal, author_id, department_id):
            approvable.add(item_id)
        else:
            refused.append((item_id, author_id, department_id))
    if not refused:
        return approvable, {}
    names = dict(await department_choices(session))
    user_id = getattr(principal, "user_id", None)
    return approvable, {item_id: Waiting(department=str(names.get(department_id, "")) if department_id else "",
                                         own=author_id is not None and author_id == user_id)
                        for item_id, author_id, department_id in refused}
