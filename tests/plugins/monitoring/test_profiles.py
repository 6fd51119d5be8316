"""Search profiles: validation of every field (a query's error names its position, in Dutch and English),
CRUD on the web and in the API, permissions, the preview, the re-tag job (tags, the profile's counters,
ALL_PROFILES untouched, progress, superseded, idempotent) and deleting with its counters."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.i18n import add_translations
from core.jobs.models import JobProgress
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import (
    ALL_PROFILES,
    DayStat,
    DirtyDay,
    HourStat,
    Mention,
    MentionProfile,
    SearchProfile,
    Source,
)
from plugins.monitoring.plugin import INFO
from plugins.monitoring.profiles import retag, service
from plugins.monitoring.profiles.highlight import highlight
from plugins.monitoring.stats import Counted, count
from tests.support import TenantWorld, World, api_headers, login_as, post_form

BASE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
JOB = "monitoring.retag_profile"
GOOD = {"name": "Merk", "query": "kpn OR ziggo"}


def web(tw: TenantWorld, path: str = "") -> str:
    return f"/t/{tw.slug}/p/monitoring/profiles/{path}"


def api(tw: TenantWorld, path: str = "") -> str:
    return f"/api/v1/t/{tw.slug}/monitoring/profiles{path}"


def form(**overrides: Any) -> dict[str, Any]:
    """A filled-in editor form (checkboxes ticked as a browser sends them)."""
    data = {"name": "Merk", "query": "kpn", "alert_window_minutes": "60", "volume_factor": "3",
            "volume_min_mentions": "10", "negative_rise": "0.2", "is_active": "1", "alerts_enabled": "1"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reasons(exc: DomainError, lang: str = "en") -> dict[str, str]:
    add_translations(INFO.translations)  # as the plugin host does at start-up (these tests build no app)
    return exc.rendered(lang)


# --- validation without a database -------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "reason"), [
    ("name", "", "This field is required."),
    ("name", "x" * 121, "Use at most 120 characters."),
    ("query", "", "This field is required."),
    ("languages", ["nl", "fr"], "Choose any of: nl, en, und."),
    ("source_types", "news,tv", "Choose any of: news, blog, forum, microblog, social, review, video, other."),
    ("is_active", "perhaps", "Choose yes or no."),
    ("alerts_enabled", "perhaps", "Choose yes or no."),
    ("alert_window_minutes", "4", "Use a number from 5 to 1440."),
    ("alert_window_minutes", "1441", "Use a number from 5 to 1440."),
    ("alert_window_minutes", "7.5", "Enter a whole number."),
    ("alert_window_minutes", "abc", "Enter a number."),
    ("volume_factor", "1.4", "Use a number from 1.5 to 50."),
    ("volume_factor", 50.5, "Use a number from 1.5 to 50."),
    ("volume_factor", True, "Enter a number."),
    ("volume_min_mentions", 0, "Use a number from 1 to 10000."),
    ("volume_min_mentions", "10001", "Use a number from 1 to 10000."),
    ("negative_rise", "0.01", "Use a number from 0.05 to 0.9."),
    ("negative_rise", "nan", "Enter a number."),
    ("negative_rise", "0.95", "Use a number from 0.05 to 0.9."),
])
def test_every_field_is_validated(field: str, value: Any, reason: str) -> None:
    with pytest.raises(DomainError) as caught:
        service.clean_values({**GOOD, field: value}, creating=True)
    assert reasons(caught.value) == {field: reason}


def test_all_bad_fields_are_reported_at_once_and_good_values_are_cleaned() -> None:
    with pytest.raises(DomainError) as caught:
        service.clean_values({"name": "", "query": "(kpn", "negative_rise": "2"}, creating=True)
    assert set(reasons(caught.value)) == {"name", "query", "negative_rise"}
    cleaned = service.clean_values({**GOOD, "languages": ["en", "nl", "nl"], "source_types": "forum, news",
                                    "volume_factor": "2,5", "alert_window_minutes": 30.0, "is_active": "",
                                    "alerts_enabled": "on"}, creating=True)
    assert cleaned["languages"] == ["nl", "en"] and cleaned["source_types"] == ["news", "forum"]
    assert cleaned["volume_factor"] == 2.5 and cleaned["alert_window_minutes"] == 30
    assert cleaned["is_active"] is False and cleaned["alerts_enabled"] is True
    assert cleaned["volume_min_mentions"] == 10  # default filled in on create


@pytest.mark.parametrize(("query", "en", "nl"), [
    ("kpn AND (storing OR ziggo", "Unclosed parenthesis (position 9)", "Haakje niet gesloten (positie 9)"),
    ("kpn OR", "Expected a term after OR (position 5)", "Na OR hoort een zoekterm (positie 5)"),
    ("  kpn OR", "Expected a term after OR (position 7)", "Na OR hoort een zoekterm (positie 7)"),  # as typed
    ('kpn "slecht nieuws', "Unclosed quotation mark (position 5)", "Aanhalingsteken niet gesloten (positie 5)"),
    ("NOT spam", "A query needs at least one term that is not negated (position 1)",
     "Een zoekvraag heeft minstens één zoekterm nodig die niet ontkend is (positie 1)"),
    ("k* OR kpn", "A wildcard needs at least 2 characters before the * (position 2)",
     "Een joker (*) heeft minstens 2 tekens ervoor nodig (positie 2)"),
])
def test_a_query_error_names_reason_and_position_in_both_languages(query: str, en: str, nl: str) -> None:
    with pytest.raises(DomainError) as caught:
        service.clean_values({**GOOD, "query": query}, creating=True)
    assert reasons(caught.value, "en") == {"query": en}
    assert reasons(caught.value, "nl") == {"query": nl}


def test_highlight_marks_terms_case_and_accent_blind_and_escapes() -> None:
    class M:
        title = ""
        lead = "<b>Storing</b> bij KPN en Café-klanten"
        body = ""

    html = str(highlight(M(), ["kpn", "cafe", "storing*"]))
    assert "&lt;b&gt;<mark>Storing</mark>&lt;/b&gt;" in html
    assert "<mark>KPN</mark>" in html and "<mark>Café</mark>" in html


# --- helpers for database tests -----------------------------------------------------------------------

async def add_source(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = Source(name="Nieuws", kind="api", source_type="news")
            session.add(source)
            await session.flush()
            return source.id


async def add_mentions(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, source: UUID,
                       rows: list[dict[str, Any]]) -> list[UUID]:
    """Mentions as ingestion stores them, counted in ALL_PROFILES (folded duplicates are not counted)."""
    ids: list[UUID] = []
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            counted = []
            for n, fields in enumerate(rows):
                fields = dict(fields)
                fields.setdefault("published_at", BASE - timedelta(hours=n))
                fields.setdefault("source_type", "news")
                fields.setdefault("language", "nl")
                fields.setdefault("external_id", uuid4().hex)
                fields.setdefault("content_hash", hashlib.sha256(uuid4().bytes).hexdigest())
                mention = Mention(source_id=source, **fields)
                session.add(mention)
                await session.flush()
                ids.append(mention.id)
                if mention.duplicate_of_id is None:
                    counted.append(Counted(mention.published_at, (), mention.source_type, mention.language,
                                           mention.sentiment or "neutral", mention.author_reach or 0))
            await count(session, counted, +1)
    return ids


async def scalar(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, query: Any) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(query)


async def tagged(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, profile_id: UUID) -> set[UUID]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return set((await session.scalars(select(MentionProfile.mention_id)
                                              .where(MentionProfile.profile_id == profile_id))).all())


async def hour_totals(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                      key: UUID) -> dict[tuple[str, str], tuple[int, int]]:
    """(source type, sentiment) → (mentions, reach) summed over hours, without zero rows."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows = (await session.execute(
                select(HourStat.source_type, HourStat.sentiment, func.sum(HourStat.mentions), func.sum(HourStat.reach))
                .where(HourStat.profile_key == key).group_by(HourStat.source_type, HourStat.sentiment))).all()
    return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows if r[2]}


