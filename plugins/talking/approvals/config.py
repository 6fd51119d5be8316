"""The tenant's approval settings: up to three steps of approvers, the rules that ask for an approval, how long
an approval holds. Only the regie holder or an admin changes them (`MAY_CONFIGURE`).

A step names people, departments (their members) and/or "the hub" (the hub the org model's check names for the
post, else the regie holder); any one approver of a step suffices. Without steps the chain is one step: the hub.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    PermissionDenied,
    department_choices,
    member_choices,
    outward_accounts,
    record_audit,
)
from plugins.talking.models import ApprovalSettings, Campaign

MAX_STEPS = 3
MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 90, 14
MAX_KEYWORDS, MAX_KEYWORD = 50, 100
MAY_CONFIGURE = frozenset({"regie", "admin"})
CONFIGURE_RULE = "only the regie holder or an admin"


async def settings_of(session: AsyncSession) -> ApprovalSettings:
    """The tenant's row, made with the defaults the first time it is needed."""
    found = await session.scalar(select(ApprovalSettings).limit(1))
    if found is None:
        found = ApprovalSettings(expiry_days=DEFAULT_DAYS, steps=[], keywords=[], platforms=[], account_ids=[],
                                 campaign_ids=[], untrained=False)
        session.add(found)
        await session.flush()
    return found


async def read_settings(session: AsyncSession) -> ApprovalSettings | None:
    """The row without making it (a page that only shows)."""
    return await session.scalar(select(ApprovalSettings).limit(1))


def crisis_is_on(config: ApprovalSettings | None) -> bool:
    """Crisis mode as recorded from webcare's events (`crisis.started` until `crisis.ended`)."""
    return config is not None and config.crisis_since is not None


async def in_crisis(session: AsyncSession) -> bool:
    return crisis_is_on(await read_settings(session))


def may_configure(principal: Any) -> bool:
    return bool(set(getattr(principal, "roles", None) or ()) & MAY_CONFIGURE)


def must_configure(principal: Any) -> None:
    if not may_configure(principal):
        raise PermissionDenied("talking.approvals.configure")


def many(value: Any) -> list[str]:
    """A form's repeated field (a list, one value, or nothing) as a list of non-empty strings."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v or "").strip()]


def _ids(raw: Any, allowed: set[str], field: str, errors: FieldErrors) -> list[str]:
    given = many(raw)
    if any(v not in allowed for v in given):
        errors.add(field, msgid="Choose a valid option.")
        return []
    return sorted(set(given))


def _days(raw: Any, errors: FieldErrors) -> int | None:
    text = str(raw or "").strip()
    if not text:
        errors.add("expiry_days", msgid="This field is required.")
        return None
    try:
        days = int(text)
    except ValueError:
        days = None
    if days is None or not MIN_DAYS <= days <= MAX_DAYS:
        errors.add("expiry_days", msgid="Give a whole number of days from {min} to {max}.", min=MIN_DAYS, max=MAX_DAYS)
        return None
    return days


def _keywords(raw: Any, errors: FieldErrors) -> list[str]:
    text = "\n".join(many(raw))
    words: list[str] = []
    for part in text.replace(",", "\n").splitlines():
        word = " ".join(part.split())
        if word and word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    if len(words) > MAX_KEYWORDS or any(len(w) > MAX_KEYWORD for w in words):
        errors.add("keywords", msgid="At most {n} words or phrases, each at most {max} characters.",
                   n=MAX_KEYWORDS, max=MAX_KEYWORD)
        return []
    return words


async def choices_for(session: AsyncSession) -> dict[str, list[tuple[str, str]]]:
    """What the settings form offers: people, departments, platforms, accounts, campaigns."""
    accounts = await outward_accounts(session)
    campaigns = (await session.execute(select(Campaign.id, Campaign.name).order_by(Campaign.starts_on.desc(),
                                                                                   Campaign.name))).all()
    return {"users": [(str(i), n) for i, n in await member_choices(session)],
            "departments": [(str(i), n) for i, n in await department_choices(session)],
            "platforms": sorted({(a.platform, a.platform) for a in accounts}),
            "accounts": [(str(a.id), f"{a.platform} @{a.handle}") for a in accounts],
            "campaigns": [(str(i), n) for i, n in campaigns]}


async def clean_settings(session: AsyncSession, data: dict[str, Any]) -> dict[str, Any]:
    """Every field checked, each reason at its field; nothing stored."""
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    ch = await choices_for(session)
    allowed = {k: {v for v, _n in pairs} for k, pairs in ch.items()}
    errors = FieldErrors()
    values: dict[str, Any] = {"expiry_days": _days(data.get("expiry_days"), errors)}
    steps = []
    for n in range(1, MAX_STEPS + 1):
        users = _ids(data.get(f"step{n}.users"), allowed["users"], f"step{n}.users", errors)
        departments = _ids(data.get(f"step{n}.departments"), allowed["departments"], f"step{n}.departments", errors)
        hub = str(data.get(f"step{n}.hub") or "").strip().lower() in ("1", "on", "true", "yes")
        if users or departments or hub:
            steps.append({"users": users, "departments": departments, "hub": hub})
    values["steps"] = steps
    values["keywords"] = _keywords(data.get("keywords"), errors)
    values["platforms"] = _ids(data.get("platforms"), allowed["platforms"], "platforms", errors)
    values["account_ids"] = _ids(data.get("account_ids"), allowed["accounts"], "account_ids", errors)
    values["campaign_ids"] = _ids(data.get("campaign_ids"), allowed["campaigns"], "campaign_ids", errors)
    values["untrained"] = str(data.get("untrained") or "").strip().lower() in ("1", "on", "true", "yes")
    errors.raise_if_any()
    return values


async def save_settings(session: AsyncSession, principal: Any, data: dict[str, Any]) -> ApprovalSettings:
    must_configure(principal)
    values = await clean_settings(session, data)
    config = await settings_of(session)
    for key, value in values.items():
        setattr(config, key, value)
    await session.flush()
    await record_audit(session, principal, "talking.approval_settings_changed", subject=config,
                       summary=f"{len(values['steps'])} / {values['expiry_days']}",
                       data={"steps": len(values["steps"]), "expiry_days": values["expiry_days"],
                             "keywords": len(values["keywords"]), "platforms": values["platforms"],
                             "accounts": len(values["account_ids"]), "campaigns": len(values["campaign_ids"]),
                             "untrained": values["untrained"]})
    return config


def settings_form(config: ApprovalSettings | None) -> dict[str, Any]:
    """The stored settings as the form's values."""
    if config is None:
        return {"expiry_days": str(DEFAULT_DAYS)}
    form: dict[str, Any] = {"expiry_days": str(config.expiry_days), "keywords": "\n".join(config.keywords or []),
                            "platforms": list(config.platforms or []), "account_ids": list(config.account_ids or []),
                            "campaign_ids": list(config.campaign_ids or []), "untrained": config.untrained}
    for n, step in enumerate(config.steps or [], start=1):
        form[f"step{n}.users"] = list(step.get("users") or [])
        form[f"step{n}.departments"] = list(step.get("departments") or [])
        form[f"step{n}.hub"] = bool(step.get("hub"))
    return form


def typed_form(data: dict[str, Any]) -> dict[str, Any]:
    """A submitted form as the page shows it again: the chosen options as lists."""
    form: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str)}
    for key, value in data.items():
        if key.endswith((".users", ".departments")) or key in ("platforms", "account_ids", "campaign_ids"):
            form[key] = many(value)
    return form


def as_uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None
