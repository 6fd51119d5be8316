"""The baseline study (nulmeting): frozen once, never recomputed, and it satisfies the roadmap's baseline item."""

from __future__ import annotations

from sqlalchemy import func, select

from core.plugins.api import run_named_job
from core.roadmap.gates import evaluate
from core.roadmap.models import BaselineStudy
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import BaselineReport
from tests.plugins.monitoring.buzz_data import M, add_more, at, profile_id, seed
from tests.support import api_headers, login_as, post_form

FORM = {"title": "Nulmeting maart", "period_start": "2026-03-02", "period_end": "2026-03-08"}
PAGES = "/t/acme/p/monitoring/baseline/"
API = "/api/v1/t/acme/monitoring/baselines"



async def counts(sessionmaker, tw) -> tuple[int, int]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return (await s.scalar(select(func.count()).select_from(BaselineReport)),
                    await s.scalar(select(func.count()).select_from(BaselineStudy)))


async def baseline_item(sessionmaker, tw):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            report = await evaluate(s, await s.get(Tenant, tw.id))
    return next(i for i in report.items if i.key == "baseline")


async def test_freeze_creates_the_report_and_the_gate_item_holds(app, client, mon, sessionmaker):
    await seed(sessionmaker, mon.a)
    assert not (await baseline_item(sessionmaker, mon.a)).ok
    await login_as(client, mon.a, "regie")
    response = await post_form(client, PAGES, FORM, follow_redirects=False)
    assert response.status_code == 303, response.text
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            row = await s.scalar(select(BaselineReport))
            study = await s.get(BaselineStudy, row.study_id)
    assert response.headers["location"] == f"{PAGES}{row.id}"
    assert study.source == "monitoring" and study.title == "Nulmeting maart" and study.data == row.report
    assert "7 vermeldingen" in study.summary
    r = row.report
    assert r["totals"]["mentions"] == 7 and r["totals"]["places"] == 6 and r["totals"]["negative_share"] == 57.1
    assert r["totals"]["authors"] == 6 and r["totals"]["reach"] == 8125
    assert [a["handle"] for a in r["authors"]][:3] == ["carol", "erik", "anna"]
    assert r["authors"][3]["handle"] == "bob" and len(r["authors"][3]["samples"]) == 2
    assert r["most_shared"][0]["author"] == "bob" and r["most_shared"][0]["reposts"] == 4
    # questions and requests: "Waarom ...?", "Hoe kan ik ...?", "Please fix ..."
    assert r["needs"]["mentions"] == 3 and r["needs"]["share"] == 42.9
    assert {s["author"] for s in r["needs"]["samples"]} == {"bob", "dirk", "fay"}
    assert {t["term"] for t in r["needs"]["terms"]} >= {"abonnement", "ticket"}
    assert r["buzz"]["by_source_type"] == {"news": 2, "microblog": 2, "blog": 1, "forum": 1, "review": 1}
    assert r["buzz"]["weeks"] == ["2026-W10"] and r["buzz"]["weekly"]["microblog"] == [2]
    assert r["sentiment"]["share"] == {"negative": 4, "neutral": 1, "positive": 2}
    assert r["sentiment"]["trend"]["negative"] == [57.1]
    assert {t["term"] for t in r["terms"]} >= {"trein", "vertraging"} and r["hashtags"][0]["term"] == "treinen"
    assert len(r["places"]["list"]) == 6
    item = await baseline_item(sessionmaker, mon.a)
    assert item.ok and "Nulmeting maart" in item.text
    page = await client.get(f"{PAGES}{row.id}")
    assert page.status_code == 200
    assert page.text.count("data-chart=") == 4 and "Nulmeting maart" in page.text and "carol" in page.text
    assert "Waarom is de trein weer te laat?" in page.text
    listing = await client.get(PAGES)
    assert listing.status_code == 200 and f"{PAGES}{row.id}" in listing.text


