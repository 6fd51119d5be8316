"""Accounts: the password change page, lockout for unknown e-mails (memory and Redis),
upload types told by their bytes, and an audit entry for every page a mediator reads in a tenant."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth import ghosts
from core.auth.models import LoginFailure, User
from core.errors import DomainError
from core.roadmap.models import BaselineStudy
from core.tenancy.scope import cross_tenant, tenant_scope
from core.web.uploads import check_file, sniff
from tests.conftest import REDIS_URL, unavailable
from tests.core.test_account_security import START, Clock, audit_actions
from tests.support import PASSWORD, Browser, ensure_csrf, freeze_clock, login, login_as, post_form

NEW = "Nieuw-geheim-wachtwoord-7"
PAGE = "/t/acme/account/password"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return freeze_clock(monkeypatch, Clock(START))


def change(current: str, new: str = NEW, repeat: str | None = None) -> dict[str, str]:
    return {"current_password": current, "password": new, "password_repeat": new if repeat is None else repeat}


async def user_of(sessionmaker, email: str) -> User:
    async with sessionmaker() as session:
        return await session.scalar(select(User).where(User.email == email))


# -- 1. changing the password while signed in ---------------------------------------------------------------------

async def test_password_change_keeps_this_session_and_ends_the_others(client, world, clock, sessionmaker):
    email = world.a.email("member")
    other = Browser(client)
    await login(other, email, "acme")  # type: ignore[arg-type]
    await login(client, email, "acme")
    page = await client.get("/t/acme/")
    assert f'href="{PAGE}"' in page.text  # linked from the user menu
    form = await client.get(PAGE)
    assert form.status_code == 200 and "Wachtwoord wijzigen" in form.text and "Huidig wachtwoord" in form.text
    weak = await post_form(client, PAGE, change(PASSWORD, "Password2026!"))
    assert weak.status_code == 422 and "Dit wachtwoord wordt te vaak gebruikt" in weak.text
    differ = await post_form(client, PAGE, change(PASSWORD, NEW, "Iets-anders-123"))
    assert differ.status_code == 422 and "De wachtwoorden zijn niet gelijk." in differ.text
    before = client.cookies.get("regie_session")
    done = await post_form(client, PAGE, change(PASSWORD), follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == PAGE + "?changed=1"
    assert client.cookies.get("regie_session") not in (None, before)  # a fresh session id
    assert "Je wachtwoord is gewijzigd" in (await client.get(PAGE + "?changed=1")).text
    assert (await client.get("/t/acme/")).status_code == 200  # this browser stays signed in
    assert (await other.get("/t/acme/", follow_redirects=False)).status_code in (302, 303)  # the other is out
    [changed] = await audit_actions(sessionmaker, "auth.password_changed")
    assert changed.tenant_id == world.a.id and changed.summary == email
    client.cookies.clear()
    refused = await post_form(client, "/t/acme/login", {"email": email, "password": PASSWORD})
    assert refused.status_code == 400
    await login(client, email, "acme", password=NEW)


async def test_wrong_current_password_counts_towards_the_lockout(client, world, clock, sessionmaker):
    email = world.a.email("member")
    await login(client, email, "acme")
    for attempt in range(5):
        r = await post_form(client, PAGE, change("Fout-wachtwoord-1"))
        assert r.status_code == 422 and "Het huidige wachtwoord klopt niet." in r.text, attempt
    locked = await post_form(client, PAGE, change(PASSWORD))  # locked: even the right one is not checked
    assert locked.status_code == 422 and "tijdelijk geblokkeerd" in locked.text
    user = await user_of(sessionmaker, email)
    async with sessionmaker() as session:  # locked for this client address only, not the whole account
        lock = await session.scalar(select(LoginFailure).where(LoginFailure.user_id == user.id))
    assert lock.address == "testclient" and lock.locked_until is not None
    assert user.locked_until is None and user.failed_logins == 5 and user.session_epoch == 0
    failed = await audit_actions(sessionmaker, "auth.password_change_failed")
    assert [e.data["reason"] for e in failed].count("wrong_password") == 5 and len(failed) == 6
    assert all("Fout-wachtwoord" not in str(e.data) + e.summary for e in failed)
    assert len(await audit_actions(sessionmaker, "auth.locked")) == 1
    assert await audit_actions(sessionmaker, "auth.password_changed") == []
    browser = Browser(client)
    r = await post_form(browser, "/t/acme/login", {"email": email, "password": PASSWORD})  # type: ignore[arg-type]
    assert r.status_code == 400 and "tijdelijk geblokkeerd" in r.text


async def test_platform_page_and_another_tenants_user(client, world, clock, sessionmaker):
    await login(client, world.mediator.email)
    assert (await client.get("/account/password")).status_code == 200
    r = await post_form(client, "/account/password", change(PASSWORD), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account/password?changed=1"
    await login(client, world.mediator.email, password=NEW)
    client.cookies.clear()
    await login_as(client, world.b, "admin")
    assert (await client.get(PAGE)).status_code == 404
    assert (await post_form(client, PAGE, change(PASSWORD))).status_code == 404
    assert (await client.get("/t/globex/account/password")).status_code == 200
    assert (await client.get("/account/password")).status_code == 200


# -- 2. unknown e-mails lock like real accounts, in memory and in Redis ---------------------------------------------

def redis_store() -> ghosts.RedisGhosts:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    return ghosts.RedisGhosts(REDIS_URL, prefix=f"regie-test:{uuid.uuid4().hex}:")


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> ghosts.GhostStore:
    """Redis as a deployment with REDIS_URL has it (the memory store is walked the same way by
    test_account_security.py::test_unknown_email_gets_the_same_answers)."""
    chosen = redis_store()
    monkeypatch.setattr(ghosts, "ghost_store", lambda settings: chosen)
    return chosen


async def test_unknown_and_known_addresses_lock_alike_with_redis(client, world, clock, store):
    known, unknown = world.a.email("member"), f"nobody-{uuid.uuid4().hex[:6]}@acme.test"
    answers: dict[str, list[tuple[int, str]]] = {known: [], unknown: []}
    for email in (known, unknown):
        for _ in range(6):
            r = await post_form(client, "/t/acme/login", {"email": email, "password": "wrong-password-1"})
            error = re.search(r'<small class="error"[^>]*>([^<]+)<', r.text)
            answers[email].append((r.status_code, error.group(1).strip() if error else ""))
    assert answers[known] == answers[unknown]
    assert "tijdelijk geblokkeerd" in answers[unknown][-1][1] and "onjuist" in answers[unknown][0][1]
    assert await store.refusal(unknown, "testclient") == "locked"
    assert await store.refusal(unknown, "198.51.100.20") is None  # another client address is not locked
    clock.advance(minutes=16)  # the same lock period for both
    r = await post_form(client, "/t/acme/login", {"email": unknown, "password": "wrong-password-1"})
    assert "onjuist" in r.text and "geblokkeerd" not in r.text
    await login(client, known, "acme")


async def test_the_redis_count_is_shared_by_processes_and_matches_memory(clock, settings):
    first, second = redis_store(), redis_store()
    second.prefix = first.prefix  # two web processes, one Redis
    memory = ghosts.MemoryGhosts()
    results = {"redis": [], "memory": []}
    for n in range(settings.lockout_failures):
        results["redis"].append(await (first if n % 2 else second).fail("Ghost@Acme.test ", "10.0.0.1", settings))
        results["memory"].append(await memory.fail("ghost@acme.test", "10.0.0.1", settings))
    assert results["redis"] == results["memory"]
    assert [r.locked for r in results["memory"]] == [False] * (settings.lockout_failures - 1) + [True]
    assert await first.refusal("ghost@acme.test", "10.0.0.1") == await memory.refusal("ghost@acme.test",
                                                                                      "10.0.0.1") == "locked"
    for store_ in (first, memory):
        for _ in range(settings.lockout_failures - 1):
            assert (await store_.fail("late@acme.test", "10.0.0.1", settings)).locked is False
    clock.advance(minutes=settings.lockout_window_minutes + 1)  # failures older than the window start over
    assert [(await store_.fail("late@acme.test", "10.0.0.1", settings)).locked
            for store_ in (first, memory)] == [False, False]


# -- 3. uploads: the bytes decide ---------------------------------------------------------------------------------

def office(kind: str) -> bytes:
    part = {"docx": "wordprocessingml.document", "xlsx": "spreadsheetml.sheet",
            "pptx": "presentationml.presentation"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override ContentType="application/'
                         f'vnd.openxmlformats-officedocument.{part}.main+xml"/></Types>')
    return buffer.getvalue()


def test_sniffing_by_magic_bytes() -> None:
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "x")
    assert sniff(b"%PDF-1.7 ...") == "pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "png" and sniff(b"\xff\xd8\xff\xe0..") == "jpeg"
    assert [sniff(office(k)) for k in ("docx", "xlsx", "pptx")] == ["docx", "xlsx", "pptx"]
    assert sniff(plain_zip.getvalue()) is None and sniff(b"PK\x03\x04broken") is None
    assert sniff("id;tekst\n1;café\n".encode()) == "text" and sniff(b"\xef\xbb\xbfa,b\n") == "text"
    assert sniff(b"a\x00b") is None and sniff("café".encode("cp1252")) is None and sniff(b"MZ\x90") is None
    assert check_file(office("xlsx"), ("xlsx", "pdf"), 1024, "plan.xlsx") == "xlsx"
    text_or_pdf = ("csv", "txt", "pdf")
    cases = [(b"", text_or_pdf, "The file is empty."), (b"x" * 2048, text_or_pdf, "The file is larger than {mb} MB."),
             (b"MZ\x90\x00", ("pdf", "docx"), "The file's content is not one of the allowed types ({types})."),
             (b"%PDF-1.4", text_or_pdf, "The file's content does not match its name ({types} expected)."),
             (b"a\x00b", text_or_pdf, "The file is not text: byte {position} is a NUL byte."),
             ("café".encode("cp1252"), text_or_pdf, "The file is not UTF-8 text (byte {position} cannot be read).")]
    for data, allowed, reason in cases:
        with pytest.raises(DomainError) as refused:
            check_file(data, allowed, 1024, "notes.txt")
        assert refused.value.errors["file"].msgid == reason, data[:10]


async def upload_baseline(client, name: str, content: bytes):
    csrf = await ensure_csrf(client)
    return await client.post("/t/acme/evidence/baseline", headers={"x-csrftoken": csrf}, follow_redirects=False,
                             data={"title": "Nulmeting", "period_start": "2026-01-01", "period_end": "2026-03-31",
                                   "_csrf_token": csrf},
                             files={"file": (name, content, "application/pdf")})


async def test_baseline_upload_is_checked_by_content(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    png = await upload_baseline(client, "nulmeting.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    assert png.status_code == 422 and "De inhoud van het bestand is van geen van de toegestane soorten" in png.text
    pdf = await upload_baseline(client, "nulmeting.xlsx", b"%PDF-1.4 rapport")
    assert pdf.status_code == 422 and "De inhoud van het bestand past niet bij de naam (verwacht: XLSX)." in pdf.text
    fake_docx = await upload_baseline(client, "nulmeting.docx", b"gewoon tekst, geen document")
    assert fake_docx.status_code == 422 and "(verwacht: DOCX)" in fake_docx.text
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(BaselineStudy)) == 0
    ok = await upload_baseline(client, "nulmeting.docx", office("docx"))
    assert ok.status_code == 303, ok.text[:300]


# -- 4. every page a mediator reads in a tenant is audited ---------------------------------------------------------

async def test_every_mediator_read_leaves_an_entry_with_its_path(client, world, sessionmaker):
    await login(client, world.mediator.email)
    paths = ["/t/acme/", "/t/acme/roadmap/", "/t/acme/people/", "/t/acme/policy/", "/t/acme/audit/",
             "/t/acme/evidence/", "/t/acme/notifications/"]
    for path in paths:
        assert (await client.get(path)).status_code == 200, path
    assert (await client.get("/t/acme/people/")).status_code == 200  # the same read again within a minute
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            reads = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "mediator.read"))).all()
    assert sorted(r.summary for r in reads) == sorted(p.rstrip("/") for p in paths)
    assert {r.actor_label for r in reads} == {world.mediator.email}
    with cross_tenant():
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "mediator.read", AuditEntry.tenant_id == world.b.id)) == 0


async def test_the_redis_back_off_is_shared_by_processes_and_matches_memory(clock, settings):
    first, second = redis_store(), redis_store()
    second.prefix = first.prefix
    memory = ghosts.MemoryGhosts()
    redis_delays, memory_delays = [], []
    for n in range(settings.backoff_failures + 1):  # a new client address each time: no address is locked
        clock.advance(seconds=redis_delays[-1] if redis_delays else 0)  # the next attempt after the wait
        address = f"10.0.{n}.1"
        redis_delays.append((await (first if n % 2 else second).fail("ghost@acme.test", address, settings)).delay)
        memory_delays.append((await memory.fail("ghost@acme.test", address, settings)).delay)
    assert redis_delays == memory_delays == [0] * (settings.backoff_failures - 1) + [15, 30]
    assert await first.refusal("ghost@acme.test", "10.9.9.9") == await memory.refusal(
        "ghost@acme.test", "10.9.9.9") == "throttled"
    clock.advance(seconds=30)
    assert await first.refusal("ghost@acme.test", "10.9.9.9") is None
