"""The moves an account can make through its lifecycle, who may make each, and the one function that makes them.

Every move is audited with who made it, the states before and after, and the reason. A move that is not in
`MOVES` is refused (409); a move the person may not make is forbidden (403). Who may:

- `decider`: the regie holder or a member of a hub department (the matrix's `account.decide`);
- `claimer`: a member of the department that takes the account over (by membership or seat), or the regie holder;
- `activator`: whoever decides on new accounts; in the org models that approve new accounts at once
  (decentralized, holistic) also the owning department;
- `keeper`: the owning department and the named owners, or a decider;
- `system`: Regie itself (the dormancy job, a post an account publishes), never a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.accounts.models import AccountStatus, SocialAccount
from core.audit.service import SYSTEM, record
from core.auth.permissions import can
from core.db.base import utcnow
from core.errors import PermissionDenied, Refused
from core.i18n import N_, Msg
from core.tenancy.models import OrgModel
from core.validation import clean_text

S = AccountStatus
AUTO_APPROVE = {OrgModel.decentralized.value, OrgModel.holistic.value}
REASON_MAX = 2000

TRANSITION_RULE = ("each move has its own rule: the regie holder or a hub department approves, rejects and marks to "
                   "close; a member of the department claims for it; the owning department puts a claimed account "
                   "in use where the org model approves new accounts at once, else a decider does")
OWNERS_RULE = "the account's department, its named owners, or the regie holder or a hub department"
STATUS_LABELS: dict[str, str] = {
    S.pending: N_("pending"), S.rejected: N_("rejected"), S.to_claim: N_("to claim"), S.claimed: N_("claimed"),
    S.active: N_("active"), S.dormant: N_("dormant"), S.to_close: N_("to close"), S.closed: N_("closed"),
}
"""State → msgid to show."""


@dataclass(frozen=True)
class Move:
    to: str
    who: str
    action: str
    """The audit action."""
    label: str
    """What the button says (msgid)."""
    reason_required: bool = False


def _to_close() -> Move:
    return Move(S.to_close, "decider", "account.marked_to_close", N_("Mark to close"), reason_required=True)


MOVES: dict[str, tuple[Move, ...]] = {
    S.pending: (Move(S.active, "decider", "account.approved", N_("Approve")),
                Move(S.rejected, "decider", "account.rejected", N_("Reject"), reason_required=True)),
    S.to_claim: (Move(S.claimed, "claimer", "account.claimed", N_("Claim")), _to_close()),
    S.claimed: (Move(S.active, "activator", "account.activated", N_("Put in use")), _to_close()),
    S.active: (Move(S.dormant, "system", "account.dormant", N_("Dormant")), _to_close()),
    S.dormant: (Move(S.active, "system", "account.reactivated", N_("Active again")), _to_close()),
    S.to_close: (Move(S.closed, "keeper", "account.closed", N_("Closed")),
                 Move(S.to_claim, "decider", "account.close_withdrawn", N_("Keep it after all"),
                      reason_required=True)),
}
"""From a state, the moves that are allowed. `rejected` and `closed` are final: the row stays as the record."""


def move_to(status: str, to: str) -> Move | None:
    return next((m for m in MOVES.get(status, ()) if m.to == to), None)


def in_department(principal: Any, department_id: Any) -> bool:
    """A (non-viewer) member of the department, by membership or workgroup seat."""
    membership = getattr(principal, "membership", None)
    if department_id is None or membership is None or membership.role == "viewer":
        return False
    return membership.department_id == department_id or department_id in (principal.seat_department_ids or ())


def is_owner(principal: Any, account: SocialAccount) -> bool:
    user_id = getattr(principal, "user_id", None)
    return user_id is not None and any(o.user_id == user_id for o in account.owners)


def may(principal: Any, tenant: Any, account: SocialAccount, move: Move, department_id: Any = None) -> bool:
    """Whether `principal` may make `move` on `account` (for claiming: for `department_id`)."""
    if isinstance(principal, str):
        return principal == SYSTEM and move.who == "system"
    roles: frozenset[str] = getattr(principal, "roles", frozenset())
    decider = can(roles, "account.decide")
    if move.who == "decider":
        return decider
    if move.who == "claimer":
        return "regie" in roles or in_department(principal, department_id)
    if move.who == "activator":
        return decider or (tenant.org_model in AUTO_APPROVE and (
            in_department(principal, account.department_id) or is_owner(principal, account)))
    if move.who == "keeper":
        return decider or in_department(principal, account.department_id) or is_owner(principal, account)
    return False


def ensure_may(principal: Any, tenant: Any, account: SocialAccount, move: Move, department_id: Any = None) -> None:
    """Refuse a move Regie makes itself (409) or one this person may not make (403)."""
    if move.who == "system" and not isinstance(principal, str):
        raise Refused(field="to", msgid="Regie makes this change itself, from the account's posts.")
    if not may(principal, tenant, account, move, department_id):
        raise PermissionDenied(f"account.{move.who}")


def moves_for(principal: Any, tenant: Any, account: SocialAccount) -> list[Move]:
    """The moves this person may make now (what the account page offers). Claiming is offered to the regie
    holder and to every (non-viewer) member of some department: the department is chosen in the form."""
    membership = getattr(principal, "membership", None)
    in_some_department = membership is not None and membership.role != "viewer" and bool(
        membership.department_id or getattr(principal, "seat_department_ids", None))
    offered = []
    for move in MOVES.get(account.status, ()):
        if move.who == "claimer":
            if "regie" in getattr(principal, "roles", ()) or in_some_department:
                offered.append(move)
        elif move.who != "system" and may(principal, tenant, account, move):
            offered.append(move)
    return offered


def label(status: str) -> Msg:
    return Msg(STATUS_LABELS.get(status, status))


async def apply_move(session: Any, principal: Any, tenant: Any, account: SocialAccount, to: str, reason: str = "",
                     data: dict[str, Any] | None = None, department_id: Any = None) -> Move:
    """Move `account` to `to` when the lifecycle and the person allow it, and audit it. The caller has already
    set whatever else the move changes (a claim's department and owners)."""
    move = move_to(account.status, to)
    if move is None:
        raise Refused(field="to", msgid="An account that is {status} cannot become {to}.",
                      status=label(account.status), to=label(to))
    ensure_may(principal, tenant, account, move, department_id)
    reason = clean_text(reason, "reason", required=move.reason_required, max_length=REASON_MAX)
    before = account.status
    account.status = move.to
    account.status_changed_at = utcnow()
    if move.who == "decider" and before == S.pending:
        account.decided_by_id = getattr(principal, "user_id", None)
        account.decision_reason = reason
    name = f"{account.platform}:{account.handle}"
    await record(session, principal, move.action, subject=account,
                 summary=Msg("Account {account}: {before} → {after}", account=name, before=label(before),
                             after=label(move.to)),
                 reason=reason, data={"from": before, "to": move.to, "org_model": tenant.org_model, **(data or {})})
    return move
