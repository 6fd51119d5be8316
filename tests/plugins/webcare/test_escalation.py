"""Escalation: a case handed to another department and back (API and pages), one open at a time, only to the
tenant's own departments, handed back only by the receiving department (or whoever configures webcare)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.notifications.models import Notification
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import Case, CaseMessage, CaseQueue, Escalation
from tests.support import TenantWorld, World, api_headers, login_as, post_form

API = "/api/v1/t/acme/webcare"
WEB = "/t/acme/p/webcare"


async def make_case(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                    **fields: Any) -> dict[str, UUID]:
    """A case in the service department's "Webcare" queue, assigned to the agent; a press queue for comms."""
    now = datetime.now(UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            webcare = CaseQueue(name="Webcare", department_id=tw.departments["service"].id, is_default=True)
            press = CaseQueue(name="Pers", department_id=tw.departments["comms"].id)
            session.add_all([webcare, press])
            await session.flush()
            case = Case(number=7, subject="Vraag van de krant", status="open", priority="high",
                        queue_id=webcare.id, department_id=tw.departments["service"].id,
                        assignee_id=tw.users["agent"].id, author_handle="@krant", opened_at=now,
                        last_message_at=now, **fields)
            session.add(case)
            await session.flush()
            return {"case": case.id, "webcare": webcare.id, "press": press.id}


async def load(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, case_id: UUID) -> dict[str, Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            case = await session.get(Case, case_id)
            escalations = list((await session.scalars(select(Escalation).order_by(Escalation.created_at))).all())
            events = list((await session.scalars(select(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.kind == "event").order_by(CaseMessage.at))).all())
            audit = list((await session.scalars(select(AuditEntry.action).where(
                AuditEntry.action.like("webcare.%")))).all())
            return {"case": case, "escalations": escalations, "events": events, "audit": sorted(audit)}


async def notes_for(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, who: str) -> list[Notification]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Notification).where(
                Notification.user_id == tw.users[who].id).order_by(Notification.created_at))).all())


async def test_round_trip_through_the_api(wc: World, client: Any,
                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await make_case(sessionmaker, wc.a)
    agent = await api_headers(sessionmaker, wc.a, "agent")
    comms = wc.a.departments["comms"].id
    response = await client.post(f"{API}/cases/{ids['case']}/escalations", headers=agent,
                                 json={"reason": "press", "department_id": str(comms),
                                       "note": "De krant belt morgen terug", "revision": 1})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["reason"], body["to_department_id"], body["from_department_id"]) == \
        ("open", "press", str(comms), str(wc.a.departments["service"].id))
    assert (body["case_department_id"], body["case_queue_id"], body["case_revision"]) == \
        (str(comms), str(ids["press"]), 2)
    state = await load(sessionmaker, wc.a, ids["case"])
    assert (state["case"].department_id, state["case"].queue_id) == (comms, ids["press"])
    assert state["case"].assignee_id == wc.a.users["agent"].id  # the original assignee keeps it
    [event] = state["events"]
    assert event.details["event"] == "escalated" and event.details["to"] == str(comms)
    assert event.body == "De krant belt morgen terug"
    assert state["audit"] == ["webcare.case_escalated"]
    [note] = await notes_for(sessionmaker, wc.a, "regie")  # comms' people are told
    assert note.title == "Case #7 werd overgedragen aan Communicatie"
    assert "Reden: persvraag" in note.body and "De krant belt morgen terug" in note.body
    assert note.href == "/t/acme/p/webcare/escalations/"
    assert await notes_for(sessionmaker, wc.a, "marketer") == []

    # the receiving department lists it; another department's member does not see it
    regie = await api_headers(sessionmaker, wc.a, "regie")
    listed = (await client.get(f"{API}/escalations?mine=true", headers=regie)).json()
    assert [(i["id"], i["case_number"]) for i in listed["items"]] == [(body["id"], 7)]
    member = await api_headers(sessionmaker, wc.a, "member")
    assert (await client.get(f"{API}/escalations", headers=member)).json()["items"] == []
    assert len((await client.get(f"{API}/escalations", headers=agent)).json()["items"]) == 1  # configure: all

    # a member of another department may not hand it back
    response = await client.post(f"{API}/escalations/{body['id']}/return", headers=member, json={"note": "x"})
    assert response.status_code == 403
    # a stale revision is refused, nothing changes
    response = await client.post(f"{API}/escalations/{body['id']}/return", headers=regie,
                                 json={"note": "Klaar", "revision": 1})
    assert response.status_code == 409
    assert (await load(sessionmaker, wc.a, ids["case"]))["case"].department_id == comms
    response = await client.post(f"{API}/escalations/{body['id']}/return", headers=regie,
                                 json={"note": "Persbericht staat online", "revision": 2})
    assert response.status_code == 200, response.text
    back = response.json()
    assert (back["status"], back["return_note"], back["returned_by_id"]) == \
        ("returned", "Persbericht staat online", str(wc.a.users["regie"].id))
    state = await load(sessionmaker, wc.a, ids["case"])
    assert (state["case"].department_id, state["case"].queue_id, state["case"].revision) == \
        (wc.a.departments["service"].id, ids["webcare"], 3)
    assert [e.details["event"] for e in state["events"]] == ["escalated", "returned"]
    assert state["audit"] == ["webcare.case_escalated", "webcare.escalation_returned"]
    [note] = await notes_for(sessionmaker, wc.a, "agent")  # the original assignee
    assert note.title == "Case #7 kwam terug van Communicatie" and note.body == "Persbericht staat online"
    assert note.href == f"/t/acme/p/webcare/cases/{ids['case']}"
    # handed back twice: refused; listed no more
    response = await client.post(f"{API}/escalations/{body['id']}/return", headers=regie, json={"note": "nog eens"})
    assert response.status_code == 409
    assert (await client.get(f"{API}/escalations", headers=agent)).json()["items"] == []
    # once back, it can be handed on again
    response = await client.post(f"{API}/cases/{ids['case']}/escalations", headers=agent,
                                 json={"reason": "sales_lead", "department_id": str(wc.a.departments["marketing"].id),
                                       "note": "Wil een offerte"})
    assert response.status_code == 201
    assert response.json()["case_queue_id"] is None  # marketing has no queue


