"""A detractor's survey answer becomes a webcare case: webcare offers the action on an item of kind "nps_answer"
(`regie_item_actions`), the click posts only the answer's id, which webcare checks with the answer's owner
(`find_item`), and `nps.case_requested` makes the case the same way. One case per answer, however it is asked.

A small stand-in plugin owns the answers here, so webcare's side is tested without the energizing plugin."""

from __future__ import annotations

import types
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.plugins.api import DomainEvent, ItemAction, PluginInfo, fire_events, hookimpl, utcnow
from core.plugins.context import hook_context
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from plugins.webcare.cases.nps import _href
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.webcare.conftest import activate_webcare
from tests.plugins.webcare.test_intake import cases, messages, set_case
from tests.support import World, api_headers, login_as, post_form

ACTION = "/t/acme/p/webcare/cases/from-nps-answer"


class Answers:
    """Owns survey answers (kind "nps_answer") per tenant, as the energizing plugin does."""

    def __init__(self) -> None:
        self.by_tenant: dict[UUID, dict[str, dict[str, Any]]] = {}

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="npsanswers", groundswell_function="energizing", default_owner="marketing")

    @hookimpl
    def regie_find_item(self, ctx, kind, item_id):  # type: ignore[no-untyped-def]
        return self.by_tenant.get(ctx.tenant_id, {}).get(str(item_id)) if kind == "nps_answer" else None

    def add(self, tw: Any, score: int, why: str = "", **fields: Any) -> dict[str, Any]:
        answer_id = str(uuid4())
        category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        answer = {"answer_id": answer_id, "survey_id": str(uuid4()), "survey_title": f"Tevredenheid {tw.tenant.name}",
                  "score": score, "category": category, "why": why, "respondent_name": "Fatima de Vries",
                  "respondent_email": "fatima@klant.test", "answered_at": utcnow().isoformat(),
                  "href": f"/t/{tw.slug}/p/energizing/surveys/answers/{answer_id}", **fields}
        self.by_tenant.setdefault(tw.id, {})[answer_id] = answer
        return answer


@pytest.fixture
async def nps(settings: Any, restore_broker: None, world: World) -> Any:
    """An app with the stand-in installed and active, and webcare (with monitoring) active, in both tenants."""
    answers = Answers()
    app = create_app(settings, extra_plugins=[answers], start_jobs=False)
    sessionmaker = app.state.sessionmaker
    for tw in (world.a, world.b):
        await activate_monitoring(sessionmaker, tw)
        await activate_webcare(sessionmaker, tw)
        with tenant_scope(tw.id):
            async with sessionmaker() as session, session.begin():
                session.add(PluginActivation(plugin="npsanswers", department_id=tw.departments["marketing"].id,
                                             status="active", activated_at=utcnow()))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield types.SimpleNamespace(app=app, client=client, pm=app.state.pm, sessionmaker=sessionmaker,
                                    answers=answers, world=world)


async def _actions(nps: Any, tw: Any, answer: dict[str, Any]) -> list[ItemAction]:
    with tenant_scope(tw.id):
        async with nps.sessionmaker() as session:
            tenant = await session.get(Tenant, tw.id)
            found = await (await nps.pm.for_tenant(session)).collect(
                "regie_item_actions", ItemAction, ctx=hook_context(session, tenant, "nl"), kind="nps_answer",
                item=answer)
    return [action for plugin, action in found if plugin == "webcare"]


async def _request_by_event(nps: Any, tw: Any, answer: dict[str, Any]) -> None:
    with tenant_scope(tw.id):
        async with nps.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, tw.id)
            await fire_events(session, tenant, nps.pm, [DomainEvent("nps.case_requested", answer)],
                              exclude="energizing")


async def _audits(nps: Any, tw: Any) -> list[AuditEntry]:
    with tenant_scope(tw.id):
        async with nps.sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(
                AuditEntry.action == "webcare.case_created"))).all())


