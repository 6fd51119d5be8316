"""Importing platform exports: reading CSV and JSON, suggesting and checking the column mapping, the job with
progress and a report of rejected rows, broken files changing nothing, the size limit, idempotence, permissions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import DomainError
from core.jobs.models import JobProgress
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import ImportRun, Mention, Source
from plugins.monitoring.sources import imports
from plugins.monitoring.sources.imports import (
    BrokenFile,
    clean_mapping,
    parse_moment,
    parse_reach,
    parse_tags,
    read_table,
    suggest_mapping,
)
from tests.contract.populate import table_fingerprint
from tests.plugins.monitoring.test_sources import queued
from tests.support import World, api_headers, ensure_csrf, login_as, post_form

PAGES = "/t/acme/p/monitoring"
API = "/api/v1/t/acme/monitoring"

# a Dutch spreadsheet export: ';' separated, a BOM, a quoted field with a newline and a ';' in it
CSV = (
    "\ufeffid;created_at;text;screen_name;followers;lang\n"
    "t1;2026-01-05 09:15:00;Acme levert weer te laat;@jan;1.200;nl\n"
    "t2;05-01-2026 10:00;\"Service van Acme is top; echt\nwaar\";@piet;12K;nl\n"
    ";2026-01-05T11:00:00Z;zonder id;@kees;5;nl\n"
    "t4;gisteren;datum onleesbaar;@els;5;nl\n"
    "t5;2026-01-05T12:00:00+01:00;;@ann;5;nl\n"
    "t6;1767606000;Prima product van Acme;@bob;veel;fr\n"
    "t7;2026-01-05 13:00:00;Te veel cellen;@x;1;nl;extra\n"
    "\n"
    "t8;2026-01-05 14:00:00;Great service by Acme;@amy;300;en\n"
).encode()
VALID = {"t1", "t2", "t8"}


async def add_source(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, name: str = "Twitter-export",
                     kind: str = "import") -> UUID:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            source = Source(name=name, kind=kind, source_type="microblog",
                            url="http://127.0.0.1:9/f" if kind == "feed" else None)
            s.add(source)
            await s.flush()
            return source.id


async def runs(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID) -> list[ImportRun]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(ImportRun).order_by(ImportRun.created_at))).all())


async def mentions(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID) -> dict[str, Mention]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            return {m.external_id: m for m in (await s.scalars(select(Mention))).all()}


async def upload(client: Any, source: Any, name: str, content: bytes) -> Any:
    csrf = await ensure_csrf(client)
    return await client.post(f"{PAGES}/imports/", data={"source": str(source), "_csrf_token": csrf},
                             files={"file": (name, content, "application/octet-stream")},
                             headers={"x-csrftoken": csrf}, follow_redirects=False)


async def english(client: Any) -> None:
    await post_form(client, "/lang", {"lang": "en", "next": "/"}, follow_redirects=False)


# -- reading files and mapping columns ------------------------------------------------------------------------------

def test_csv_and_json_exports_are_read_with_row_numbers_as_in_the_file() -> None:
    table = read_table(CSV, "csv")
    assert table.columns == ["id", "created_at", "text", "screen_name", "followers", "lang"]
    assert [n for n, _ in table.rows] == [2, 3, 4, 5, 6, 7, 8, 10]  # header is row 1; the blank row is skipped
    assert table.rows[1][1]["text"] == "Service van Acme is top; echt\nwaar"
    tweets = [{"id_str": "1", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "full_text": "Hoi",
               "user": {"screen_name": "jan", "name": "Jan", "followers_count": 10}, "entities": {"hashtags": []}}]
    js = read_table(("window.YTD.tweets.part0 = " + json.dumps(tweets)).encode(), "json")
    assert js.columns == ["id_str", "created_at", "full_text", "user.screen_name", "user.name", "user.followers_count",
                          "entities.hashtags"]
    wrapped = read_table(json.dumps({"meta": {"n": 2}, "data": [{"a": 1}, {"a": 2}, 3]}).encode(), "json")
    assert [n for n, _ in wrapped.rows] == [1, 2, 3] and wrapped.columns == ["a"]
    lines = read_table(b'{"a": 1}\n\n{"a": 2}\n', "json", "x.ndjson")
    assert [n for n, _ in lines.rows] == [1, 3]
    tsv = read_table(b"id\ttext\n1\thallo, wereld\n", "csv")
    assert tsv.rows == [(2, {"id": "1", "text": "hallo, wereld"})]


def test_broken_files_are_refused_with_a_reason() -> None:
    cases = [
        (b'id,text\n1,"ongesloten\n', "csv", "The file is not valid CSV"),
        (b'id,text\n1,"a"b\n', "csv", "The file is not valid CSV"),
        (b'[{"id": 1}, {"id": 2]', "json", "The file is not valid JSON"),
        ("id,text\n1,caf\u00e9\n".encode("latin-1"), "csv", "The file is not UTF-8 text"),
        (b"", "csv", "The file is empty"),
        (b"id,text\n\n", "csv", "The file has no rows"),
        (b"[]", "json", "The file has no rows"),
        (b'"just a string"', "json", "The file holds no list of objects"),
        (b"[1, 2, 3]", "json", "The file holds no list of objects"),
    ]
    for content, fmt, reason in cases:
        with pytest.raises(BrokenFile) as caught:
            read_table(content, fmt)
        assert list(caught.value.errors) == ["file"] and str(caught.value.msg).startswith(reason), content


def test_columns_are_mapped_by_name_and_the_mapping_is_checked() -> None:
    assert suggest_mapping(["tweet_id", "Date", "Message", "User", "Followers_Count", "Permalink"]) == {
        "external_id": "tweet_id", "published_at": "Date", "body": "Message", "url": "Permalink",
        "author_handle": "User", "author_reach": "Followers_Count"}
    assert suggest_mapping(["id_str", "created_at", "full_text", "user.screen_name", "user.name",
                            "user.followers_count", "user.id", "entities.hashtags"]) == {
        "external_id": "id_str", "published_at": "created_at", "body": "full_text",
        "author_handle": "user.screen_name", "author_name": "user.name", "author_reach": "user.followers_count",
        "tags": "entities.hashtags"}
    columns = ["id", "date", "text"]
    assert clean_mapping({"external_id": "id", "published_at": "date", "body": "text", "lead": ""}, columns) == {
        "external_id": "id", "published_at": "date", "body": "text"}
    assert clean_mapping('{"external_id": "id", "published_at": "date", "title": "text"}', columns)["title"] == "text"
    with pytest.raises(DomainError) as caught:
        clean_mapping({"title": "nope", "author_reach": 3}, columns)
    assert sorted(caught.value.errors) == ["mapping.author_reach", "mapping.external_id", "mapping.published_at",
                                           "mapping.title"]
    assert caught.value.errors["mapping.title"].render("en") == "Choose a column of the file."
    with pytest.raises(DomainError) as caught:
        clean_mapping({"external_id": "id", "published_at": "date", "url": "text"}, columns)
    assert list(caught.value.errors) == ["mapping.body"]
    for bad in ("{not json", "[1]", {"colour": "id", "external_id": "id", "published_at": "date", "body": "text"}):
        with pytest.raises(DomainError) as caught:
            clean_mapping(bad, columns)
        assert "mapping" in caught.value.errors


def test_export_formats_are_made_ours() -> None:
    utc = datetime(2026, 1, 5, 9, 15, tzinfo=UTC)
    assert parse_moment("2026-01-05 09:15:00") == utc.replace(tzinfo=None)
    assert parse_moment("2026-01-05T10:15:00+01:00") == utc
    assert parse_moment("Mon Jan 05 09:15:00 +0000 2026") == utc
    assert parse_moment("Mon, 05 Jan 2026 09:15:00 GMT") == utc
    assert parse_moment("05-01-2026 09:15") == utc.replace(tzinfo=None)
    assert parse_moment(1767604500) == utc and parse_moment("1767604500000") == utc
    assert parse_moment("gisteren") == "gisteren"
    assert [parse_reach(v) for v in ("1.200", "12,345", "12K", "1,5k", "3M", "12", 7, "veel")] == [
        1200, 12345, 12000, 1500, 3_000_000, "12", 7, "veel"]
    assert parse_tags("#zorg #kpn, zorg") == ["zorg", "kpn"]
    assert parse_tags([{"text": "a"}, "b", {"x": 1}]) == ["a", "b"]


# -- the whole path on the pages ------------------------------------------------------------------------------------

async def test_upload_map_and_import_reports_rejected_rows_with_row_numbers(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "CHUNK", 2)  # several chunks, each its own transaction
    source = await add_source(sessionmaker, mon.a.id)
    await login_as(client, mon.a, "member")  # plugin.work: every member may import
    await english(client)
    page = await client.get(f"{PAGES}/imports/")
    assert page.status_code == 200 and "Twitter-export" in page.text and 'type="file"' in page.text
    response = await upload(client, source, "export.csv", CSV)
    assert response.status_code == 303, response.text[:1000]
    [run] = await runs(sessionmaker, mon.a.id)
    assert response.headers["location"] == f"{PAGES}/imports/{run.id}"
    assert (run.status, run.file_format, run.total_rows, run.file_name) == ("mapping", "csv", 8, "export.csv")
    assert run.mapping == {"external_id": "id", "published_at": "created_at", "body": "text",
                           "author_handle": "screen_name", "author_reach": "followers", "language": "lang"}
    page = await client.get(f"{PAGES}/imports/{run.id}")
    assert 'name="mapping.external_id"' in page.text and '<option value="id" selected' in page.text
    assert "Acme levert weer te laat" in page.text  # example values next to the columns

    mapping = {f"mapping.{k}": v for k, v in run.mapping.items()}
    response = await post_form(client, f"{PAGES}/imports/{run.id}", {**mapping, "mapping.external_id": ""},
                               follow_redirects=False)
    assert response.status_code == 422 and "Choose the column for this field." in response.text
    assert (await runs(sessionmaker, mon.a.id))[0].status == "mapping"
    response = await post_form(client, f"{PAGES}/imports/{run.id}", mapping, follow_redirects=False)
    assert response.status_code == 303
    [run] = await runs(sessionmaker, mon.a.id)
    assert run.status == "queued" and run.progress_id is not None
    [payload] = await queued(app, "monitoring.import")
    assert payload["import_id"] == str(run.id) and payload["progress_id"] == str(run.progress_id)
    page = await client.get(f"{PAGES}/imports/{run.id}")
    assert f'hx-get="/t/acme/jobs/{run.progress_id}"' in page.text

    await run_named_job(app, "monitoring.import", mon.a.id, import_id=payload["import_id"],
                        progress_id=payload["progress_id"])
    found = await mentions(sessionmaker, mon.a.id)
    assert set(found) == VALID
    assert found["t2"].body == "Service van Acme is top; echt\nwaar" and found["t2"].author_reach == 12000
    assert found["t1"].author_reach == 1200 and found["t1"].published_at == \
        datetime(2026, 1, 5, 9, 15, tzinfo=UTC)
    [run] = await runs(sessionmaker, mon.a.id)
    assert (run.status, run.imported, run.duplicates, run.total_rows, run.error) == ("done", 3, 0, 8, "")
    report = [(e["row"], e["field"], e["column"], e["reason"]) for e in run.rejected]
    assert report == [
        (4, "external_id", "id", "This field is required."),
        (5, "published_at", "created_at", "Use a date and time like 2026-01-31T09:30:00+01:00."),
        (6, "body", "text", "Give a title, a lead or a body."),
        (7, "author_reach", "followers", "Use a whole number of 0 or more."),
        (8, "row", "", "The row has 7 cells; the header has 6."),
    ]
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(ImportRun.data).where(ImportRun.id == run.id)) is None  # upload cleared
            progress = await s.get(JobProgress, run.progress_id)
    assert (progress.status, progress.done, progress.total) == ("done", 8, 8)
    assert progress.result["href"] == f"{PAGES}/imports/{run.id}"

    page = await client.get(f"{PAGES}/imports/{run.id}")
    assert "The row has 7 cells; the header has 6." in page.text and "Use a whole number of 0 or more." in page.text
    assert "<strong>5</strong> rejected rows" in page.text and "<strong>3</strong> imported" in page.text
    download = await client.get(f"{PAGES}/imports/{run.id}/rejected.csv")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    lines = download.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Row,Column,Field,Reason,id,created_at,text")
    assert lines[2].startswith("5,created_at,published_at,Use a date and time like") and ",gisteren," in lines[2]
    listing = await client.get(f"{PAGES}/imports/")
    assert "export.csv" in listing.text


async def test_the_same_export_twice_adds_nothing_and_json_maps_itself(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id, kind="api")
    headers = await api_headers(sessionmaker, mon.a, "regie")
    tweets = [{"id_str": str(n), "created_at": "Mon Jan 05 09:15:00 +0000 2026", "full_text": f"Bericht {n} over Acme",
               "user": {"screen_name": f"user{n}", "followers_count": n * 10}, "entities": {"hashtags": [
                   {"text": "acme"}]}} for n in range(1, 6)]
    content = json.dumps(tweets).encode()
    for attempt in (1, 2):
        response = await client.post(f"{API}/imports", headers=headers, data={"source": str(source)},
                                     files={"file": ("tweets.json", content, "application/json")})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "queued" and body["mapping"]["author_reach"] == "user.followers_count"
        await run_named_job(app, "monitoring.import", mon.a.id, import_id=body["id"], progress_id=body["progress_id"])
        result = (await client.get(f"{API}/imports/{body['id']}", headers=headers)).json()
        expected = (5, 0) if attempt == 1 else (0, 5)
        assert (result["status"], result["imported"], result["duplicates"], result["rejected_rows"]) == (
            "done", *expected, 0)
    found = await mentions(sessionmaker, mon.a.id)
    assert len(found) == 5 and found["3"].author_handle == "user3" and found["3"].author_reach == 30
    assert found["3"].tags == ["acme"]
    # the job is idempotent: a repeated message after it finished does nothing
    await run_named_job(app, "monitoring.import", mon.a.id, import_id=body["id"], progress_id=body["progress_id"])
    assert len(await mentions(sessionmaker, mon.a.id)) == 5
    listing = (await client.get(f"{API}/imports", headers=headers)).json()
    assert [i["imported"] for i in listing["items"]] == [0, 5] and listing["items"][0]["report"] == []


async def test_a_broken_file_changes_nothing(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id)
    with tenant_scope(mon.a.id):  # a file broken deep inside: only the job, reading it all, finds out
        async with sessionmaker() as s, s.begin():
            run = ImportRun(source_id=source, file_name="late.csv", file_format="csv", status="queued",
                            mapping={"external_id": "id", "published_at": "date", "body": "text"},
                            data=b"id,date,text\n" + b"1,2026-01-01,goed\n" * 600 + b'2,2026-01-01,"kapot\n')
            s.add(run)
    await login_as(client, mon.a, "regie")
    await english(client)
    headers = await api_headers(sessionmaker, mon.a, "regie")
    before = await table_fingerprint(sessionmaker)

    response = await upload(client, source, "export.json", b'[{"id": 1, "text": "a"}, {"id": 2')
    assert response.status_code == 422 and "The file is not valid JSON" in response.text
    response = await client.post(f"{API}/imports", headers=headers, data={"source": str(source)},
                                 files={"file": ("export.csv", "id,text\n1,caf\u00e9\n".encode("cp1252"), "text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "file",
                                          "reason": "The file is not UTF-8 text (byte 14 cannot be read)."}]
    response = await client.post(f"{API}/imports", headers=headers, data={"source": str(source),
                                 "mapping": json.dumps({"external_id": "id"})},
                                 files={"file": ("export.csv", b"id,date,text\n1,2026-01-01,x\n", "text/csv")})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"mapping.published_at", "mapping.body"}
    await run_named_job(app, "monitoring.import", mon.a.id, import_id=str(run.id))

    after = await table_fingerprint(sessionmaker)
    assert {t for t in before if before[t] != after[t]} - {"api_token"} == {"monitoring_import"}  # the run only
    [failed] = await runs(sessionmaker, mon.a.id)
    assert failed.status == "failed" and failed.error.startswith("The file is not valid CSV: ")
    assert (failed.imported, failed.rejected) == (0, [])
    page = await client.get(f"{PAGES}/imports/{failed.id}")
    assert "The file is not valid CSV" in page.text


async def test_the_size_limit_and_the_source_are_checked(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id)
    feed = await add_source(sessionmaker, mon.a.id, "Een feed", kind="feed")
    await login_as(client, mon.a, "regie")
    await english(client)
    big = b"id,date,text\n" + b"1,2026-01-01," + b"x" * (10 * 1024 * 1024) + b"\n"
    response = await upload(client, source, "big.csv", big)
    assert response.status_code == 422 and "The file is larger than 10 MB." in response.text
    response = await upload(client, feed, "ok.csv", b"id,date,text\n1,2026-01-01,x\n")
    assert response.status_code == 422 and "Choose a source of the kind platform export or API." in response.text
    csrf = await ensure_csrf(client)
    response = await client.post(f"{PAGES}/imports/", data={"source": str(source), "_csrf_token": csrf},
                                 files={"other": ("x.txt", b"x", "text/plain")}, headers={"x-csrftoken": csrf})
    assert response.status_code == 422 and "Choose a file to upload." in response.text
    assert await runs(sessionmaker, mon.a.id) == []


async def test_who_may_import_and_tenant_isolation(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id)
    await login_as(client, mon.a, "viewer")
    page = await client.get(f"{PAGES}/imports/")
    assert page.status_code == 200 and 'type="file"' not in page.text
    assert (await upload(client, source, "x.csv", b"id,date,text\n1,2026-01-01,x\n")).status_code == 403
    viewer = await api_headers(sessionmaker, mon.a, "viewer")
    response = await client.post(f"{API}/imports", headers=viewer, data={"source": str(source)},
                                 files={"file": ("x.csv", b"id,date,text\n1,2026-01-01,x\n", "text/csv")})
    assert response.status_code == 403 and await runs(sessionmaker, mon.a.id) == []

    other_source = await add_source(sessionmaker, mon.b.id, "Globex-export")
    with tenant_scope(mon.b.id):
        async with sessionmaker() as s, s.begin():
            other = ImportRun(source_id=other_source, file_name="globex.csv", file_format="csv", status="mapping",
                              data=b"id,date,text\n1,2026-01-01,x\n")
            s.add(other)
    client.cookies.clear()
    await login_as(client, mon.a, "regie")
    for url in (f"{PAGES}/imports/{other.id}", f"{PAGES}/imports/{other.id}/rejected.csv"):
        assert (await client.get(url)).status_code == 404
    assert (await post_form(client, f"{PAGES}/imports/{other.id}", {"mapping.external_id": "id"})).status_code == 404
    assert (await post_form(client, f"{PAGES}/imports/{other.id}/cancel", {})).status_code == 404
    regie = await api_headers(sessionmaker, mon.a, "regie")
    assert (await client.get(f"{API}/imports/{other.id}", headers=regie)).status_code == 404
    response = await client.post(f"{API}/imports", headers=regie, data={"source": str(other_source)},
                                 files={"file": ("x.csv", b"id,date,text\n1,2026-01-01,x\n", "text/csv")})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "source"
    assert "globex.csv" not in (await client.get(f"{PAGES}/imports/")).text
    with tenant_scope(mon.b.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(ImportRun)) == 1

    # the owner cancels an upload that was never mapped
    response = await upload(client, source, "weg.csv", b"id,date,text\n1,2026-01-01,x\n")
    run_id = response.headers["location"].rsplit("/", 1)[-1]
    response = await post_form(client, f"{PAGES}/imports/{run_id}/cancel", {}, follow_redirects=False)
    assert response.status_code == 303 and await runs(sessionmaker, mon.a.id) == []


# -- hostile files: bounded, linear, and parsed off the event loop ---------------------------------------------------

WIDE_SAME = ("a," * 2499 + "a\n" + "1," * 2499 + "1\n").encode()  # 10 KB: 2,500 columns all named `a`
WIDE_DISTINCT = (",".join(f"c{i}" for i in range(200_000)) + "\n1\n").encode()  # 1.2 MB: 200,000 names


def test_column_names_are_made_unique_in_one_pass_and_wide_files_are_refused() -> None:
    table = read_table(b"a,a,a (2),,a\n1,2,3,4,5\n", "csv")
    assert table.columns == ["a", "a (2)", "a (2) (2)", "column 4", "a (3)"]
    at_limit = read_table(("a," * (imports.MAX_COLUMNS - 1) + "a\n1\n").encode(), "csv")
    assert len(set(at_limit.columns)) == imports.MAX_COLUMNS and at_limit.columns[-1] == f"a ({imports.MAX_COLUMNS})"
    for content, count in ((WIDE_SAME, 2500), (WIDE_DISTINCT, 200_000)):
        with pytest.raises(BrokenFile) as caught:
            read_table(content, "csv")
        assert str(caught.value.msg) == f"The file has {count} columns; an import takes at most 200."


def test_json_files_are_bounded_in_fields_and_depth() -> None:
    cases = [
        (json.dumps([{f"k{i}": i for i in range(200_000)}]).encode(), "x.json",
         "Row 1 has 200000 fields; an import takes at most 500."),
        (json.dumps([{"id": 1, "user": {f"k{i}": i for i in range(600)}}]).encode(), "x.json",
         "Row 1 has 601 fields; an import takes at most 500."),
        (json.dumps([{f"r{r}k{i}": i for i in range(10)} for r in range(60)]).encode(), "x.json",
         "The file's first rows have 600 different fields; an import takes at most 500."),
        (b"[" * 100_000 + b"]" * 100_000, "x.json", "The JSON is nested more than 64 levels deep."),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "x.json", "The JSON is nested more than 64 levels deep."),
        (b'{"id": 1}\n' + b"[" * 100_000 + b"\n", "x.jsonl", "The JSON is nested more than 64 levels deep."),
    ]
    for content, name, reason in cases:
        with pytest.raises(BrokenFile) as caught:
            read_table(content, "json", name)
        assert list(caught.value.errors) == ["file"] and str(caught.value.msg) == reason, reason
    nested_in_text = read_table(json.dumps([{"id": 1, "text": "[" * 1000}]).encode(), "json")  # brackets in a string
    assert nested_in_text.rows[0][1]["text"] == "[" * 1000


async def test_hostile_files_get_a_4xx_on_the_page_and_the_api_and_store_nothing(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id, kind="api")
    headers = await api_headers(sessionmaker, mon.a, "member")
    hostile = [
        ("wide.csv", WIDE_SAME, "The file has 2500 columns; an import takes at most 200."),
        ("wider.csv", WIDE_DISTINCT, "The file has 200000 columns; an import takes at most 200."),
        ("keys.json", json.dumps([{f"k{i}": i for i in range(200_000)}]).encode(),
         "Row 1 has 200000 fields; an import takes at most 500."),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "The JSON is nested more than 64 levels deep."),
        ("deep.json", b"{" * 50_000, "The JSON is nested more than 64 levels deep."),
        ("deep.ndjson", b"[" * 100_000, "The JSON is nested more than 64 levels deep."),
    ]
    await login_as(client, mon.a, "member")
    response = await upload(client, source, "wide.csv", WIDE_SAME)  # the page, in Dutch (the default)
    assert response.status_code == 422
    assert "Het bestand heeft 2500 kolommen; een import neemt er hoogstens 200." in response.text
    response = await upload(client, source, "deep.json", b"[" * 100_000)
    assert response.status_code == 422 and 'name="file"' in response.text
    await english(client)
    for name, content, reason in hostile:
        response = await client.post(f"{API}/imports", headers=headers, data={"source": str(source)},
                                     files={"file": (name, content, "application/octet-stream")})
        assert response.status_code == 422, (name, response.text[:300])
        assert response.json()["errors"] == [{"field": "file", "reason": reason}]
    response = await client.post(f"{API}/imports", headers=headers, data={"source": str(source),
                                                                          "mapping": "[" * 100_000},
                                 files={"file": ("ok.csv", b"id,date,text\n1,2026-01-01,x\n", "text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "mapping",
                                          "reason": "The JSON is nested more than 64 levels deep."}]
    assert await runs(sessionmaker, mon.a.id) == []


async def test_an_upload_is_parsed_off_the_event_loop_while_other_requests_are_served(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload's parse waits until a request of another tenant has been answered. Parsed on the event loop,
    that request could never run meanwhile: the wait would time out and the upload fail. (The 10 s bound only
    ends a real hang; nothing is timed otherwise.) The requests run on this test's own loop through httpx's ASGI
    transport: the test client works each request to the end on a loop of its own, one at a time."""
    import asyncio
    import threading

    import httpx

    from plugins.monitoring.sources import service

    source = await add_source(sessionmaker, mon.a.id, kind="api")
    await add_source(sessionmaker, mon.b.id, "Globex-export", kind="api")
    acme = await api_headers(sessionmaker, mon.a, "member")
    globex = await api_headers(sessionmaker, mon.b, "viewer")
    started, answered = threading.Event(), threading.Event()
    parsed_on: list[str] = []
    real = service.read_table

    def gated(*args: Any, **kwargs: Any) -> Any:
        parsed_on.append(threading.current_thread().name)
        started.set()
        if not answered.wait(10):
            raise AssertionError("no other request was served while the file was being parsed")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "read_table", gated)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local") as http:
        async def hostile() -> httpx.Response:
            return await http.post(f"{API}/imports", headers=acme, data={"source": str(source)},
                                   files={"file": ("wide.csv", WIDE_SAME, "text/csv")})

        async def cheap() -> httpx.Response:
            while not started.is_set():  # only once the parse is under way
                await asyncio.sleep(0.01)
            response = await http.get("/api/v1/t/globex/monitoring/sources", headers=globex)
            answered.set()
            return response

        slow, quick = await asyncio.gather(hostile(), cheap())
    assert quick.status_code == 200 and [s["name"] for s in quick.json()["items"]] == ["Globex-export"]
    assert slow.status_code == 422 and slow.json()["errors"] == [
        {"field": "file", "reason": "Het bestand heeft 2500 kolommen; een import neemt er hoogstens 200."}]
    assert parsed_on and parsed_on[0] != threading.main_thread().name
    assert await runs(sessionmaker, mon.a.id) == []