async def test_frozen_report_never_changes(app, client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    headers = await api_headers(sessionmaker, mon.a, "regie")
    created = await client.post(API, json=FORM, headers=headers)
    assert created.status_code == 201, created.text
    frozen = created.json()
    await add_more(sessionmaker, mon.a, seeded, [M(at(1), "Nog meer over de trein", sentiment="positive",
                                                   author="zoe-nieuw", reach=99999, place="nieuw.nl")])
    await run_named_job(app, "monitoring.rollup_days", mon.a.id)
    again = await client.get(f"{API}/{frozen['id']}", headers=headers)
    assert again.status_code == 200 and again.json()["report"] == frozen["report"]
    assert frozen["report"]["totals"]["mentions"] == 7
    await login_as(client, mon.a, "viewer")
    page = await client.get(f"{PAGES}{frozen['id']}")
    assert "zoe-nieuw" not in page.text and "nieuw.nl" not in page.text
    listing = (await client.get(API, headers=headers)).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == frozen["id"] and listing["items"][0]["report"] is None


async def test_profiles_narrow_the_report(client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    headers = await api_headers(sessionmaker, mon.a, "regie")
    station = str(profile_id(seeded, "Station"))
    created = await client.post(API, json={**FORM, "profile_ids": [station]}, headers=headers)
    assert created.status_code == 201
    report = created.json()["report"]
    assert report["totals"]["mentions"] == 3 and report["profiles"] == [{"id": station, "name": "Station"}]
    both = await client.post(API, json={**FORM, "profile_ids": [station, str(profile_id(seeded, "Trein"))]},
                             headers=headers)
    assert both.json()["report"]["totals"]["mentions"] == 6  # dirk's mention matches both: counted once
    # the web form sends the checkboxes
    await login_as(client, mon.a, "regie")
    response = await post_form(client, PAGES, {**FORM, "profile_ids": station}, follow_redirects=False)
    assert response.status_code == 303


async def test_empty_period_and_bad_input_are_refused_and_change_nothing(client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    await login_as(client, mon.a, "regie")
    response = await post_form(client, PAGES, {**FORM, "period_start": "2025-01-01", "period_end": "2025-01-31"})
    assert response.status_code == 422 and "Geen vermeldingen in deze periode." in response.text
    headers = await api_headers(sessionmaker, mon.a, "regie")
    cases = [({**FORM, "period_start": "2025-01-01", "period_end": "2025-01-31"}, {"period_start"}),
             ({**FORM, "title": " "}, {"title"}),
             ({**FORM, "period_start": "maart"}, {"period_start"}),
             ({**FORM, "period_end": "2026-03-01"}, {"period_end"}),
             ({**FORM, "profile_ids": ["nope"]}, {"profile_ids"}),
             ({"title": "", "period_start": "", "period_end": ""}, {"title", "period_start", "period_end"})]
    for body, fields in cases:
        response = await client.post(API, json=body, headers=headers)
        assert response.status_code == 422, body
        assert {e["field"] for e in response.json()["errors"]} == fields, body
    b_headers = await api_headers(sessionmaker, mon.b, "regie")
    response = await client.post("/api/v1/t/globex/monitoring/baselines",
                                 json={**FORM, "profile_ids": [str(profile_id(seeded, "Trein"))]}, headers=b_headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "profile_ids"
    assert await counts(sessionmaker, mon.a) == (0, 0) and await counts(sessionmaker, mon.b) == (0, 0)


async def test_only_configurers_freeze_and_other_tenants_see_nothing(client, mon, sessionmaker):
    await seed(sessionmaker, mon.a)
    await login_as(client, mon.a, "viewer")
    assert (await client.get(PAGES)).status_code == 200
    assert "Bevries" not in (await client.get(PAGES)).text
    response = await post_form(client, PAGES, FORM, follow_redirects=False)
    assert response.status_code == 403
    headers = await api_headers(sessionmaker, mon.a, "member")
    assert (await client.post(API, json=FORM, headers=headers)).status_code == 403
    assert await counts(sessionmaker, mon.a) == (0, 0)
    created = await client.post(API, json=FORM, headers=await api_headers(sessionmaker, mon.a, "admin"))
    assert created.status_code == 201
    b_headers = await api_headers(sessionmaker, mon.b, "admin")
    assert (await client.get(f"/api/v1/t/globex/monitoring/baselines/{created.json()['id']}",
                             headers=b_headers)).status_code == 404
    assert (await client.get("/api/v1/t/globex/monitoring/baselines", headers=b_headers)).json()["total"] == 0
