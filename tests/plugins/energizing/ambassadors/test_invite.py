"""Inviting people to the ambassador programme: the consent mail, the versioned consent text, accepting and
declining by link, re-sending at most once a day, and never inviting someone who opted out again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.plugins.api import DomainError, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors import service
from plugins.energizing.ambassadors.models import AmbassadorToken, ConsentText
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.ambassadors.conftest import (
    BASE,
    CONSENT,
    OPTOUT,
    activate_person,
    invite,
    mails_to,
    rows,
)
from tests.support import World, post_form


async def test_invite_mails_a_consent_link_and_accepting_records_the_version(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await invite(sessionmaker, en.a, "Anna@Example.NL", "Anna de Vries", source="nps", source_ref="a-1")
    assert person.state == "invited" and person.email == "anna@example.nl" and person.source == "nps"
    assert len(person.referral_code) == 8 and not set(person.referral_code) & set("01OI")
    [mail] = await mails_to(app, "anna@example.nl")
    assert "ambassadeur" in mail["subject"] and en.a.tenant.name in mail["subject"]
    token = CONSENT.search(mail["text"]).group(1)
    assert OPTOUT.search(mail["text"])  # every mail carries the personal opt-out link
    stored = await rows(sessionmaker, en.a, AmbassadorToken, AmbassadorToken.purpose == "consent")
    assert [len(t.token_digest) for t in stored] == [64] and token not in stored[0].token_digest
    # the page shows the current text; opening it changes nothing
    form = await client.get(f"{BASE}consent/{token}")
    assert form.status_code == 200 and "Toestemmingstekst, versie 1" in form.text
    assert en.a.tenant.name in form.text
    assert (await rows(sessionmaker, en.a, Ambassador))[0].state == "invited"
    accepted = await post_form(client, f"{BASE}consent/{token}", {"decision": "accept", "version": "1"})
    assert accepted.status_code == 200 and "Welkom, Anna de Vries" in accepted.text
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.state == "active" and person.consent_version == 1 and person.consent_at is not None
    actions = {e.action for e in await rows(sessionmaker, en.a, AuditEntry)}
    assert {"energizing.ambassador_invited", "energizing.consent_given"} <= actions
    # single use
    again = await post_form(client, f"{BASE}consent/{token}", {"decision": "decline", "version": "1"})
    assert again.status_code == 409 and "niet meer geldig" in again.text
    assert (await rows(sessionmaker, en.a, Ambassador))[0].state == "active"
    assert (await client.get(f"{BASE}consent/{token}")).status_code == 404


async def test_decline_and_a_consent_text_changed_while_reading(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await invite(sessionmaker, en.a, "bert@example.nl", "Bert")
    token = CONSENT.search((await mails_to(app, "bert@example.nl"))[0]["text"]).group(1)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await service.edit_consent(session, "admin", {"body": "Nieuwe tekst van " + en.a.tenant.name})
    stale = await post_form(client, f"{BASE}consent/{token}", {"decision": "accept", "version": "1"})
    assert stale.status_code == 409 and "Toestemmingstekst, versie 2" in stale.text
    assert (await rows(sessionmaker, en.a, Ambassador))[0].state == "invited"
    bad = await post_form(client, f"{BASE}consent/{token}", {"decision": "maybe", "version": "2"})
    assert bad.status_code == 422
    assert (await rows(sessionmaker, en.a, Ambassador))[0].state == "invited"
    declined = await post_form(client, f"{BASE}consent/{token}", {"decision": "decline"})
    assert declined.status_code == 200 and "niet opnieuw uit" in declined.text
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.state == "declined" and person.consent_at is None
    assert [t.version for t in await rows(sessionmaker, en.a, ConsentText)] == [1, 2]


async def test_invite_again_resends_at_most_once_a_day(
        en: World, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    first = await invite(sessionmaker, en.a, "cor@example.nl", "Cor")
    again = await invite(sessionmaker, en.a, "COR@example.nl", "Cor K.", source="listening")
    assert again.id == first.id and again.name == "Cor"
    assert len(await rows(sessionmaker, en.a, AmbassadorToken, AmbassadorToken.purpose == "consent")) == 1
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(AmbassadorToken).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
    await invite(sessionmaker, en.a, "cor@example.nl", "Cor")
    assert len(await rows(sessionmaker, en.a, AmbassadorToken, AmbassadorToken.purpose == "consent")) == 2
    assert len(await mails_to(app, "cor@example.nl")) == 2
    assert len(await rows(sessionmaker, en.a, Ambassador)) == 1
    # another tenant's roster is its own: the same address is a new person there
    other = await invite(sessionmaker, en.b, "cor@example.nl", "Cor")
    assert other.id != first.id and other.tenant_id == en.b.id


async def test_bad_input_and_opted_out_people_are_refused(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(DomainError) as bad:
        await invite(sessionmaker, en.a, "not-an-address", "")
    assert set(bad.value.errors) == {"email", "name"}
    with pytest.raises(DomainError) as bad:
        await invite(sessionmaker, en.a, "dirk@example.nl", "Dirk", kind="robot", source="nowhere")
    assert set(bad.value.errors) == {"kind", "source"}
    assert await rows(sessionmaker, en.a, Ambassador) == []
    await activate_person(client, app, sessionmaker, en.a, "dirk@example.nl", "Dirk")
    token = OPTOUT.search((await mails_to(app, "dirk@example.nl"))[0]["text"]).group(1)
    # the GET only asks (a mail scanner opts nobody out); the POST does it
    page = await client.get(f"{BASE}optout/{token}")
    assert page.status_code == 200 and "Ja, meld me af" in page.text
    assert (await rows(sessionmaker, en.a, Ambassador))[0].state == "active"
    done = await post_form(client, f"{BASE}optout/{token}", {})
    assert done.status_code == 200 and "geen mail meer" in done.text
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.state == "opted_out" and person.opted_out_at is not None and not person.on_leaderboard
    assert "energizing.ambassador_opted_out" in {e.action for e in await rows(sessionmaker, en.a, AuditEntry)}
    before = len(await mails_to(app, "dirk@example.nl"))
    with pytest.raises(DomainError) as refused:
        await invite(sessionmaker, en.a, "dirk@example.nl", "Dirk")
    assert "email" in refused.value.errors and "afgemeld" in refused.value.errors["email"].render("nl")
    assert len(await mails_to(app, "dirk@example.nl")) == before
    assert (await client.get(f"{BASE}optout/{token}")).status_code == 404
