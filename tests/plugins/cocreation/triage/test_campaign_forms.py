"""Creating and changing a campaign go one way: a refusal shows the same form again with what was typed, a save
leads to the campaign's results; the settings pages keep the form that was refused open."""

from __future__ import annotations

from sqlalchemy import select

from core.plugins.api import tenant_scope
from plugins.cocreation.models import Campaign
from tests.plugins.cocreation.conftest import configure
from tests.plugins.cocreation.triage.conftest import STAFF
from tests.support import login_as, post_form

GOOD = {"title": "Onze nieuwe app", "slug": "nieuwe-app", "question": "Hoe moet de app werken?",
        "starts_on": "2026-01-01", "ends_on": "2026-03-31", "results": ""}


async def test_create_and_edit_refuse_and_save_alike(client, cc, sessionmaker):
    await login_as(client, cc.a, "regie")
    refused = await post_form(client, f"{STAFF}campaigns/new", {**GOOD, "title": "ab"})
    assert refused.status_code == 422 and "minstens 3" in refused.text and 'value="nieuwe-app"' in refused.text
    created = await post_form(client, f"{STAFF}campaigns/new", GOOD, follow_redirects=False)
    with tenant_scope(cc.a.id):
        async with sessionmaker() as s:
            campaign = await s.scalar(select(Campaign))
    assert created.status_code == 303 and created.headers["location"] == f"{STAFF}campaigns/{campaign.id}"
    edit = f"{STAFF}campaigns/{campaign.id}/edit"
    refused = await post_form(client, edit, {**GOOD, "ends_on": "2025-12-31", "question": "Nieuwe vraag?"})
    assert refused.status_code == 422 and "op of na het begin" in refused.text
    assert 'value="2025-12-31"' in refused.text and "Nieuwe vraag?" in refused.text and edit in refused.text
    saved = await post_form(client, edit, {**GOOD, "title": "Onze app"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{STAFF}campaigns/{campaign.id}"
    with tenant_scope(cc.a.id):
        async with sessionmaker() as s:
            assert (await s.scalar(select(Campaign.title))) == "Onze app"
    missing = await post_form(client, f"{STAFF}campaigns/00000000-0000-0000-0000-000000000000/edit", GOOD)
    assert missing.status_code == 404


async def test_a_refused_setting_change_shows_its_page_again(client, cc, sessionmaker):
    await configure(sessionmaker, cc.a)
    await login_as(client, cc.a, "regie")
    stage = await post_form(client, f"{STAFF}settings/stages", {"key": "X!", "meaning": "review", "name_nl": "",
                                                                  "name_en": ""})
    assert stage.status_code == 422 and "X!" in stage.text
    category = await post_form(client, f"{STAFF}settings/categories", {"name": ""})
    assert category.status_code == 422
    added = await post_form(client, f"{STAFF}settings/categories", {"name": "Apps"}, follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"{STAFF}settings/categories"
