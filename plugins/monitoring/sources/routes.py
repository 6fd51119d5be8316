"""Pages of the sources slice: the source list (with each feed's health), source forms, and imports.

Sources are configuration (`plugin.configure`); importing an export is work with mentions (`plugin.work`);
every list and report can be read by any reader (`plugin.read`).
"""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    Form,
    MultipartForm,
    Page,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
)
from plugins.monitoring.models import KIND_LABELS, NETWORK_KIND, SOURCE_KINDS, SOURCE_TYPES, ImportRun, Source
from plugins.monitoring.sources import service
from plugins.monitoring.sources.feeds import error_text
from plugins.monitoring.sources.imports import FIELDS, MAX_BYTES, REQUIRED, UPLOAD_LIMIT, Table, reason_of
from plugins.monitoring.sources.imports import error_text as import_error_text

REPORT_PAGE = 50
IMPORT_STATUSES = {"mapping": N_("waiting for the column mapping"), "queued": N_("queued"), "running": N_("running"),
                   "done": N_("done"), "failed": N_("failed")}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/monitoring"


def _form_of(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _choices(lang: str, source: Any = None) -> dict[str, list[tuple[str, str]]]:
    _ = gettext_for(lang)
    network = source is not None and source.kind == NETWORK_KIND  # made by its job, keeps its kind
    kinds = {NETWORK_KIND: KIND_LABELS[NETWORK_KIND]} if network else SOURCE_KINDS
    return {"kinds": [(k, _(v)) for k, v in kinds.items()],
            "source_types": [(k, _(v)) for k, v in SOURCE_TYPES.items()]}


# -- sources --------------------------------------------------------------------------------------------------

@get("/sources/", opt={"action": "plugin.read"})
async def source_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    lang = lang_of(request)
    listing = await paginate(db, service.sources_query(), page_number(request.query_params.get("page")),
                             base_path=f"{_base(slug)}/sources/")
    counts = await service.mention_counts(db, [s.id for s in listing.items])
    return page(request, "monitoring/sources/list.html", sources=listing, counts=counts, base=_base(slug),
                kinds=KIND_LABELS, types=SOURCE_TYPES,
                shown_error=lambda text: error_text(text, lang),
                polled=request.query_params.get("polled", ""))


def _source_form(request: Request[Any, Any, Any], slug: str, source: Any = None, status_code: int = 200,
                 **extra: Any) -> Template:
    form = extra.pop("form", None)
    if form is None:
        form = {"kind": "feed", "source_type": "news", "poll_minutes": str(service.DEFAULT_POLL)} if source is None \
            else {"name": source.name, "kind": source.kind, "source_type": source.source_type,
                  "url": source.url or "", "poll_minutes": str(source.poll_minutes)}
    return page(request, "monitoring/sources/form.html", status_code=status_code, source=source, form=form,
                base=_base(slug), min_poll=service.MIN_POLL, max_poll=service.MAX_POLL,
                **_choices(lang_of(request), source), **extra)


@get("/sources/new", opt={"action": "plugin.configure"})
async def new_source(request: Request[Any, Any, Any], slug: str) -> Template:
    return _source_form(request, slug)


@post("/sources/new", opt={"action": "plugin.configure"})
async def create_source(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.create_source(db, principal_of(request), data, request.app.state.settings)
    except DomainError as exc:
        return _source_form(request, slug, status_code=exc.status_code, form=_form_of(data),
                            errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/sources/", status_code=303)


@get("/sources/{source_id:uuid}", opt={"action": "plugin.configure"})
async def edit_source(request: Request[Any, Any, Any], db: AsyncSession, slug: str, source_id: UUID) -> Template:
    source = await get_or_404(db, Source, source_id)
    counts = await service.mention_counts(db, [source.id])
    return _source_form(request, slug, source, mentions=counts.get(source.id, 0),
                        last_error=error_text(source.last_error, lang_of(request)))


@post("/sources/{source_id:uuid}", opt={"action": "plugin.configure"})
async def update_source(request: Request[Any, Any, Any], db: AsyncSession, slug: str, source_id: UUID,
                        data: Form) -> Any:
    try:
        await service.update_source(db, principal_of(request), source_id, {k: data.get(k) for k in service.FIELDS},
                                    request.app.state.settings)
    except DomainError as exc:
        source = await get_or_404(db, Source, source_id)
        return _source_form(request, slug, source, status_code=exc.status_code, form=_form_of(data),
                            errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/sources/", status_code=303)


@post("/sources/{source_id:uuid}/active", opt={"action": "plugin.configure"})
async def set_active(request: Request[Any, Any, Any], db: AsyncSession, slug: str, source_id: UUID,
                     data: Form) -> Redirect:
    await service.set_active(db, principal_of(request), source_id, data.get("active") == "1")
    return Redirect(f"{_base(slug)}/sources/", status_code=303)


@post("/sources/{source_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def delete_source(request: Request[Any, Any, Any], db: AsyncSession, slug: str, source_id: UUID) -> Any:
    try:
        await service.delete_source(db, principal_of(request), source_id)
    except DomainError as exc:
        source = await get_or_404(db, Source, source_id)
        counts = await service.mention_counts(db, [source.id])
        return _source_form(request, slug, source, status_code=exc.status_code, mentions=counts.get(source.id, 0),
                            errors=form_errors(exc.errors, lang_of(request)),
                            last_error=error_text(source.last_error, lang_of(request)))
    return Redirect(f"{_base(slug)}/sources/", status_code=303)


@post("/sources/{source_id:uuid}/poll", opt={"action": "plugin.configure", "takes_input": False})
async def poll_source(request: Request[Any, Any, Any], db: AsyncSession, slug: str, source_id: UUID) -> Any:
    source = await service.request_poll(db, principal_of(request), source_id)
    return Redirect(f"{_base(slug)}/sources/?polled={source.id}", status_code=303)


# -- imports --------------------------------------------------------------------------------------------------

async def _imports_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                        **extra: Any) -> Template:
    listing = await paginate(db, service.imports_query(), page_number(request.query_params.get("page")),
                             base_path=f"{_base(slug)}/imports/", scalars=False)
    sources = await service.import_sources(db)
    return page(request, "monitoring/sources/imports.html", status_code=status_code, imports=listing,
                base=_base(slug), source_options=[(str(s.id), s.name) for s in sources], statuses=IMPORT_STATUSES,
                rejected_rows=service.rejected_rows, max_mb=MAX_BYTES // (1024 * 1024), **extra)


@get("/imports/", opt={"action": "plugin.read"})
async def import_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _imports_page(request, db, slug, form={"source": request.query_params.get("source", "")})


@post("/imports/", opt={"action": "plugin.work"}, request_max_body_size=UPLOAD_LIMIT)
async def upload_import(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: MultipartForm) -> Any:
    file = data.get("file")
    upload = None
    if isinstance(file, UploadFile) and file.filename:
        upload = service.Upload(filename=file.filename, data=await file.read(MAX_BYTES + 1))
    try:
        run = await service.upload_import(db, principal_of(request), data.get("source"), upload)
    except DomainError as exc:
        return await _imports_page(request, db, slug, status_code=exc.status_code, form=_form_of(data),
                                   errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/imports/{run.id}", status_code=303)


def _examples(table: Table) -> list[tuple[str, str]]:
    """Column choices, each with a value from the first row that has one (the file shows what it holds)."""
    options = []
    for column in table.columns:
        example = next((str(row.get(column)) for _n, row in table.rows[:20]
                        if isinstance(row, dict) and row.get(column) not in (None, "")), "")
        example = example if len(example) <= 40 else example[:39] + "…"
        options.append((column, f"{column} — {example}" if example else column))
    return options


async def _import_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str, run: ImportRun,
                       status_code: int = 200, **extra: Any) -> Template:
    lang = lang_of(request)
    source = await db.get(Source, run.source_id)
    ctx: dict[str, Any] = {"run": run, "source": source, "base": _base(slug), "statuses": IMPORT_STATUSES,
                           "error": import_error_text(run.error, lang), "rejected": service.rejected_rows(run)}
    if run.status == "mapping":
        table = await service.import_table(db, run)
        ctx.update(fields=FIELDS, required=REQUIRED, column_options=_examples(table))
        extra.setdefault("form", {f"mapping.{k}": v for k, v in (run.mapping or {}).items()})
    report = list(run.rejected or [])
    number = page_number(request.query_params.get("page"))
    number = min(number, max(1, -(-len(report) // REPORT_PAGE)))
    ctx["report"] = Page(items=report[(number - 1) * REPORT_PAGE:number * REPORT_PAGE], total=len(report),
                         number=number, per_page=REPORT_PAGE, base_path=f"{_base(slug)}/imports/{run.id}")
    ctx["reason"] = lambda entry: reason_of(entry, lang)
    return page(request, "monitoring/sources/import.html", status_code=status_code, **ctx, **extra)


@get("/imports/{import_id:uuid}", opt={"action": "plugin.read"})
async def import_detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, import_id: UUID) -> Template:
    run = await get_or_404(db, ImportRun, import_id)
    return await _import_page(request, db, slug, run)


@post("/imports/{import_id:uuid}", opt={"action": "plugin.work"})
async def start_import(request: Request[Any, Any, Any], db: AsyncSession, slug: str, import_id: UUID,
                       data: Form) -> Any:
    mapping = {f: data.get(f"mapping.{f}", "") for f in FIELDS}
    try:
        await service.start_import(db, principal_of(request), import_id, mapping)
    except DomainError as exc:
        run = await get_or_404(db, ImportRun, import_id)
        return await _import_page(request, db, slug, run, status_code=exc.status_code, form=_form_of(data),
                                  errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/imports/{import_id}", status_code=303)


@post("/imports/{import_id:uuid}/cancel", opt={"action": "plugin.work", "takes_input": False})
async def cancel_import(request: Request[Any, Any, Any], db: AsyncSession, slug: str, import_id: UUID) -> Any:
    try:
        await service.cancel_import(db, principal_of(request), import_id)
    except DomainError as exc:
        run = await get_or_404(db, ImportRun, import_id)
        return await _import_page(request, db, slug, run, status_code=exc.status_code,
                                  errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}/imports/", status_code=303)


@get("/imports/{import_id:uuid}/rejected.csv", opt={"action": "plugin.read"})
async def rejected_csv(request: Request[Any, Any, Any], db: AsyncSession, import_id: UUID) -> Response[bytes]:
    """The rejected rows with their reasons and the values they had, to fix and import again."""
    run = await get_or_404(db, ImportRun, import_id)
    lang = lang_of(request)
    _ = gettext_for(lang)
    report = list(run.rejected or [])
    columns = list(dict.fromkeys(c for e in report for c in (e.get("values") or {})))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Field"), _("Reason"), *columns])
    for e in report:
        values = e.get("values") or {}
        writer.writerow([e.get("row"), e.get("column", ""), e.get("field", ""), reason_of(e, lang),
                         *[_safe_cell(values.get(c, "")) for c in columns]])
    stem = "".join(c for c in run.file_name.rsplit(".", 1)[0] if c.isalnum() or c in "._- ")[:80] or "import"
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}-rejected.csv"',
                             "X-Content-Type-Options": "nosniff"})


def _safe_cell(value: Any) -> str:
    """A value a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


ROUTES = [source_list, new_source, create_source, edit_source, update_source, set_active, delete_source,
          poll_source, import_list, upload_import, import_detail, start_import, cancel_import, rejected_csv]
