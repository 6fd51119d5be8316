"""Replies: canned responses and their variables, the outward check on a reply (tone problems per field),
approval by org model (globex is centralized) and in a crisis, approve → sent, reject → not sent, "posted
elsewhere" with its address, the first response of a case."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.notifications.models import Notification
from core.policy.models import PolicyVersion
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import CannedResponse, Case, CaseMessage, Crisis, CrisisEntry, Reply
from tests.support import TenantWorld, World, login_as, post_form

RULES = {"forbidden_words": ["waardeloos"], "required_signoff": "^{initials}", "max_length": {"twitter": 60}}


def base(tw: TenantWorld) -> str:
    return f"/t/{tw.slug}/p/webcare"


async def make_case(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, number: int = 1,
                    status: str = "new", department: str = "service") -> UUID:
    now = datetime.now(UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            case = Case(number=number, subject="Storing", status=status, author_handle="@jan", author_name="Jan Jansen",
                        department_id=tw.departments[department].id, opened_at=now, last_message_at=now,
                        url="https://x.test/status/1")
            session.add(case)
            await session.flush()
            return case.id


async def publish(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                  rules: dict[str, Any] | None = None) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PolicyVersion(number=1, strategy={}, way_of_work={}, tone_rules=rules or RULES, note="",
                                      published_at=datetime.now(UTC)))


async def rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).where(*where).order_by(model.created_at))).all())


async def get(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, id_: UUID) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.get(model, id_)


# -- canned responses --------------------------------------------------------------------------------------------------

async def test_canned_crud_variables_and_refusals(client, wc: World, sessionmaker) -> None:
    await login_as(client, wc.a, "regie")
    url = f"{base(wc.a)}/canned/new"
    response = await post_form(client, url, {"title": "Excuses", "body": "Hoi {author}, sorry! ^{agent_initials}",
                                             "language": "nl", "is_active": "1", "is_holding_statement": "1"},
                               follow_redirects=False)
    assert response.status_code == 303
    [canned] = await rows(sessionmaker, wc.a, CannedResponse)
    assert (canned.title, canned.is_holding_statement, canned.is_active) == ("Excuses", True, True)

    response = await post_form(client, url, {"title": "Fout", "body": "Hoi {klant}, {author}"})
    assert response.status_code == 422
    assert "{klant}" in response.text and "Onbekende variabele" in response.text
    response = await post_form(client, url, {"title": "excuses", "body": "Hoi"})
    assert response.status_code == 422 and "Er is al een standaardantwoord met deze titel." in response.text
    assert len(await rows(sessionmaker, wc.a, CannedResponse)) == 1

    response = await client.get(f"{base(wc.a)}/canned/")
    assert "Excuses" in response.text and "noodverklaring" in response.text
    response = await post_form(client, f"{base(wc.a)}/canned/{canned.id}/edit",
                               {"title": "Excuses 2", "body": "Sorry {agent_name}"}, follow_redirects=False)
    assert response.status_code == 303
    canned = await get(sessionmaker, wc.a, CannedResponse, canned.id)
    assert (canned.title, canned.is_active, canned.is_holding_statement) == ("Excuses 2", False, False)
    audit = await rows(sessionmaker, wc.a, AuditEntry, AuditEntry.action.like("webcare.canned%"))
    assert [a.action for a in audit] == ["webcare.canned_created", "webcare.canned_updated"]

    # a member outside the owning department uses them but does not edit them
    client.cookies.clear()
    await login_as(client, wc.a, "marketer")
    assert (await client.get(f"{base(wc.a)}/canned/")).status_code == 200
    assert (await client.get(f"{base(wc.a)}/canned/new")).status_code == 403
    # the other tenant does not see them
    client.cookies.clear()
    await login_as(client, wc.b, "regie")
    assert "Excuses" not in (await client.get(f"{base(wc.b)}/canned/")).text


async def test_canned_response_fills_the_body_for_the_case(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.a, number=42)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            canned = CannedResponse(title="Hallo", body="Hoi {author}, over case {case_number}: {agent_name} "
                                                        "helpt je. ^{agent_initials}")
            session.add(canned)
            await session.flush()
            canned_id = canned.id
    await login_as(client, wc.a, "agent")
    response = await client.get(f"{base(wc.a)}/cases/{case_id}/replies?canned_id={canned_id}",
                                headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Hoi Jan Jansen, over case 42: Agent Acme BV helpt je. ^AAB" in response.text
    assert "<html" not in response.text  # a fragment for the case page


# -- tone of voice -----------------------------------------------------------------------------------------------------

async def test_tone_problems_block_the_reply_with_field_messages(client, wc: World, sessionmaker) -> None:
    await publish(sessionmaker, wc.a)
    case_id = await make_case(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "Wat een waardeloos gedoe, dit bericht is echt veel te lang voor twitter",
                                "channel": "Twitter", "connector": "posted_elsewhere",
                                "external_url": "https://x.test/reply/1"})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert 'Het verboden woord "waardeloos" wordt gebruikt.' in text
    assert 'De verplichte ondertekening "^AAB" ontbreekt aan het eind.' in text
    assert "het maximum voor twitter is 60" in text
    assert await rows(sessionmaker, wc.a, Reply) == []
    assert (await get(sessionmaker, wc.a, Case, case_id)).first_response_at is None



async def test_the_length_rule_follows_the_platform_of_the_case(client, wc: World, sessionmaker) -> None:
    """Left empty, the channel is the case's platform (from its address), so its length rule still holds."""
    from plugins.webcare.replies.service import guess_channel

    assert guess_channel("https://x.com/jan/status/1", {"twitter": 280}) == "twitter"
    assert guess_channel("https://mobile.twitter.com/jan", {"x": 280}) == "x"
    assert guess_channel("https://m.facebook.com/post/1") == "facebook"
    assert guess_channel("https://forum.example/t/1", {"twitter": 280}) == "" and guess_channel("") == ""
    await publish(sessionmaker, wc.a)
    case_id = await make_case(sessionmaker, wc.a)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            (await session.get(Case, case_id)).url = "https://twitter.com/jan/status/1"
    await login_as(client, wc.a, "agent")
    initials = "^AAB"
    panel = await client.get(f"{base(wc.a)}/cases/{case_id}/replies")
    assert 'value="twitter"' in panel.text  # the compose form starts with the case's platform
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "Dit antwoord is te lang voor twitter, veel te lang eigenlijk. " + initials,
                                "channel": "", "connector": "posted_elsewhere"})
    assert response.status_code == 422 and "het maximum voor twitter is 60" in html.unescape(response.text)
    assert await rows(sessionmaker, wc.a, Reply) == []


