"""The evidence the gates read: baseline studies, pilot measurements, methodology, targets, presentations.

Nothing here is ever deleted or edited in place: a new methodology is a new version, a new target a new row.
Every change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.models import ActivationStatus, PluginActivation
from core.audit.service import record
from core.db.lookup import get_or_404
from core.errors import DomainError, NotFound, Refused
from core.i18n import N_
from core.measurement.models import ManagementPresentation, MethodologyVersion, Target
from core.measurement.targets import aggregate, aggregation_for
from core.roadmap.models import BaselineStudy, PilotMeasurement
from core.tenancy.models import Phase
from core.validation import FieldErrors, clean_date, clean_text, clean_uuid
from core.web.uploads import check_file
from core.workgroup.models import Department

MAX_UPLOAD = 10 * 1024 * 1024
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".txt": "text/plain",
}
UPLOAD_KINDS = ("pdf", "docx", "xlsx", "pptx", "csv", "txt")
PRESENTATION_SECTIONS = ("results", "goals", "strategy", "way_of_work", "resources")
SECTION_LABELS = {"results": N_("Results"), "goals": N_("Goals"), "strategy": N_("Strategy"),
                  "way_of_work": N_("Way of work"), "resources": N_("Resources needed")}
KPI_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$")
"""Lowercase letters, digits and _; a plugin's KPI has its plugin's name and a dot in front (monitoring.volume)."""
VALUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,79}$")


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


def _period(start: Any, end: Any, errors: FieldErrors, required: bool = True) -> tuple[date | None, date | None]:
    s = errors.clean(clean_date, start, "period_start", required=required)
    e = errors.clean(clean_date, end, "period_end", required=required)
    if s and e and e < s:
        errors.add("period_end", msgid="The end of the period lies before its start.")
    return s, e


def check_upload(upload: Upload | None, required: bool) -> Upload | None:
    if upload is None or not upload.filename:
        if required:
            raise DomainError(field="file", msgid="Choose a file to upload.")
        return None
    suffix = PurePath(upload.filename).suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise DomainError(field="file", msgid="Upload a PDF, DOCX, XLSX, PPTX, CSV or TXT file.")
    if len(upload.data) > MAX_UPLOAD:
        raise DomainError(field="file", msgid="The file is larger than 10 MB.")
    if not upload.data:
        raise DomainError(field="file", msgid="The file is empty.")
    check_file(upload.data, UPLOAD_KINDS, MAX_UPLOAD, filename=upload.filename)  # the bytes must agree
    name = PurePath(upload.filename.replace("\\", "/")).name[:255]
    return Upload(filename=name, content_type=ALLOWED_TYPES[suffix], data=upload.data)


# --- baseline ---------------------------------------------------------------------------------------
async def upload_baseline(session: AsyncSession, principal: Any, title: str, period_start: Any, period_end: Any,
                          summary: str, upload: Upload | None = None, require_file: bool = True) -> BaselineStudy:
    """An external listening study as the baseline measurement (nulmeting)."""
    errors = FieldErrors()
    title = errors.clean(clean_text, title, "title")
    start, end = _period(period_start, period_end, errors)
    summary = errors.clean(clean_text, summary, "summary", required=False, max_length=20000)
    upload = errors.clean(check_upload, upload, require_file)
    errors.raise_if_any()
    study = BaselineStudy(source="external", title=title, period_start=start, period_end=end, summary=summary or "",
                          file_name=upload.filename if upload else None,
                          content_type=upload.content_type if upload else None,
                          file_data=upload.data if upload else None, created_by_id=principal.user_id)
    session.add(study)
    await session.flush()
    await record(session, principal, "baseline.uploaded", subject=study, summary=title,
                 data={"file": study.file_name, "size": len(upload.data) if upload else 0})
    return study


async def freeze_baseline(session: AsyncSession, principal: Any, title: str, period_start: date, period_end: date,
                          summary: str, data: dict[str, Any], *, source: str) -> BaselineStudy:
    """A baseline study frozen by a plugin (`source`: its name): it satisfies the baseline gate item like an
    uploaded one. `data` is the frozen report; it is never recomputed."""
    errors = FieldErrors()
    title = errors.clean(clean_text, title, "title")
    if period_end < period_start:
        errors.add("period_end", msgid="The end date must not be before the start date.")
    errors.raise_if_any()
    study = BaselineStudy(source=source, title=title, period_start=period_start, period_end=period_end,
                          summary=summary, data=data, created_by_id=principal.user_id)
    session.add(study)
    await session.flush()
    await record(session, principal, "baseline.frozen", subject=study, summary=title,
                 data={"source": source, "period": [period_start.isoformat(), period_end.isoformat()]})
    return study


def baselines_query() -> Select[Any]:
    """Baseline studies, newest first (for `core.web.pagination.paginate`)."""
    return select(BaselineStudy).order_by(BaselineStudy.created_at.desc())


async def baseline_file(session: AsyncSession, study_id: Any) -> tuple[BaselineStudy, bytes]:
    study = await get_or_404(session, BaselineStudy, study_id)
    if not study.file_name:
        raise NotFound()
    data = await session.scalar(select(BaselineStudy.file_data).where(BaselineStudy.id == study.id))
    return study, data or b""


# --- pilot measurements -----------------------------------------------------------------------------
def parse_values(text: Any) -> dict[str, float]:
    """Lines `key=number` (blank lines ignored) → {key: number}."""
    lines = [f"{k}={v}" for k, v in text.items()] if isinstance(text, dict) else str(text or "").splitlines()
    values: dict[str, float] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        key, sep, raw = line.partition("=")
        key = key.strip()
        try:
            number = float(raw.strip().replace(",", "."))
        except ValueError:
            number = None
        if not sep or not VALUE_KEY.match(key) or number is None or number != number:
            raise DomainError(field="values", msgid="Line {n} is not of the form key=number.", n=n)
        values[key] = number
    if not values:
        raise DomainError(field="values", msgid="Enter at least one value as key=number.")
    return values


async def measurable_activations(session: AsyncSession) -> list[PluginActivation]:
    return list((await session.scalars(select(PluginActivation).where(PluginActivation.status.in_(
        (ActivationStatus.active.value, ActivationStatus.paused.value))).order_by(PluginActivation.plugin))).all())


def _plugin_info(pm: Any, plugin: str) -> Any:
    return pm.info(plugin) if pm is not None else None


def plugin_labels(pm: Any, lang: str) -> dict[str, str]:
    return {info.name: info.label(lang) for info in pm.infos} if pm is not None else {}


def own_kpis(pm: Any, plugin: str) -> dict[str, Any]:
    """The KPIs `plugin` measures itself (declared through `regie_kpis`): key → definition."""
    from core.measurement.snapshots import plugin_kpis

    return {key: d for key, (owner, d) in plugin_kpis(pm).items() if owner == plugin} if pm is not None else {}


async def own_figures(session: AsyncSession, kpis: dict[str, Any], start: date, end: date) -> dict[str, float]:
    """Each KPI's figure over `start`..`end` from the plugin's stored daily snapshots, made of its days as the
    dashboard and the report make it (`aggregation_for`); a KPI without a measured day is left out."""
    from core.measurement.snapshots import series

    methodology = await latest_methodology(session)
    chosen = {k.get("key"): k.get("aggregation") for k in (methodology.kpis if methodology else []) or []}
    figures: dict[str, float] = {}
    for key, days in (await series(session, kpis, start, end)).items():
        figure = aggregate((days[d] for d in sorted(days)), aggregation_for(kpis[key].unit, chosen.get(key)))
        if figure is not None:
            figures[key] = figure
    return figures


def _blank(values: Any) -> bool:
    return not values if isinstance(values, dict) else not str(values or "").strip()


async def record_pilot(session: AsyncSession, principal: Any, activation_id: Any, period_start: Any,
                       period_end: Any, summary: str, values: Any, pm: Any = None,
                       lang: str = "nl") -> PilotMeasurement:
    """A measurement of a plugin that ran as a pilot: only from the pilot phase on (a listening-phase
    measurement is not a pilot, and must not satisfy the pilot → learning gate), for days the plugin was on
    (from its activation day up to today), and only for a plugin that has pages (an unavailable one never ran).

    A plugin that measures itself (it declares KPIs) gives its own figures: the values are read from its daily
    snapshots of the period, and a period without any is refused. Values typed in (`key=number` lines) are kept
    as well, marked as entered by hand (`hand_entered`); a plugin that does not measure itself has only those."""
    tenant = getattr(principal, "tenant", None)
    if tenant is not None and Phase(tenant.phase).rank < Phase.pilot.rank:
        raise Refused(field="activation_id", msgid="Pilot measurements can be recorded from the pilot phase on.")
    errors = FieldErrors()
    activation = None
    aid = errors.clean(clean_uuid, activation_id, "activation_id")
    if aid is not None:
        activation = await session.get(PluginActivation, aid)
        if activation is None:
            errors.add("activation_id", msgid="Choose a valid option.")
        elif activation.status not in (ActivationStatus.active.value, ActivationStatus.paused.value):
            errors.add("activation_id", msgid="Only an active or paused plugin can have a pilot measurement.")
    start, end = _period(period_start, period_end, errors)
    summary = errors.clean(clean_text, summary, "summary", required=False, max_length=20000)
    if activation is None or "activation_id" in errors.errors:
        errors.clean(parse_values, values)
        errors.raise_if_any()
    assert activation is not None
    info = _plugin_info(pm, activation.plugin)
    label = info.label(lang) if info is not None else activation.plugin
    on = activation.activated_on
    if info is not None and not info.available:
        errors.add("activation_id", msgid="{plugin} has no pages yet, so it cannot have run as a pilot.",
                   plugin=label)
    elif on is None:
        errors.add("activation_id", msgid="{plugin} has no activation date, so no period of it can be measured.",
                   plugin=label)
    elif start and start < on:
        errors.add("period_start", msgid="The period starts before {plugin} was switched on ({date}): a pilot "
                   "measurement covers only days it was active.", plugin=label, date=on.isoformat())
    if end and end > datetime.now(UTC).date():
        errors.add("period_end", msgid="The period ends in the future: only days that have passed can be "
                   "measured.")
    own = own_kpis(pm, activation.plugin)
    typed: dict[str, float] = {}
    if not own or not _blank(values):
        typed = errors.clean(parse_values, values) or {}
    clash = sorted(set(typed) & set(own))
    if clash:
        errors.add("values", msgid="{plugin} measures {keys} itself: those values come from its daily "
                   "measurements. Leave them out.", plugin=label, keys=", ".join(clash))
    figures: dict[str, float] = {}
    if own and start and end and not errors:
        figures = await own_figures(session, own, start, end)
        if not figures:
            errors.add("period_start", msgid="{plugin} measures itself, but measured nothing in this period: its "
                       "daily measurements start once the methodology names its KPIs.", plugin=label)
    errors.raise_if_any()
    assert start is not None and end is not None
    by_hand = sorted(typed)
    parsed = {**figures, **typed}
    row = PilotMeasurement(activation_id=activation.id, period_start=start, period_end=end, summary=summary or "",
                           values=parsed, hand_entered=by_hand, recorded_by_id=principal.user_id)
    session.add(row)
    await session.flush()
    await record(session, principal, "pilot.recorded", subject=row, summary=activation.plugin,
                 data={"plugin": activation.plugin, "values": parsed, "hand_entered": by_hand,
                       "period": [start.isoformat(), end.isoformat()]})
    return row


def pilot_measurements_query() -> Select[Any]:
    """(measurement, plugin) rows, newest first (paginate with scalars=False)."""
    return (select(PilotMeasurement, PluginActivation.plugin)
            .join(PluginActivation, PluginActivation.id == PilotMeasurement.activation_id)
            .order_by(PilotMeasurement.created_at.desc()))


# --- methodology ------------------------------------------------------------------------------------
KPI_FIELDS = ("key", "name", "definition", "source", "kind", "unit", "owner_department_id", "aggregation",
              "direction")
AGGREGATIONS = ("sum", "mean", "latest")
"""How a period's value is made of its days (see `core.measurement.targets`); left out: by the unit."""
DIRECTIONS = ("higher", "lower")
KPI_KINDS = ("plugin", "manual")
UNITS = ("count", "percent", "minutes", "hours", "fte", "euro", "index", "number")
UNIT_LABELS = {"count": N_("count"), "percent": N_("percent"), "minutes": N_("minutes"), "hours": N_("hours"),
               "fte": N_("FTE"), "euro": N_("euro"), "index": N_("index"), "number": N_("number")}


