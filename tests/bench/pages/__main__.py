"""The page benchmark: each main page under load, next to the bare framework measured in the same run.

    make bench-pages            # or: .venv/bin/python -m tests.bench.pages [--fresh] [--seconds 4] [--rounds 2]

What it does:
1. A PostgreSQL database of its own (`regie_bench_pages`, on TEST_POSTGRES_URL's server): migrations, `regie demo`,
   then the volume of the other benchmarks in the Vitaal tenant — a year of 1,000,000 mentions with their hourly
   counters and day rollups (`tests/bench/test_dashboard_bench.py`) and 200,000 webcare cases
   (`tests/bench/test_webcare_bench.py`), and an idea board of 50,000 ideas with 1,000,000 votes
   (`tests/bench/test_cocreation_bench.py`). Loaded once; later runs reuse it unless `--fresh`.
2. Two servers, one process each, as production runs them: Litestar's hello world (`tests/bench/pages/hello.py`) and
   `regie serve` (no REDIS_URL: the default single-process set-up).
3. Signs in as Vitaal's regie holder (and as the consultancy's mediator, with a second factor, for the console; an API
   token for the API lists) and checks every page answers 200 with its own content.
4. Rounds: the bare framework, then every page with `wrk` at 1 and at 8 connections (`--seconds` each), then the bare
   framework again. Prints, per page, req/s, p50/p99 latency and the ratio to the bare framework at the same number
   of connections, against the targets; writes the table to docs/performance-pages.md with the date and machine.

Answers other than 200/204 are counted (`status.lua`) and shown: a page that redirects to the sign-in form is not fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
SLUG = "vitaal"
SECRET_KEY = "page-benchmark-" + "k" * 40
MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CALENDAR_MONTH = "2099-05"
"""The month the calendar's 10,000 scheduled posts fill (`tests/bench/test_calendar_bench.py` loads them)."""


@dataclasses.dataclass(frozen=True)
class Page:
    label: str
    path: str
    who: str  # "regie" (the Vitaal regie holder), "mediator", "api" (a bearer token of the regie holder)
    expect: str  # text the answer must contain: proves the page itself answered, not an error or sign-in form
    target: float  # the share of the bare framework's req/s it must reach at 8 connections
    htmx: bool = False  # asked by htmx, as the browser asks it (a fragment: no layout)


@dataclasses.dataclass
class Figure:
    rps: float
    p50_ms: float
    p99_ms: float
    unexpected: int


@dataclasses.dataclass
class Row:
    page: Page
    one: list[Figure] = dataclasses.field(default_factory=list)
    eight: list[Figure] = dataclasses.field(default_factory=list)


