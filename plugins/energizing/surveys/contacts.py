"""The contact list: a CSV or XLSX file with the columns e-mail, name (optional) and consent (required).

Only a row whose consent reads as yes is stored with consent; a row without it is reported as skipped with the
reason (an address already on the list loses its consent: the newest list speaks). The same address twice in
one file is merged into the first row. Nothing is stored when the file itself is bad (a field error on `file`);
every row gets a line in the report.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import N_, DomainError, Msg, check_upload, clean_email, record_audit
from plugins.energizing.surveys.models import SurveyContact

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
EMAIL_HEADERS = {"email", "e-mail", "emailadres", "e-mailadres", "mail", "e-mail address", "email address"}
NAME_HEADERS = {"name", "naam", "full name", "volledige naam"}
CONSENT_HEADERS = {"consent", "toestemming", "opt-in", "optin"}
OUTCOMES = {"added": N_("added"), "updated": N_("updated"), "merged": N_("merged"), "skipped": N_("skipped")}
NOT_EMAIL = N_("not a valid e-mail address")
SAME_AS = N_("same address as row {row}")
NO_CONSENT = N_("no consent given")
EMPTY_CONSENT = N_("consent is empty")
OPTED_OUT_REASON = N_("unsubscribed from survey mails")
OPTED_OUT = "opt-out"
"""`consent_text` of a contact who unsubscribed by the link in a mail: a later upload does not give consent back."""
YES = {"yes", "y", "ja", "j", "true", "1", "x", "akkoord", "ok", "✓", "waar"}


@dataclass
class RowReport:
    row: int
    email: str
    outcome: str
    """"added", "updated", "merged" or "skipped"."""
    reason: str = ""
    """Why it was skipped or merged (a msgid; `detail` fills it)."""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    rows: list[RowReport] = field(default_factory=list)

    def total(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


def _header(value: Any) -> str:
    return str(value or "").strip().lower().replace("_", " ").strip()


def read_rows(data: bytes, kind: str) -> list[list[str]]:
    """Every row of the file's first sheet as texts (header included)."""
    if kind == "xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same field error
            raise DomainError(field="file", msgid="The spreadsheet could not be read.") from None
        sheet = book.worksheets[0] if book.worksheets else None
        rows = [["" if v is None else str(v) for v in row] for row in (sheet.iter_rows(values_only=True)
                                                                          if sheet else [])]
        book.close()
        return rows
    text = data.decode("utf-8-sig")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _columns(header: list[str]) -> tuple[int, int | None, int]:
    names = [_header(h) for h in header]

    def find(options: set[str]) -> int | None:
        return next((i for i, n in enumerate(names) if n in options), None)

    email, name, consent = find(EMAIL_HEADERS), find(NAME_HEADERS), find(CONSENT_HEADERS)
    if email is None:
        raise DomainError(field="file", msgid="The file has no e-mail column (e-mail, email or e-mailadres).")
    if consent is None:
        raise DomainError(field="file", msgid="The file has no consent column (consent or toestemming).")
    return email, name, consent


def parse(data: bytes, filename: str) -> list[tuple[int, str, str, str]]:
    """(row number, e-mail as given, name, consent as given) per data row; a field error for a bad file."""
    kind = check_upload(data, ("csv", "xlsx"), MAX_BYTES, filename=filename)
    rows = [r for r in read_rows(data, "xlsx" if kind == "xlsx" else "csv")]
    while rows and not any(str(c).strip() for c in rows[0]):
        rows.pop(0)
    if len(rows) < 2:
        raise DomainError(field="file", msgid="The file has no rows below its header.")
    if len(rows) - 1 > MAX_ROWS:
        raise DomainError(field="file", msgid="The file has more than {n} rows.", n=MAX_ROWS)
    email, name, consent = _columns(rows[0])

    def cell(row: list[str], index: int | None) -> str:
        return str(row[index]).strip() if index is not None and index < len(row) else ""

    return [(n, cell(row, email), cell(row, name)[:120], cell(row, consent)[:40])
            for n, row in enumerate(rows[1:], start=2) if any(str(c).strip() for c in row)]


async def import_contacts(session: AsyncSession, principal: Any, data: bytes | None, filename: str) -> ImportReport:
    if not data:
        raise DomainError(field="file", msgid="Choose a file to upload.")
    parsed = parse(data, filename)
    wanted = set()
    for _n, email, _name, _consent in parsed:
        try:
            wanted.add(clean_email(email))
        except DomainError:
            continue
    existing: dict[str, SurveyContact] = {}
    listed = sorted(wanted)
    for start in range(0, len(listed), 500):
        for contact in await session.scalars(select(SurveyContact).where(
                SurveyContact.email.in_(listed[start:start + 500]))):
            existing[contact.email] = contact
    report = ImportReport()
    first_row: dict[str, int] = {}
    for number, given, name, consent_text in parsed:
        try:
            email = clean_email(given)
        except DomainError:
            report.rows.append(RowReport(number, given[:254], "skipped", NOT_EMAIL))
            continue
        if email in first_row:
            contact = existing.get(email)
            if contact is not None and name and not contact.name:
                contact.name = name
            report.rows.append(RowReport(number, email, "merged", SAME_AS,
                                         {"row": first_row[email]}))
            continue
        first_row[email] = number
        consent = consent_text.strip().lower() in YES
        contact = existing.get(email)
        if not consent:
            if contact is not None and contact.consent and contact.consent_text != OPTED_OUT:
                contact.consent, contact.consent_text = False, consent_text
            reason = NO_CONSENT if consent_text else EMPTY_CONSENT
            report.rows.append(RowReport(number, email, "skipped", reason))
            continue
        if contact is not None and contact.consent_text == OPTED_OUT:
            report.rows.append(RowReport(number, email, "skipped", OPTED_OUT_REASON))
            continue
        if contact is None:
            contact = SurveyContact(email=email, name=name, consent=True, consent_text=consent_text)
            session.add(contact)
            existing[email] = contact
            report.rows.append(RowReport(number, email, "added"))
        else:
            contact.consent, contact.consent_text = True, consent_text
            contact.name = name or contact.name
            report.rows.append(RowReport(number, email, "updated"))
    await session.flush()
    await record_audit(session, principal, "energizing.contacts_imported", summary=Msg(
        "{file}: {added} added, {updated} updated, {merged} merged, {skipped} skipped", file=filename[:100],
        added=report.total("added"), updated=report.total("updated"), merged=report.total("merged"),
        skipped=report.total("skipped")))
    return report


def contacts_query(search: str = "") -> Select[Any]:
    query = select(SurveyContact).order_by(SurveyContact.email)
    if search:
        query = query.where(SurveyContact.email.contains(search.lower()))
    return query


async def opt_out(session: AsyncSession, email: str) -> bool:
    """Withdraw the address's consent for good (the unsubscribe link); False when it was already withdrawn."""
    contact = await session.scalar(select(SurveyContact).where(SurveyContact.email == email))
    if contact is None:
        contact = SurveyContact(email=email, name="", consent=False, consent_text=OPTED_OUT)
        session.add(contact)
    elif contact.consent_text == OPTED_OUT and not contact.consent:
        return False
    else:
        contact.consent, contact.consent_text = False, OPTED_OUT
    await session.flush()
    await record_audit(session, None, "energizing.contact_opted_out", subject=contact, touch=False)
    return True