# -- a job delivered again after a crash ------------------------------------------------------------------------------

class Killed(BaseException):
    """The worker process dies mid-chunk: no `except Exception` sees it, the chunk's transaction is rolled back."""


async def _queued_import(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, source: UUID,
                         content: bytes) -> UUID:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            run = ImportRun(source_id=source, file_name="big.csv", file_format="csv", status="queued",
                            mapping={"external_id": "id", "published_at": "date", "body": "text"}, data=content)
            s.add(run)
    return run.id


@pytest.mark.parametrize("crash", [Killed, RuntimeError])
async def test_a_resumed_import_counts_its_own_rows_as_imported(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch,
        crash: type[BaseException]) -> None:
    """Killed: the message is delivered again with the run still `running`. RuntimeError: the run is marked
    failed and the broker retries it. Either way the counts equal an uninterrupted import's."""
    monkeypatch.setattr(imports, "CHUNK", 5)
    rows = [f"r{n},2026-01-0{1 + n % 5} 10:00,Bericht nummer {n} over Acme" for n in range(40)]
    rows.insert(20, "r7,2026-01-02 10:00,Bericht nummer 7 over Acme")  # a real duplicate within the file
    content = ("id,date,text\n" + "\n".join(rows) + "\n").encode()
    interrupted = await add_source(sessionmaker, mon.a.id, "Onderbroken")
    whole = await add_source(sessionmaker, mon.b.id, "In een keer")
    real_ingest = imports.ingest
    calls = {"n": 0}

    async def crashing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        report = await real_ingest(*args, **kwargs)
        if calls["n"] == 4:  # the fourth chunk is written, then the worker dies before it commits
            raise crash("worker lost")
        return report

    run_id = await _queued_import(sessionmaker, mon.a.id, interrupted, content)
    monkeypatch.setattr(imports, "ingest", crashing)
    with pytest.raises(crash):
        await run_named_job(app, "monitoring.import", mon.a.id, import_id=str(run_id))
    [halfway] = await runs(sessionmaker, mon.a.id)
    assert (halfway.imported, halfway.duplicates, halfway.resume_after) == (15, 0, 16)  # three chunks committed
    assert halfway.status == ("running" if crash is Killed else "failed")
    assert len(await mentions(sessionmaker, mon.a.id)) == 15
    monkeypatch.setattr(imports, "ingest", real_ingest)
    await run_named_job(app, "monitoring.import", mon.a.id, import_id=str(run_id))  # delivered again

    other_id = await _queued_import(sessionmaker, mon.b.id, whole, content)
    await run_named_job(app, "monitoring.import", mon.b.id, import_id=str(other_id))
    [resumed], [uninterrupted] = await runs(sessionmaker, mon.a.id), await runs(sessionmaker, mon.b.id)
    counts = (resumed.status, resumed.total_rows, resumed.imported, resumed.duplicates, resumed.rejected)
    assert counts == ("done", 41, 40, 1, [])
    assert counts == (uninterrupted.status, uninterrupted.total_rows, uninterrupted.imported,
                      uninterrupted.duplicates, uninterrupted.rejected)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            stored = (await s.execute(select(Mention.external_id, func.count()).group_by(Mention.external_id))).all()
    assert len(stored) == 40 and {n for _id, n in stored} == {1}  # no row stored twice
    # a message that arrives after the import finished changes nothing
    await run_named_job(app, "monitoring.import", mon.a.id, import_id=str(run_id))
    [again] = await runs(sessionmaker, mon.a.id)
    assert (again.imported, again.duplicates) == (40, 1) and len(await mentions(sessionmaker, mon.a.id)) == 40


async def test_rows_dated_at_the_edge_of_the_calendar_are_rejected_with_a_reason(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a.id)
    content = (b"id,date,text\nok,2026-01-05 10:00,Acme levert op tijd\nlow,0001-01-01T00:00:00+14:00,rand\n"
               b"high,9999-12-31T23:59:59-12:00,rand\nold,Mon Jan 01 00:00:00 +1400 0001,rand\n")
    run_id = await _queued_import(sessionmaker, mon.a.id, source, content)
    result = await run_named_job(app, "monitoring.import", mon.a.id, import_id=str(run_id))
    assert result == {"status": "done", "rejected": 3}
    [run] = await runs(sessionmaker, mon.a.id)
    assert (run.status, run.imported, run.duplicates) == ("done", 1, 0)
    assert [(e["row"], e["field"], e["reason"]) for e in run.rejected] == [
        (n, "published_at", "Use a date from 1970-01-01 to 2099-12-31.") for n in (3, 4, 5)]
    assert set(await mentions(sessionmaker, mon.a.id)) == {"ok"}