def pages(case_id: UUID, survey: tuple[UUID, str]) -> list[Page]:
    """`survey`: the demo survey's id and the token of its shared link."""
    t = f"/t/{SLUG}"
    return [
        Page("home", f"{t}/", "regie", "Vitaal", 0.10),
        Page("roadmap", f"{t}/roadmap", "regie", "roadmap", 0.30),
        Page("starting points", f"{t}/starting-points", "regie", "Vitaal", 0.10),
        Page("plugins catalogue", f"{t}/plugins", "regie", "monitoring", 0.10),
        Page("monitoring overview", f"{t}/p/monitoring/", "regie", "data-chart=", 0.10),
        Page("mentions list", f"{t}/p/monitoring/mentions", "regie", "Vitaal", 0.10),
        Page("conversation index", f"{t}/p/monitoring/conversation-index/", "regie", 'data-ci="tenant"', 0.10),
        Page("webcare inbox", f"{t}/p/webcare/", "regie", "inbox-list", 0.10),
        Page("case page", f"{t}/p/webcare/cases/{case_id}", "regie", "Bericht", 0.10),
        Page("webcare KPIs", f"{t}/p/webcare/kpis/", "regie", "data-chart", 0.10),
        Page("content calendar (10,000 posts in the month)", f"{t}/p/talking/?view=month&month={CALENDAR_MONTH}",
             "regie", "Tip 9", 0.10),
        Page("dashboard", f"{t}/dashboard", "regie", "data-figure", 0.10),
        Page("measurements", f"{t}/measurements", "regie", "Vitaal", 0.10),
        Page("mediator console", "/mediator", "mediator", "Vitaal", 0.10),
        Page("API: mentions", f"/api/v1{t}/monitoring/mentions", "api", '"items"', 0.10),
        Page("API: cases", f"/api/v1{t}/webcare/cases", "api", '"items"', 0.10),
        Page("inbox stamp poll", f"{t}/p/webcare/stamp?v={{version}}", "regie", "", 0.40, htmx=True),
        Page("NPS results", f"{t}/p/energizing/surveys/{survey[0]}", "regie", "data-answers", 0.10),
        Page("ambassador roster", f"{t}/p/energizing/ambassadors/", "regie", "Vitaal", 0.10),
        Page("leads", f"{t}/p/energizing/leads/", "regie", "Vitaal", 0.10),
        Page("public survey page (anonymous)", f"{t}/p/energizing/s/{survey[1]}", "anon", "stamp", 0.10),
        Page("idea board, most votes (anonymous)", f"{t}/p/cocreation/board/", "anon", 'id="ideas"', 0.10),
        Page("idea board, search (anonymous)", f"{t}/p/cocreation/board/?q=donkere%20modus%20app", "anon",
             'id="ideas"', 0.10),
        Page("idea board, similar ideas while typing", f"{t}/p/cocreation/board/similar?title=betalen%20met%20ide",
             "anon", "role=\"status\"", 0.10, htmx=True),
        Page("idea triage queue", f"{t}/p/cocreation/triage/", "regie", "Vitaal", 0.10),
        # references without a target, for a visitor who is not signed in (with the session cookie of a first
        # visit, as a browser keeps it): what the middleware stack costs with no database and no template, and the
        # sign-in form (a template, no database)
        Page("reference: /favicon.ico (middleware only)", "/favicon.ico", "anon", "<svg", 0.0),
        Page("reference: sign-in form (anonymous)", "/login", "anon", "password", 0.0),
    ]
    """The stamp is asked with the inbox's current version, as an open inbox asks it every second: nothing changed."""


# ----------------------------------------------------------------------------------------------- the database


def database_urls(name: str) -> tuple[str, str]:
    """(the benchmark database's URL, the server's maintenance database URL), from TEST_POSTGRES_URL's server."""
    server = os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER)
    base = server.rsplit("/", 1)[0]
    return f"{base}/{name}", server


async def _admin(url: str) -> Any:
    import asyncpg

    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))


async def database_ready(db_url: str, server_url: str, fresh: bool, mentions: int, cases: int) -> bool:
    """Creates the database when missing (or `fresh`); True when it already holds this volume."""
    name = db_url.rsplit("/", 1)[1]
    conn = await _admin(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
            return False
    finally:
        await conn.close()
    conn = await _admin(db_url)
    try:
        found = await conn.fetchrow("SELECT mentions, cases FROM bench_pages_volume") \
            if await conn.fetchval("SELECT to_regclass('bench_pages_volume')") else None
    finally:
        await conn.close()
    return found is not None and (found["mentions"], found["cases"]) == (mentions, cases)


def regie(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV_BIN / "regie"), *args], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