async def test_the_action_is_offered_on_a_detractors_answer_only(nps):
    a = nps.world.a
    detractor, promoter, passive = nps.answers.add(a, 3, "Te traag"), nps.answers.add(a, 10), nps.answers.add(a, 8)
    [action] = await _actions(nps, a, detractor)
    assert (action.label, action.action, dict(action.fields)) == (
        "Webcare-case van maken", ACTION, {"answer_id": detractor["answer_id"]})
    assert await _actions(nps, a, promoter) == [] and await _actions(nps, a, passive) == []


async def test_one_click_makes_one_case_from_the_answer_and_a_second_click_opens_it(nps):
    a = nps.world.a
    answer = nps.answers.add(a, 2, "De levering duurde drie weken en niemand reageerde op mijn mail.")
    await login_as(nps.client, a, "agent")
    first = await post_form(nps.client, ACTION, {"answer_id": answer["answer_id"]}, follow_redirects=False)
    assert first.status_code == 303, first.text[:500]
    [case] = await cases(nps.sessionmaker, a)
    assert first.headers["location"] == f"/t/acme/p/webcare/cases/{case.id}"
    assert (case.channel, case.subject, case.author_handle, case.author_name, case.url, case.sentiment_first) == (
        "nps", "Tevredenheid Acme BV · 2/10", "fatima@klant.test", "Fatima de Vries", answer["href"], "negative")
    assert (case.source_kind, case.source_ref) == ("nps_answer", answer["answer_id"])
    [message] = await messages(nps.sessionmaker, a, case.id)
    assert message.body == answer["why"]
    [audit] = await _audits(nps, a)
    assert audit.data["answer_id"] == answer["answer_id"] and audit.subject_id == str(case.id)
    again = await post_form(nps.client, ACTION, {"answer_id": answer["answer_id"]}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert len(await cases(nps.sessionmaker, a)) == 1 and len(await _audits(nps, a)) == 1
    # the answer's page now offers the way to that case, and the case page links back to the answer
    [action] = await _actions(nps, a, answer)
    assert action.label == f"Webcare-case #{case.number} openen"
    page = await nps.client.get(first.headers["location"])
    assert page.status_code == 200 and f'href="{answer["href"]}"' in page.text and "enquêteantwoord" in page.text


async def test_the_event_makes_the_same_case_as_the_click(nps):
    a = nps.world.a
    answer = nps.answers.add(a, 0, "")
    await _request_by_event(nps, a, answer)
    await _request_by_event(nps, a, answer)
    [case] = await cases(nps.sessionmaker, a)
    assert case.source_ref == answer["answer_id"] and case.subject == "Tevredenheid Acme BV · 0/10"
    [message] = await messages(nps.sessionmaker, a, case.id)
    assert message.body == case.subject  # no why given: the subject stands in
    await login_as(nps.client, a, "agent")
    click = await post_form(nps.client, ACTION, {"answer_id": answer["answer_id"]}, follow_redirects=False)
    assert click.headers["location"] == f"/t/acme/p/webcare/cases/{case.id}"
    assert len(await cases(nps.sessionmaker, a)) == 1
    await _request_by_event(nps, a, nps.answers.add(a, 9, "Prima"))  # a promoter's: left alone
    assert len(await cases(nps.sessionmaker, a)) == 1 and len(await _audits(nps, a)) == 1


async def test_another_tenants_made_up_or_malformed_answer_makes_no_case(nps):
    a, b = nps.world.a, nps.world.b
    foreign = nps.answers.add(a, 1, f"Geheim van {a.tenant.name}")
    promoter = nps.answers.add(b, 10, "Top")
    await login_as(nps.client, b, "agent")
    url = "/t/globex/p/webcare/cases/from-nps-answer"
    for answer_id in (foreign["answer_id"], str(uuid4())):
        r = await post_form(nps.client, url, {"answer_id": answer_id})
        assert r.status_code == 404 and a.tenant.name not in r.text
    malformed = await post_form(nps.client, url, {"answer_id": "niet-een-id"})
    assert malformed.status_code == 422 and "answer_id" not in malformed.headers.get("location", "")
    missing = await post_form(nps.client, url, {})
    assert missing.status_code == 422
    refused = await post_form(nps.client, url, {"answer_id": promoter["answer_id"]})
    assert refused.status_code == 409 and "criticaster" in refused.text
    assert await cases(nps.sessionmaker, b) == [] and await cases(nps.sessionmaker, a) == []


async def test_a_viewer_cannot_make_a_case(nps):
    a = nps.world.a
    answer = nps.answers.add(a, 4, "Slecht")
    await login_as(nps.client, a, "viewer")
    r = await post_form(nps.client, ACTION, {"answer_id": answer["answer_id"]}, follow_redirects=False)
    assert r.status_code == 403
    assert await cases(nps.sessionmaker, a) == [] and await _audits(nps, a) == []


def test_only_a_link_within_the_site_is_kept():
    assert _href("/t/acme/p/energizing/surveys/answers/1") == "/t/acme/p/energizing/surveys/answers/1"
    assert _href("javascript:alert(1)") == _href("//evil.test/x") == _href("https://evil.test") == ""


async def test_the_api_makes_the_same_one_case_and_refuses_by_field(nps):
    a, b = nps.world.a, nps.world.b
    answer = nps.answers.add(a, 5, "Onvriendelijk aan de telefoon")
    url = "/api/v1/t/acme/webcare/cases/from-nps-answer"
    headers = await api_headers(nps.sessionmaker, a, "agent")
    first = await nps.client.post(url, headers=headers, json={"answer_id": answer["answer_id"]})
    again = await nps.client.post(url, headers=headers, json={"answer_id": answer["answer_id"]})
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["created"] is True and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"] and len(await cases(nps.sessionmaker, a)) == 1
    bad = await nps.client.post(url, headers=headers, json={"answer_id": "x"})
    assert bad.status_code == 422 and [e["field"] for e in bad.json()["errors"]] == ["answer_id"]
    foreign = await nps.client.post("/api/v1/t/globex/webcare/cases/from-nps-answer", json={"answer_id": answer[
        "answer_id"]}, headers=await api_headers(nps.sessionmaker, b, "agent"))
    viewer = await nps.client.post(url, headers=await api_headers(nps.sessionmaker, a, "viewer"),
                                   json={"answer_id": nps.answers.add(a, 1)["answer_id"]})
    assert foreign.status_code == 404 and viewer.status_code == 403
    assert await cases(nps.sessionmaker, b) == [] and len(await cases(nps.sessionmaker, a)) == 1


async def test_two_requests_at_the_same_moment_get_the_one_case(nps, monkeypatch):
    """The second request did not see the first's case yet: the unique index stops it, and it answers that case."""
    from plugins.webcare.cases import nps as service

    a = nps.world.a
    answer = nps.answers.add(a, 6, "Wachttijd")
    await _request_by_event(nps, a, answer)
    [case] = await cases(nps.sessionmaker, a)
    looked = []
    seen_by = service.case_of_answer

    async def not_yet(session, answer_id):  # type: ignore[no-untyped-def]
        looked.append(answer_id)
        return None if len(looked) == 1 else await seen_by(session, answer_id)

    monkeypatch.setattr(service, "case_of_answer", not_yet)
    with tenant_scope(a.id):
        async with nps.sessionmaker() as session, session.begin():
            found, new = await service.case_from_answer(session, None, answer)
    assert (found.id, new, len(looked)) == (case.id, False, 2)  # place() would have joined it: undone
    # a case it cannot join (as another transaction's, not yet committed, would be): the unique index stops it
    await set_case(nps.sessionmaker, a, case.id, author_handle="iemand@anders.test")
    looked.clear()
    with tenant_scope(a.id):
        async with nps.sessionmaker() as session, session.begin():
            found, new = await service.case_from_answer(session, None, answer)
    assert (found.id, new, len(looked)) == (case.id, False, 2)
    assert len(await cases(nps.sessionmaker, a)) == 1 and len(await _audits(nps, a)) == 1
    assert len(await messages(nps.sessionmaker, a, case.id)) == 1