def _kpi_line(k: Any) -> str:
    if not isinstance(k, dict):
        return str(k)
    parts = [str(k.get(f) or "") for f in KPI_FIELDS]
    return " | ".join(parts if any(parts[4:]) else parts[:4])


def _owner(raw: str, departments: dict[str, str] | None, n: int) -> str | None:
    """A department named by id or (case-insensitively) by name → its id as text."""
    if not raw:
        return None
    if departments is None:
        return raw
    if raw in departments:
        return raw
    by_name = {name.casefold(): did for did, name in departments.items()}
    if raw.casefold() in by_name:
        return by_name[raw.casefold()]
    raise DomainError(field="kpis", msgid="Line {n} names an unknown owner department: {name}.", n=n, name=raw)


def _kpi(parts: list[str], n: int, declared: dict[str, Any] | None, departments: dict[str, str] | None,
         ) -> dict[str, Any]:
    """One line: `key | name | definition | source` (a line of the first format) or with `| kind | unit | owner
    department` after it. Without a kind, a key a plugin declares is a plugin KPI and any other a manual one."""
    key = parts[0]
    extended = len(parts) > 4
    parts = parts + [""] * (9 - len(parts))
    kind, unit, owner_raw = parts[4].lower(), parts[5].lower(), parts[6]
    aggregation, direction = parts[7].lower() or None, parts[8].lower() or None
    if aggregation and aggregation not in AGGREGATIONS:
        raise DomainError(field="kpis", msgid="Line {n}: the aggregation must be sum, mean or latest.", n=n)
    if direction and direction not in DIRECTIONS:
        raise DomainError(field="kpis", msgid="Line {n}: the direction must be higher or lower.", n=n)
    plugin_def = (declared or {}).get(key)
    if not kind:
        kind = "plugin" if plugin_def is not None else "manual"
    if kind not in KPI_KINDS:
        raise DomainError(field="kpis", msgid="Line {n}: the kind must be plugin or manual.", n=n)
    if kind == "plugin" and declared is not None and plugin_def is None:
        raise DomainError(field="kpis", msgid="Line {n}: {key} is not a KPI an installed plugin measures.",
                          n=n, key=key)
    if kind == "manual" and plugin_def is not None:
        raise DomainError(field="kpis", msgid="Line {n}: {key} is measured by a plugin; choose another key for a "
                          "manual KPI.", n=n, key=key)
    if unit and unit not in UNITS:
        raise DomainError(field="kpis", msgid="Line {n}: the unit must be one of {units}.", n=n,
                          units=", ".join(UNITS))
    owner = _owner(owner_raw, departments, n)
    if kind == "manual" and extended and owner is None:
        raise DomainError(field="kpis", msgid="Line {n}: a manual KPI needs an owner department.", n=n)
    if not unit:
        unit = getattr(plugin_def[1], "unit", "count") if plugin_def is not None else "count"
    name = parts[1]  # a plugin KPI without a name shows the plugin's title in the reader's language
    if not name and plugin_def is None and kind == "manual":
        raise DomainError(field="kpis", msgid="Line {n} is not of the form key | name | definition | source "
                          "(key in lowercase letters, digits and _).", n=n)
    return {"key": key, "name": name[:200], "definition": parts[2][:2000], "source": parts[3][:200],
            "kind": kind, "unit": unit, "owner_department_id": owner,
            **({"aggregation": aggregation} if aggregation else {}), **({"direction": direction} if direction else {})}