async def load_volume(env: dict[str, str], db_url: str, mentions: int, cases: int) -> None:
    """The demo, then a year of mentions and the cases in Vitaal, with the other benchmarks' own loaders."""
    os.environ["BUZZ_BENCH_MENTIONS"] = str(mentions)  # read by the loader's module at import
    from sqlalchemy import select, text

    from core.auth.models import Membership
    from core.settings import Settings
    from core.tenancy.models import Tenant
    from core.web.app import create_app
    from core.workgroup.models import Department
    from tests.bench.test_dashboard_bench import PROFILES, load
    from tests.bench.test_webcare_bench import seed_cases

    regie(env, "db", "upgrade")
    regie(env, "demo")
    app = create_app(Settings.from_env(database_url=db_url, secret_key=SECRET_KEY, db_pool_size=0,
                                       var_dir=Path(env["REGIE_VAR_DIR"])), start_jobs=False)
    try:
        async with app.state.engine.connect() as conn:
            await conn.execute(text("SET ROLE NONE"))
            tenant_id = (await conn.execute(select(Tenant.id).where(Tenant.slug == SLUG))).scalar_one()
            service = (await conn.execute(select(Department.id).where(
                Department.tenant_id == tenant_id, Department.name == "Klantenservice"))).scalar_one()
            agents = list((await conn.execute(select(Membership.user_id).where(
                Membership.tenant_id == tenant_id, Membership.role != "viewer"))).scalars())
            # a load that stopped half-way resumes with the part that is missing
            have_mentions = (await conn.execute(text("SELECT count(*) FROM monitoring_mention WHERE tenant_id = :t"),
                                                {"t": tenant_id})).scalar_one()
            have_cases = (await conn.execute(text("SELECT count(*) FROM webcare_case WHERE tenant_id = :t"),
                                             {"t": tenant_id})).scalar_one()
            if have_mentions < mentions:
                for table in ("monitoring_mention", "monitoring_hour_stat", "monitoring_day_stat",
                              "monitoring_dirty_day"):  # the demo's few: their counters would collide
                    await conn.execute(text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": tenant_id})
                await conn.execute(text("DELETE FROM monitoring_source WHERE tenant_id = :t AND name LIKE 'Bron %'"),
                                   {"t": tenant_id})
                await conn.execute(text("DELETE FROM monitoring_profile WHERE tenant_id = :t AND name = ANY(:n)"),
                                   {"t": tenant_id, "n": PROFILES})
            if have_cases < cases:
                await conn.execute(text("DELETE FROM webcare_case WHERE tenant_id = :t AND number > 1000"),
                                   {"t": tenant_id})
                await conn.execute(text("DELETE FROM webcare_queue WHERE tenant_id = :t AND name LIKE 'Wachtrij %'"),
                                   {"t": tenant_id})
            await conn.commit()
        if have_mentions < mentions:
            t = time.perf_counter()
            await load(app, tenant_id)
            print(f"  {mentions:,} mentions loaded in {time.perf_counter() - t:.0f} s", flush=True)
        if have_cases < cases:
            t = time.perf_counter()
            await seed_cases(app.state.sessionmaker, tenant_id, service, agents, cases)
            print(f"  {cases:,} cases loaded in {time.perf_counter() - t:.0f} s", flush=True)
        async with app.state.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SET ROLE NONE"))
            await conn.execute(text("VACUUM ANALYZE"))
            await conn.execute(text("CREATE TABLE bench_pages_volume (mentions integer, cases integer)"))
            await conn.execute(text("INSERT INTO bench_pages_volume VALUES (:m, :c)"), {"m": mentions, "c": cases})
    finally:
        await app.state.engine.dispose()


async def prepare_people(db_url: str, var_dir: Path) -> tuple[UUID, str, tuple[UUID, str]]:
    """A second factor for the mediator (a known seed), an API token for the regie holder, and the case with 30
    messages (the newest open one). Returns (case id, API token)."""
    from sqlalchemy import delete, select, text

    from core.auth.models import ApiToken, Membership, User
    from core.auth.tokens import digest, new_secret
    from core.demo.seed import MEDIATOR
    from core.mfa.models import MfaFactor
    from core.mfa.service import seal_secret
    from core.settings import Settings
    from core.tenancy.models import Tenant
    from core.tenancy.scope import cross_tenant, tenant_scope
    from core.web.app import create_app
    from plugins.energizing.surveys.models import Survey
    from plugins.webcare.models import Case

    settings = Settings.from_env(database_url=db_url, secret_key=SECRET_KEY, db_pool_size=0, var_dir=var_dir)
    app = create_app(settings, start_jobs=False)
    token = new_secret("rg_")
    try:
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(text("SET LOCAL ROLE NONE"))
            with cross_tenant():
                mediator = await session.scalar(select(User).where(User.email == MEDIATOR.email))
                await session.execute(delete(MfaFactor).where(MfaFactor.user_id == mediator.id))
                session.add(MfaFactor(user_id=mediator.id, secret_sealed=seal_secret(settings, MFA_SECRET),
                                      confirmed_at=datetime.now(UTC), last_step=0))
                tenant = await session.scalar(select(Tenant).where(Tenant.slug == SLUG))
                holder = await session.scalar(select(Membership).join(User, User.id == Membership.user_id).where(
                    Membership.tenant_id == tenant.id, User.email == "l.visser@vitaal.example"))
            with tenant_scope(tenant.id):
                session.add(ApiToken(membership_id=holder.id, name="page benchmark", prefix=token[:8],
                                     token_hash=digest(token)))
                case_id = await session.scalar(select(Case.id).where(Case.status == "open")
                                               .order_by(Case.number.desc()).limit(1))
        await calendar_ahead(app, tenant.id)
        await board_ahead(app, tenant.id)
        await figures_ahead(app)
        async with app.state.sessionmaker() as session:
            with tenant_scope(tenant.id):
                survey = (await session.execute(select(Survey.id, Survey.share_token).where(Survey.state == "open")
                                                .order_by(Survey.created_at).limit(1))).one()
    finally:
        await app.state.engine.dispose()
    return case_id, token, (survey.id, survey.share_token)


async def calendar_ahead(app: Any, tenant_id: UUID) -> None:
    """10,000 scheduled posts in the calendar's benchmark month, once (a database loaded before has none)."""
    from sqlalchemy import func, select, text

    from core.accounts.models import SocialAccount
    from core.tenancy.scope import tenant_scope
    from plugins.talking.models import Post
    from tests.bench.test_calendar_bench import POSTS, seed_month

    with tenant_scope(tenant_id):
        async with app.state.sessionmaker() as session:
            have = await session.scalar(select(func.count()).select_from(Post).where(Post.title.like("Tip %")))
            accounts = (await session.execute(select(SocialAccount.id, SocialAccount.platform, SocialAccount.handle,
                                                     SocialAccount.department_id)
                                              .where(SocialAccount.status == "active"))).all()
    if have >= POSTS or not accounts:
        return
    await seed_month(app.state.sessionmaker, tenant_id, accounts[0].department_id,
                     [(a.id, a.platform, a.handle) for a in accounts], POSTS - have)
    async with app.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SET ROLE NONE"))
        await conn.execute(text("VACUUM ANALYZE talking_post, talking_variant"))


async def board_ahead(app: Any, tenant_id: UUID) -> None:
    """The idea board at the volume of its own benchmark (50,000 ideas, 1,000,000 votes), numbered after the demo's
    ideas, once."""
    from sqlalchemy import func, select, text

    from core.tenancy.scope import tenant_scope
    from plugins.cocreation.models import Idea
    from tests.bench.test_cocreation_bench import IDEAS, VOTES, seed_board

    with tenant_scope(tenant_id):
        async with app.state.sessionmaker() as session:
            have, last = (await session.execute(select(func.count(), func.coalesce(func.max(Idea.number), 0))
                                                .select_from(Idea))).one()
    if have >= IDEAS:
        return
    t = time.perf_counter()
    await seed_board(app.state.sessionmaker, tenant_id, IDEAS, VOTES, after=last)
    print(f"  {IDEAS:,} ideas and {VOTES:,} votes loaded in {time.perf_counter() - t:.0f} s", flush=True)
    async with app.state.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SET ROLE NONE"))
        await conn.execute(text("VACUUM ANALYZE cocreation_idea, cocreation_vote, customer"))


async def figures_ahead(app: Any) -> None:
    """What the periodic jobs keep (widgets' figures, the mediator's summaries), computed now as in steady state:
    the pages are measured as they are a few minutes after start, not in their first minute. Jobs this code
    does not have (an earlier checkout's) are left out."""
    from sqlalchemy import select

    from core.jobs.plugin_jobs import SPECS, run_named_job
    from core.tenancy.models import Tenant

    async with app.state.sessionmaker() as session:
        tenants = (await session.scalars(select(Tenant.id))).all()
    for tenant_id in tenants:
        for name in ("core.mediator.summary", "monitoring.rollup_days", "monitoring.index_boards",
                     "webcare.widget_figures", "webcare.kpi_figures", "energizing.ambassador_figures",
                     "cocreation.figures"):
            if name in SPECS:
                await run_named_job(app, name, tenant_id)


# ----------------------------------------------------------------------------------------------- the servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(command: list[str], env: dict[str, str], url: str, log: Path,
           cwd: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "w") as out:
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.time() + 90
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"{command[0]} stopped at start; see {log}:\n{log.read_text()[-2000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url, timeout=2).status_code < 500:
                        break
                if time.time() > deadline:
                    raise SystemExit(f"{url} did not answer within 90 s; see {log}")
                time.sleep(0.3)
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def sign_in(base: str, email: str, password: str, slug: str | None) -> httpx.Client:
    """A browser's sign-in (CSRF token from the cookie, then the form; the second factor when asked)."""
    import pyotp

    client = httpx.Client(base_url=base, timeout=30)
    login = f"/t/{slug}/login" if slug else "/login"
    client.get(login)
    answer = client.post(login, data={"email": email, "password": password,
                                      "_csrf_token": client.cookies.get("regie_csrf", "")})
    if answer.status_code == 303 and "/mfa/verify" in answer.headers.get("location", ""):
        answer = client.post("/mfa/verify", data={"code": pyotp.TOTP(MFA_SECRET).now(),
                                                  "_csrf_token": client.cookies.get("regie_csrf", "")})
    if answer.status_code != 303:
        raise SystemExit(f"sign-in of {email} failed: {answer.status_code} {answer.text[:300]}")
    return client