# -- posted elsewhere, first response ----------------------------------------------------------------------------------

async def test_posted_elsewhere_needs_an_address_and_meets_the_first_response(client, wc: World,
                                                                               sessionmaker) -> None:
    await publish(sessionmaker, wc.a)
    case_id = await make_case(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    url = f"{base(wc.a)}/cases/{case_id}/replies"
    data = {"body": "Dank je, we kijken ernaar! ^AAB", "channel": "twitter", "connector": "posted_elsewhere"}
    for bad in ("", "ftp://x.test/1", "x.test/1"):
        response = await post_form(client, url, {**data, "external_url": bad})
        assert response.status_code == 422 and 'id="e-external_url"' in response.text
    assert await rows(sessionmaker, wc.a, Reply) == []

    response = await post_form(client, url, {**data, "external_url": "https://x.test/reply/9"},
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{base(wc.a)}/cases/{case_id}"
    [reply] = await rows(sessionmaker, wc.a, Reply)
    assert (reply.status, reply.external_url, reply.approval_reason) == ("sent", "https://x.test/reply/9", "")
    case = await get(sessionmaker, wc.a, Case, case_id)
    assert case.first_response_at is not None and case.status == "open"
    first = case.first_response_at
    [line] = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "reply")
    assert (line.reply_id, line.url, line.body) == (reply.id, "https://x.test/reply/9", reply.body)

    # a second reply keeps the first response time
    response = await post_form(client, url, {**data, "external_url": "https://x.test/reply/10"},
                               follow_redirects=False)
    assert response.status_code == 303
    assert (await get(sessionmaker, wc.a, Case, case_id)).first_response_at == first
    # the case page loads the panel; the panel shows both with their status
    case_page = await client.get(f"{base(wc.a)}/cases/{case_id}")
    assert case_page.status_code == 200 and f'hx-get="{url}"' in case_page.text
    panel = await client.get(url, headers={"HX-Request": "true"})
    assert panel.text.count("verzonden") >= 2 and "https://x.test/reply/10" in panel.text


async def test_stale_revision_is_refused(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "Hoi", "connector": "posted_elsewhere", "external_url": "https://x.test/1",
                                "revision": "0"})
    assert response.status_code == 409 and await rows(sessionmaker, wc.a, Reply) == []


