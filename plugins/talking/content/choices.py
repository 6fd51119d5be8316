"""What the post and campaign forms offer, read once per form: accounts, departments, campaigns, streams, the
starting points' objectives, the published tone rules and the themes in use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    OutwardAccount,
    department_choices,
    outward_accounts,
    published_tone_rules,
    starting_point_objectives,
    utcnow,
)
from plugins.talking.models import Campaign, Post, Stream

RECENT_CAMPAIGN_DAYS = 90
"""Campaigns that ended longer ago than this are no longer offered for new posts."""


@dataclass
class Choices:
    accounts: list[OutwardAccount] = field(default_factory=list)
    departments: list[tuple[UUID, str]] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    objectives: list[str] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)

    def account(self, account_id: Any) -> OutwardAccount | None:
        return next((a for a in self.accounts if str(a.id) == str(account_id)), None)

    def limit(self, platform: str) -> int | None:
        """The policy's maximum length for the platform (None: no rule)."""
        return (self.rules.get("max_length") or {}).get((platform or "").lower())

    @property
    def alt_required(self) -> bool:
        return bool(self.rules.get("alt_text_required"))

    @property
    def department_names(self) -> dict[UUID, str]:
        return dict(self.departments)

    def objective_options(self, current: Any = None) -> list[tuple[str, str]]:
        """The starting points' objectives; a post's own objective stays offered after a new version dropped it."""
        options = [(o, o) for o in self.objectives]
        return options + [(str(current), str(current))] if current and str(current) not in self.objectives \
            else options

    def homes(self) -> list[tuple[str, str]]:
        """(value, label) of the "belongs to" picker: campaigns, then streams."""
        return [*((f"campaign:{c.id}", c.name) for c in self.campaigns),
                *((f"stream:{s.id}", s.name) for s in self.streams)]


async def choices(session: AsyncSession, *, forms: bool = True) -> Choices:
    """Everything a post form offers (`forms=False`: only what the calendar's filters need)."""
    found = Choices(accounts=await outward_accounts(session), departments=await department_choices(session))
    recent = utcnow().date() - timedelta(days=RECENT_CAMPAIGN_DAYS)
    found.campaigns = list((await session.scalars(select(Campaign).where(Campaign.ends_on >= recent)
                                                  .order_by(Campaign.starts_on.desc(), Campaign.name)
                                                  .limit(100))).all())
    found.streams = list((await session.scalars(select(Stream).where(Stream.is_active.is_(True))
                                                .order_by(Stream.name).limit(100))).all())
    if forms:
        found.objectives = await starting_point_objectives(session)
        found.rules = await published_tone_rules(session)
        found.themes = list((await session.scalars(select(Post.theme).where(Post.theme != "").distinct()
                                                   .order_by(Post.theme).limit(50))).all())
    return found