# ----------------------------------------------------------------------------------------------- wrk


UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def settle(base: str, limit: float = 120.0) -> None:
    """Wait until the server answers a trivial request at once again: when wrk stops, the requests it left in
    flight still run, and a slow page's leftovers must not be counted against the next page."""
    deadline = time.monotonic() + limit
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        start = time.monotonic()
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(base + "/favicon.ico", timeout=limit)
        quick = quick + 1 if time.monotonic() - start < 0.05 else 0
        time.sleep(0.2)


def wrk(url: str, connections: int, seconds: float, headers: dict[str, str]) -> Figure:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
               "-s", str(HERE / "status.lua")]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode != 0 or "Requests/sec" not in done.stdout:
        raise SystemExit(f"wrk failed on {url}: {done.stdout[-800:]} {done.stderr[-800:]}")
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])

    def latency(share: str) -> float:
        found = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(found[1]) * UNIT[found[2]]

    unexpected = int(re.search(r"UNEXPECTED (\d+)", out)[1])
    return Figure(rps, latency("50"), latency("99"), unexpected)


# ----------------------------------------------------------------------------------------------- the report


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def rate(rps: float) -> str:
    """Requests per second as people read them: whole numbers, one decimal under ten (a page at 0.3 req/s)."""
    return f"{rps:,.1f}" if rps < 10 else f"{rps:,.0f}"


