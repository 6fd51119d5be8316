"""A tenant's data as a documented archive, and its re-import into an empty instance (docs/export-format.md).

Generic over the SQLAlchemy metadata: every table with a `tenant_id` column (core and plugins), the tenant
row, and the users the tenant's rows refer to. Reads go through the ORM (column attributes of the mapped
classes) inside `tenant_scope`, so the tenancy guard and PostgreSQL row-level security scope them exactly
as they scope the application. The import runs in one transaction in the new tenant's scope: all or nothing.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapper

from core.db.base import Base
from core.errors import DomainError
from core.tenancy.scope import tenant_scope

FORMAT = "regie-tenant-export"
FORMAT_VERSION = 1
PROGRESS_KIND = "tenant_export"
USER_TABLE = "user_account"
TENANT_TABLE = "tenant"
DROPPED_USER_COLUMNS = ("reset_token_hash", "reset_expires_at", "unlock_token_hash", "unlock_expires_at")
"""Single-use secrets in flight are not exported (they would be void on another instance anyway)."""
BLOB_INLINE = 4096
"""Binary values up to this size are inlined as base64; larger ones are files under `blobs/`."""


def load_plugin_models(pm: Any) -> None:
    """Plugins import their models with their routes and jobs: asking for them fills the metadata."""
    pm.routes()
    pm.jobs()


def _mappers() -> dict[str, Mapper[Any]]:
    return {m.local_table.name: m for m in Base.registry.mappers if isinstance(m.local_table, Table)}


def tenant_tables() -> list[Table]:
    """Every tenant-owned table in foreign-key order (parents first)."""
    return [t for t in Base.metadata.sorted_tables if "tenant_id" in t.c]


def _attr_columns(mapper: Mapper[Any]) -> list[tuple[str, str]]:
    """(attribute key, column name) of every column of the table the mapper maps, but those marked
    `info={"export": False}` (credentials a connection keeps sealed: an import starts without them)."""
    pairs = []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if getattr(column, "table", None) is mapper.local_table and column.info.get("export", True):
            pairs.append((prop.key, column.name))
    return pairs


def _encode(value: Any, blobs: dict[str, bytes], ref: str) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if len(data) <= BLOB_INLINE:
            return {"$b64": base64.b64encode(data).decode()}
        blobs[f"blobs/{ref}.bin"] = data
        return {"$blob": f"blobs/{ref}.bin"}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    return value


def _decode(value: Any, column: Any, archive: zipfile.ZipFile) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        (key, raw), = value.items()
        if key == "$dt":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$b64":
            return base64.b64decode(raw)
        if key == "$blob":
            return archive.read(raw)
        if key == "$dec":
            return Decimal(raw)
    if value is not None and isinstance(value, str):
        try:
            if column.type.python_type is UUID:
                return UUID(value)
        except NotImplementedError:
            pass
    return value


async def _rows(session: AsyncSession, mapper: Mapper[Any], where: Any = None) -> list[dict[str, Any]]:
    pairs = _attr_columns(mapper)
    cls = mapper.class_
    stmt = select(*[getattr(cls, key) for key, _name in pairs]).order_by(cls.id)
    if where is not None:
        stmt = stmt.where(where)
    result = await session.execute(stmt)
    return [{name: value for (_key, name), value in zip(pairs, row, strict=True)} for row in result.all()]


def _is_shared(table: Table) -> bool:
    """A platform table a tenant's rows can refer to (users, the training catalogue): not owned by a tenant."""
    return "tenant_id" not in table.c and table.name != TENANT_TABLE


def _refs(table: Table, rows: Iterable[dict[str, Any]], into: dict[str, set[Any]]) -> None:
    """Collect the ids of shared rows that `rows` refer to, per referenced table."""
    for fk in table.foreign_keys:
        target = fk.column.table
        if _is_shared(target) and fk.column.name == "id":
            into.setdefault(target.name, set()).update(r[fk.parent.name] for r in rows
                                                       if r.get(fk.parent.name) is not None)


async def schema_revisions(session: AsyncSession) -> list[str]:
    rows = await session.execute(text("SELECT version_num FROM alembic_version"))
    return sorted(r[0] for r in rows.all())


