"""Page: the audit log, filterable by action prefix, actor, date range and free text; newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.models import AuditEntry
from core.errors import DomainError
from core.i18n import catalogue
from core.validation import FieldErrors, clean_date
from core.web.forms import lang_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page

PER_PAGE = 25


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    def params(self) -> dict[str, str]:
        return {"action": self.action, "actor": self.actor, "q": self.q,
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else ""}


def clean_filters(action: str | None, actor: str | None, date_from: str | None, date_to: str | None,
                  q: str | None) -> AuditFilters:
    """Validated filters; bad dates raise DomainError naming the field."""
    errors = FieldErrors()
    dates = {name: errors.clean(clean_date, raw, name, required=False)
             for name, raw in (("date_from", date_from), ("date_to", date_to))}
    if not errors and dates["date_from"] and dates["date_to"] and dates["date_from"] > dates["date_to"]:
        errors.add("date_to", msgid="The end date must not be before the start date.")
    errors.raise_if_any()
    return AuditFilters(action=(action or "").strip()[:60], actor=(actor or "").strip()[:254],
                        date_from=dates["date_from"], date_to=dates["date_to"], q=(q or "").strip()[:200])


def named_actors(needle: str, lang: str) -> list[str]:
    """The stored labels of named actors (an "ambassador") whose name in `lang` contains `needle`: the list shows
    those names in the reader's language, so a search in that language finds them too."""
    if lang == "en":
        return []
    return sorted(msgid for msgid, text in catalogue(lang).items()
                  if len(msgid) <= MAX_ACTOR_NAME and needle in text.lower() and needle not in msgid.lower())


MAX_ACTOR_NAME = 40
"""A named actor is a word or two; longer messages are never actor labels and are not offered to the search."""


def audit_query(filters: AuditFilters, lang: str = "en") -> Select[Any]:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        needle = filters.actor.lower()
        matches = func.lower(AuditEntry.actor_label).contains(needle, autoescape=True)
        named = named_actors(needle, lang)
        query = query.where(or_(matches, AuditEntry.actor_label.in_(named)) if named else matches)
    if filters.date_from:
        query = query.where(AuditEntry.created_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        query = query.where(AuditEntry.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min,
                                                                     UTC))
    if filters.q:
        needle = filters.q.lower()
        query = query.where(or_(func.lower(AuditEntry.summary).contains(needle, autoescape=True),
                                func.lower(AuditEntry.reason).contains(needle, autoescape=True)))
    return query


@get("/t/{slug:str}/audit", opt={"action": "audit.read"})
async def audit_log(request: Request[Any, Any, Any], db: AsyncSession, slug: str, action: str | None = None,
                    actor: str | None = None, date_from: str | None = None, date_to: str | None = None,
                    q: str | None = None, page: str | None = None) -> Template:
    raw = {"action": action or "", "actor": actor or "", "date_from": date_from or "", "date_to": date_to or "",
           "q": q or ""}
    try:
        filters = clean_filters(action, actor, date_from, date_to, q)
    except DomainError as exc:
        return _render(request, None, raw, form_errors(exc.errors, lang_of(request)), 422)
    listing = await paginate(db, audit_query(filters, lang_of(request)), page_number(page), per_page=PER_PAGE,
                             base_path=f"/t/{slug}/audit/", params=filters.params())
    return _render(request, listing, raw, {}, 200)


def _render(request: Request[Any, Any, Any], listing: Any, form: dict[str, str], errors: dict[str, str],
            status_code: int) -> Template:
    return page(request, "audit/list.html", status_code=status_code, page_=listing, form=form, errors=errors)


ROUTES = [audit_log]