async def progress_of(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                      progress_id: Any) -> JobProgress:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.get(JobProgress, UUID(str(progress_id)))


async def profile_row(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                      **where: Any) -> SearchProfile | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(SearchProfile).filter_by(**where))


# --- web ----------------------------------------------------------------------------------------------

async def test_create_edit_refuse_and_delete_on_the_web(client, mon: World, sessionmaker) -> None:
    a = mon.a
    await login_as(client, a, "regie")
    page = await client.get(web(a, "new"))
    assert page.status_code == 200
    assert "slecht nieuws" in page.text and 'name="alert_window_minutes"' in page.text  # syntax help, Alerts

    response = await post_form(client, web(a, "new"), form(name="Merk", query="kpn OR ziggo", languages=["nl", "en"],
                                                          source_types="news"), follow_redirects=False)
    assert response.status_code == 303, response.text[:400]
    profile = await profile_row(sessionmaker, a, name="Merk")
    assert profile is not None and profile.version == 1 and profile.languages == ["nl", "en"]
    assert profile.source_types == ["news"] and profile.is_active and profile.alerts_enabled
    location = response.headers["location"]
    assert location.startswith(web(a, f"{profile.id}/?progress="))
    detail = await client.get(location)
    assert "kpn OR ziggo" in detail.text and f"/t/{a.slug}/jobs/" in detail.text  # the progress bar
    listing = await client.get(web(a))
    assert "Merk" in listing.text and "kpn OR ziggo" in listing.text

    # a bad query re-renders the form with the reason and the position; nothing changes
    bad = await post_form(client, web(a, f"{profile.id}/edit"), form(query="kpn AND (storing"))
    assert bad.status_code == 422
    assert "Haakje niet gesloten (positie 9)" in bad.text and "kpn AND (storing" in bad.text
    assert (await profile_row(sessionmaker, a, id=profile.id)).query == "kpn OR ziggo"

    # thresholds only: no new version, no re-tag
    same = await post_form(client, web(a, f"{profile.id}/edit"), form(name="Merk", query="kpn OR ziggo",
                                                                      languages=["nl", "en"], source_types="news",
                                                                      volume_factor="4,5", alerts_enabled=None),
                           follow_redirects=False)
    assert same.status_code == 303 and "progress" not in same.headers["location"]
    row = await profile_row(sessionmaker, a, id=profile.id)
    assert row.version == 1 and row.volume_factor == 4.5 and row.alerts_enabled is False

    # the query changes: version 2 and a re-tag
    changed = await post_form(client, web(a, f"{profile.id}/edit"), form(query="kpn"), follow_redirects=False)
    assert changed.status_code == 303 and "?progress=" in changed.headers["location"]
    row = await profile_row(sessionmaker, a, id=profile.id)
    assert row.version == 2 and row.query == "kpn" and row.languages == [] and row.source_types == []

    # a name in use (whatever its case) and an empty form are refused, naming the fields
    again = await post_form(client, web(a, "new"), form(name="MERK"))
    assert again.status_code == 422 and "Er bestaat al een zoekprofiel met deze naam." in again.text
    empty = await post_form(client, web(a, "new"), {})
    assert empty.status_code == 422 and empty.text.count("Dit veld is verplicht.") == 2
    assert await scalar(sessionmaker, a, select(func.count()).select_from(SearchProfile)) == 1

    gone = await post_form(client, web(a, f"{profile.id}/delete"), follow_redirects=False)
    assert gone.status_code == 303 and await profile_row(sessionmaker, a, id=profile.id) is None
    actions = set(await _audit(sessionmaker, a))
    assert {"monitoring.profile.created", "monitoring.profile.updated", "monitoring.profile.deleted"} <= actions


