"""The board's sign-in pages are the core's customer sign-in pages in the board's own words."""

from __future__ import annotations

from typing import Any

from tests.plugins.cocreation.conftest import BOARD, SIGNIN_LINK
from tests.support import World, delivered_mails, post_form


async def test_sign_in_pages_speak_of_the_idea_board(cc: World, client: Any, app: Any) -> None:
    form = await client.get(f"{BOARD}signin", params={"next": f"{BOARD}new"})
    assert form.status_code == 200
    for words in ("Inloggen op het ideeënbord", "Terug naar de ideeën", "Naam bij je ideeën", "Geen wachtwoord nodig",
                  f'action="{BOARD}signin"', f'value="{BOARD}new"', 'name="_csrf'):
        assert words in form.text, words
    sent = await post_form(client, f"{BOARD}signin", {"email": "anna@example.nl"})
    assert "Kijk in je mail" in sent.text and "anna@example.nl" in sent.text and "Terug naar de ideeën" in sent.text
    token = SIGNIN_LINK.search((await delivered_mails(app))[-1]["text"]).group(1)
    confirm = await client.get(f"{BOARD}signin/{token}")
    assert "Inloggen op het ideeënbord" in confirm.text and f'action="{BOARD}signin/{token}"' in confirm.text
    assert "Naam bij je ideeën" in confirm.text and "Laat leeg om je huidige naam te houden" in confirm.text
    await post_form(client, f"{BOARD}signin/{token}", {})
    used = await post_form(client, f"{BOARD}signin/{token}", {})
    assert used.status_code == 409 and "niet meer geldig" in used.text and f'href="{BOARD}signin"' in used.text
