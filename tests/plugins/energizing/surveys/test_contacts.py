"""The contact list upload: CSV or XLSX, consent required per row (a report line per row with the reason),
duplicates merged, a bad file refused on its field with nothing stored; reminders go once."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook
from sqlalchemy import update

from core.audit.models import AuditEntry
from core.i18n import Msg
from core.jobs.models import JobProgress
from core.jobs.plugin_jobs import run_named_job
from core.plugins.api import utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.surveys import jobs
from plugins.energizing.surveys.models import SurveyAnswer, SurveyContact, SurveyInvitation
from tests.plugins.energizing.surveys.conftest import BASE, INVITE_LINK, Surveys
from tests.support import delivered_mails, ensure_csrf, login_as, post_form

CSV = ("e-mail;naam;toestemming\n"
       "an@klant.nl;An de Vries;ja\n"
       "bo@klant.nl;Bo;nee\n"
       "geen-adres;Cor;ja\n"
       "AN@klant.nl;An;ja\n"
       "dirk@klant.nl;;\n")


async def _upload(client: Any, name: str, content: bytes) -> Any:
    token = await ensure_csrf(client)
    return await client.post(f"{BASE}contacts/", data={"_csrf_token": token}, files={"file": (name, content)})


async def test_a_csv_is_imported_row_by_row_with_reasons(surveys: Surveys, client: Any) -> None:
    await login_as(client, surveys.world.a, "marketer")
    response = await _upload(client, "klanten.csv", CSV.encode())
    assert response.status_code == 200, response.text[:500]
    assert 'data-row="2" data-outcome="added"' in response.text
    assert 'data-row="3" data-outcome="skipped"' in response.text and "geen toestemming gegeven" in response.text
    assert 'data-row="4" data-outcome="skipped"' in response.text and "geen geldig e-mailadres" in response.text
    assert 'data-row="5" data-outcome="merged"' in response.text and "zelfde adres als rij 2" in response.text
    assert 'data-row="6" data-outcome="skipped"' in response.text and "toestemming is leeg" in response.text
    assert [(c.email, c.name, c.consent) for c in await surveys.rows(SurveyContact)] == [
        ("an@klant.nl", "An de Vries", True)]
    # a newer list without consent withdraws it
    await _upload(client, "klanten.csv", b"email,consent\nan@klant.nl,no\n")
    assert [c.consent for c in await surveys.rows(SurveyContact)] == [False]


async def test_an_xlsx_file_is_read(surveys: Surveys, client: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["E-mail", "Name", "Consent"])
    sheet.append(["eva@klant.nl", "Eva", "yes"])
    sheet.append(["finn@klant.nl", "Finn", 1])
    data = io.BytesIO()
    book.save(data)
    await login_as(client, surveys.world.a, "marketer")
    response = await _upload(client, "lijst.xlsx", data.getvalue())
    assert response.status_code == 200
    assert sorted(c.email for c in await surveys.rows(SurveyContact)) == ["eva@klant.nl", "finn@klant.nl"]


async def test_a_bad_file_is_refused_and_nothing_is_stored(surveys: Surveys, client: Any) -> None:
    await login_as(client, surveys.world.a, "marketer")
    for name, content in (("lijst.csv", b"naam;adres\nAn;an@klant.nl\n"), ("lijst.csv", b"email;naam\nan@k.nl;An\n"),
                          ("lijst.csv", b"email;consent\n"), ("lijst.xlsx", b"PK\x03\x04 geen werkboek"),
                          ("lijst.pdf", b"%PDF-1.4 hallo"), ("lijst.csv", b"")):
        response = await _upload(client, name, content)
        assert response.status_code == 422 and 'class="error"' in response.text, (name, content[:20])
    assert await surveys.rows(SurveyContact) == []


async def test_the_reminder_goes_once_to_those_who_did_not_answer(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, reminder_days="5")
    await surveys.contacts(surveys.world.a, ("an@klant.nl", "An", True), ("bo@klant.nl", "Bo", True),
                           ("cor@klant.nl", "Cor", True))
    await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id, survey_id=str(survey.id))
    first = {m["to"]: INVITE_LINK.search(m["text"]).group(1) for m in await delivered_mails(surveys.app)}
    with tenant_scope(surveys.world.a.id):
        async with surveys.sessionmaker() as session, session.begin():
            await session.execute(update(SurveyInvitation).values(sent_at=utcnow() - timedelta(days=6)))
            await session.execute(update(SurveyInvitation).where(SurveyInvitation.email == "bo@klant.nl")
                                  .values(answered_at=utcnow()))
            # Cor answered by the shared link instead: counted under the address, the invitation unused
            session.add(SurveyAnswer(survey_id=survey.id, state="counted", email="cor@klant.nl",
                                     counted_email="cor@klant.nl", score=9, category="promoter",
                                     answered_at=utcnow(), sentiment_label=""))
    assert await run_named_job(surveys.app, "energizing.send_reminders", surveys.world.a.id) == 1
    assert await run_named_job(surveys.app, "energizing.send_reminders", surveys.world.a.id) == 0
    reminders = [m for m in await delivered_mails(surveys.app) if m["subject"].startswith("Herinnering")]
    assert [m["to"] for m in reminders] == ["an@klant.nl"]
    fresh = INVITE_LINK.search(reminders[0]["text"]).group(1)
    assert fresh != first["an@klant.nl"]
    client.cookies.clear()
    assert (await client.get(f"/t/acme/p/energizing/s/i/{fresh}")).status_code == 200
    assert (await client.get(f"/t/acme/p/energizing/s/i/{first['an@klant.nl']}")).status_code == 404


async def test_sending_needs_an_open_survey(surveys: Surveys, client: Any) -> None:
    survey = await surveys.survey(client, state="draft")
    await surveys.contacts(surveys.world.a, ("an@klant.nl", "An", True))
    response = await post_form(client, f"{BASE}{survey.id}/send", {})
    assert response.status_code == 409
    assert await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id,
                               survey_id=str(survey.id)) == 0
    assert await surveys.rows(SurveyInvitation) == []


async def test_sending_commits_before_the_bar_says_done(surveys: Surveys, client: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar moves in a transaction of its own: it must never wait for the sending transaction (on SQLite, one
    writer at a time, it would wait until the database gives up and the job would fail and mail nobody)."""
    survey = await surveys.survey(client)
    await surveys.contacts(surveys.world.a, ("an@klant.nl", "An", True), ("bo@klant.nl", "Bo", True),
                           ("cor@klant.nl", "Cor", True))
    response = await post_form(client, f"{BASE}{survey.id}/send", {}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{BASE}{survey.id}?progress=")  # back to the survey, which shows the bar
    progress_id = location.rsplit("=", 1)[1]
    monkeypatch.setattr(jobs, "SEND_CHUNK", 2)  # two chunks: the bar moves between them
    assert await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id,
                               survey_id=str(survey.id), progress_id=progress_id) == 3
    progress = (await surveys.rows(JobProgress, JobProgress.id == UUID(progress_id)))[0]
    assert (progress.status, progress.done, progress.total, progress.result) == ("done", 3, 3, {"sent": 3})
    assert sorted(i.email for i in await surveys.rows(SurveyInvitation)) == ["an@klant.nl", "bo@klant.nl",
                                                                            "cor@klant.nl"]
    assert await run_named_job(surveys.app, "energizing.send_invitations", surveys.world.a.id,
                               survey_id=str(survey.id), progress_id=progress_id) == 0
    page = await client.get(location)  # the survey's page with the bar, its title in the reader's language
    assert page.status_code == 200 and f'hx-get="/t/acme/jobs/{progress_id}"' in page.text
    assert progress.title == "Uitnodigingen: Klanttevredenheid"


async def test_the_import_is_audited_in_the_readers_language(surveys: Surveys, client: Any) -> None:
    await login_as(client, surveys.world.a, "marketer")
    await _upload(client, "klanten.csv", CSV.encode())
    entry = (await surveys.rows(AuditEntry, AuditEntry.action == "energizing.contacts_imported"))[0]
    message = Msg.from_data(entry.data["summary_message"])
    assert message.render("nl") == "klanten.csv: 1 toegevoegd, 0 bijgewerkt, 1 samengevoegd, 3 overgeslagen"
    assert message.render("en") == "klanten.csv: 1 added, 0 updated, 1 merged, 3 skipped"
