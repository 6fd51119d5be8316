"""The tenant export archive and its re-import into an empty instance: a row-by-row round trip on SQLite and
PostgreSQL, the refusals, the export job with its progress bar and download, and the CLI."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.engine import make_engine, make_sessionmaker
from core.db.migrate import upgrade
from core.errors import DomainError
from core.jobs.models import JobProgress
from core.jobs.plugin_jobs import run_named_job
from core.privacy.archive import (
    _attr_columns,
    _mappers,
    build_archive,
    import_archive,
    tenant_tables,
)
from core.settings import Settings
from core.tenancy.scope import tenant_scope
from tests.conftest import reset_postgres
from tests.contract.populate import populate
from tests.support import login_as, post_form


async def _fresh_settings(settings: Settings, tmp_path: Path) -> Settings:
    """An empty, migrated instance on the same kind of database: a new SQLite file, or a second PostgreSQL
    database next to the test one (`<name>_import`)."""
    if settings.is_sqlite:
        url = f"sqlite+aiosqlite:///{tmp_path / 'import.sqlite3'}"
    else:
        url = settings.database_url + "_import"  # per xdist worker, like the test database itself
        await reset_postgres(url)
    fresh = Settings.from_env(var_dir=tmp_path / "var", database_url=url, broker_url="", redis_url="",
                              smtp_url="", secret_key="test-secret-key-" + "x" * 32, db_pool_size=0)
    await asyncio.to_thread(upgrade, fresh)
    return fresh


def _normal(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return value


async def _snapshot(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: Any) -> dict[str, list[tuple]]:
    """Every tenant-owned table's rows of this tenant (and the tenant and its members' users), sorted by id."""
    from core.auth.models import Membership, User
    from core.tenancy.models import Tenant

    mappers = _mappers()
    out: dict[str, list[tuple]] = {}
    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            for name, where in [("tenant", Tenant.id == tenant_id)] + \
                    [(t.name, t.c.tenant_id == tenant_id) for t in tenant_tables() if t.name in mappers]:
                mapper = mappers[name]
                cols = [getattr(mapper.class_, key) for key, _ in _attr_columns(mapper)]
                rows = (await s.execute(select(*cols).where(where).order_by(mapper.class_.id))).all()
                out[name] = [tuple(_normal(v) for v in row) for row in rows]
            user_ids = select(Membership.user_id)
            mapper = mappers["user_account"]
            cols = [getattr(User, key) for key, _ in _attr_columns(mapper) if key not in
                    ("reset_token_hash", "reset_expires_at")]
            rows = (await s.execute(select(*cols).where(User.id.in_(user_ids)).order_by(User.id))).all()
            out["user_account"] = [tuple(_normal(v) for v in row) for row in rows]
    return out


async def _world_with_data(sessionmaker, world) -> None:
    from core.roadmap.models import BaselineStudy

    await populate(sessionmaker, world.a)
    await populate(sessionmaker, world.b)
    with tenant_scope(world.a.id):  # a blob larger than the inline limit goes into blobs/
        async with sessionmaker() as s, s.begin():
            study = (await s.scalars(select(BaselineStudy))).first()
            study.file_data = bytes(range(256)) * 40
            study.file_name = "nulmeting.pdf"


async def test_export_and_import_round_trip_row_by_row(app, world, sessionmaker, settings, tmp_path):
    await _world_with_data(sessionmaker, world)
    archive_path = tmp_path / "acme.zip"
    steps: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        steps.append((done, total))

    manifest = await build_archive(sessionmaker, world.a.id, archive_path, progress)
    assert steps[-1][0] == steps[-1][1] and len(steps) > 10
    with zipfile.ZipFile(archive_path) as z:
        names = set(z.namelist())
        stored = json.loads(z.read("manifest.json"))
        assert stored["format"] == "regie-tenant-export" and stored["format_version"] == 1
        assert stored["schema_revisions"] and stored["tenant"]["slug"] == "acme"
        assert any(b.startswith("blobs/baseline_study/") for b in stored["blobs"])
        for table in stored["tables"]:
            assert table["file"] in names
            lines = z.read(table["file"]).decode().splitlines()
            assert len(lines) == table["rows"]
            assert "globex" not in z.read(table["file"]).decode()  # never another tenant's rows
    tables = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert tables["tenant"] == 1 and tables["membership"] == 6 and tables["monitoring_mention"] == 1
    assert tables["user_account"] >= 6 and tables["webcare_case"] == 1

    fresh = await _fresh_settings(settings, tmp_path)
    target = make_sessionmaker(make_engine(fresh))
    try:
        await import_archive(target, archive_path)
        before, after = await _snapshot(sessionmaker, world.a.id), await _snapshot(target, world.a.id)
        assert set(before) == set(after)
        for name in before:
            assert before[name] == after[name], name
        assert sum(len(rows) for rows in after.values()) > 60
        with pytest.raises(DomainError) as refused:  # the tenant is there now
            await import_archive(target, archive_path)
        assert "archive" in refused.value.errors
        assert (await _snapshot(target, world.a.id)) == after
    finally:
        await target.kw["bind"].dispose()


async def test_import_refuses_another_schema_and_non_archives(world, sessionmaker, settings, tmp_path):
    await populate(sessionmaker, world.a)
    good = tmp_path / "acme.zip"
    await build_archive(sessionmaker, world.a.id, good)
    fresh = await _fresh_settings(settings, tmp_path)
    target = make_sessionmaker(make_engine(fresh))
    try:
        other = tmp_path / "other.zip"
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(other, "w") as dst:
            for item in src.namelist():
                data = src.read(item)
                if item == "manifest.json":
                    manifest = json.loads(data)
                    manifest["schema_revisions"] = ["0001_core"]
                    data = json.dumps(manifest).encode()
                dst.writestr(item, data)
        with pytest.raises(DomainError) as exc:
            await import_archive(target, other)
        assert "schema revisions" in str(exc.value.errors["archive"].msgid)
        junk = tmp_path / "junk.zip"
        junk.write_bytes(b"not a zip")
        with pytest.raises(DomainError):
            await import_archive(target, junk)
        from core.tenancy.models import Tenant

        async with target() as s:
            assert (await s.scalars(select(Tenant))).all() == []
    finally:
        await target.kw["bind"].dispose()


async def test_import_is_all_or_nothing(world, sessionmaker, settings, tmp_path):
    """A broken row late in the archive leaves nothing behind: not the tenant, not its users."""
    await populate(sessionmaker, world.a)
    good = tmp_path / "acme.zip"
    await build_archive(sessionmaker, world.a.id, good)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            if item == "tables/webcare_vote.jsonl":
                row = json.loads(data.decode().splitlines()[0])
                row["customer_id"] = "00000000-0000-0000-0000-000000000001"  # no such customer
                data = (json.dumps(row) + "\n").encode()
            dst.writestr(item, data)
    fresh = await _fresh_settings(settings, tmp_path)
    target = make_sessionmaker(make_engine(fresh))
    try:
        with pytest.raises(Exception):  # noqa: B017 - the database's foreign key error
            await import_archive(target, broken)
        from core.auth.models import User
        from core.tenancy.models import Tenant

        async with target() as s:
            assert (await s.scalars(select(Tenant))).all() == []
            assert (await s.scalars(select(User))).all() == []
    finally:
        await target.kw["bind"].dispose()


async def test_export_job_with_progress_and_download_then_cli_import(app, client, world, sessionmaker, settings,
                                                                     tmp_path, monkeypatch):
    await populate(sessionmaker, world.a)
    await login_as(client, world.a, "admin")
    r = await post_form(client, "/t/acme/privacy/export", follow_redirects=False)
    assert r.status_code == 303
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            [job] = (await s.scalars(select(JobProgress).where(JobProgress.kind == "tenant_export",
                                                               JobProgress.status == "queued"))).all()
    assert job.status == "queued"
    await run_named_job(app, "core.privacy.export", world.a.id, progress_id=str(job.id))
    bar = await client.get(f"/t/acme/jobs/{job.id}")
    assert bar.status_code == 200 and f"/t/acme/privacy/exports/{job.id}" in bar.text
    download = await client.get(f"/t/acme/privacy/exports/{job.id}")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as z:
        manifest = json.loads(z.read("manifest.json"))
        jobs = [json.loads(line) for line in z.read("tables/job_progress.jsonl").decode().splitlines()]
    assert str(job.id) not in {j["id"] for j in jobs}  # its own bar is not part of the data
    await login_as(client, world.b, "admin")
    assert (await client.get(f"/t/globex/privacy/exports/{job.id}")).status_code == 404

    archive = tmp_path / "download.zip"
    archive.write_bytes(download.content)
    fresh = await _fresh_settings(settings, tmp_path)
    monkeypatch.setenv("DATABASE_URL", fresh.database_url)
    monkeypatch.setenv("REGIE_VAR_DIR", str(tmp_path / "var"))
    from core.cli.main import cli

    result = await asyncio.to_thread(CliRunner().invoke, cli, ["tenant", "import", str(archive)])
    assert result.exit_code == 0, result.output
    assert "acme" in result.output and str(sum(t["rows"] for t in manifest["tables"])) in result.output
    again = await asyncio.to_thread(CliRunner().invoke, cli, ["tenant", "import", str(archive)])
    assert again.exit_code == 2 and "already here" in again.output
