"""The triage queue's tabs and order, the triage fields (owner from the tenant's members, effort and value 1–5,
marked triaged) with their refusals, and who may do it."""

from __future__ import annotations

from plugins.cocreation.models import Idea, IdeaLink
from tests.plugins.cocreation.conftest import configure
from tests.plugins.cocreation.triage.conftest import STAFF, add_customer, add_idea, audits, get
from tests.support import login_as, post_form


def _numbers(text: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'data-idea="(\d+)"', text)]


async def test_the_tabs_and_the_order(client, cc, sessionmaker):
    a = cc.a
    await configure(sessionmaker, a, vote_threshold=2)
    people = [await add_customer(sessionmaker, a, f"c{n}@example.org") for n in range(3)]
    old = await add_idea(sessionmaker, a, "Oud", days_ago=30)
    popular = await add_idea(sessionmaker, a, "Populair", voters=tuple(people), days_ago=5)
    linked = await add_idea(sessionmaker, a, "Gekoppeld", voters=(people[0],), days_ago=2)
    done = await add_idea(sessionmaker, a, "Al bekeken", days_ago=1, triaged_at=popular.created_at)
    waiting = await add_idea(sessionmaker, a, "Wacht", status="pending")
    gone = await add_idea(sessionmaker, a, "Weg", status="merged")
    await add_idea(sessionmaker, cc.b, "Ander bord")
    from tests.plugins.cocreation.conftest import add_rows
    await add_rows(sessionmaker, a, IdeaLink(idea_id=linked.id, kind="case", ref_id="c-1"))
    await login_as(client, a, "regie")
    page = await client.get(f"{STAFF}triage/")
    assert page.status_code == 200
    assert _numbers(page.text) == [popular.number, linked.number, old.number]  # not triaged, by votes
    page = await client.get(f"{STAFF}triage/?tab=new&sort=age")
    assert _numbers(page.text) == [old.number, popular.number, linked.number]
    page = await client.get(f"{STAFF}triage/?tab=threshold")
    assert _numbers(page.text) == [popular.number]
    page = await client.get(f"{STAFF}triage/?tab=linked")
    assert _numbers(page.text) == [linked.number]
    page = await client.get(f"{STAFF}triage/?tab=all&sort=recent")
    assert _numbers(page.text) == [waiting.number, done.number, linked.number, popular.number, old.number]
    assert gone.number not in _numbers(page.text) and "Ander bord" not in page.text
    assert (await client.get(f"{STAFF}triage/?tab=nonsense&sort=x&page=abc")).status_code == 200


async def test_setting_owner_effort_and_value_and_marking_triaged(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    await login_as(client, a, "regie")
    owner = a.users["marketer"].id
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/triage",
                               {"owner_id": str(owner), "effort": "2", "value": "5", "triaged": "1"},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    row = await get(sessionmaker, a, Idea, idea.id)
    assert (row.owner_id, row.effort, row.value) == (owner, 2, 5) and row.triaged_at is not None
    [entry] = await audits(sessionmaker, a, "cocreation.idea_triaged")
    assert entry.data["effort"] == 2 and entry.data["owner_id"] == str(owner)
    page = await client.get(f"{STAFF}triage/")
    assert idea.number not in _numbers(page.text)  # triaged ideas leave the "new" tab
    # clearing is allowed
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/triage", {"owner_id": "", "effort": "",
                                                                             "value": ""}, follow_redirects=False)
    row = await get(sessionmaker, a, Idea, idea.id)
    assert response.status_code == 303 and (row.owner_id, row.effort, row.value) == (None, None, None)
    assert row.triaged_at is not None


async def test_bad_triage_input_is_refused_per_field(client, cc, sessionmaker):
    a, b = cc.a, cc.b
    idea = await add_idea(sessionmaker, a)
    await login_as(client, a, "regie")
    for data, text in (({"effort": "6"}, "van 1 tot en met 5"), ({"value": "0"}, "van 1 tot en met 5"),
                       ({"effort": "x"}, "van 1 tot en met 5"),
                       ({"owner_id": str(b.users["regie"].id)}, "Kies iemand van de organisatie"),
                       ({"owner_id": str(a.users["viewer"].id)}, "Kies iemand van de organisatie"),
                       ({"owner_id": "not-a-uuid"}, "Kies iemand van de organisatie")):
        response = await post_form(client, f"{STAFF}ideas/{idea.number}/triage", {**data, "triaged": "1"})
        assert response.status_code == 422 and text in response.text, (data, response.text[-2000:])
    row = await get(sessionmaker, a, Idea, idea.id)
    assert (row.owner_id, row.effort, row.value, row.triaged_at) == (None, None, None, None)
    assert await audits(sessionmaker, a, "cocreation.idea_triaged") == []


async def test_a_viewer_cannot_triage(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    await login_as(client, a, "viewer")
    assert (await client.get(f"{STAFF}triage/")).status_code == 403
    page = await client.get(f"{STAFF}ideas/{idea.number}")
    assert page.status_code == 200 and 'id="triage"' not in page.text
    response = await post_form(client, f"{STAFF}ideas/{idea.number}/triage", {"effort": "3", "triaged": "1"})
    assert response.status_code == 403
    row = await get(sessionmaker, a, Idea, idea.id)
    assert row.effort is None and row.triaged_at is None

