"""The moderation queue names an idea's spam signals with the core's names, in the page's language."""

from __future__ import annotations

from plugins.cocreation.models import Idea
from tests.plugins.cocreation.conftest import add_rows
from tests.plugins.cocreation.triage.conftest import STAFF
from tests.support import login_as


async def test_the_moderation_queue_names_the_spam_signals(client, cc, sessionmaker):
    await add_rows(sessionmaker, cc.a, Idea(number=7, title="GRATIS GRATIS GRATIS", status="pending",
                                            spam_reasons=["links", "shouting", "duplicate", "forbidden_words"]))
    await login_as(client, cc.a, "regie")
    page = await client.get(f"{STAFF}moderation/")
    assert page.status_code == 200
    for label in ("meer dan twee links", "vooral hoofdletters", "eerder geplaatst",
                  "woorden die het beleid niet toestaat"):
        assert label in page.text, label
