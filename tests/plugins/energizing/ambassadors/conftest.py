"""Fixtures for the ambassador programme: energizing active in both tenants, people invited through the service
as the other slices invite them, and the links their mails carry."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors import service
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.conftest import activate
from tests.support import TenantWorld, World, delivered_mails, post_form

BASE = "/t/acme/p/energizing/portal/"
LINK_BASE = "http://testserver" + BASE
CONSENT = re.compile(r"https?://\S+/portal/consent/(\S+)")
OPTOUT = re.compile(r"https?://\S+/portal/optout/(\S+)")
SIGNIN = re.compile(r"https?://\S+/portal/signin/(\S+)")


@pytest.fixture
async def en(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """`world` with energizing active in tenant a and b."""
    for tw in (world.a, world.b):
        await activate(sessionmaker, tw)
    return world


async def invite(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, email: str, name: str = "Anna",
                 **kwargs: Any) -> Ambassador:
    """Invite as another slice does (its own transaction)."""
    values: dict[str, Any] = {"source": "manual", "source_ref": "", "invited_by_id": None, "lang": "nl",
                              "link_base": f"http://testserver/t/{tw.slug}/p/energizing/portal/",
                              "tenant_name": tw.tenant.name, **kwargs}
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await service.invite(session, email=email, name=name, **values)


async def rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.created_at))).all())


async def mails_to(app: Any, email: str) -> list[dict[str, Any]]:
    """Mails to `email`, newest first."""
    return [m for m in await delivered_mails(app) if m["to"] == email]


async def activate_person(client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                          email: str, name: str = "Anna", **kwargs: Any) -> Ambassador:
    """Invite, then accept the consent through the mailed link: an active ambassador."""
    await invite(sessionmaker, tw, email, name, **kwargs)
    token = CONSENT.search((await mails_to(app, email))[0]["text"]).group(1)
    base = f"/t/{tw.slug}/p/energizing/portal/"
    form = await client.get(f"{base}consent/{token}")
    version = re.search(r'name="version" value="(\d+)"', form.text).group(1)
    response = await post_form(client, f"{base}consent/{token}", {"decision": "accept", "version": version})
    assert response.status_code == 200, response.text[:400]
    [person] = await rows(sessionmaker, tw, Ambassador, Ambassador.email == email)
    assert person.state == "active"
    return person
