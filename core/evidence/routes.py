"""Evidence pages: baseline study upload, pilot measurements, methodology, targets, management presentation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.evidence import service
from core.evidence.service import PRESENTATION_SECTIONS, Upload
from core.i18n import gettext_for
from core.measurement.snapshots import kpi_catalogue, plugin_kpis
from core.measurement.targets import formatter, progress_for
from core.roadmap.routes import user_names
from core.tenancy.models import Tenant
from core.web.forms import Form, MultipartForm, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page
from core.workgroup.models import Department

KINDS = ("baseline", "pilot", "methodology", "targets", "presentations")
LISTS = {"baseline": (service.baselines_query, True), "pilot": (service.pilot_measurements_query, False),
         "methodology": (service.methodology_versions_query, True), "targets": (service.targets_query, True),
         "presentations": (service.presentations_query, True)}
"""Each kind's list query and whether its rows are single entities (paginate's `scalars`)."""


def _page_param(kind: str | None, shown: str) -> str:
    """On a section page its list pages with ?page=; on the overview every list has its own ?<kind>_page=."""
    return "page" if kind == shown else f"{shown}_page"


async def _context(db: AsyncSession, request: Request[Any, Any, Any], kind: str | None) -> dict[str, Any]:
    """Only the lists of the section shown are loaded (all five on the overview), a page of each."""
    tenant = await db.get(Tenant, tenant_of(request).id)
    ctx: dict[str, Any] = {"kind": kind, "current_tenant": tenant, "sections": PRESENTATION_SECTIONS,
                           "section_labels": service.SECTION_LABELS, "early": tenant.phase == "listening"}
    shown = KINDS if kind is None else (kind,)
    base_path = f"/t/{tenant.slug}/evidence/{kind or ''}"
    for name in shown:
        query, scalars = LISTS[name]
        param = _page_param(kind, name)
        ctx[f"{name}_page"] = await paginate(db, query(), page_number(request.query_params.get(param)),
                                             base_path=base_path, scalars=scalars, param=param)
    if "pilot" in shown:
        lang = lang_of(request)
        labels = ctx["plugin_labels"] = service.plugin_labels(request.app.state.pm, lang)
        ctx["activations"] = [(str(a.id), gettext_for(lang)(
            "{plugin} ({department}), on since {date}", plugin=labels.get(a.plugin, a.plugin),
            department=a.department.name, date=a.activated_on or "—"))
            for a in await service.measurable_activations(db)]
        ctx["kpi_names"] = {key: d.title.get(lang) or d.title.get("en", key)
                            for key, (_plugin, d) in plugin_kpis(request.app.state.pm).items()}
    if "methodology" in shown:
        lang = lang_of(request)
        ctx["plugin_kpis"] = [(key, plugin, d.title.get(lang) or d.title.get("en", key), d.unit,
                               d.description.get(lang) or d.description.get("en", ""))
                              for key, (plugin, d) in sorted(plugin_kpis(request.app.state.pm).items())]
        ctx["plugin_titles"] = {key: title for key, _plugin, title, _unit, _text in ctx["plugin_kpis"]}
        ctx["active_plugins"] = (await request.app.state.pm.for_tenant(db)).names
        ctx["unit_labels"] = service.UNIT_LABELS
        departments = (await db.scalars(select(Department).order_by(Department.name))).all()
        ctx["owner_names"] = {str(d.id): d.name for d in departments}
    if "targets" in shown:
        latest = await service.latest_methodology(db)
        ctx["kpi_options"] = [(k["key"], k["name"] or k["key"]) for k in (latest.kpis if latest else [])]
        departments = (await db.scalars(select(Department).order_by(Department.name))).all()
        ctx["department_options"] = [(str(d.id), d.name) for d in departments]
        ctx["department_names"] = {d.id: d.name for d in departments}
        # progress against target wherever a target is shown: by target id, for the newest of each period; units
        # and aggregation as the dashboard reads them (the methodology's, else the plugin's declaration)
        pm = request.app.state.pm
        metas: dict[str, Any] = dict(await kpi_catalogue(db, pm, (await pm.for_tenant(db)).names, lang_of(request)))
        metas.update({t.kpi: metas.get(t.kpi) for t in ctx["targets_page"].items})
        progress = await progress_for(db, metas)
        ctx["target_progress"] = {p.target.id: p for items in progress.values() for p in items}
        ctx["kpi_titles"] = {key: meta.title for key, meta in metas.items() if meta is not None}
        ctx["fmt"] = formatter(lang_of(request))
    people = {b.created_by_id for b in ctx["baseline_page"].items} if "baseline" in shown else set()
    if "presentations" in shown:
        people |= {p.approved_by_id for p in ctx["presentations_page"].items}
    ctx["names"] = await user_names(db, people)
    return ctx


async def _render(request: Request[Any, Any, Any], db: AsyncSession, kind: str | None, status_code: int = 200,
                  **extra: Any) -> Template:
    return page(request, "evidence/index.html", status_code=status_code, **(await _context(db, request, kind)),
                **extra)


async def _fail(request: Request[Any, Any, Any], db: AsyncSession, kind: str, exc: DomainError,
                data: dict[str, Any]) -> Template:
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    return await _render(request, db, kind, status_code=exc.status_code,
                         errors=form_errors(exc.errors, lang_of(request)), form=form, form_kind=kind)


@get("/t/{slug:str}/evidence/", opt={"action": "tenant.read"})
async def overview(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _render(request, db, None)


@get([f"/t/{{slug:str}}/evidence/{kind}" for kind in KINDS], opt={"action": "tenant.read"})
async def section(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """One kind of evidence (the roadmap checklist links here)."""
    kind = request.url.path.rstrip("/").rsplit("/", 1)[-1]
    return await _render(request, db, kind)


@post("/t/{slug:str}/evidence/baseline", opt={"action": "baseline.upload"},
      request_max_body_size=12 * 1024 * 1024)
async def upload_baseline(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                          data: MultipartForm) -> Any:
    file = data.get("file")
    upload = None
    if isinstance(file, UploadFile) and file.filename:
        content = await file.read(service.MAX_UPLOAD + 1)
        upload = Upload(filename=file.filename, content_type=file.content_type or "", data=content)
    try:
        await service.upload_baseline(db, principal_of(request), data.get("title", ""), data.get("period_start"),
                                      data.get("period_end"), data.get("summary", ""), upload)
    except DomainError as exc:
        return await _fail(request, db, "baseline", exc, data)
    return Redirect(f"/t/{slug}/evidence/baseline", status_code=303)


@get("/t/{slug:str}/evidence/baseline/{study_id:uuid}/file", opt={"action": "tenant.read"})
async def download_baseline(request: Request[Any, Any, Any], db: AsyncSession, study_id: UUID) -> Response[bytes]:
    study, data = await service.baseline_file(db, study_id)
    safe = "".join(c for c in (study.file_name or "study") if c.isalnum() or c in "._- ") or "study"
    return Response(data, media_type=study.content_type or "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"',
                             "X-Content-Type-Options": "nosniff"})


@post("/t/{slug:str}/evidence/pilot", opt={"action": "pilot.record"})
async def record_pilot(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.record_pilot(db, principal_of(request), data.get("activation_id"), data.get("period_start"),
                                   data.get("period_end"), data.get("summary", ""), data.get("values", ""),
                                   pm=request.app.state.pm, lang=lang_of(request))
    except DomainError as exc:
        return await _fail(request, db, "pilot", exc, data)
    return Redirect(f"/t/{slug}/evidence/pilot", status_code=303)


@post("/t/{slug:str}/evidence/methodology", opt={"action": "methodology.write"})
async def write_methodology(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.write_methodology(db, principal_of(request), data.get("kpis", ""), data.get("reason", ""),
                                        pm=request.app.state.pm)
    except DomainError as exc:
        return await _fail(request, db, "methodology", exc, data)
    return Redirect(f"/t/{slug}/evidence/methodology", status_code=303)


@post("/t/{slug:str}/evidence/targets", opt={"action": "target.write"})
async def set_target(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.set_target(db, principal_of(request), data.get("kpi", ""), data.get("department_id"),
                                 data.get("period_start"), data.get("period_end"), data.get("value", ""),
                                 data.get("rationale", ""))
    except DomainError as exc:
        return await _fail(request, db, "targets", exc, data)
    return Redirect(f"/t/{slug}/evidence/targets", status_code=303)


@post("/t/{slug:str}/evidence/presentations", opt={"action": "presentation.produce"})
async def produce_presentation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.produce_presentation(db, principal_of(request), data.get("title", ""),
                                           data.get("period_start"), data.get("period_end"),
                                           {k: data.get(k, "") for k in PRESENTATION_SECTIONS})
    except DomainError as exc:
        return await _fail(request, db, "presentations", exc, data)
    return Redirect(f"/t/{slug}/evidence/presentations", status_code=303)


@post("/t/{slug:str}/evidence/presentations/{presentation_id:uuid}/approve", opt={"action": "presentation.approve"})
async def approve_presentation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, presentation_id: UUID,
                               data: Form) -> Any:
    try:
        await service.approve_presentation(db, principal_of(request), presentation_id, data.get("note", ""))
    except DomainError as exc:
        return await _fail(request, db, "presentations", exc, data)
    return Redirect(f"/t/{slug}/evidence/presentations", status_code=303)


ROUTES = [overview, section, upload_baseline, download_baseline, record_pilot, write_methodology, set_target,
          produce_presentation, approve_presentation]