async def build_archive(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, target: Path,
                        progress: Any = None, skip: dict[str, set[UUID]] | None = None) -> dict[str, Any]:
    """Write the tenant's archive to `target`; `progress(done, total)` is awaited after every table. `skip`
    leaves out rows by id (the export's own progress row, which changes while it runs)."""
    from core.tenancy.models import Tenant

    mappers = _mappers()
    tables = [t for t in tenant_tables() if t.name in mappers]
    total = len(tables) + 2
    blobs: dict[str, bytes] = {}
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    refs: dict[str, set[Any]] = {}
    shared: dict[str, list[dict[str, Any]]] = {}
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            revisions = await schema_revisions(session)
            tenant_rows = await _rows(session, mappers[TENANT_TABLE], Tenant.id == tenant_id)
            for done, table in enumerate(tables, start=1):
                rows = [r for r in await _rows(session, mappers[table.name], table.c.tenant_id == tenant_id)
                        if r["id"] not in (skip or {}).get(table.name, set())]
                _refs(table, rows, refs)
                files[table.name] = _jsonl(table.name, rows, blobs)
                counts[table.name] = len(rows)
                if progress is not None:
                    await progress(done, total)
            for table in reversed(Base.metadata.sorted_tables):  # children first: their parents come later
                if table.name in refs and table.name in mappers:
                    cls = mappers[table.name].class_
                    rows = await _rows(session, mappers[table.name], cls.id.in_(list(refs[table.name])))
                    _refs(table, rows, refs)
                    shared[table.name] = rows
    for row in shared.get(USER_TABLE, []):
        for column in DROPPED_USER_COLUMNS:
            if column in row:
                row[column] = None
    shared_files = {name: _jsonl(name, rows, blobs) for name, rows in sorted(shared.items())}
    files = {TENANT_TABLE: _jsonl(TENANT_TABLE, tenant_rows, blobs), **shared_files, **files}
    counts = {TENANT_TABLE: len(tenant_rows), **{n: len(r) for n, r in sorted(shared.items())}, **counts}
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "created_at": datetime.now(UTC).isoformat(),
        "tenant": {"id": str(tenant_id), "slug": tenant_rows[0]["slug"], "name": tenant_rows[0]["name"]},
        "schema_revisions": revisions,
        "tables": [{"name": name, "file": f"tables/{name}.jsonl", "rows": counts[name],
                    "scope": "tenant" if name == TENANT_TABLE else "shared" if name in shared else "tenant_owned"}
                   for name in files],
        "blobs": sorted(blobs),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, content in files.items():
            archive.writestr(f"tables/{name}.jsonl", content)
        for name, data in blobs.items():
            archive.writestr(name, data)
    partial.replace(target)
    if progress is not None:
        await progress(total, total)
    return manifest


def _jsonl(table: str, rows: list[dict[str, Any]], blobs: dict[str, bytes]) -> str:
    out = io.StringIO()
    for row in rows:
        encoded = {k: _encode(v, blobs, f"{table}/{row.get('id')}-{k}") for k, v in row.items()}
        out.write(json.dumps(encoded, ensure_ascii=False, sort_keys=True) + "\n")
    return out.getvalue()


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise DomainError(field="archive", msgid="This is not a Regie export archive.") from None
    if manifest.get("format") != FORMAT:
        raise DomainError(field="archive", msgid="This is not a Regie export archive.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DomainError(field="archive", msgid="This archive has format version {version}; this instance reads "
                          "version {ours}.", version=manifest.get("format_version"), ours=FORMAT_VERSION)
    return manifest