def parse_kpis(text: Any, declared: dict[str, Any] | None = None,
               departments: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Lines `key | name | definition | source [| kind | unit | owner department | aggregation | direction]` (or a
    list of dicts from the API). `declared` (key → (plugin, KpiDefinition), from
    `core.measurement.snapshots.plugin_kpis`) checks plugin keys; `departments` (id → name) resolves owners by
    name or id."""
    lines = [_kpi_line(k) for k in text] if isinstance(text, list) else str(text or "").splitlines()
    kpis: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if not 4 <= len(parts) <= 9 or not KPI_KEY.match(parts[0]) or len(parts[0]) > 120 or (
                len(parts) == 4 and not parts[1]):
            raise DomainError(field="kpis", msgid="Line {n} is not of the form key | name | definition | source "
                              "(key in lowercase letters, digits and _).", n=n)
        if parts[0] in seen:
            raise DomainError(field="kpis", msgid="Line {n} repeats the key {key}.", n=n, key=parts[0])
        seen.add(parts[0])
        kpis.append(_kpi(parts, n, declared, departments))
    if not kpis:
        raise DomainError(field="kpis", msgid="Choose at least one KPI.")
    return kpis


async def latest_methodology(session: AsyncSession) -> MethodologyVersion | None:
    return await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number.desc()).limit(1))


def methodology_versions_query() -> Select[Any]:
    return select(MethodologyVersion).order_by(MethodologyVersion.number.desc())


async def write_methodology(session: AsyncSession, principal: Any, kpis: Any, reason: str,
                            pm: Any = None) -> MethodologyVersion:
    """A new version; with `pm` a plugin KPI must be one a plugin declares. Past snapshots keep their version."""
    from core.measurement.snapshots import plugin_kpis

    errors = FieldErrors()
    departments = {str(d.id): d.name for d in (await session.scalars(select(Department))).all()}
    parsed = errors.clean(parse_kpis, kpis, plugin_kpis(pm) if pm is not None else None, departments)
    reason = errors.clean(clean_text, reason, "reason", max_length=4000)
    errors.raise_if_any()
    number = (await session.scalar(select(func.max(MethodologyVersion.number))) or 0) + 1
    version = MethodologyVersion(number=number, kpis=parsed, reason=reason, created_by_id=principal.user_id)
    session.add(version)
    await session.flush()
    await record(session, principal, "methodology.written", subject=version, summary=f"version {number}",
                 reason=reason, data={"kpis": [k["key"] for k in parsed]})
    return version


# --- targets ----------------------------------------------------------------------------------------
def targets_query() -> Select[Any]:
    return select(Target).order_by(Target.created_at.desc())


async def set_target(session: AsyncSession, principal: Any, kpi: str, department_id: Any, period_start: Any,
                     period_end: Any, value: Any, rationale: str) -> Target:
    errors = FieldErrors()
    methodology = await latest_methodology(session)
    kpi = str(kpi or "").strip()
    if methodology is None:
        errors.add("kpi", msgid="Write a methodology with KPIs first.")
    elif kpi not in {k["key"] for k in methodology.kpis or []}:
        errors.add("kpi", msgid="Choose a KPI of the latest methodology (version {n}).", n=methodology.number)
    dep_id = errors.clean(clean_uuid, department_id, "department_id", required=False)
    if dep_id is not None and await session.get(Department, dep_id) is None:
        errors.add("department_id", msgid="Choose a valid option.")
    start, end = _period(period_start, period_end, errors)
    number = None
    try:
        number = float(str(value).strip().replace(",", "."))
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
    except ValueError:
        errors.add("value", msgid="Enter a number.")
    rationale = errors.clean(clean_text, rationale, "rationale", required=False, max_length=4000)
    errors.raise_if_any()
    target = Target(kpi=kpi, department_id=dep_id, period_start=start, period_end=end, value=number,
                    rationale=rationale or "", set_by_id=principal.user_id)
    session.add(target)
    await session.flush()
    await record(session, principal, "target.set", subject=target, summary=f"{kpi} = {number}",
                 reason=rationale or "", data={"kpi": kpi, "value": number})
    return target


# --- management presentation ------------------------------------------------------------------------
def presentations_query() -> Select[Any]:
    return select(ManagementPresentation).order_by(ManagementPresentation.created_at.desc())


async def produce_presentation(session: AsyncSession, principal: Any, title: str, period_start: Any,
                               period_end: Any, sections: dict[str, Any]) -> ManagementPresentation:
    """Results, goals, strategy, way of work and resources needed: all five are required."""
    errors = FieldErrors()
    title = errors.clean(clean_text, title, "title")
    start, end = _period(period_start, period_end, errors)
    texts = {}
    for key in PRESENTATION_SECTIONS:
        texts[key] = errors.clean(clean_text, (sections or {}).get(key), key, max_length=20000)
    errors.raise_if_any()
    row = ManagementPresentation(title=title, period_start=start, period_end=end, sections=texts,
                                 produced_at=datetime.now(UTC))
    session.add(row)
    await session.flush()
    await record(session, principal, "presentation.produced", subject=row, summary=title)
    return row


async def approve_presentation(session: AsyncSession, principal: Any, presentation_id: Any,
                               note: str = "") -> ManagementPresentation:
    row = await get_or_404(session, ManagementPresentation, presentation_id)
    note = clean_text(note, "note", required=False, max_length=4000)
    if row.produced_at is None:
        raise Refused(field="__all__", msgid="This presentation has not been produced yet.")
    if row.approved_at is not None:
        raise Refused(field="__all__", msgid="This presentation is already approved.")
    row.approved_at = datetime.now(UTC)
    row.approved_by_id = principal.user_id
    row.approval_note = note
    await session.flush()
    await record(session, principal, "presentation.approved", subject=row, summary=row.title, reason=note)
    return row
