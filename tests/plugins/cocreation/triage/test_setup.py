"""The board's set-up: settings, stages (rename, reorder, add with a meaning, deactivate but never the last "new"
one), categories and campaigns with their results; bad input refused per field, and who may do it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from core.plugins.api import tenant_scope
from plugins.cocreation.models import Campaign, Category, CocreationSettings, Stage
from tests.plugins.cocreation.conftest import configure
from tests.plugins.cocreation.triage.conftest import STAFF, add_idea, audits, count
from tests.support import login_as, post_form

GOOD_SETTINGS = {"board_title": "Ideeën voor Acme", "board_intro": "Deel je idee.", "is_private": "1",
                 "moderation": "all", "vote_threshold": "40", "prerequisite_weeks": "12"}


async def _settings(sessionmaker, tw) -> CocreationSettings:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await s.scalar(select(CocreationSettings))


async def _stages(sessionmaker, tw) -> list[Stage]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(Stage).order_by(Stage.position))).all())


async def test_board_settings(client, cc, sessionmaker):
    a = cc.a
    await configure(sessionmaker, a)
    await login_as(client, a, "regie")
    assert (await client.get(f"{STAFF}settings/")).status_code == 200
    for bad, field_text in (({"vote_threshold": "0"}, "van 1 tot en met 100"), ({"prerequisite_weeks": "53"},
                                                                               "van 1 tot en met 52"),
                            ({"prerequisite_weeks": "x"}, "van 1 tot en met 52"), ({"moderation": "some"}, "Kies"),
                            ({"board_title": "x" * 121}, "120")):
        response = await post_form(client, f"{STAFF}settings/", {**GOOD_SETTINGS, **bad})
        assert response.status_code == 422 and field_text in response.text, (bad, response.text[-1500:])
    assert (await _settings(sessionmaker, a)).vote_threshold == 25
    response = await post_form(client, f"{STAFF}settings/", GOOD_SETTINGS, follow_redirects=False)
    assert response.status_code == 303
    saved = await _settings(sessionmaker, a)
    assert (saved.board_title, saved.is_private, saved.moderation, saved.vote_threshold,
            saved.prerequisite_weeks) == ("Ideeën voor Acme", True, "all", 40, 12)
    assert await audits(sessionmaker, a, "cocreation.settings_changed")
    await login_as(client, a, "marketer")  # works, does not configure
    assert (await client.get(f"{STAFF}settings/")).status_code == 403
    assert (await post_form(client, f"{STAFF}settings/", {**GOOD_SETTINGS, "vote_threshold": "2"})).status_code == 403
    assert (await _settings(sessionmaker, a)).vote_threshold == 40


async def test_stages_rename_reorder_add_and_deactivate(client, cc, sessionmaker):
    a = cc.a
    await add_idea(sessionmaker, a)
    await login_as(client, a, "regie")
    page = await client.get(f"{STAFF}settings/stages")
    assert page.status_code == 200 and "in behandeling" in page.text
    stages = {s.key: s for s in await _stages(sessionmaker, a)}
    base = f"{STAFF}settings/stages"
    response = await post_form(client, f"{base}/{stages['planned'].id}/rename",
                               {"name_nl": "Op de planning", "name_en": "On the roadmap"}, follow_redirects=False)
    assert response.status_code == 303
    response = await post_form(client, f"{base}/{stages['done'].id}/move", {"direction": "up"},
                               follow_redirects=False)
    assert response.status_code == 303
    response = await post_form(client, base, {"key": "parked", "meaning": "review", "name_nl": "Geparkeerd",
                                              "name_en": "Parked"}, follow_redirects=False)
    assert response.status_code == 303
    response = await post_form(client, f"{base}/{stages['declined'].id}/active", {"active": "0"},
                               follow_redirects=False)
    assert response.status_code == 303
    after = await _stages(sessionmaker, a)
    assert [s.key for s in after] == ["new", "under-review", "planned", "done", "in-development", "declined",
                                      "parked"]
    by_key = {s.key: s for s in after}
    assert (by_key["planned"].name_nl, by_key["planned"].name_en) == ("Op de planning", "On the roadmap")
    assert by_key["parked"].meaning == "review" and not by_key["declined"].is_active
    for action in ("stage_renamed", "stages_reordered", "stage_added", "stage_deactivated"):
        assert await audits(sessionmaker, a, f"cocreation.{action}"), action


async def test_bad_stage_changes_are_refused(client, cc, sessionmaker):
    a = cc.a
    await configure(sessionmaker, a)
    stages = {s.key: s for s in await _stages(sessionmaker, a)}
    await login_as(client, a, "regie")
    base = f"{STAFF}settings/stages"
    for url, data, status, text in (
            (base, {"key": "new", "meaning": "new", "name_nl": "x", "name_en": "x"}, 422, "heeft deze sleutel al"),
            (base, {"key": "Bad Key!", "meaning": "new", "name_nl": "x", "name_en": "x"}, 422, "kleine letters"),
            (base, {"key": "other", "meaning": "maybe", "name_nl": "x", "name_en": "x"}, 422, "Kies"),
            (base, {"key": "other", "meaning": "new", "name_nl": "", "name_en": "x" * 61}, 422, "60"),
            (f"{base}/{stages['planned'].id}/rename", {"name_nl": "", "name_en": "x"}, 422, "verplicht"),
            (f"{base}/{stages['planned'].id}/move", {"direction": "sideways"}, 422, "Kies"),
            (f"{base}/{stages['new'].id}/active", {"active": "0"}, 409, "nieuw"),
            (f"{base}/00000000-0000-0000-0000-000000000000/rename", {"name_nl": "a", "name_en": "b"}, 404, "")):
        response = await post_form(client, url, data)
        assert response.status_code == status and text in response.text, (url, data, response.text[-1500:])
    after = {s.key: s for s in await _stages(sessionmaker, a)}
    assert len(after) == 6 and after["new"].is_active and after["planned"].name_nl == "gepland"
    # with a second "new" stage the first may go
    response = await post_form(client, base, {"key": "fresh", "meaning": "new", "name_nl": "Vers", "name_en": "Fresh"},
                               follow_redirects=False)
    assert response.status_code == 303
    response = await post_form(client, f"{base}/{stages['new'].id}/active", {"active": "0"}, follow_redirects=False)
    assert response.status_code == 303
    await login_as(client, a, "viewer")
    assert (await post_form(client, base, {"key": "x1", "meaning": "new", "name_nl": "x",
                                           "name_en": "x"})).status_code == 403


async def test_categories(client, cc, sessionmaker):
    a = cc.a
    await login_as(client, a, "regie")
    base = f"{STAFF}settings/categories"
    for name in ("App", "Winkel", "Service"):
        assert (await post_form(client, base, {"name": name}, follow_redirects=False)).status_code == 303
    for data, text in (({"name": ""}, "verplicht"), ({"name": "app"}, "heeft deze naam al"),
                       ({"name": "x" * 81}, "80")):
        response = await post_form(client, base, data)
        assert response.status_code == 422 and text in response.text, (data, response.text[-1500:])
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            rows = {c.name: c for c in (await s.scalars(select(Category))).all()}
    assert (await post_form(client, f"{base}/{rows['Service'].id}/move", {"direction": "up"},
                            follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"{base}/{rows['App'].id}/rename", {"name": "Apps"},
                            follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"{base}/{rows['Winkel'].id}/rename", {"name": "Apps"})).status_code == 422
    assert (await post_form(client, f"{base}/{rows['Winkel'].id}/active", {"active": "0"},
                            follow_redirects=False)).status_code == 303
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            after = list((await s.scalars(select(Category).order_by(Category.position))).all())
    assert [(c.name, c.is_active) for c in after] == [("Apps", True), ("Service", True), ("Winkel", False)]
    page = await client.get(base)
    assert page.status_code == 200 and "Service" in page.text


async def test_campaigns_with_counts_and_results(client, cc, sessionmaker):
    a = cc.a
    await login_as(client, a, "regie")
    good = {"title": "Onze nieuwe app", "slug": "nieuwe-app", "question": "Hoe moet de app werken?",
            "starts_on": "2026-01-01", "ends_on": "2026-03-31", "results": ""}
    for bad, text in (({"title": "ab"}, "minstens 3"), ({"slug": "X"}, "kleine letters"),
                      ({"starts_on": "morgen"}, "2026-01-31"), ({"ends_on": "2025-12-31"}, "op of na het begin"),
                      ({"question": "x" * 2001}, "2000"), ({"ends_on": "9999-12-31"}, "vóór 9999")):
        response = await post_form(client, f"{STAFF}campaigns/new", {**good, **bad})
        assert response.status_code == 422 and text in response.text, (bad, response.text[-1500:])
    assert await count(sessionmaker, a, Campaign) == 0
    response = await post_form(client, f"{STAFF}campaigns/new", good, follow_redirects=False)
    assert response.status_code == 303
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            campaign = await s.scalar(select(Campaign))
    assert campaign.starts_at == datetime(2026, 1, 1, tzinfo=UTC) and campaign.ends_at == datetime(2026, 4, 1,
                                                                                                    tzinfo=UTC)
    assert (await post_form(client, f"{STAFF}campaigns/new", good)).status_code == 422  # the address is taken
    one = await add_idea(sessionmaker, a, "Donkere modus", campaign_id=campaign.id, vote_count=7)
    two = await add_idea(sessionmaker, a, "Vingerafdruk", campaign_id=campaign.id, vote_count=3,
                         stage_key="planned")
    await add_idea(sessionmaker, a, "Los idee", vote_count=50)
    listing = await client.get(f"{STAFF}campaigns/")
    assert listing.status_code == 200 and "Onze nieuwe app" in listing.text
    row = listing.text[listing.text.index('data-campaign="nieuwe-app"'):]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[:2] == ["2", "10"]
    results = await client.get(f"{STAFF}campaigns/{campaign.id}")
    assert results.status_code == 200 and "<canvas" in results.text
    assert re.findall(r'data-idea="(\d+)"', results.text) == [str(one.number), str(two.number)]
    response = await post_form(client, f"{STAFF}campaigns/{campaign.id}/edit",
                               {**good, "results": "De donkere modus komt in versie 2."}, follow_redirects=False)
    assert response.status_code == 303
    assert "De donkere modus komt in versie 2." in (await client.get(f"{STAFF}campaigns/{campaign.id}")).text
    edit = await client.get(f"{STAFF}campaigns/{campaign.id}/edit")
    assert edit.status_code == 200 and 'value="2026-03-31"' in edit.text
    await login_as(client, a, "viewer")
    assert (await post_form(client, f"{STAFF}campaigns/new", {**good, "slug": "andere"})).status_code == 403
    assert await count(sessionmaker, a, Campaign) == 1