# -- approval ------------------------------------------------------------------------------------------------

async def test_centralized_needs_the_hub_approve_sends(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.b)
    await login_as(client, wc.b, "agent")
    url = f"{base(wc.b)}/cases/{case_id}/replies"
    response = await post_form(client, url, {"body": "We lossen het op.", "connector": "posted_elsewhere"},
                               follow_redirects=False)
    assert response.status_code == 303
    [reply] = await rows(sessionmaker, wc.b, Reply)
    assert (reply.status, reply.approval_reason, reply.approver_department_id) == \
        ("pending_approval", "org_model", wc.b.departments["comms"].id)
    events = await rows(sessionmaker, wc.b, CaseMessage, CaseMessage.kind == "event")
    assert [e.details["event"] for e in events] == ["reply_pending_approval"]
    notes = await rows(sessionmaker, wc.b, Notification, Notification.kind == "webcare.reply_approval")
    assert wc.b.users["regie"].id in {n.user_id for n in notes}
    assert (await get(sessionmaker, wc.b, Case, case_id)).first_response_at is None
    # the author may not approve their own reply; a marketer (not in the hub) may not either
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/approve", {"note": ""})
    assert response.status_code == 403
    client.cookies.clear()
    await login_as(client, wc.b, "marketer")
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/approve", {"note": ""})
    assert response.status_code == 403
    assert (await get(sessionmaker, wc.b, Reply, reply.id)).status == "pending_approval"

    client.cookies.clear()
    await login_as(client, wc.b, "regie")
    queue = await client.get(f"{base(wc.b)}/approvals/")
    assert "We lossen het op." in queue.text and "#1" in queue.text
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/approve", {"note": "Prima"},
                               follow_redirects=False)
    assert response.status_code == 303
    reply = await get(sessionmaker, wc.b, Reply, reply.id)
    assert (reply.status, reply.decided_by_id, reply.decision_note) == ("approved", wc.b.users["regie"].id, "Prima")
    # twice is refused
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/approve", {"note": ""})
    assert response.status_code == 409
    # the author posts it by hand and records where: sent
    client.cookies.clear()
    await login_as(client, wc.b, "agent")
    response = await post_form(client, f"{url}/{reply.id}/posted", {"external_url": "nope"})
    assert response.status_code == 422
    response = await post_form(client, f"{url}/{reply.id}/posted", {"external_url": "https://x.test/r/1"},
                               follow_redirects=False)
    assert response.status_code == 303
    reply = await get(sessionmaker, wc.b, Reply, reply.id)
    assert (reply.status, reply.external_url) == ("sent", "https://x.test/r/1")
    assert (await get(sessionmaker, wc.b, Case, case_id)).first_response_at is not None
    audit = await rows(sessionmaker, wc.b, AuditEntry, AuditEntry.action.like("webcare.reply%"))
    assert [a.action for a in audit] == ["webcare.reply_created", "webcare.reply_approved", "webcare.reply_posted"]


async def test_reject_with_a_note_is_not_sent(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.b)
    await login_as(client, wc.b, "agent")
    await post_form(client, f"{base(wc.b)}/cases/{case_id}/replies",
                    {"body": "Jammer dan.", "connector": "posted_elsewhere"})
    [reply] = await rows(sessionmaker, wc.b, Reply)
    client.cookies.clear()
    await login_as(client, wc.b, "regie")
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/reject", {"note": ""})
    assert response.status_code == 422 and "Dit veld is verplicht." in response.text
    response = await post_form(client, f"{base(wc.b)}/approvals/{reply.id}/reject", {"note": "Te kortaf"},
                               follow_redirects=False)
    assert response.status_code == 303
    reply = await get(sessionmaker, wc.b, Reply, reply.id)
    assert (reply.status, reply.decision_note, reply.sent_at) == ("rejected", "Te kortaf", None)
    events = await rows(sessionmaker, wc.b, CaseMessage, CaseMessage.case_id == case_id)
    assert [e.details.get("event") for e in events] == ["reply_pending_approval", "reply_rejected"]
    notes = await rows(sessionmaker, wc.b, Notification, Notification.kind == "webcare.reply_decided")
    assert [n.user_id for n in notes] == [wc.b.users["agent"].id]
    case = await get(sessionmaker, wc.b, Case, case_id)
    assert case.first_response_at is None and case.status == "new"