def report(rows: list[Row], bare1: list[Figure], bare8: list[Figure], volume: str, seconds: float,
           rounds: int) -> str:
    b1 = statistics.mean(f.rps for f in bare1)
    b8 = statistics.mean(f.rps for f in bare8)
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Data: {volume}. One `regie serve` process on PostgreSQL, signed in; wrk, one thread, {seconds:g} s per "
        f"measurement, {rounds} rounds (req/s: mean of the rounds; p50: median; p99: the worst round).",
        f"Bare Litestar hello world, one process, same run: {b1:,.0f} req/s at 1 connection "
        f"({', '.join(f'{f.rps:,.0f}' for f in bare1)}), {b8:,.0f} req/s at 8 "
        f"({', '.join(f'{f.rps:,.0f}' for f in bare8)}).",
        "",
        "| page | req/s 1 conn | p99 ms (1) | req/s 8 conns | p50 ms (8) | p99 ms (8) | of bare (8) | target | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        rps1 = statistics.mean(f.rps for f in row.one)
        rps8 = statistics.mean(f.rps for f in row.eight)
        p50 = statistics.median(f.p50_ms for f in row.eight)
        p99 = max(f.p99_ms for f in row.eight)
        share = rps8 / b8
        bad = sum(f.unexpected for f in row.one + row.eight)
        verdict = "reference" if not row.page.target else "met" if share >= row.page.target else \
            f"missed by {row.page.target / share:,.1f}×" if share else "missed: no request finished"
        if p99 > 100 and row.page.target:
            verdict += f"; p99 {p99:.0f} ms > 100"
        if bad:
            verdict += f"; {bad} answers not 200"
        p99_one = max(f.p99_ms for f in row.one)
        target = f"{row.page.target:.0%}" if row.page.target else "—"
        lines.append(f"| {row.page.label} | {rate(rps1)} | {p99_one:.1f} | {rate(rps8)} | {p50:.1f} | {p99:.1f} | "
                     f"{share:.2%} | "
                     f"{target} | {verdict} |")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="regie_bench_pages")
    parser.add_argument("--fresh", action="store_true", help="drop and load the database again")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("PAGE_BENCH_SECONDS", "4")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("PAGE_BENCH_ROUNDS", "2")))
    parser.add_argument("--mentions", type=int, default=int(os.environ.get("PAGE_BENCH_MENTIONS", "1000000")))
    parser.add_argument("--cases", type=int, default=int(os.environ.get("PAGE_BENCH_CASES", "200000")))
    parser.add_argument("--only", default="", help="only pages whose label contains this text (or one of several, "
                                                   "comma-separated)")
    parser.add_argument("--app-dir", default="", help="serve the app of another checkout (earlier code) instead")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance-pages.md"),
                        help="where the table goes ('-' for nowhere)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench-pages` does it)")

    db_url, server_url = database_urls(args.db)
    var_dir = Path(tempfile.mkdtemp(prefix="regie-bench-pages-"))
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET_KEY, "REGIE_VAR_DIR": str(var_dir),
           "BROKER_URL": "", "REDIS_URL": "", "SMTP_URL": ""}
    volume = f"the demo, plus in Vitaal {args.mentions:,} mentions over a year and {args.cases:,} webcare cases"
    print(f"Database {db_url}: {volume}", flush=True)
    if not asyncio.run(database_ready(db_url, server_url, args.fresh, args.mentions, args.cases)):
        print("  loading (once; later runs reuse it, --fresh loads again)", flush=True)
        asyncio.run(load_volume(env, db_url, args.mentions, args.cases))
    else:
        regie(env, "db", "upgrade")  # the code may have migrations the stored database does not
    case_id, token, survey = asyncio.run(prepare_people(db_url, var_dir))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request in the report
    wanted = [w.strip() for w in args.only.lower().split(",")]
    chosen = [p for p in pages(case_id, survey) if any(w in p.label.lower() for w in wanted)]

    bare_url = f"http://127.0.0.1:{free_port()}"
    app_url = f"http://127.0.0.1:{free_port()}"
    bare_cmd = [sys.executable, "-m", "uvicorn", "tests.bench.pages.hello:app", "--port", bare_url.rsplit(":", 1)[1],
                "--no-access-log", "--log-level", "warning", "--app-dir", str(ROOT)]
    # `regie serve` of this checkout, or of another one (`--app-dir`: the same benchmark against earlier code)
    app_dir = Path(args.app_dir).resolve() if args.app_dir else ROOT
    app_env = {**env, "BASE_URL": app_url, "PYTHONPATH": str(app_dir)}
    regie_cmd = [sys.executable, "-c", "from core.cli.main import cli; cli()", "serve"]
    app_cmd = [*regie_cmd, "--port", app_url.rsplit(":", 1)[1]]
    if "--workers" in subprocess.run([*regie_cmd, "--help"], capture_output=True, text=True, env=app_env,
                                     cwd=app_dir).stdout:
        app_cmd += ["--workers", "1"]
    with served(bare_cmd, env, bare_url + "/", var_dir / "bare.log"), \
            served(app_cmd, app_env, app_url + "/login", var_dir / "regie.log", cwd=app_dir):
        from core.demo.seed import DEMO_PASSWORD, MEDIATOR

        browsers = {"regie": sign_in(app_url, "l.visser@vitaal.example", DEMO_PASSWORD, SLUG),
                    "mediator": sign_in(app_url, MEDIATOR.email, DEMO_PASSWORD, None)}
        visitor = httpx.Client(base_url=app_url, timeout=30)  # anonymous, with the session its first visit got
        visitor.get("/login")
        browsers["anon"] = visitor
        headers: dict[str, dict[str, str]] = {"api": {"Authorization": f"Bearer {token}"}}
        for who, client in browsers.items():
            headers[who] = {"Cookie": "; ".join(f"{k}={v}" for k, v in client.cookies.items()),
                            "Accept-Language": "nl"}
        inbox = httpx.get(f"{app_url}/t/{SLUG}/p/webcare/", headers=headers["regie"], timeout=60).text
        version = re.search(r"stamp\?v=(\d+)", inbox)[1]
        chosen = [dataclasses.replace(p, path=p.path.replace("{version}", version)) for p in chosen]
        for page in chosen:
            if page.htmx:
                headers[page.label] = {**headers[page.who], "HX-Request": "true"}
        for page in chosen:  # each page answers with its own content before it is measured
            answer = httpx.get(app_url + page.path, headers=headers.get(page.label, headers[page.who]), timeout=60)
            if answer.status_code not in (200, 204) or page.expect not in answer.text:
                raise SystemExit(f"{page.label}: {page.path} answered {answer.status_code} without "
                                 f"{page.expect!r}:\n{answer.text[:500]}")
        rows = [Row(p) for p in chosen]
        bare1: list[Figure] = []
        bare8: list[Figure] = []
        for n in range(args.rounds):
            print(f"Round {n + 1} of {args.rounds}", flush=True)
            bare1.append(wrk(bare_url + "/", 1, args.seconds, {}))
            bare8.append(wrk(bare_url + "/", 8, args.seconds, {}))
            for row in rows:
                sent = headers.get(row.page.label, headers[row.page.who])
                row.one.append(wrk(app_url + row.page.path, 1, args.seconds, sent))
                settle(app_url)
                row.eight.append(wrk(app_url + row.page.path, 8, args.seconds, sent))
                settle(app_url)
                print(f"  {row.page.label}: {rate(row.one[-1].rps)} / {rate(row.eight[-1].rps)} req/s", flush=True)
        bare1.append(wrk(bare_url + "/", 1, args.seconds, {}))
        bare8.append(wrk(bare_url + "/", 8, args.seconds, {}))
    table = report(rows, bare1, bare8, volume, args.seconds, args.rounds)
    print("\n" + table)
    if args.out != "-" and not args.only:
        Path(args.out).write_text(
            "# Page benchmark: the latest run\n\nWritten by `make bench-pages` (`tests/bench/pages`); "
            "see [performance.md](performance.md) for what the figures mean and how they came about.\n\n" + table)
        print(f"Written to {args.out}")
    shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
