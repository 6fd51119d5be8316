"""The shared starting points (gemeenschappelijke vertrekpunten): versioned, approved, acknowledged.

Writing always creates a new version (number = max + 1), prefilled from the latest; a version never changes
afterwards except for its approval. The regie holder approves a version; every department represented in
the workgroup acknowledges an approved version through its representative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.db.base import utcnow
from core.errors import DomainError, NotFound, PermissionDenied, Refused
from core.i18n import N_
from core.roadmap.models import (
    STARTING_POINT_SECTIONS,
    StartingPointsAck,
    StartingPointsVersion,
    StartingPointsWish,
)
from core.validation import FieldErrors, clean_text, clean_uuid
from core.web.diff import SectionDiff, diff_sections
from core.workgroup.models import Department, WorkgroupSeat

SECTION_MAX = 20000
NOTE_MAX = 2000
WISH_MAX = 5000

SECTION_TITLES = {
    "organisation_analysis": N_("Organisation analysis"),
    "people": N_("POST: People"),
    "objectives": N_("POST: Objectives"),
    "strategy": N_("POST: Strategy"),
    "technology": N_("POST: Technology"),
    "listening_results": N_("Results of the listening study"),
}

REASON_OK = N_("Version {version} of the starting points is approved and acknowledged by every represented "
               "department.")
REASON_NONE_APPROVED = N_("No version of the starting points has been approved by the regie holder yet.")
REASON_MISSING = N_("Version {version} of the starting points still needs the acknowledgement of: {departments}.")
REASON_NO_SEATS = N_("No department is represented in the workgroup yet.")


@dataclass
class VersionStatus:
    version: StartingPointsVersion
    is_latest: bool
    acknowledged: list[Department] = field(default_factory=list)
    missing: list[Department] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.version.approved_at is not None

    @property
    def status(self) -> str:
        return "approved" if self.approved else "draft"

    @property
    def complete(self) -> bool:
        return self.approved and not self.missing


def versions_query() -> Select[Any]:
    """Versions, newest first, for `core.web.pagination.paginate`."""
    return select(StartingPointsVersion).order_by(StartingPointsVersion.number.desc())


async def list_versions(session: AsyncSession) -> list[StartingPointsVersion]:
    return list((await session.scalars(versions_query())).all())


async def latest(session: AsyncSession) -> StartingPointsVersion | None:
    return await session.scalar(
        select(StartingPointsVersion).order_by(StartingPointsVersion.number.desc()).limit(1))


async def latest_approved(session: AsyncSession) -> StartingPointsVersion | None:
    return await session.scalar(versions_query().where(StartingPointsVersion.approved_at.is_not(None)).limit(1))


async def latest_number(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.max(StartingPointsVersion.number))) or 0)


async def get_version(session: AsyncSession, number: int) -> StartingPointsVersion:
    version = await session.scalar(select(StartingPointsVersion).where(StartingPointsVersion.number == number))
    if version is None:
        raise NotFound()
    return version


async def departments(session: AsyncSession) -> list[Department]:
    return list((await session.scalars(select(Department).order_by(Department.name))).all())


async def represented_departments(session: AsyncSession) -> list[Department]:
    """Departments that currently have a seat in the workgroup."""
    return list((await session.scalars(
        select(Department).join(WorkgroupSeat, WorkgroupSeat.department_id == Department.id)
        .order_by(Department.name))).all())


async def status_of(session: AsyncSession, version: StartingPointsVersion,
                    represented: list[Department] | None = None, latest_no: int | None = None) -> VersionStatus:
    represented = represented if represented is not None else await represented_departments(session)
    latest_no = latest_no if latest_no is not None else await latest_number(session)
    acked_ids = {ack.department_id for ack in version.acknowledgements}
    return VersionStatus(
        version=version, is_latest=version.number == latest_no,
        acknowledged=[d for d in represented if d.id in acked_ids],
        missing=[d for d in represented if d.id not in acked_ids] if version.approved_at else list(represented),
    )


def sections_of(version: StartingPointsVersion | None) -> dict[str, str]:
    return {key: (getattr(version, key) or "") if version else "" for key in (*STARTING_POINT_SECTIONS, "note")}


def wishes_of(version: StartingPointsVersion | None) -> dict[str, str]:
    return {str(w.department_id): w.wish for w in version.wishes} if version else {}


async def write_version(session: AsyncSession, principal: Any, data: dict[str, Any]) -> StartingPointsVersion:
    """A new version. Sections and wishes missing from `data` are taken over from the latest version.

    `data`: section name → text, "note" → text, "wishes" → {department id: text}.
    """
    previous = await latest(session)
    base = sections_of(previous)
    errors = FieldErrors()
    values: dict[str, str] = {}
    for key in STARTING_POINT_SECTIONS:
        raw = data.get(key)
        values[key] = errors.clean(clean_text, base[key] if raw is None else raw, key, required=False,
                                   max_length=SECTION_MAX)
    values["note"] = errors.clean(clean_text, data.get("note"), "note", required=False, max_length=NOTE_MAX)

    known = {str(d.id): d for d in await departments(session)}
    wishes = wishes_of(previous)
    wishes = {k: v for k, v in wishes.items() if k in known}
    for raw_id, text in (data.get("wishes") or {}).items():
        field_name = f"wish_{raw_id}"
        dep_id = errors.clean(clean_uuid, raw_id, field_name)
        if dep_id is None:
            continue
        if str(dep_id) not in known:
            errors.add(field_name, msgid="This department does not exist.")
            continue
        wishes[str(dep_id)] = errors.clean(clean_text, text, field_name, required=False, max_length=WISH_MAX)
    errors.raise_if_any()
    if not any(values[k] for k in STARTING_POINT_SECTIONS) and not any(wishes.values()):
        raise DomainError(field="organisation_analysis", msgid="Fill in at least one section.")
    if previous is not None and all(values[k] == base[k] for k in STARTING_POINT_SECTIONS) \
            and {k: v for k, v in wishes.items() if v} == {k: v for k, v in wishes_of(previous).items() if v}:
        raise DomainError(msgid="Nothing changed compared to version {number}.", number=previous.number)

    number = (previous.number if previous else 0) + 1
    version = StartingPointsVersion(number=number, author_id=getattr(principal, "user_id", None), **values)
    version.wishes = [StartingPointsWish(department_id=UUID(dep_id), wish=text)
                      for dep_id, text in wishes.items() if text]
    version.acknowledgements = []
    session.add(version)
    await session.flush()
    await record(session, principal, "starting_points.written", subject=version,
                 summary=f"Starting points version {number}", reason=values["note"], data={"number": number})
    return version


async def approve(session: AsyncSession, principal: Any, number: int, reason: str = "") -> StartingPointsVersion:
    """The regie holder approves a version (an older one too: the decision is explicit and audited)."""
    version = await get_version(session, number)
    if version.approved_at is not None:
        raise Refused(msgid="Version {number} is already approved.", number=number)
    reason = clean_text(reason, "reason", required=False, max_length=NOTE_MAX)
    latest_no = await latest_number(session)
    version.approved_at = utcnow()
    version.approved_by_id = principal.user_id
    await record(session, principal, "starting_points.approved", subject=version,
                 summary=f"Starting points version {number} approved"
                 + ("" if number == latest_no else f" (latest is {latest_no})"),
                 reason=reason, data={"number": number, "latest": latest_no})
    return version


async def acknowledge(session: AsyncSession, principal: Any, number: int, department_id: Any
                      ) -> StartingPointsAck:
    """A represented department acknowledges an approved version, through the holder of its seat."""
    dep_id = clean_uuid(department_id, "department_id")
    version = await get_version(session, number)
    if dep_id not in principal.seat_department_ids:
        raise PermissionDenied("starting_points.acknowledge")
    department = await session.get(Department, dep_id)
    if department is None:
        raise DomainError(field="department_id", msgid="This department does not exist.")
    if version.approved_at is None:
        raise Refused(msgid="Only an approved version can be acknowledged.")
    if any(ack.department_id == dep_id for ack in version.acknowledgements):
        raise Refused(msgid="{department} already acknowledged version {number}.", department=department.name,
                      number=number)
    ack = StartingPointsAck(version_id=version.id, department_id=dep_id, acknowledged_by_id=principal.user_id)
    session.add(ack)
    await session.flush()
    await session.refresh(version, ["acknowledgements"])
    await record(session, principal, "starting_points.acknowledged", subject=version,
                 summary=f"Starting points version {number} acknowledged by {department.name}",
                 data={"number": number, "department_id": str(dep_id), "department": department.name})
    return ack


async def compare(session: AsyncSession, a: int, b: int) -> tuple[StartingPointsVersion, StartingPointsVersion,
                                                                   list[SectionDiff]]:
    """What changed from the older of versions `a` and `b` to the newer, in whichever order they are given."""
    a, b = sorted((a, b))
    old, new = await get_version(session, a), await get_version(session, b)
    deps = await departments(session)
    keys = [*STARTING_POINT_SECTIONS, "note"]
    old_map, new_map = sections_of(old), sections_of(new)
    old_w, new_w = wishes_of(old), wishes_of(new)
    for d in deps:
        key = f"wish:{d.name}"
        keys.append(key)
        old_map[key], new_map[key] = old_w.get(str(d.id), ""), new_w.get(str(d.id), "")
    return old, new, diff_sections(old_map, new_map, keys)


async def approved_and_acknowledged(session: AsyncSession) -> tuple[bool, str, dict[str, Any]]:
    """For the listening → pilot gate: is some version approved and acknowledged by every represented department?

    Returns (holds, reason msgid, params). params: "version" (number or None), "missing" (department names),
    "departments" (the names joined, for the msgid's placeholder). Format the reason with `Msg(reason, **params)`.
    """
    represented = await represented_departments(session)
    approved = [v for v in await list_versions(session) if v.approved_at is not None]
    names = [d.name for d in represented]
    if not represented:
        return False, REASON_NO_SEATS, {"version": None, "missing": [], "departments": ""}
    if not approved:
        return False, REASON_NONE_APPROVED, {"version": None, "missing": names, "departments": ", ".join(names)}
    for version in approved:
        acked = {ack.department_id for ack in version.acknowledgements}
        if all(d.id in acked for d in represented):
            return True, REASON_OK, {"version": version.number, "missing": [], "departments": ""}
    version = approved[0]
    acked = {ack.department_id for ack in version.acknowledgements}
    missing = [d.name for d in represented if d.id not in acked]
    return False, REASON_MISSING, {"version": version.number, "missing": missing,
                                   "departments": ", ".join(missing)}
