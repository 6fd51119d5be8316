"""Which approval a post needs, and who decides each step.

The org model's rule comes from the core's outward check (`check_outward`): centralized – the hub approves
everything; hub and spoke – spokes publish, the hub approves what the check or a rule flags; multiple hub and
spoke – a department that is not a hub needs a hub; decentralized – no approval; holistic – a trained employee
publishes, anyone else needs approval; crisis mode – always. On top, the tenant's rules (`ApprovalSettings`) ask
for an approval under every org model: a keyword in a text, a channel (platform or account), a campaign, an
author who has not completed a training that qualifies a publisher.

The chain is the tenant's steps (up to three), else one step: the hub. Any one approver of a step suffices; the
author is never among them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    OutwardCheck,
    check_outward,
    department_and_regie,
    is_trained,
    member_choices,
    member_principal,
)
from plugins.talking.approvals.config import as_uuid
from plugins.talking.models import ApprovalSettings, Post

HUB_STEP: dict[str, Any] = {"users": [], "departments": [], "hub": True}
RULES = ("keyword", "channel", "campaign", "untrained")


@dataclass
class Requirement:
    reasons: list[str] = field(default_factory=list)
    """The check's reason ("org_model", "training", "crisis") and the rules that flagged it ("rule:keyword")."""
    hub_id: UUID | None = None
    """The hub that "the hub" means for this post; None: the regie holder."""
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def needs(self) -> bool:
        return bool(self.reasons)

    @property
    def reason(self) -> str:
        """`Post.approval_reason`: the check's reason, else "rule"."""
        first = self.reasons[0] if self.reasons else ""
        return "rule" if first.startswith("rule:") else first


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def keywords_in(text: str, keywords: list[str]) -> list[str]:
    """The keywords that occur in the text as whole words (case and accents ignored)."""
    folded = fold(text or "")
    found = []
    for word in keywords:
        parts = fold(word).split()
        if parts and re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, parts)) + r"(?!\w)", folded):
            found.append(word)
    return found


async def rules_flagged(session: AsyncSession, post: Post, config: ApprovalSettings | None,
                        author_id: UUID | None) -> list[str]:
    """The tenant's rules this post trips (its variants loaded), in `RULES` order."""
    if config is None:
        return []
    flagged = []
    if config.keywords and any(keywords_in(v.text, list(config.keywords)) for v in post.variants):
        flagged.append("keyword")
    if any(v.platform in (config.platforms or []) or str(v.account_id) in (config.account_ids or [])
           for v in post.variants):
        flagged.append("channel")
    if post.campaign_id is not None and str(post.campaign_id) in (config.campaign_ids or []):
        flagged.append("campaign")
    if config.untrained and not await is_trained(session, author_id):
        flagged.append("untrained")
    return flagged


async def the_hub(session: AsyncSession) -> UUID | None:
    """The hub the org model's check names whenever it asks for an approval (it always asks in crisis mode)."""
    return (await check_outward(session, "", crisis=True)).approver_department_id


async def requirement(session: AsyncSession, post: Post, check: OutwardCheck | None,
                      config: ApprovalSettings | None, author_id: UUID | None) -> Requirement:
    """What the org model (`check`, None when it asks for nothing) and the tenant's rules ask of this post."""
    flagged = await rules_flagged(session, post, config, author_id)
    reasons = ([check.reason] if check is not None else []) + [f"rule:{r}" for r in flagged]
    if not reasons:
        return Requirement()
    hub = check.approver_department_id if check is not None else await the_hub(session)
    steps = [dict(s) for s in (config.steps if config is not None else []) or []] or [dict(HUB_STEP)]
    return Requirement(reasons, hub, steps)


async def approvers(session: AsyncSession, step: dict[str, Any], post: Post) -> dict[UUID, Any]:
    """The people who may decide `step` of this post, by id (user rows, for notifications): its people, its
    departments' members, the hub's members (or the regie holder without a hub), never the author and never
    someone who may not work. A step that resolves to nobody falls to the regie holder."""
    may_work = {i for i, _n in await member_choices(session)}
    people: dict[UUID, Any] = {}
    for raw in step.get("users") or []:
        user_id = as_uuid(raw)
        principal = await member_principal(session, user_id) if user_id in may_work else None
        if principal is not None and principal.user is not None:
            people[principal.user.id] = principal.user
    departments = [as_uuid(d) for d in step.get("departments") or []]
    if step.get("hub") and post.approver_department_id is not None:
        departments.append(post.approver_department_id)
    for department_id in dict.fromkeys(d for d in departments if d is not None):
        for user in await department_and_regie(session, department_id, include_regie=False):
            people[user.id] = user
    if step.get("hub") and post.approver_department_id is None:
        for user in await department_and_regie(session, None):
            people[user.id] = user
    found = {i: u for i, u in people.items() if i in may_work and i != post.author_id}
    if not found:
        found = {u.id: u for u in await department_and_regie(session, None) if u.id != post.author_id}
    return found