async def test_bad_input_double_escalation_and_foreign_departments(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await make_case(sessionmaker, wc.a)
    agent = await api_headers(sessionmaker, wc.a, "agent")
    url = f"{API}/cases/{ids['case']}/escalations"
    comms = str(wc.a.departments["comms"].id)
    cases = [({"reason": "gossip", "department_id": comms, "note": "n"}, "reason"),
             ({"reason": "press", "department_id": "not-an-id", "note": "n"}, "department_id"),
             ({"reason": "press", "department_id": str(wc.b.departments["comms"].id), "note": "n"}, "department_id"),
             ({"reason": "press", "department_id": str(wc.a.departments["service"].id), "note": "n"},
              "department_id"),
             ({"reason": "press", "department_id": comms, "note": ""}, "note"),
             ({"reason": "press", "department_id": comms, "note": "n" * 5001}, "note")]
    for data, field in cases:
        response = await client.post(url, headers=agent, json=data)
        assert response.status_code == 422, (data, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}
    state = await load(sessionmaker, wc.a, ids["case"])
    assert state["escalations"] == [] and state["events"] == [] and state["case"].revision == 1
    assert state["case"].department_id == wc.a.departments["service"].id

    assert (await client.post(url, headers=agent, json={"reason": "press", "department_id": comms,
                                                        "note": "één"})).status_code == 201
    response = await client.post(url, headers=agent, json={"reason": "product_idea", "note": "twee",
                                                           "department_id": str(wc.a.departments["marketing"].id)})
    assert response.status_code == 409
    state = await load(sessionmaker, wc.a, ids["case"])
    assert len(state["escalations"]) == 1 and state["case"].department_id == wc.a.departments["comms"].id

    # another tenant's case is not found; another tenant's escalation neither
    other = await api_headers(sessionmaker, wc.b, "agent")
    response = await client.post(f"/api/v1/t/globex/webcare/cases/{ids['case']}/escalations", headers=other,
                                 json={"reason": "press", "department_id": str(wc.b.departments["comms"].id),
                                       "note": "n"})
    assert response.status_code == 404
    response = await client.post(f"/api/v1/t/globex/webcare/escalations/{state['escalations'][0].id}/return",
                                 headers=other, json={"note": "n"})
    assert response.status_code == 404


async def test_pages_panel_list_and_hand_back(wc: World, client: Any,
                                              sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await make_case(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    panel_url = f"{WEB}/cases/{ids['case']}/escalation"
    fragment = {"HX-Request": "true"}
    response = await client.get(panel_url, headers=fragment)
    assert response.status_code == 200
    assert "<html" not in response.text and "Overdragen aan een andere afdeling" in response.text
    assert "Communicatie" in response.text and "persvraag" in response.text
    # bad input: the panel comes back with the error, as a 422 htmx swaps in
    response = await post_form(client, panel_url, {"reason": "press", "department_id": "", "note": "n",
                                                   "revision": "1"}, headers=fragment)
    assert response.status_code == 422 and "<html" not in response.text
    assert 'id="webcare-escalation"' in response.text and "has-error" in response.text
    response = await post_form(client, panel_url, {"reason": "press", "note": "Journalist van het AD",
                                                   "department_id": str(wc.a.departments["comms"].id),
                                                   "revision": "1"}, headers=fragment)
    assert response.status_code == 200
    assert response.headers["hx-location"] == f"{WEB}/cases/{ids['case']}"
    # the panel now shows where the case is, without the form; a second try is refused in the panel
    response = await client.get(panel_url, headers=fragment)
    assert "Bij Communicatie sinds" in response.text and 'name="reason"' not in response.text
    response = await post_form(client, panel_url, {"reason": "press", "note": "nog eens", "revision": "2",
                                                   "department_id": str(wc.a.departments["marketing"].id)},
                               follow_redirects=False)
    assert response.status_code == 409 and "<html" in response.text  # full page without htmx

    client.cookies.clear()
    await login_as(client, wc.a, "regie")
    response = await client.get(f"{WEB}/escalations/?mine=1")
    assert response.status_code == 200 and "#7" in response.text and "Journalist van het AD" in response.text
    [escalation] = (await load(sessionmaker, wc.a, ids["case"]))["escalations"]
    detail = f"{WEB}/escalations/{escalation.id}"
    assert "Teruggeven" in (await client.get(detail)).text
    response = await post_form(client, f"{detail}/return", {"note": "", "revision": "2"}, follow_redirects=False)
    assert response.status_code == 422 and "Dit veld is verplicht" in response.text
    response = await post_form(client, f"{detail}/return", {"note": "Gedaan", "revision": "2"},
                               follow_redirects=False)
    assert response.status_code == 303
    state = await load(sessionmaker, wc.a, ids["case"])
    assert state["escalations"][0].status == "returned" and state["case"].department_id == \
        wc.a.departments["service"].id
    assert "Geen open escalaties." in (await client.get(f"{WEB}/escalations/")).text

    # a member of marketing sees none and may not hand back
    client.cookies.clear()
    await login_as(client, wc.a, "member")
    assert "Geen open escalaties." in (await client.get(f"{WEB}/escalations/")).text