async def _audit(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[str]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry.action)
                                               .where(AuditEntry.action.like("monitoring.profile.%")))).all())


async def test_permissions(client, mon: World, sessionmaker) -> None:
    a = mon.a
    await login_as(client, a, "viewer")
    assert (await client.get(web(a))).status_code == 200
    assert (await client.get(web(a, "new"))).status_code == 403
    assert (await post_form(client, web(a, "new"), form())).status_code == 403
    client.cookies.clear()
    await login_as(client, a, "marketer")  # a member with a seat, but not of the owning department (comms)
    assert (await post_form(client, web(a, "new"), form())).status_code == 403
    assert (await client.post(api(a), json=GOOD, headers=await api_headers(sessionmaker, a, "marketer"))
            ).status_code == 403
    assert await scalar(sessionmaker, a, select(func.count()).select_from(SearchProfile)) == 0
    for who in ("regie", "admin"):
        created = await client.post(api(a), json={**GOOD, "name": who},
                                    headers=await api_headers(sessionmaker, a, who))
        assert created.status_code == 201, created.text
    assert await scalar(sessionmaker, a, select(func.count()).select_from(SearchProfile)) == 2


async def test_preview_counts_matches_and_marks_the_error_position(client, mon: World, sessionmaker) -> None:
    a = mon.a
    source = await add_source(sessionmaker, a)
    await add_mentions(sessionmaker, a, source, [
        {"title": "Storing bij KPN", "body": "Niets werkt."}, {"body": "Ziggo is traag"},
        {"body": "Het weer is mooi", "language": "en"}, {"body": "KPN in English", "language": "en"}])
    await login_as(client, a, "regie")
    ok = await post_form(client, web(a, "preview"), {"query": "kpn OR ziggo", "languages": "nl"})
    assert ok.status_code == 200 and "<html" not in ok.text  # a fragment
    assert "2 van de laatste 4 vermeldingen komen overeen." in ok.text
    assert "<mark>KPN</mark>" in ok.text and "In English" not in ok.text
    bad = await post_form(client, web(a, "preview"), {"query": "kpn OR (ziggo"})
    assert bad.status_code == 422 and "Haakje niet gesloten (positie 8)" in bad.text
    assert "kpn OR <mark>(</mark>ziggo" in bad.text
    dangling = await post_form(client, web(a, "preview"), {"query": "kpn AND ziggo AND"})
    assert dangling.status_code == 422 and "kpn AND ziggo <mark>AND</mark>" in dangling.text
    listed = await client.post(api(a, "/preview") + "?lang=en", json={"query": "kpn"},
                               headers=await api_headers(sessionmaker, a, "regie"))
    assert listed.status_code == 200 and listed.json()["matched"] == 2 and listed.json()["scanned"] == 4


