"""Fixtures for the surveys: energizing active in both tenants, helpers to make an open survey, invite people
and answer as a browser does (a form stamp old enough to pass the minimum time)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import service
from plugins.energizing.surveys.answering import form_stamp
from plugins.energizing.surveys.models import Survey, SurveyContact
from tests.plugins.energizing.conftest import activate
from tests.support import TenantWorld, World, login_as, post_form

BASE = "/t/acme/p/energizing/surveys/"
PUBLIC = "/t/acme/p/energizing/s/"
INVITE_LINK = re.compile(r"https?://\S+/p/energizing/s/i/(\S+)")
CONFIRM_LINK = re.compile(r"https?://\S+/p/energizing/s/c/(\S+)")


@dataclass
class Surveys:
    world: World
    app: Any
    sessionmaker: async_sessionmaker[AsyncSession]

    def stamp(self, survey_id: UUID) -> str:
        """A form stamp shown ten seconds ago (past the minimum time)."""
        return form_stamp(self.app.state.settings.secret_key, survey_id, time.time() - 10)

    async def rows(self, model: Any, *where: Any, tw: TenantWorld | None = None) -> list[Any]:
        with tenant_scope((tw or self.world.a).id):
            async with self.sessionmaker() as session:
                return list((await session.scalars(select(model).where(*where))).all())

    async def counted(self, survey_id: UUID) -> int:
        """The survey's counted answers as the list and the API show them."""
        with tenant_scope(self.world.a.id):
            async with self.sessionmaker() as session:
                return (await service.answer_counts(session, [survey_id])).get(survey_id, 0)

    async def survey(self, client: Any, title: str = "Klanttevredenheid", state: str = "open",
                     **fields: Any) -> Survey:
        """A survey made through the staff pages (by the marketer), opened unless `state` says otherwise."""
        await login_as(client, self.world.a, "marketer")
        response = await post_form(client, BASE[:-1], {"title": title, "intro": "Graag je mening", **fields},
                                   follow_redirects=False)
        assert response.status_code == 303, response.text[:600]
        survey_id = UUID(response.headers["location"].rsplit("/", 1)[1])
        if state != "draft":
            response = await post_form(client, f"{BASE}{survey_id}/state", {"state": "open"}, follow_redirects=False)
            assert response.status_code == 303, response.text[:600]
        if state == "closed":
            await post_form(client, f"{BASE}{survey_id}/state", {"state": "closed"}, follow_redirects=False)
        return (await self.rows(Survey, Survey.id == survey_id))[0]

    async def contacts(self, tw: TenantWorld, *people: tuple[str, str, bool]) -> None:
        with tenant_scope(tw.id):
            async with self.sessionmaker() as session, session.begin():
                for email, name, consent in people:
                    session.add(SurveyContact(email=email, name=name, consent=consent, consent_text="ja"))


@pytest.fixture
async def surveys(world: World, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> Surveys:
    for tw in (world.a, world.b):
        await activate(sessionmaker, tw)
    return Surveys(world, app, sessionmaker)
