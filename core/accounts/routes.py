"""Pages: the account registry (list with filters, registering), an account's page (its moves through the
lifecycle, its owners, its history) and the sprawl report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import service, sprawl
from core.accounts.activity import silent_since
from core.accounts.lifecycle import OWNERS_RULE, STATUS_LABELS, TRANSITION_RULE, in_department, is_owner, moves_for
from core.accounts.models import OWN_STATES, PLATFORMS, AccountOrigin, AccountStatus, SocialAccount
from core.audit.models import AuditEntry
from core.auth.models import Membership, User
from core.auth.permissions import can
from core.db.base import utcnow
from core.errors import DomainError
from core.i18n import gettext_for
from core.policy.silence import silence_rule
from core.web.charts import Series, chart
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page
from core.workgroup.models import Department

BASE = "/t/{slug:str}/accounts"
HISTORY = 30
STATE_COLOURS = {"pending": "#b58900", "rejected": "#9e9e9e", "to_claim": "#d33682", "claimed": "#6c71c4",
                 "active": "#2e7d32", "dormant": "#cb4b16", "to_close": "#dc322f", "closed": "#586e75"}


async def _departments(db: AsyncSession) -> list[Department]:
    return list((await db.scalars(select(Department).order_by(Department.name))).all())


def _form(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "_csrf_token"}


def _flag(value: Any) -> bool:
    return value in ("on", "1", "true", "yes")


def _department_filter(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None


async def _list_page(request: Request[Any, Any, Any], db: AsyncSession, status: str | None, number: int,
                     form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     status_code: int = 200, department: str | None = None) -> Template:
    tenant = tenant_of(request)
    chosen = status if status is not None and status in AccountStatus.__members__ else ""
    department_id = _department_filter(department)
    listing = await paginate(db, service.list_query(chosen, department_id), number,
                             base_path=f"/t/{tenant.slug}/accounts/",
                             params={"status": chosen, "department": str(department_id or "")})
    return page(request, "accounts/list.html", status_code=status_code, page_=listing, status=chosen,
                department=str(department_id or ""), statuses=list(AccountStatus.__members__),
                status_labels=STATUS_LABELS, platforms=PLATFORMS, platform_labels=service.PLATFORM_LABELS,
                departments=await _departments(db), conditions=await service.account_conditions(db),
                form=form or {}, errors=errors or {}, auto=tenant.org_model in service.AUTO_APPROVE)


@get(BASE, opt={"action": "tenant.read"})
async def accounts(request: Request[Any, Any, Any], db: AsyncSession, status: str | None = None,
                   department: str | None = None, page: str | None = None) -> Template:
    return await _list_page(request, db, status, page_number(page), department=department)


@post(BASE, opt={"action": "account.request"})
async def register(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    payload = {k: data.get(k) for k in ("platform", "handle", "url", "purpose", "department_id")}
    payload["meets_conditions"] = _flag(data.get("meets_conditions"))
    payload["existing"] = _flag(data.get("existing"))
    try:
        account = await service.register(db, principal_of(request), tenant_of(request), payload)
    except DomainError as exc:
        return await _list_page(request, db, None, 1, _form(data), form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(f"/t/{slug}/accounts/{account.id}", status_code=303)


# --- one account ---------------------------------------------------------------------------------------------------
async def _members(db: AsyncSession) -> list[tuple[UUID, str, str]]:
    """(user id, name, department name) of the people who may own accounts, for the owner pickers."""
    rows = await db.execute(select(User.id, User.name, User.email, Department.name)
                            .join(Membership, Membership.user_id == User.id)
                            .outerjoin(Department, Department.id == Membership.department_id)
                            .where(Membership.is_active.is_(True), User.is_active.is_(True),
                                   Membership.role != "viewer").order_by(User.name, User.email))
    return [(i, name or email, dep or "") for i, name, email, dep in rows.all()]


async def _history(db: AsyncSession, account: SocialAccount) -> list[AuditEntry]:
    rows = await db.scalars(select(AuditEntry).where(AuditEntry.subject_type == "SocialAccount",
                                                     AuditEntry.subject_id == str(account.id))
                            .order_by(AuditEntry.created_at.desc()).limit(HISTORY))
    return list(rows.all())


async def _account_page(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID,
                        form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                        status_code: int = 200) -> Template:
    account = await service.get_account(db, account_id)
    principal, tenant = principal_of(request), tenant_of(request)
    rule = await silence_rule(db)
    limit = rule.days_for(account.platform)
    silent = (utcnow() - silent_since(account)).days if account.status in ("active", "dormant") else None
    may_read_audit = can(principal.roles, "audit.read")
    return page(request, "accounts/detail.html", status_code=status_code, account=account,
                moves=moves_for(principal, tenant, account), status_labels=STATUS_LABELS,
                platform_labels=service.PLATFORM_LABELS, limit=limit, silent=silent,
                departments=await _departments(db), members=await _members(db),
                owner_ids={str(o.user_id) for o in account.owners},
                may_name_owners=account.status in OWN_STATES and (
                    can(principal.roles, "account.decide") or in_department(principal, account.department_id)
                    or is_owner(principal, account)),
                history=await _history(db, account) if may_read_audit else None,
                own_department=str(getattr(principal.membership, "department_id", None) or ""),
                form=form or {}, errors=errors or {})


@get(BASE + "/{account_id:uuid}", opt={"action": "tenant.read"})
async def account_page(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID) -> Template:
    return await _account_page(request, db, account_id)


@post(BASE + "/{account_id:uuid}/decision", opt={"action": "account.decide"})
async def decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                 data: Form) -> Any:
    approve = _flag(data.get("approve"))
    try:
        await service.decide(db, principal_of(request), tenant_of(request), account_id, approve,
                             str(data.get("reason", "")))
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        errors = {"__all__": errors.get("reason") or errors.get("__all__") or next(iter(errors.values()))}
        return await _list_page(request, db, None, 1, None, errors, exc.status_code)
    return Redirect(f"/t/{slug}/accounts/", status_code=303)


def _many(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return list(value) if isinstance(value, list | tuple) else ([value] if value else [])


@post(BASE + "/{account_id:uuid}/transition", opt={"action": "account.manage", "rule": TRANSITION_RULE})
async def transition(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                     data: Form) -> Any:
    payload = {"to": data.get("to"), "reason": data.get("reason"), "department_id": data.get("department_id"),
               "owner_ids": _many(data, "owner_ids")}
    try:
        await service.transition(db, principal_of(request), tenant_of(request), account_id, payload)
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        if "to" in errors:  # the move itself: shown above the forms
            errors["__all__"] = errors.pop("to")
        return await _account_page(request, db, account_id, _form(data), errors, exc.status_code)
    return Redirect(f"/t/{slug}/accounts/{account_id}", status_code=303)


@post(BASE + "/{account_id:uuid}/owners", opt={"action": "account.manage", "rule": OWNERS_RULE})
async def owners(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                 data: Form) -> Any:
    try:
        await service.set_owners(db, principal_of(request), tenant_of(request), account_id, _many(data, "owner_ids"))
    except DomainError as exc:
        return await _account_page(request, db, account_id, _form(data), form_errors(exc.errors, lang_of(request)),
                                   exc.status_code)
    return Redirect(f"/t/{slug}/accounts/{account_id}", status_code=303)


# --- the sprawl report -----------------------------------------------------------------------------------------------
def _chart(figures: sprawl.Figures, lang: str) -> Any:
    _ = gettext_for(lang)
    if not figures.total:
        return None
    labels = [row.name or _("No department") for row in figures.rows]
    series = [Series(_(STATUS_LABELS[s]), [row.counts[s] for row in figures.rows], color=STATE_COLOURS[s])
              for s in sprawl.STATES if figures.totals[s]]
    return chart("bar", labels, series, stacked=True, horizontal=True, title=_("Accounts per department and state"),
                 height=max(160, 40 * len(labels) + 80))


async def _sprawl_page(request: Request[Any, Any, Any], db: AsyncSession, dormant_page: str | None = None,
                       form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:
    tenant, principal, lang = tenant_of(request), principal_of(request), lang_of(request)
    figures = await sprawl.figures(db)
    rule = await silence_rule(db)
    dormant = await paginate(db, sprawl.dormant_query(), page_number(dormant_page),
                             base_path=f"/t/{tenant.slug}/accounts/sprawl", param="dormant_page")
    unowned = await paginate(db, sprawl.unowned_query(), 1, per_page=10)
    found = await sprawl.candidates(db, getattr(request.app.state, "pm", None), tenant, lang, principal.user_id)
    terms = await sprawl.brand_terms(db)
    now = utcnow()
    return page(request, "accounts/sprawl.html", status_code=status_code, figures=figures, states=sprawl.STATES,
                status_labels=STATUS_LABELS, platform_labels=service.PLATFORM_LABELS, graph=_chart(figures, lang),
                dormant=dormant, rule=rule, silence={a.id: (now - silent_since(a)).days for a in dormant.items},
                unowned=unowned, candidates=found, names=await sprawl.organisation_names(db),
                form=form if form is not None else {"brand_terms": "\n".join(terms)}, errors=errors or {})


@get(BASE + "/sprawl", opt={"action": "account.review"})
async def sprawl_report(request: Request[Any, Any, Any], db: AsyncSession, dormant_page: str | None = None
                        ) -> Template:
    return await _sprawl_page(request, db, dormant_page)


@post(BASE + "/sprawl/candidates", opt={"action": "account.request"})
async def register_candidate(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """One click on the report: the candidate is registered, to be claimed (its department is chosen then)."""
    payload = {k: data.get(k) for k in ("platform", "handle", "url", "evidence_url")}
    payload.update(existing=True, origin=AccountOrigin.seen.value)
    try:
        await service.register(db, principal_of(request), tenant_of(request), payload)
    except DomainError as exc:  # a candidate is a row of hidden fields: its reasons go above the report
        reasons = form_errors(exc.errors, lang_of(request))
        return await _sprawl_page(request, db, errors={"__all__": " ".join(reasons.values())},
                                  status_code=exc.status_code)
    return Redirect(f"/t/{slug}/accounts/sprawl", status_code=303)


@post(BASE + "/sprawl/names", opt={"action": "account.watch"})
async def names(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await sprawl.set_brand_terms(db, principal_of(request), data.get("brand_terms"))
    except DomainError as exc:
        return await _sprawl_page(request, db, form=_form(data), errors=form_errors(exc.errors, lang_of(request)),
                                  status_code=exc.status_code)
    return Redirect(f"/t/{slug}/accounts/sprawl", status_code=303)


ROUTES = [accounts, register, sprawl_report, register_candidate, names, account_page, decide, transition, owners]
