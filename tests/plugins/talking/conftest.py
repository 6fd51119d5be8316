"""Fixtures for the talking plugin: talking active (owned by marketing) in both tenants, each with two accounts
that may carry posts (x, facebook) and one that may not (a requested linkedin account), approved starting points
with two objectives, and helpers to publish a policy and to write posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from core.accounts.models import SocialAccount
from core.activation.models import PluginActivation
from core.policy.models import PolicyVersion
from core.roadmap.models import StartingPointsVersion
from core.tenancy.scope import tenant_scope
from plugins.talking.models import Post, PublishAttempt
from tests.support import TenantWorld, World

OBJECTIVES = ("Meer bereik onder jongeren", "Betere service via sociale media")


async def activate_talking(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                           department: str = "marketing") -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="talking", department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC), activated_in_phase="pilot"))


async def add_accounts(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, UUID]:
    """platform → id: x and facebook in use by marketing, linkedin only requested."""
    ids = {}
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for platform, status in (("x", "active"), ("facebook", "active"), ("linkedin", "pending")):
                account = SocialAccount(platform=platform, handle=f"{tw.slug}_{platform}",
                                        department_id=tw.departments["marketing"].id, status=status)
                session.add(account)
                await session.flush()
                ids[platform] = account.id
            session.add(StartingPointsVersion(number=1, objectives="1. " + OBJECTIVES[0] + "\n2. " + OBJECTIVES[1],
                                              approved_at=datetime.now(UTC)))
    return ids


async def publish_policy(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **rules: Any) -> None:
    """A published policy whose tone rules are `rules` (max_length, alt_text_required, forbidden_words, ...)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            number = len((await session.scalars(select(PolicyVersion.id))).all()) + 1
            session.add(PolicyVersion(number=number, strategy={"function": "praten"}, tone_rules=rules,
                                      published_at=datetime.now(UTC)))


@dataclass
class Talk:
    world: World
    accounts: dict[str, dict[str, UUID]] = field(default_factory=dict)
    """slug → platform → account id."""

    def x(self, slug: str = "acme") -> UUID:
        return self.accounts[slug]["x"]

    def fb(self, slug: str = "acme") -> UUID:
        return self.accounts[slug]["facebook"]


@pytest.fixture
async def talk(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> Talk:
    found = Talk(world)
    for tw in (world.a, world.b):
        await activate_talking(sessionmaker, tw)
        found.accounts[tw.slug] = await add_accounts(sessionmaker, tw)
    return found


def post_form(talk: Talk, slug: str = "acme", **values: Any) -> dict[str, Any]:
    """A valid post form for the editor; `values` override or add fields (`x` / `fb`: that account's text)."""
    tw = talk.world.a if slug == "acme" else talk.world.b
    form: dict[str, Any] = {"title": "Najaarsactie", "theme": "service", "objective": OBJECTIVES[0],
                            "department_id": str(tw.departments["marketing"].id), "publish_at": "2099-05-14T09:30"}
    x = values.pop("x", "Nieuw: onze app. Kijk op https://example.org/app")
    fb = values.pop("fb", None)
    if x is not None:
        form[f"variants.{talk.x(slug)}.text"] = x
    if fb is not None:
        form[f"variants.{talk.fb(slug)}.text"] = fb
    form.update(values)
    return form


async def post_and_log(sessionmaker: Any, tw: TenantWorld, post_id: UUID) -> tuple[Post, list[PublishAttempt]]:
    """A post with its variants, and its publishing log in order."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            post = await session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.variants)))
            log = (await session.scalars(select(PublishAttempt).where(PublishAttempt.post_id == post_id)
                                         .order_by(PublishAttempt.at, PublishAttempt.attempt))).all()
            return post, list(log)
