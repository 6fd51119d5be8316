"""The case page: header, timeline, author history, the actions (status incl. waiting pause/resume and reopen,
priority override, assignment, note) at a revision (stale → 409, nothing changed), presence, the polled
fragments, and the same through `GET/PATCH /cases/{id}` in the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import Case, CaseMessage, CaseViewer
from tests.plugins.webcare.test_inbox import make_cases
from tests.support import TenantWorld, World, api_headers, login_as, post_form

WEB = "/t/acme/p/webcare/cases/"
API = "/api/v1/t/acme/webcare/cases/"


async def load(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, case_id: UUID) -> Case:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            case = await session.get(Case, case_id)
            assert case is not None
            return case


async def events(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, case_id: UUID,
                 kind: str = "event") -> list[CaseMessage]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(CaseMessage).where(
                CaseMessage.case_id == case_id, CaseMessage.kind == kind).order_by(CaseMessage.created_at))).all())


async def audits(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[str]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows = await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("webcare.%")))
            return list(rows.all())


async def one_case(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **fields: Any) -> UUID:
    [case_id] = await make_cases(sessionmaker, tw, 1, deadlines=True, **fields)
    return case_id


async def change(client: Any, case_id: UUID, revision: int, **values: str) -> Any:
    return await post_form(client, f"{WEB}{case_id}/change", {"revision": str(revision), **values},
                           follow_redirects=False)


async def test_case_page_shows_header_timeline_and_history(wc: World, client: Any,
                                                           sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    now = datetime.now(UTC)
    case_id = await one_case(sessionmaker, a, author_handle="@jan", subject="Geen internet",
                             assignee_id=a.users["agent"].id)
    [older] = await make_cases(sessionmaker, a, 1, start=7, author_handle="@jan", subject="Oude klacht",
                               status="closed", opened_at=now - timedelta(days=30))
    await make_cases(sessionmaker, a, 1, start=8, author_handle="@piet", subject="Andermans klacht")
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            session.add_all([
                CaseMessage(case_id=case_id, kind="inbound", body="Al drie dagen geen internet", at=now,
                            author_handle="@jan", sentiment="negative"),
                CaseMessage(case_id=case_id, kind="note", body="Klant belt vaker", at=now + timedelta(seconds=1),
                            user_id=a.users["regie"].id),
                CaseMessage(case_id=case_id, kind="event", at=now + timedelta(seconds=2),
                            details={"event": "assigned", "to": str(a.users["agent"].id), "by": "round_robin"}),
            ])
    await login_as(client, a, "viewer")
    response = await client.get(f"{WEB}{case_id}")
    assert response.status_code == 200
    text = response.text
    assert "#1 Geen internet" in text
    assert "Al drie dagen geen internet" in text and "Klant belt vaker" in text
    assert a.users["regie"].name in text and a.users["agent"].name in text
    assert "timeline-inbound" in text and "timeline-note" in text and "timeline-event" in text
    assert f'{WEB}{older}">#7</a>' in text and "Oude klacht" in text
    assert "Andermans klacht" not in text
    assert f'hx-get="{WEB}{case_id}/presence"' in text and "every 10s" in text
    assert f'action="{WEB}{case_id}/change"' not in text  # a viewer cannot act
    missing = await client.get(f"{WEB}{uuid4()}")
    assert missing.status_code == 404


async def test_status_waiting_pauses_and_resumes_the_resolution_clock(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    before = await load(sessionmaker, a, case_id)
    await login_as(client, a, "agent")
    assert (await change(client, case_id, 1, status="waiting")).status_code == 303
    waiting = await load(sessionmaker, a, case_id)
    assert waiting.status == "waiting" and waiting.waiting_since is not None and waiting.revision == 2
    # a week of waiting (whatever the business hours, some of it was business time)
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            row = await session.get(Case, case_id)
            assert row is not None
            row.waiting_since = datetime.now(UTC) - timedelta(days=7)
    assert (await change(client, case_id, 2, status="open")).status_code == 303
    resumed = await load(sessionmaker, a, case_id)
    assert resumed.status == "open" and resumed.waiting_since is None
    assert resumed.paused_minutes > 0
    assert resumed.resolution_due > before.resolution_due
    history = [(e.details["from"], e.details["to"]) for e in await events(sessionmaker, a, case_id)]
    assert history == [("open", "waiting"), ("waiting", "open")]
    assert (await audits(sessionmaker, a)).count("webcare.case_changed") == 2


async def test_resolve_close_and_reopen(wc: World, client: Any,
                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    await change(client, case_id, 1, status="resolved")
    resolved = await load(sessionmaker, a, case_id)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    await change(client, case_id, 2, status="closed")
    closed = await load(sessionmaker, a, case_id)
    assert closed.status == "closed" and closed.closed_at is not None
    await change(client, case_id, 3, status="open")
    reopened = await load(sessionmaker, a, case_id)
    assert reopened.status == "reopened" and reopened.reopened_count == 1
    assert reopened.closed_at is None and reopened.resolved_at is None
    text = (await client.get(f"{WEB}{case_id}")).text
    assert "timeline-event" in text
    bad = await change(client, case_id, 4, status="reopened")
    assert bad.status_code == 422 and "status" in bad.text
    assert (await load(sessionmaker, a, case_id)).revision == 4


async def test_priority_override_moves_the_deadlines(wc: World, client: Any,
                                                     sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a, priority="low")
    before = await load(sessionmaker, a, case_id)
    await login_as(client, a, "agent")
    assert (await change(client, case_id, 1, priority="urgent")).status_code == 303
    after = await load(sessionmaker, a, case_id)
    assert after.priority == "urgent" and after.priority_manual is True
    assert after.first_response_due < before.first_response_due
    assert after.resolution_due < before.resolution_due
    [event] = await events(sessionmaker, a, case_id)
    assert event.details == {"event": "priority", "from": "low", "to": "urgent"}
    assert event.user_id == a.users["agent"].id


async def test_assignment(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    await change(client, case_id, 1, assignee_id=str(a.users["marketer"].id))
    assert (await load(sessionmaker, a, case_id)).assignee_id == a.users["marketer"].id
    await change(client, case_id, 2, assignee_id="me")
    assert (await load(sessionmaker, a, case_id)).assignee_id == a.users["agent"].id
    for bad in (str(a.users["viewer"].id), str(wc.b.users["agent"].id), str(uuid4()), "nope"):
        response = await change(client, case_id, 3, assignee_id=bad)
        assert response.status_code == 422
        assert (await load(sessionmaker, a, case_id)).assignee_id == a.users["agent"].id
    await change(client, case_id, 3, assignee_id="")
    case = await load(sessionmaker, a, case_id)
    assert case.assignee_id is None and case.revision == 4
    assert [e.details["to"] for e in await events(sessionmaker, a, case_id)] == [
        str(a.users["marketer"].id), str(a.users["agent"].id), ""]
    assert a.users["marketer"].name in (await client.get(f"{WEB}{case_id}")).text


async def test_internal_note(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    response = await post_form(client, f"{WEB}{case_id}/note", {"body": "Teruggebeld, lost op", "revision": "1"},
                               follow_redirects=False)
    assert response.status_code == 303
    [note] = await events(sessionmaker, a, case_id, "note")
    assert note.body == "Teruggebeld, lost op" and note.user_id == a.users["agent"].id
    assert (await load(sessionmaker, a, case_id)).revision == 2
    empty = await post_form(client, f"{WEB}{case_id}/note", {"body": "  ", "revision": "2"}, follow_redirects=False)
    assert empty.status_code == 422
    assert len(await events(sessionmaker, a, case_id, "note")) == 1
    assert "webcare.note_added" in await audits(sessionmaker, a)


async def test_stale_revision_is_409_and_changes_nothing(wc: World, client: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    assert (await change(client, case_id, 1, status="waiting")).status_code == 303
    # another agent's form still says revision 1
    stale = await change(client, case_id, 1, status="resolved")
    assert stale.status_code == 409
    assert f'href="{WEB}{case_id}"' in stale.text
    note = await post_form(client, f"{WEB}{case_id}/note", {"body": "Mijn notitie", "revision": "1"},
                           follow_redirects=False)
    assert note.status_code == 409 and "Mijn notitie" in note.text  # shown so it is not lost
    case = await load(sessionmaker, a, case_id)
    assert case.status == "waiting" and case.revision == 2 and case.resolved_at is None
    assert len(await events(sessionmaker, a, case_id)) == 1
    assert await events(sessionmaker, a, case_id, "note") == []
    missing = await change(client, case_id, 0, status="open")
    assert missing.status_code == 409
    no_revision = await post_form(client, f"{WEB}{case_id}/change", {"status": "open"}, follow_redirects=False)
    assert no_revision.status_code == 422 and "revision" in no_revision.text


async def test_presence_names_the_others_not_me(wc: World, client: Any, app: Any,
                                                sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    alone = await client.get(f"{WEB}{case_id}/presence")
    assert alone.status_code == 200 and "<html" not in alone.text
    assert a.users["agent"].name not in alone.text and "alert" not in alone.text
    client.cookies.clear()
    await login_as(client, a, "regie")
    together = await client.get(f"{WEB}{case_id}/presence")
    assert a.users["agent"].name in together.text and a.users["regie"].name not in together.text
    # someone who looked long ago is not named
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            for viewer in (await session.scalars(select(CaseViewer))).all():
                if viewer.user_id == a.users["agent"].id:
                    viewer.seen_at = datetime.now(UTC) - timedelta(minutes=5)
    later = await client.get(f"{WEB}{case_id}/presence")
    assert a.users["agent"].name not in later.text
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            assert len((await session.scalars(select(CaseViewer))).all()) == 2


async def test_timeline_fragment(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a)
    await login_as(client, a, "agent")
    page = await client.get(f"{WEB}{case_id}")
    assert f'hx-get="{WEB}{case_id}/timeline?tpage=1&amp;rev=1"' in page.text
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            session.add(CaseMessage(case_id=case_id, kind="inbound", body="Nog steeds kapot", at=datetime.now(UTC),
                                    author_handle="@klant1"))
    fragment = await client.get(f"{WEB}{case_id}/timeline", params={"tpage": "1", "rev": "1"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="timeline"' in fragment.text
    assert "Nog steeds kapot" in fragment.text
    assert f'href="{WEB}{case_id}"' not in fragment.text  # nothing changed on the case itself
    await change(client, case_id, 1, status="waiting")
    changed = await client.get(f"{WEB}{case_id}/timeline", params={"tpage": "1", "rev": "1"})
    assert f'href="{WEB}{case_id}"' in changed.text  # "this case changed, reload"


async def test_api_get_and_patch(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    case_id = await one_case(sessionmaker, a, priority="normal")
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            session.add(CaseMessage(case_id=case_id, kind="inbound", body="Help", at=datetime.now(UTC),
                                    author_handle="@klant1"))
    headers = await api_headers(sessionmaker, a, "agent")
    got = await client.get(f"{API}{case_id}", headers=headers)
    assert got.status_code == 200
    body = got.json()
    assert body["case"]["number"] == 1 and body["case"]["revision"] == 1
    assert [(e["kind"], e["body"]) for e in body["timeline"]] == [("inbound", "Help")]
    patched = await client.patch(f"{API}{case_id}", headers=headers,
                                 json={"revision": 1, "status": "waiting", "priority": "high", "assignee_id": "me"})
    assert patched.status_code == 200, patched.text
    out = patched.json()
    assert out["case"]["status"] == "waiting" and out["case"]["priority"] == "high"
    assert out["case"]["assignee_id"] == str(a.users["agent"].id) and out["case"]["revision"] == 2
    assert out["waiting_since"] is not None
    assert {e["details"].get("event") for e in out["timeline"] if e["kind"] == "event"} == {
        "status", "priority", "assigned"}

    stale = await client.patch(f"{API}{case_id}", headers=headers, json={"revision": 1, "status": "closed"})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "revision"
    for payload, field in (({"revision": 2, "status": "gone"}, "status"),
                           ({"revision": 2, "priority": "meh"}, "priority"),
                           ({"revision": 2, "assignee_id": "x"}, "assignee_id"),
                           ({"revision": 2, "assignee_id": str(a.users["viewer"].id)}, "assignee_id"),
                           ({"status": "open"}, "revision"),
                           ({"revision": "abc", "status": "open"}, "revision"),
                           ({"revision": 2}, "__all__")):
        response = await client.patch(f"{API}{case_id}", headers=headers, json=payload)
        assert response.status_code == 422, (payload, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}
    case = await load(sessionmaker, a, case_id)
    assert case.status == "waiting" and case.revision == 2
    assert (await client.patch(f"{API}{uuid4()}", headers=headers, json={"revision": 1, "status": "open"})
            ).status_code == 404
    viewer = await api_headers(sessionmaker, a, "viewer")
    assert (await client.patch(f"{API}{case_id}", headers=viewer, json={"revision": 2, "status": "open"})
            ).status_code == 403
    assert (await client.get(f"{API}{case_id}", headers=viewer)).status_code == 200