# --- API ----------------------------------------------------------------------------------------------

async def test_api_crud(client, mon: World, sessionmaker) -> None:
    a = mon.a
    headers = await api_headers(sessionmaker, a, "regie")
    created = await client.post(api(a), json={**GOOD, "languages": ["nl"], "volume_factor": 2.5}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["version"] == 1 and body["languages"] == ["nl"] and body["volume_factor"] == 2.5
    assert body["retag_progress_id"] and body["matched_mentions"] == 0
    pid = body["id"]

    duplicate = await client.post(api(a) + "?lang=en", json={**GOOD, "name": "MERK"}, headers=headers)
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [{"field": "name",
                                           "reason": "A search profile with this name already exists."}]
    bad = await client.post(api(a) + "?lang=en", json={"name": "X", "query": "kpn AND", "negative_rise": 1.0},
                            headers=headers)
    assert bad.status_code == 422
    assert {e["field"]: e["reason"] for e in bad.json()["errors"]} == {
        "query": "Expected a term after AND (position 5)", "negative_rise": "Use a number from 0.05 to 0.9."}
    wrong_type = await client.post(api(a), json={**GOOD, "name": "Y", "volume_factor": "veel"}, headers=headers)
    assert wrong_type.status_code == 400

    patched = await client.patch(api(a, f"/{pid}"), json={"volume_min_mentions": 25}, headers=headers)
    assert patched.status_code == 200 and patched.json()["volume_min_mentions"] == 25
    assert patched.json()["version"] == 1 and patched.json()["retag_progress_id"] is None
    patched = await client.patch(api(a, f"/{pid}"), json={"query": "kpn"}, headers=headers)
    assert patched.json()["version"] == 2 and patched.json()["retag_progress_id"]
    replaced = await client.put(api(a, f"/{pid}"), json={"name": "Merk 2", "query": "kpn"}, headers=headers)
    assert replaced.status_code == 200
    body = replaced.json()
    assert body["name"] == "Merk 2" and body["languages"] == [] and body["version"] == 3
    assert body["volume_min_mentions"] == 10

    listed = await client.get(api(a), headers=headers)
    assert [p["name"] for p in listed.json()] == ["Merk 2"]
    assert (await client.get(api(a, f"/{pid}"), headers=headers)).json()["query"] == "kpn"
    assert (await client.delete(api(a, f"/{pid}"), headers=headers)).status_code == 204
    assert (await client.get(api(a, f"/{pid}"), headers=headers)).status_code == 404


async def test_tenant_isolation(client, mon: World, sessionmaker) -> None:
    a, b = mon.a, mon.b
    created = await client.post(api(b), json=GOOD, headers=await api_headers(sessionmaker, b, "regie"))
    pid = created.json()["id"]
    headers = await api_headers(sessionmaker, a, "regie")
    assert (await client.get(api(a, f"/{pid}"), headers=headers)).status_code == 404
    assert (await client.patch(api(a, f"/{pid}"), json={"name": "x"}, headers=headers)).status_code == 404
    assert (await client.delete(api(a, f"/{pid}"), headers=headers)).status_code == 404
    assert (await client.get(api(a), headers=headers)).json() == []
    await login_as(client, a, "regie")
    assert (await client.get(web(a, f"{pid}/"))).status_code == 404
    assert (await post_form(client, web(a, f"{pid}/delete"))).status_code == 404
    assert await profile_row(sessionmaker, b, id=UUID(pid)) is not None


# --- re-tag job ---------------------------------------------------------------------------------------

async def test_retag_brings_tags_and_profile_counters_in_line_and_delete_cleans_up(
        app, client, mon: World, sessionmaker, monkeypatch) -> None:
    monkeypatch.setattr(retag, "CHUNK", 2)  # several chunks, with ties on published_at across a boundary
    a, b = mon.a, mon.b
    source = await add_source(sessionmaker, a)
    same_time = BASE - timedelta(days=1)
    ids = await add_mentions(sessionmaker, a, source, [
        {"body": "kpn storing", "sentiment": "negative", "author_reach": 100, "published_at": same_time},
        {"body": "KPN is top", "sentiment": "positive", "author_reach": 5, "published_at": same_time},
        {"body": "ziggo ook", "source_type": "forum", "author_reach": 7, "published_at": same_time},
        {"title": "Ziggo en KPN", "language": "en"},
        {"body": "niets"},
    ])
    dup = await add_mentions(sessionmaker, a, source, [{"body": "kpn storing", "duplicate_of_id": ids[0]}])
    all_before = await hour_totals(sessionmaker, a, ALL_PROFILES)
    headers = await api_headers(sessionmaker, a, "regie")

    created = (await client.post(api(a), json={"name": "Merk", "query": "kpn", "languages": ["nl"]},
                                 headers=headers)).json()
    pid = UUID(created["id"])
    outcome = await run_named_job(app, JOB, a.id, profile_id=str(pid), progress_id=created["retag_progress_id"],
                                  version=1)
    assert outcome == {"scanned": 5, "added": 2, "removed": 0, "superseded": False}
    assert await tagged(sessionmaker, a, pid) == {ids[0], ids[1]}  # not the English one, not the duplicate
    assert dup[0] not in await tagged(sessionmaker, a, pid)
    assert await hour_totals(sessionmaker, a, pid) == {("news", "negative"): (1, 100), ("news", "positive"): (1, 5)}
    progress = await progress_of(sessionmaker, a, created["retag_progress_id"])
    assert progress.status == "done" and progress.done == progress.total == 5
    assert progress.result["added"] == 2 and progress.result["href"].endswith(f"/profiles/{pid}/")
    assert await scalar(sessionmaker, a, select(func.count()).select_from(DirtyDay)) >= 1

    changed = (await client.patch(api(a, f"/{pid}"), json={"query": "ziggo", "languages": []},
                                  headers=headers)).json()
    assert changed["version"] == 2
    second = await run_named_job(app, JOB, a.id, profile_id=str(pid), progress_id=changed["retag_progress_id"],
                                 version=2)
    assert second == {"scanned": 5, "added": 2, "removed": 2, "superseded": False}
    assert await tagged(sessionmaker, a, pid) == {ids[2], ids[3]}
    assert await hour_totals(sessionmaker, a, pid) == {("forum", "neutral"): (1, 7), ("news", "neutral"): (1, 0)}
    assert await hour_totals(sessionmaker, a, ALL_PROFILES) == all_before  # ALL_PROFILES never moves

    again = await run_named_job(app, JOB, a.id, profile_id=str(pid), progress_id=changed["retag_progress_id"],
                                version=2)
    assert again == {"scanned": 5, "added": 0, "removed": 0, "superseded": False}  # idempotent
    assert await hour_totals(sessionmaker, a, pid) == {("forum", "neutral"): (1, 7), ("news", "neutral"): (1, 0)}

    stale = await run_named_job(app, JOB, a.id, profile_id=str(pid), progress_id=created["retag_progress_id"],
                                version=1)
    assert stale == {"superseded": True} and await tagged(sessionmaker, a, pid) == {ids[2], ids[3]}

    # the other tenant's data never took part
    assert await hour_totals(sessionmaker, b, pid) == {}

    # deleting removes the tags and the profile's counters (hourly and daily), not ALL_PROFILES
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            session.add_all([DayStat(day=BASE.date(), kind="term", profile_key=key, source_type="news", language="nl",
                                     sentiment="neutral", key="ziggo", mentions=1) for key in (pid, ALL_PROFILES)])
    assert (await client.delete(api(a, f"/{pid}"), headers=headers)).status_code == 204
    assert await scalar(sessionmaker, a, select(func.count()).select_from(DayStat)
                        .where(DayStat.profile_key == pid)) == 0
    assert await scalar(sessionmaker, a, select(func.count()).select_from(DayStat)) == 1
    assert await tagged(sessionmaker, a, pid) == set()
    assert await scalar(sessionmaker, a, select(func.count()).select_from(HourStat)
                        .where(HourStat.profile_key == pid)) == 0
    assert await hour_totals(sessionmaker, a, ALL_PROFILES) == all_before
    detail_gone = await run_named_job(app, JOB, a.id, profile_id=str(pid), progress_id=changed["retag_progress_id"],
                                      version=2)
    assert detail_gone == {"superseded": True}

    # created inactive, then re-activated: a re-tag of the same version fills the gap; deactivating keeps the tags
    quiet = (await client.post(api(a), json={"name": "Stil", "query": "niets", "is_active": False},
                               headers=headers)).json()
    on = (await client.patch(api(a, f"/{quiet['id']}"), json={"is_active": True}, headers=headers)).json()
    assert on["version"] == 1 and on["retag_progress_id"]
    await run_named_job(app, JOB, a.id, profile_id=quiet["id"], progress_id=on["retag_progress_id"], version=1)
    assert await tagged(sessionmaker, a, UUID(quiet["id"])) == {ids[4]}
    off = (await client.patch(api(a, f"/{quiet['id']}"), json={"is_active": False}, headers=headers)).json()
    assert off["retag_progress_id"] is None and await tagged(sessionmaker, a, UUID(quiet["id"])) == {ids[4]}
