"""A mission's suggested text against the way of work (ambassadors post it in their own name: not the
organisation's sign-off, but every other rule), its line breaks on the staff page, and the ambassador as an actor
in the audit log in the reader's language."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.db.base import utcnow
from core.policy.models import PolicyVersion
from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors.models import Mission
from tests.plugins.energizing.ambassadors.conftest import activate_person, rows
from tests.support import TenantWorld, World, login_as, post_form

STAFF = "/t/acme/p/energizing/"
RULES = {"forbidden_words": ["gratis"], "required_signoff": "Team Vitaal", "max_length": {}}


async def _publish(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PolicyVersion(number=1, strategy={}, way_of_work={}, tone_rules=RULES, note="",
                                      published_at=utcnow()))


def _mission(text: str) -> dict[str, str]:
    today = date.today()
    return {"title": "Deel onze actie", "kind": "share", "points": "15", "starts_on": str(today),
            "ends_on": str(today + timedelta(days=5)), "target_url": "https://example.org/actie",
            "suggested_text": text}


async def test_mission_text_needs_no_signoff_but_keeps_the_other_rules(
        en: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _publish(sessionmaker, en.a)
    await login_as(client, en.a, "marketer")
    forbidden = await post_form(client, f"{STAFF}missions/", _mission("Nu gratis te proberen #ad"))
    assert forbidden.status_code == 422 and "gratis" in forbidden.text and "Team Vitaal" not in forbidden.text
    undisclosed = await post_form(client, f"{STAFF}missions/", _mission("Ik vind dit echt een aanrader"))
    assert undisclosed.status_code == 422 and "#samenwerking" in undisclosed.text
    assert await rows(sessionmaker, en.a, Mission) == []
    made = await post_form(client, f"{STAFF}missions/", _mission("Ik vind dit echt een aanrader #ad"),
                           follow_redirects=False)
    assert made.status_code == 303, made.text[:400]
    [mission] = await rows(sessionmaker, en.a, Mission)
    assert mission.suggested_text == "Ik vind dit echt een aanrader #ad" and mission.policy_notes == ""


async def test_staff_page_keeps_the_suggested_texts_line_breaks(
        en: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, en.a, "marketer")
    text = "Eerste regel\nTweede regel #ad"
    made = await post_form(client, f"{STAFF}missions/", _mission(text), follow_redirects=False)
    assert made.status_code == 303, made.text[:400]
    [mission] = await rows(sessionmaker, en.a, Mission)
    assert mission.suggested_text == text
    await login_as(client, en.a, "viewer")
    page = await client.get(f"{STAFF}missions/{mission.id}")
    assert page.status_code == 200 and f'<blockquote class="pre">{text}</blockquote>' in page.text


async def test_an_ambassador_is_named_in_the_readers_language_in_the_audit_log(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "anna@example.nl")
    [entry] = await rows(sessionmaker, en.a, AuditEntry, AuditEntry.action == "energizing.consent_given")
    assert entry.actor_id is None and entry.actor_label == "ambassador"  # English, for search and exports
    client.cookies.clear()
    await login_as(client, en.a, "admin")
    dutch = await client.get("/t/acme/audit/?action=energizing.consent")
    assert dutch.status_code == 200 and "<td>ambassadeur</td>" in dutch.text and "<td>ambassador</td>" not in dutch.text
    found = await client.get("/t/acme/audit/?actor=Ambassadeur")  # searched as the list shows it
    assert "<td>ambassadeur</td>" in found.text
    assert "<td>ambassadeur</td>" not in (await client.get("/t/acme/audit/?actor=beheerder")).text
    await post_form(client, "/lang", {"lang": "en", "next": "/t/acme/audit/"})
    english = await client.get("/t/acme/audit/?action=energizing.consent")
    assert "<td>ambassador</td>" in english.text
