"""Browser tests: the real app served by uvicorn on a free port, driven by Playwright in Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MEDIATOR = ("mediator@bijlpr.test", "Mediator-wachtwoord-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed_mediator(env: dict[str, str]) -> None:
    code = (
        "import asyncio\n"
        "from core.settings import Settings\n"
        "from core.db.migrate import upgrade\n"
        "from core.db.engine import make_engine, make_sessionmaker\n"
        "from core.auth.service import create_user\n"
        "s = Settings.from_env(); upgrade(s)\n"
        "async def main():\n"
        "    sm = make_sessionmaker(make_engine(s))\n"
        "    async with sm() as db, db.begin():\n"
        f"        await create_user(db, {MEDIATOR[0]!r}, {MEDIATOR[1]!r}, name='Mia Mediator', is_mediator=True)\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


_DEMO_TEMPLATE: list[Path] = []


def _demo_template() -> Path:
    """Migrate and seed `regie demo` once per test process; every demo server starts from a copy of it."""
    if not _DEMO_TEMPLATE:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="regie-e2e-demo-"))
        env = {**os.environ, "REGIE_VAR_DIR": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
               "BROKER_URL": "", "SMTP_URL": "", "REDIS_URL": ""}
        for command in (["db", "upgrade"], ["demo"]):
            subprocess.run([sys.executable, "-m", "core.cli.main", *command], env=env, check=True, cwd=ROOT,
                           capture_output=True)
        _DEMO_TEMPLATE.append(folder / "demo.sqlite3")
    return _DEMO_TEMPLATE[0]


def _serve(var_dir: Path, seed: str, extra_env: dict[str, str] | None = None
           ) -> Iterator[tuple[str, dict[str, str]]]:
    """Migrate and seed a fresh SQLite database, then run the app (with its in-process worker) on a free port."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (make test installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    env = {**os.environ, "REGIE_VAR_DIR": str(var_dir), "DATABASE_URL": f"sqlite:///{var_dir / 'e2e.sqlite3'}",
           "BASE_URL": f"http://127.0.0.1:{port}", "BROKER_URL": "", "SMTP_URL": "", "REDIS_URL": "",
           "REGIE_DEV_MAILBOX": "1", "REGIE_MFA_ENFORCED": "0", **(extra_env or {})}
    # MFA enforcement is off for the other paths; tests/e2e/test_mfa_path.py turns it on
    if seed == "mediator":
        _seed_mediator(env)
    else:
        shutil.copyfile(_demo_template(), var_dir / "e2e.sqlite3")
    log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "core.web.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(url + "/login", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise RuntimeError("server did not start: " + (var_dir / "server.log").read_text()[-2000:])
    yield url, env
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty instance with one mediator."""
    for url, _env in _serve(tmp_path_factory.mktemp("e2e-var"), "mediator"):
        yield url


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """An instance seeded with `regie demo` (two organisations; Vitaal listens with monitoring)."""
    yield from _serve(tmp_path_factory.mktemp("e2e-demo"), "demo")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (make test installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Save a numbered full-page screenshot under test-artifacts/e2e/ (kept by CI as artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        counter["n"] += 1
        path = ARTIFACTS / f"{request.node.name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
