"""What the post's page shows of its approval: who decides now, whether the reader may, its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import N_, permission_check, user_names
from plugins.talking.approvals import flow
from plugins.talking.approvals.crisis import may_resume_all
from plugins.talking.models import Post

REASONS: dict[str, str] = {
    "org_model": N_("the organisation model"), "training": N_("the author has not completed the training"),
    "crisis": N_("crisis mode"), "expired": N_("the approval ran out"),
    "rule:keyword": N_("a keyword in the text"), "rule:channel": N_("the channel"),
    "rule:campaign": N_("the campaign"), "rule:untrained": N_("the author has not completed the training"),
    "rule": N_("a rule of the approval settings"),
}
"""Why a post needs approval (the check's reason, a rule), as the page says it."""
EVENTS: dict[str, str] = {
    "requested": N_("Asked for approval"), "approved": N_("Approved"), "rejected": N_("Rejected"),
    "withdrawn": N_("Approval withdrawn"), "expired": N_("Approval ran out"), "paused": N_("Paused"),
    "resumed": N_("Resumed"),
}
WHY: dict[str, str] = {
    "edited": N_("the post was changed"), "withdrawn": N_("the post went back to draft"),
    "cancelled": N_("the post was cancelled"), "crisis": N_("crisis mode"),
    "approval_expired": N_("the approval ran out"),
}
"""A system-given reason in the history; anything else there was written by a person."""


async def post_context(session: AsyncSession, principal: Any, post: Post) -> dict[str, Any]:
    allowed = await flow.current_approvers(session, post)
    events = await flow.history(session, post.id)
    names = await user_names(session, set(allowed) | {e.user_id for e in events if e.user_id})
    return {"approval": {
        "approvers": sorted(names.get(i, "") for i in allowed),
        "may_decide": flow.may_decide(principal, post, allowed),
        "is_author": getattr(principal, "user_id", None) == post.author_id,
        "steps": len(post.approval_chain or []) or 1,
        "history": events, "names": names, "reasons": REASONS, "events": EVENTS, "why": WHY,
        "may_resume": post.state == "paused" and permission_check(principal)("plugin.work"),
        "may_resume_all": may_resume_all(principal),
    }}
