"""Fixtures shared by the cocreation plugin's tests: the plugin active in both tenants (owned by comms: the test
world has no development department), customers signed in on the board, and the board's settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from plugins.cocreation.models import CocreationSettings
from plugins.cocreation.settings import board_settings
from tests.support import TenantWorld, World, delivered_mails, post_form

BOARD = "/t/acme/p/cocreation/board/"
OTHER_BOARD = "/t/globex/p/cocreation/board/"
SIGNIN_LINK = re.compile(r"https?://\S+/board/signin/(\S+)")


async def activate(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, plugin: str = "cocreation",
                   department: str = "comms") -> None:
    """`plugin` active in `tw`, owned by `department`."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin=plugin, department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC), activated_in_phase="pilot"))


@pytest.fixture
async def cc(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """`world` with cocreation active in tenant a and b."""
    for tw in (world.a, world.b):
        await activate(sessionmaker, tw)
    return world


async def rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.created_at))).all())


async def configure(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **values: Any) -> None:
    """Set board settings (moderation, vote_threshold, is_private, ...), creating them with the stages first."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            if values:
                await session.execute(update(CocreationSettings).values(**values))


async def add_rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, *items: Any) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            session.add_all(items)


async def sign_in(client: Any, app: Any, email: str, name: str = "", base: str = BOARD) -> None:
    """The whole way a customer goes: ask for a link, open it from the mail, confirm."""
    response = await post_form(client, f"{base}signin", {"email": email, "display_name": name, "next": base})
    assert response.status_code == 200, response.text[:400]
    mails = [m for m in await delivered_mails(app) if m["to"] == email]
    token = SIGNIN_LINK.search(mails[-1]["text"]).group(1)
    assert (await client.get(f"{base}signin/{token}")).status_code == 200
    response = await post_form(client, f"{base}signin/{token}", {}, follow_redirects=False)
    assert response.status_code == 303, response.text[:400]