async def import_archive(sessionmaker: async_sessionmaker[AsyncSession], path: Path) -> dict[str, Any]:
    """Insert an archive's rows into this (empty) instance; refuses when the schema differs or the tenant or
    any of its users is already here. One transaction: on any error nothing is left behind."""
    from core.auth.models import User
    from core.tenancy.models import Tenant

    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        raise DomainError(field="archive", msgid="This is not a Regie export archive.") from None
    with archive:
        manifest = read_manifest(archive)
        tenant_id = UUID(manifest["tenant"]["id"])
        mappers = _mappers()
        names = [t["name"] for t in manifest["tables"]]
        unknown = [n for n in names if n not in mappers]
        if unknown:
            raise DomainError(field="archive", msgid="This instance has no table {table}.", table=unknown[0])
        data = {n: [json.loads(line) for line in archive.read(f"tables/{n}.jsonl").decode().splitlines() if line]
                for n in names}
        with tenant_scope(tenant_id):
            async with sessionmaker() as session, session.begin():
                ours = await schema_revisions(session)
                if ours != manifest["schema_revisions"]:
                    raise DomainError(field="archive", msgid="The archive's schema revisions ({theirs}) differ "
                                      "from this instance's ({ours}): upgrade the older one first.",
                                      theirs=", ".join(manifest["schema_revisions"]), ours=", ".join(ours))
                slug = manifest["tenant"]["slug"]
                if await session.scalar(select(Tenant.id).where((Tenant.id == tenant_id) | (Tenant.slug == slug))):
                    raise DomainError(field="archive", msgid="An organisation with slug {slug} or this id is "
                                      "already here: import only into an instance without it.", slug=slug)
                users = data.get(USER_TABLE, [])
                ids = [UUID(u["id"]) for u in users]
                emails = [u["email"] for u in users]
                if users and await session.scalar(select(User.id).where(User.id.in_(ids) | User.email.in_(emails))
                                                  .limit(1)):
                    raise DomainError(field="archive", msgid="Some of the archive's users are already here: "
                                      "import only into an empty instance.")
                order = [t.name for t in Base.metadata.sorted_tables if t.name in data]
                for name in order:
                    rows = data[name]
                    table = mappers[name].local_table
                    if _is_shared(table) and name != USER_TABLE and rows:  # e.g. the training catalogue
                        cls = mappers[name].class_
                        have = {str(i) for i in (await session.scalars(
                            select(cls.id).where(cls.id.in_([UUID(r["id"]) for r in rows])))).all()}
                        rows = [r for r in rows if r["id"] not in have]
                    await _insert(session, mappers[name], rows, archive)
    return manifest


async def _insert(session: AsyncSession, mapper: Mapper[Any], rows: list[dict[str, Any]],
                  archive: zipfile.ZipFile) -> None:
    """Insert one table's rows; a column referring to its own table is filled in afterwards (a duplicate
    may come before its original)."""
    if not rows:
        return
    table = mapper.local_table
    by_name = {name: key for key, name in _attr_columns(mapper)}
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    values, later = [], []
    for row in rows:
        decoded = {by_name[name]: _decode(value, table.c[name], archive)
                   for name, value in row.items() if name in by_name}
        refs = {by_name[c]: decoded.pop(by_name[c]) for c in self_refs if decoded.get(by_name[c]) is not None}
        values.append(decoded)
        if refs:  # the stored moment of the last change stays as exported (the update would stamp it anew)
            later.append((decoded["id"], {**refs, **({"updated_at": decoded["updated_at"]}
                                                     if decoded.get("updated_at") is not None else {})}))
    cls = mapper.class_
    for start in range(0, len(values), 500):
        await session.execute(insert(cls), values[start:start + 500])
    for row_id, refs in later:
        await session.execute(update(cls).where(cls.id == row_id).values(**refs)
                              .execution_options(synchronize_session=False))


def export_path(settings: Any, tenant_id: UUID, progress_id: UUID | str) -> Path:
    return Path(settings.var_dir) / "exports" / str(tenant_id) / f"{progress_id}.zip"


async def run_export_job(ctx: Any, progress_id: str) -> str:
    """The job behind the export button: builds the archive, moving the progress bar table by table."""
    from core.jobs.progress import update_progress

    sessionmaker = ctx.sessionmaker

    async def progress(done: int, total: int) -> None:
        with tenant_scope(ctx.tenant_id):
            await update_progress(sessionmaker, progress_id, done=done, total=total, status="running")

    target = export_path(ctx.settings, ctx.tenant_id, progress_id)
    try:
        manifest = await build_archive(sessionmaker, ctx.tenant_id, target, progress,
                                       skip={"job_progress": {UUID(progress_id)}})
    except Exception as exc:
        with tenant_scope(ctx.tenant_id):
            await update_progress(sessionmaker, progress_id, status="failed",
                                  error=f"The export failed: {exc.__class__.__name__}")
        raise
    rows = sum(t["rows"] for t in manifest["tables"])
    with tenant_scope(ctx.tenant_id):
        await update_progress(sessionmaker, progress_id, status="done", result={
            "href": f"/t/{ctx.tenant_slug}/privacy/exports/{progress_id}", "rows": rows,
            "tables": len(manifest["tables"]), "size": target.stat().st_size})
    return "done"
