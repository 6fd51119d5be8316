"""The Measurements page: daily snapshots (filter by KPI and period), manual entry by a KPI's owner, exports."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.evidence.service import UNIT_LABELS
from core.i18n import gettext_for
from core.measurement import exports, manual
from core.measurement.snapshots import kpi_catalogue, series, snapshots_query
from core.measurement.targets import formatter, progress_for
from core.roadmap.routes import user_names
from core.tenancy.models import Tenant
from core.validation import FieldErrors, clean_date
from core.web.charts import Series, chart
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def filters_of(request: Request[Any, Any, Any]) -> tuple[str | None, date | None, date | None, dict[str, str]]:
    """?kpi=&start=&end= from the address; a bad date is reported next to its field and left out."""
    q = request.query_params
    errors = FieldErrors()
    kpi = (q.get("kpi") or "").strip()[:120] or None
    start = errors.clean(clean_date, q.get("start"), "start", required=False)
    end = errors.clean(clean_date, q.get("end"), "end", required=False)
    return kpi, start, end, form_errors(errors.errors, lang_of(request)) if errors else {}


async def _context(request: Request[Any, Any, Any], db: AsyncSession) -> dict[str, Any]:
    tenant = await db.get(Tenant, tenant_of(request).id)
    lang = lang_of(request)
    pm = request.app.state.pm
    kpi, start, end, filter_errors = filters_of(request)
    params = {k: v for k, v in (("kpi", kpi or ""), ("start", start.isoformat() if start else ""),
                                ("end", end.isoformat() if end else "")) if v}
    base = f"/t/{tenant.slug}/measurements/"
    catalogue = await kpi_catalogue(db, pm, (await pm.for_tenant(db)).names, lang)
    snapshots = await paginate(db, snapshots_query(kpi, start, end), page_number(request.query_params.get("page")),
                               base_path=base, params=params)
    history = await paginate(db, manual.manual_query(kpi), page_number(request.query_params.get("manual_page")),
                             base_path=base, params=params, param="manual_page")
    principal = principal_of(request)
    enterable = [k for k in catalogue.values() if k.kind == "manual" and manual.may_enter(principal, k)]
    _ = gettext_for(lang)
    units = {k: _(v) for k, v in UNIT_LABELS.items()}
    graph = None
    if kpi and snapshots.total:
        days = sorted({s.day for s in snapshots.items})
        values = (await series(db, [kpi], start or days[0], end or days[-1]))[kpi]
        info = catalogue.get(kpi)
        graph = chart("line", [d.isoformat() for d in sorted(values)],
                      [Series(info.title if info else kpi, [values[d] for d in sorted(values)])],
                      percent=bool(info and info.unit == "percent"), title=info.title if info else kpi)
    progress = {key: items[0] for key, items in (await progress_for(db, catalogue)).items() if items}
    return {"current_tenant": tenant, "catalogue": catalogue, "snapshots_page": snapshots, "history_page": history,
            "progress": progress, "fmt": formatter(lang),
            "enterable": enterable, "units": units,
            "enter_options": [(k.key, f"{k.title} ({units.get(k.unit, k.unit)})") for k in enterable],
            "filters": {"kpi": kpi or "", "start": params.get("start", ""), "end": params.get("end", "")},
            "filter_errors": filter_errors, "graph": graph, "tables": exports.TABLES,
            "table_labels": exports.TABLE_LABELS, "query": urlencode(params),
            "names": await user_names(db, {m.entered_by_id for m in history.items})}


@get("/t/{slug:str}/measurements/", opt={"action": "measurement.read"})
async def measurements(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return page(request, "measurement/index.html", **(await _context(request, db)))


@post("/t/{slug:str}/measurements/manual", opt={"action": "measurement.enter"})
async def enter_manual(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await manual.enter(db, principal_of(request), request.app.state.pm, data.get("kpi"), data.get("day"),
                           data.get("value", ""), data.get("note", ""))
    except DomainError as exc:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        return page(request, "measurement/index.html", status_code=exc.status_code,
                    errors=form_errors(exc.errors, lang_of(request)), form=form,
                    **(await _context(request, db)))
    return Redirect(f"/t/{slug}/measurements/?{urlencode({'kpi': data.get('kpi', '')})}", status_code=303)


@get(["/t/{slug:str}/measurements/export.csv", "/t/{slug:str}/measurements/export.xlsx"],
     opt={"action": "measurement.read"})
async def export(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Response[bytes]:
    """?table=snapshots|manual|targets|methodology plus the page's filters."""
    fmt = request.url.path.rsplit(".", 1)[-1]
    table = request.query_params.get("table") or "snapshots"
    if table not in exports.TABLES:
        raise DomainError(field="table", msgid="Choose a valid option.")
    kpi, start, end, errors = filters_of(request)
    if errors:
        raise DomainError(field=next(iter(errors)), msgid="Use a date like 2026-01-31.")
    lang = lang_of(request)
    header, rows = await exports.table_rows(db, table, lang, kpi, start, end)
    if fmt == "csv":
        body = exports.to_csv(header, rows)
    else:
        body = exports.to_xlsx(gettext_for(lang)(exports.TABLE_LABELS[table]), header, rows)
    name = f"{slug}-{table}.{fmt}"
    return Response(body, media_type=CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


ROUTES: list[Any] = [measurements, enter_manual, export]