async def test_crisis_needs_approval_even_without_org_model(client, wc: World, sessionmaker) -> None:
    case_id = await make_case(sessionmaker, wc.a)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            crisis = Crisis(title="Storing", started_at=datetime.now(UTC))
            session.add(crisis)
            session.add(CannedResponse(title="Verklaring", body="We weten van de storing, {author}.",
                                       is_holding_statement=True))
            await session.flush()
            crisis_id = crisis.id
    [canned] = await rows(sessionmaker, wc.a, CannedResponse)
    await login_as(client, wc.a, "agent")
    panel = await client.get(f"{base(wc.a)}/cases/{case_id}/replies")
    assert "Crisismodus staat aan" in panel.text
    response = await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                               {"body": "We weten van de storing, Jan Jansen.", "connector": "posted_elsewhere",
                                "canned_id": str(canned.id)}, follow_redirects=False)
    assert response.status_code == 303
    [reply] = await rows(sessionmaker, wc.a, Reply)
    assert (reply.status, reply.approval_reason, reply.canned_id) == ("pending_approval", "crisis", canned.id)
    client.cookies.clear()
    await login_as(client, wc.a, "regie")
    response = await post_form(client, f"{base(wc.a)}/approvals/{reply.id}/approve", {"note": ""},
                               follow_redirects=False)
    assert response.status_code == 303
    assert (await get(sessionmaker, wc.a, Reply, reply.id)).status == "approved"
    entries = await rows(sessionmaker, wc.a, CrisisEntry, CrisisEntry.crisis_id == crisis_id)
    assert sorted(e.kind for e in entries) == ["reply_approved", "statement_used"]
    # without the crisis the same reply goes straight out (hub and spoke: no approval)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            (await session.get(Crisis, crisis_id)).ended_at = datetime.now(UTC)
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    await post_form(client, f"{base(wc.a)}/cases/{case_id}/replies",
                    {"body": "Opgelost!", "connector": "posted_elsewhere", "external_url": "https://x.test/2"})
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Reply).where(Reply.status == "sent")) == 1


async def test_api_reply_approval_and_listing(client, wc: World, sessionmaker) -> None:
    from tests.support import api_headers

    case_id = await make_case(sessionmaker, wc.b)
    api = f"/api/v1/t/{wc.b.slug}/webcare"
    agent = await api_headers(sessionmaker, wc.b, "agent")
    response = await client.post(f"{api}/cases/{case_id}/replies", json={"body": "", "connector": "fax"},
                                 headers=agent)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"body", "connector"}
    response = await client.post(f"{api}/cases/{case_id}/replies",
                                 json={"body": "Komt goed.", "connector": "posted_elsewhere"}, headers=agent)
    assert response.status_code == 201, response.text
    reply = response.json()
    assert (reply["status"], reply["approval_reason"]) == ("pending_approval", "org_model")
    regie = await api_headers(sessionmaker, wc.b, "regie")
    listed = (await client.get(f"{api}/approvals", headers=regie)).json()
    assert [r["id"] for r in listed["items"]] == [reply["id"]]
    response = await client.post(f"{api}/approvals/{reply['id']}/reject", json={}, headers=regie)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "note"
    response = await client.post(f"{api}/approvals/{reply['id']}/reject", json={"note": "Nee"}, headers=regie)
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    listed = (await client.get(f"{api}/cases/{case_id}/replies", headers=agent)).json()
    assert [(r["status"], r["decision_note"]) for r in listed["items"]] == [("rejected", "Nee")]
    # another tenant's case is not found
    other = await api_headers(sessionmaker, wc.a, "agent")
    response = await client.get(f"/api/v1/t/{wc.a.slug}/webcare/cases/{case_id}/replies", headers=other)
    assert response.status_code == 404
