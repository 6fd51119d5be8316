"""Pages of the mentions slice: the filtered list with bulk and quick corrections, one mention with its parts
and correction history, and the classifier's measured accuracy.

The quick correction in a list row posts to its own URL that always answers with the row fragment; the same
buttons work without htmx through the plain correction URL, which redirects like every form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    DomainError,
    Form,
    Series,
    chart,
    form_errors,
    get_or_404,
    gettext_for,
    item_actions,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
)
from plugins.monitoring.mentions import corrections, service
from plugins.monitoring.mentions.items import mention_item
from plugins.monitoring.mentions.service import FILTER_KEYS
from plugins.monitoring.models import SENTIMENTS, SOURCE_TYPES, Mention

LANGUAGES = {"nl": N_("Dutch"), "en": N_("English"), "und": N_("unknown language")}
"""Language codes offered in the filter (msgids of their names)."""


def _base(slug: str) -> str:
    return f"/t/{slug}/p/monitoring/mentions/"


def _options(_: Any, choices: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, _(v)) for k, v in choices.items()]


async def _list(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                query: Mapping[str, Any] | None = None, **extra: Any) -> Template:
    """The list page (for `query`, else the request's query string); bad filters show their errors above an
    empty list."""
    query = request.query_params if query is None else query
    params = {k: query.get(k, "") for k in FILTER_KEYS}
    errors = dict(extra.pop("errors", {}))
    try:
        filters = service.parse_filters(params)
    except DomainError as exc:
        filters, status_code = None, exc.status_code
        errors.update(form_errors(exc.errors, lang_of(request)))
    items = None
    if filters is not None:
        items = await paginate(db, service.mentions_query(filters, service.dialect_of(db)),
                               page_number(query.get("page")), base_path=_base(slug),
                               params=filters.params(), capped=True)
    profiles = await service.profiles_of(db, [m.id for m in items.items]) if items else {}
    back = urlencode({**(filters.params() if filters else {}), "page": str(items.number if items else 1)})
    form = {**params, **filters.params()} if filters else params  # a dashboard period shows as its days
    return page(request, "monitoring/mentions/list.html", status_code=status_code, items=items,
                profiles=profiles, form=form, errors=errors, back=back, base=_base(slug),
                choices=await service.filter_choices(db), options=filter_options(gettext_for(lang_of(request))),
                labels=corrections.LABELS, source_types=SOURCE_TYPES, **extra)


@get("/mentions/", opt={"action": "plugin.read"})
async def mention_list(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _list(request, db, slug)


def _back(slug: str, back: Any) -> str:
    """Back to the list as it was (only its own filters and page survive the round trip)."""
    pairs = [(k, v) for k, v in parse_qsl(str(back or "")) if k in (*FILTER_KEYS, "page")]
    return _base(slug) + (f"?{urlencode(pairs)}" if pairs else "")


@post("/mentions/bulk-correct", opt={"action": "plugin.work"})
async def bulk_correct(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """The bulk bar: one label for every selected row, then back to the list as it was."""
    back = str(data.get("back") or "")
    try:
        await corrections.correct_many(db, principal_of(request), data.get("ids") or [], data.get("label"))
    except DomainError as exc:
        return await _list(request, db, slug, status_code=exc.status_code, query=dict(parse_qsl(back)),
                           errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_back(slug, back), status_code=303)


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mention_id: UUID,
                  status_code: int = 200, **extra: Any) -> Template:
    detail = await service.mention_detail(db, mention_id)
    names = await user_names(db, {c.user_id for c in detail.corrections})
    m = detail.mention
    actions = await item_actions(request, db, "mention", mention_item(m))
    return page(request, "monitoring/mentions/detail.html", status_code=status_code, d=detail, m=m,
                base=_base(slug), labels=corrections.LABELS, source_types=SOURCE_TYPES, names=names,
                actions=actions, **extra)


@get("/mentions/{mention_id:uuid}", opt={"action": "plugin.read"})
async def mention_detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mention_id: UUID) -> Template:
    return await _detail(request, db, slug, mention_id)


@post("/mentions/{mention_id:uuid}/sentiment", opt={"action": "plugin.work"})
async def correct(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mention_id: UUID,
                  data: Form) -> Any:
    """The correction form of the detail page (and the quick buttons without htmx)."""
    mention = await get_or_404(db, Mention, mention_id)
    part = data.get("part") or "overall"
    try:
        await corrections.correct(db, principal_of(request), mention, data.get("label"), part)
    except DomainError as exc:
        return await _detail(request, db, slug, mention_id, status_code=exc.status_code,
                             errors=form_errors(exc.errors, lang_of(request)), form_part=str(part))
    if "back" in data:  # a list row's button without htmx: back to the list as it was
        return Redirect(_back(slug, data["back"]), status_code=303)
    return Redirect(f"{_base(slug)}{mention_id}", status_code=303)


@post("/mentions/{mention_id:uuid}/sentiment/row", opt={"action": "plugin.work"})
async def correct_row(request: Request[Any, Any, Any], db: AsyncSession, slug: str, mention_id: UUID,
                      data: Form) -> Template:
    """A list row's quick correction (htmx): always answers with the row fragment."""
    mention = await get_or_404(db, Mention, mention_id)
    status_code, errors = 200, {}
    try:
        await corrections.correct(db, principal_of(request), mention, data.get("label"))
    except DomainError as exc:
        status_code, errors = exc.status_code, form_errors(exc.errors, lang_of(request))
    profiles = await service.profiles_of(db, [mention.id])
    return page(request, "monitoring/mentions/_row.html", status_code=status_code, m=mention,
                profiles=profiles, row_errors=errors, base=_base(slug), labels=corrections.LABELS,
                source_types=SOURCE_TYPES)


@get("/mentions/accuracy", opt={"action": "plugin.read"})
async def accuracy(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    _ = gettext_for(lang_of(request))
    report = await corrections.accuracy(db)
    trend = None
    if report["trend"]:
        labels = [f'{b["first"]}–{b["last"]}' for b in report["trend"]]
        values = [round(100 * b["accuracy"], 1) for b in report["trend"]]
        trend = chart("bar", labels, [Series(_("Correct before learning (%)"), values, color="#2c6fbb")],
                      percent=True, title=_("Accuracy per {n} corrections", n=report["block"]))
    return page(request, "monitoring/mentions/accuracy.html", report=report, trend=trend, base=_base(slug),
                languages=LANGUAGES)


def filter_options(_: Any) -> dict[str, list[tuple[str, str]]]:
    """The fixed choices of the filter form, in the page's language."""
    return {"source_types": _options(_, SOURCE_TYPES), "sentiments": _options(_, SENTIMENTS),
            "languages": _options(_, LANGUAGES),
            "sentiment_by": [("model", _("by the model")), ("person", _("by a person"))]}


ROUTES = [mention_list, bulk_correct, mention_detail, correct, correct_row, accuracy]
