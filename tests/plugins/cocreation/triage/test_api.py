"""Triage over the JSON API: list and read ideas, move one with a public reason, set the triage fields; the
same validation as the pages (422 per field, nothing changed), and a viewer's token cannot change anything."""

from __future__ import annotations

from plugins.cocreation.models import Idea, StageChange
from tests.plugins.cocreation.conftest import configure
from tests.plugins.cocreation.triage.conftest import API, add_customer, add_idea, count, get
from tests.support import api_headers


async def test_listing_and_reading_ideas(client, cc, sessionmaker):
    a = cc.a
    await configure(sessionmaker, a, vote_threshold=1)
    ann = await add_customer(sessionmaker, a, "ann@example.org")
    first = await add_idea(sessionmaker, a, "Een", voters=(ann,))
    await add_idea(sessionmaker, a, "Twee")
    headers = await api_headers(sessionmaker, a, "viewer")
    listing = await client.get(f"{API}ideas", headers=headers)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    assert [i["title"] for i in body["items"]] == ["Een", "Twee"] and body["page"]["total"] == 2
    threshold = (await client.get(f"{API}ideas?queue=threshold", headers=headers)).json()
    assert [i["number"] for i in threshold["items"]] == [first.number]
    bad = await client.get(f"{API}ideas?queue=nope", headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "queue"
    one = await client.get(f"{API}ideas/{first.number}", headers=headers)
    assert one.status_code == 200 and one.json()["votes"] == 1 and one.json()["history"] == []
    assert (await client.get(f"{API}ideas/9999", headers=headers)).status_code == 404
    assert (await client.get(f"{API}ideas/99999999999", headers=headers)).status_code == 404  # beyond the column


async def test_moving_and_triaging_over_the_api(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    headers = await api_headers(sessionmaker, a, "regie")
    response = await client.post(f"{API}ideas/{idea.number}/stage", headers=headers,
                                 json={"stage": "planned", "reason": "Staat op de planning voor mei."})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stage"] == "planned" and body["history"][0]["reason"] == "Staat op de planning voor mei."
    assert body["history"][0]["by_threshold"] is False
    response = await client.post(f"{API}ideas/{idea.number}/triage", headers=headers,
                                 json={"owner_id": str(a.users["marketer"].id), "effort": 3, "triaged": True})
    assert response.status_code == 200, response.text
    assert (response.json()["effort"], response.json()["value"], response.json()["owner_id"]) == (
        3, None, str(a.users["marketer"].id)) and response.json()["triaged_at"]
    response = await client.post(f"{API}ideas/{idea.number}/triage", headers=headers, json={"value": 4})
    assert (response.json()["effort"], response.json()["value"]) == (3, 4)  # what is left out stays


async def test_bad_api_input_is_refused_per_field(client, cc, sessionmaker):
    a = cc.a
    idea = await add_idea(sessionmaker, a)
    headers = await api_headers(sessionmaker, a, "regie")
    for url, data, field in (("stage", {"stage": "planned", "reason": ""}, "reason"),
                             ("stage", {"stage": "mars", "reason": "Omdat het kan."}, "stage"),
                             ("stage", {"stage": ["planned"], "reason": "Omdat het kan."}, "stage"),
                             ("triage", {"effort": 9}, "effort"),
                             ("triage", {"owner_id": "nobody"}, "owner_id")):
        response = await client.post(f"{API}ideas/{idea.number}/{url}", headers=headers, json=data)
        assert response.status_code == 422, (data, response.text)
        assert field in {e["field"] for e in response.json()["errors"]}, (data, response.text)
    response = await client.post(f"{API}ideas/{idea.number}/stage", headers=headers, json=["planned"])
    assert response.status_code == 400
    row = await get(sessionmaker, a, Idea, idea.id)
    assert (row.stage_key, row.effort, row.owner_id) == ("new", None, None)
    assert await count(sessionmaker, a, StageChange) == 0
    viewer = await api_headers(sessionmaker, a, "viewer")
    response = await client.post(f"{API}ideas/{idea.number}/stage", headers=viewer,
                                 json={"stage": "planned", "reason": "Omdat het kan."})
    assert response.status_code == 403
    response = await client.post(f"{API}ideas/{idea.number}/triage", headers=viewer, json={"effort": 2})
    assert response.status_code == 403
    assert (await get(sessionmaker, a, Idea, idea.id)).effort is None
