"""Pages: the policy in force, drafts and history, writing a version, publishing, comparing."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, Refused
from core.i18n import gettext_for
from core.plugins.context import hook_context
from core.plugins.records import PolicySection
from core.policy import service
from core.policy.models import STRATEGY_SECTIONS, WAY_OF_WORK_SECTIONS
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page

BASE = "/t/{slug:str}/policy"


async def plugin_sections(request: Request[Any, Any, Any], db: AsyncSession) -> list[PolicySection]:
    tenant, principal = tenant_of(request), principal_of(request)
    ctx = hook_context(db, tenant, lang_of(request), principal.user_id)
    return await service.plugin_sections(db, getattr(request.app.state, "pm", None), ctx)


def _titles(extra: list[PolicySection]) -> dict[str, str]:
    titles = dict(service.SECTION_TITLES)
    titles["note"] = "Note"
    titles.update({s.key: s.title for s in extra})
    return titles


@get(BASE, opt={"action": "tenant.read"})
async def overview(request: Request[Any, Any, Any], db: AsyncSession, history_page: str | None = None,
                   drafts_page: str | None = None) -> Template:
    path = request.url.path
    history = await paginate(db, service.versions_query(), page_number(history_page), base_path=path,
                             param="history_page")
    drafts = await paginate(db, service.versions_query(drafts_only=True), page_number(drafts_page), base_path=path,
                            param="drafts_page")
    newest = list(await db.scalars(service.versions_query().limit(2)))
    published = await service.published_policy(db)
    extra = await plugin_sections(request, db)
    return page(request, "policy/overview.html", history=history, newest=newest, published=published,
                drafts=drafts, extra=extra, titles=_titles(extra),
                strategy_sections=STRATEGY_SECTIONS, wow_sections=WAY_OF_WORK_SECTIONS,
                latest_no=newest[0].number if newest else 0)


async def _form_page(request: Request[Any, Any, Any], db: AsyncSession, form: dict[str, Any],
                     errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    extra = await plugin_sections(request, db)
    return page(request, "policy/form.html", status_code=status_code, form=form, errors=errors or {},
                extra=extra, titles=_titles(extra), strategy_sections=STRATEGY_SECTIONS,
                wow_sections=WAY_OF_WORK_SECTIONS, hints=service.SECTION_HINTS, previous=await service.latest(db))


@get(BASE + "/new", opt={"action": "policy.write"})
async def new_version_form(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _form_page(request, db, service.form_values(await service.latest(db)))


@post(BASE, opt={"action": "policy.write"})
async def create_version(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    extra = [s.key for s in await plugin_sections(request, db)]
    previous = await service.latest(db)
    wow_keys = [*WAY_OF_WORK_SECTIONS, *extra, *(previous.way_of_work if previous else {})]
    payload = {
        # a field missing from the post (not merely empty) is taken over from the latest version, as in the API
        "strategy": {k: str(data[k]) for k in STRATEGY_SECTIONS if k in data},
        "way_of_work": {k: str(data[k]) for k in dict.fromkeys(wow_keys) if k in data},
        "tone_rules": {k: str(data[k]) for k in ("forbidden_words", "required_signoff", "max_length") if k in data}
        # a checkbox is absent when unticked: the tone rules were sent when their text fields were
        | ({"alt_text_required": bool(data.get("alt_text_required"))} if "max_length" in data else {}),
        "note": str(data.get("note", "")),
    }
    try:
        version = await service.write_version(db, principal_of(request), payload, extra)
    except DomainError as exc:
        form = {k: v for k, v in data.items() if k != "_csrf_token"}
        return await _form_page(request, db, form, form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(f"/t/{slug}/policy/{version.number}", status_code=303)


@get(BASE + "/compare", opt={"action": "tenant.read"})
async def compare(request: Request[Any, Any, Any], db: AsyncSession, a: int | None = None, b: int | None = None,
                  view: str = "unified") -> Template:
    rows = await service.list_versions(db)
    if a is None or b is None:
        if len(rows) < 2:
            raise Refused(field="a", msgid="There must be at least two versions to compare.")
        a, b = (a or rows[1].number), (b or rows[0].number)
    old, new, diffs = await service.compare(db, a, b)
    extra = await plugin_sections(request, db)
    _ = gettext_for(lang_of(request))
    return page(request, "partials/compare_versions.html", old=old, new=new, diffs=diffs, titles=_titles(extra),
                back_href=f"/t/{tenant_of(request).slug}/policy/", back_label=_("Policy"),
                document_title=_("Policy"),
                numbers=[v.number for v in rows], latest_no=rows[0].number if rows else 0,
                view="side" if view == "side" else "unified")


async def _detail_page(request: Request[Any, Any, Any], db: AsyncSession, number: int,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    version = await service.get_version(db, number)
    rows = await service.list_versions(db)
    published = await service.published_policy(db)
    extra = await plugin_sections(request, db)
    wow_keys = list(dict.fromkeys([*WAY_OF_WORK_SECTIONS, *(s.key for s in extra), *version.way_of_work]))
    return page(request, "policy/detail.html", status_code=status_code, version=version, titles=_titles(extra),
                strategy_sections=STRATEGY_SECTIONS, wow_keys=wow_keys, numbers=[v.number for v in rows],
                in_force=published is not None and published.id == version.id,
                errors=errors or {})


@get(BASE + "/{number:int}", opt={"action": "tenant.read"})
async def detail(request: Request[Any, Any, Any], db: AsyncSession, number: int) -> Template:
    return await _detail_page(request, db, number)


@post(BASE + "/{number:int}/publish", opt={"action": "policy.publish"})
async def publish(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int, data: Form) -> Any:
    try:
        await service.publish(db, principal_of(request), number, str(data.get("reason", "")))
    except DomainError as exc:
        return await _detail_page(request, db, number, form_errors(exc.errors, lang_of(request)), exc.status_code)
    return Redirect(f"/t/{slug}/policy/{number}", status_code=303)


ROUTES = [overview, new_version_form, create_version, compare, detail, publish]
