"""The webcare settings page: time zone, weekly business hours, holidays, SLA minutes per priority, warnings,
auto-assignment and the join window. Form errors re-render with each field's reason (422), nothing changes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import N_, DomainError, Form, form_errors, lang_of, page, page_number, paginate, principal_of
from plugins.webcare.models import PRIORITIES
from plugins.webcare.sla import service
from plugins.webcare.sla.clock import WEEKDAYS

DAY_NAMES = {"0": N_("Monday"), "1": N_("Tuesday"), "2": N_("Wednesday"), "3": N_("Thursday"), "4": N_("Friday"),
             "5": N_("Saturday"), "6": N_("Sunday")}
TEMPLATE = "webcare/sla/settings.html"


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/settings/"


async def _context(request: Request[Any, Any, Any], db: AsyncSession, slug: str, form: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, holiday_form: dict[str, Any] | None = None,
                   holiday_errors: dict[str, str] | None = None) -> dict[str, Any]:
    config = await service.config_of(db)
    clock = await service.clock_of(db, config)
    base = _base(slug)
    holidays = await paginate(db, service.holidays_query(), page_number(request.query_params.get("page")),
                              base_path=base)
    weekly = clock.weekly_minutes()
    return {"base": base, "config": config, "form": form if form is not None else service.form_of(config),
            "errors": errors or {}, "holiday_form": holiday_form or {}, "holiday_errors": holiday_errors or {},
            "holidays": holidays, "weekdays": WEEKDAYS, "day_names": DAY_NAMES, "priorities": PRIORITIES,
            "hours": config.business_hours, "weekly": weekly, "week_total": sum(weekly.values()),
            "duration": service.duration, "sla_of": lambda p, k: service.sla_minutes(config, p, k)}


@get("/settings/", opt={"action": "plugin.configure"})
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return page(request, TEMPLATE, **await _context(request, db, slug))


@post("/settings/", opt={"action": "plugin.configure"})
async def save(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.save_settings(db, principal_of(request), data)
    except DomainError as exc:
        return page(request, TEMPLATE, status_code=exc.status_code,
                    **await _context(request, db, slug, form={**data, "auto_assign": "auto_assign" in data},
                                     errors=form_errors(exc.errors, lang_of(request))))
    return Redirect(f"{_base(slug)}?saved=1", status_code=303)


@post("/settings/holidays", opt={"action": "plugin.configure"})
async def add_holiday(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.add_holiday(db, principal_of(request), data)
    except DomainError as exc:
        return page(request, TEMPLATE, status_code=exc.status_code,
                    **await _context(request, db, slug, holiday_form=data,
                                     holiday_errors=form_errors(exc.errors, lang_of(request))))
    return Redirect(f"{_base(slug)}#holidays", status_code=303)


@post("/settings/holidays/{holiday_id:uuid}/delete", opt={"action": "plugin.configure", "takes_input": False})
async def remove_holiday(request: Request[Any, Any, Any], db: AsyncSession, slug: str, holiday_id: UUID) -> Redirect:
    await service.remove_holiday(db, principal_of(request), holiday_id)
    return Redirect(f"{_base(slug)}#holidays", status_code=303)


ROUTES = [settings_page, save, add_holiday, remove_holiday]
