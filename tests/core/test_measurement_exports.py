"""Exports: every table of measurements as CSV and XLSX, headers in the reader's language, with the version."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from core.measurement.exports import table_rows
from core.tenancy.scope import tenant_scope
from tests.core import kpi_plugin
from tests.support import login_as, post_form

YESTERDAY = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
BEFORE = (datetime.now(UTC).date() - timedelta(days=5)).isoformat()


@pytest.fixture
def plugin(app):
    with kpi_plugin.registered(app.state.pm) as p:
        yield p


async def fill(client, world):
    await login_as(client, world.a, "regie")
    kpis = "leads | Leads | Nieuwe leads | CRM | manual | count | Marketing\nkpitest.posts | | | | plugin"
    assert (await post_form(client, "/t/acme/evidence/methodology", {"kpis": kpis, "reason": "Start"},
                            follow_redirects=False)).status_code == 303
    for day, value, note in ((BEFORE, "4", "Eerste"), (YESTERDAY, "9", "Tweede"), (YESTERDAY, "10", "Correctie")):
        r = await post_form(client, "/t/acme/measurements/manual", {"kpi": "leads", "day": day, "value": value,
                                                                     "note": note}, follow_redirects=False)
        assert r.status_code == 303
    r = await post_form(client, "/t/acme/evidence/targets", {"kpi": "leads", "value": "40", "rationale": "Groei",
                                                             "period_start": BEFORE, "period_end": YESTERDAY},
                        follow_redirects=False)
    assert r.status_code == 303


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_csv_exports_of_every_table(client, world, sessionmaker, plugin):
    await fill(client, world)
    base = "/t/acme/measurements/export.csv"
    snapshots = read_csv(await client.get(f"{base}?table=snapshots"))
    assert snapshots[0] == ["KPI", "Dag", "Waarde", "Bron", "Methodiekversie", "Gemeten op"]
    assert [row[:5] for row in snapshots[1:]] == [["leads", YESTERDAY, "10.0", "handmatig", "1"],
                                                  ["leads", BEFORE, "4.0", "handmatig", "1"]]
    filtered = read_csv(await client.get(f"{base}?table=snapshots&start={YESTERDAY}"))
    assert [row[1] for row in filtered[1:]] == [YESTERDAY]
    manual = read_csv(await client.get(f"{base}?table=manual&kpi=leads"))
    assert manual[0][:5] == ["KPI", "Dag", "Waarde", "Toelichting", "Methodiekversie"]
    assert [(r[2], r[3], r[5]) for r in manual[1:]] == [("10.0", "Correctie", "Regie Acme BV"),
                                                         ("9.0", "Tweede", "Regie Acme BV"),
                                                         ("4.0", "Eerste", "Regie Acme BV")]
    targets = read_csv(await client.get(f"{base}?table=targets"))
    assert targets[0][:7] == ["KPI", "Afdeling", "Begin periode", "Einde periode", "Waarde", "Onderbouwing",
                              "Methodiekversie"]
    assert targets[1][:7] == ["leads", "", BEFORE, YESTERDAY, "40.0", "Groei", "1"]
    methodology = read_csv(await client.get(f"{base}?table=methodology"))
    assert methodology[0][:8] == ["Methodiekversie", "Geschreven op", "Reden", "KPI", "Naam", "Soort", "Eenheid",
                                  "Eigenaar"]
    assert [r[0:1] + r[3:8] for r in methodology[1:]] == [
        ["1", "leads", "Leads", "handmatig", "count", "Marketing"],
        ["1", "kpitest.posts", "", "plug-in", "count", ""]]
    assert (await client.get(f"{base}?table=passwords")).status_code == 422
    assert (await client.get(f"{base}?table=snapshots&end=morgen")).status_code == 422
    # headers follow the reader's language
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            header, english = await table_rows(session, "snapshots", "en", "leads")
    assert header[:5] == ["KPI", "Day", "Value", "Source", "Methodology version"] and english[0][3] == "manual"
    # another tenant's export holds none of acme's rows
    await login_as(client, world.b, "admin")
    assert read_csv(await client.get("/t/globex/measurements/export.csv?table=manual"))[1:] == []


async def test_xlsx_exports_parse_with_openpyxl(client, world, plugin):
    await fill(client, world)
    r = await client.get("/t/acme/measurements/export.xlsx?table=snapshots&kpi=leads")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.title == "Dagelijkse metingen"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("KPI", "Dag", "Waarde", "Bron", "Methodiekversie", "Gemeten op")
    assert [(v[0], v[1].date().isoformat(), v[2], v[3], v[4]) for v in values[1:]] == [
        ("leads", YESTERDAY, 10.0, "handmatig", 1), ("leads", BEFORE, 4.0, "handmatig", 1)]
    for table in ("manual", "targets", "methodology"):
        r = await client.get(f"/t/acme/measurements/export.xlsx?table={table}")
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        assert "Methodiekversie" in rows[0] and len(rows) > 1, table
    page = await client.get("/t/acme/measurements/?kpi=leads")
    assert "export.xlsx?table=targets&amp;kpi=leads" in page.text and "Exporteren" in page.text


async def test_typed_text_never_becomes_a_spreadsheet_formula(client, world, plugin):
    """A note like =HYPERLINK(...) is exported as text: quoted in the CSV, a string cell in the XLSX."""
    await fill(client, world)
    formula = '=HYPERLINK("http://evil.example","klik")'
    r = await post_form(client, "/t/acme/measurements/manual", {"kpi": "leads", "day": YESTERDAY, "value": "11",
                                                                 "note": formula}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    rows = read_csv(await client.get("/t/acme/measurements/export.csv?table=manual"))
    notes = [cell for row in rows[1:] for cell in row if "HYPERLINK" in cell]
    assert notes == ["'" + formula]
    book = load_workbook(io.BytesIO((await client.get("/t/acme/measurements/export.xlsx?table=manual")).content))
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in cells] == [("'" + formula, "s")]
