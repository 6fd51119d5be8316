"""The admin's single sign-on settings: one form, every field checked at once, the secret sealed.

Bad input is a DomainError naming each field and its reason (422, nothing stored); the client secret is
never shown again (an empty field keeps it) and never written to the audit trail.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth.models import Role
from core.auth.sealing import seal
from core.net.outbound import check_outbound_url
from core.settings import Settings
from core.sso.models import SECRET_PURPOSE, OidcProvider
from core.sso.service import ROLE_ORDER, provider_of
from core.validation import FieldErrors, clean_choice, clean_text
from core.workgroup.models import Department

DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_MAP_LINES = 100


def _flag(data: dict[str, Any], name: str) -> bool:
    return str(data.get(name, "")).lower() in ("1", "on", "true", "yes")


def _domains(raw: Any, errors: FieldErrors) -> list[str]:
    domains = sorted({d.strip().lower().lstrip("@") for d in re.split(r"[\s,;]+", str(raw or "")) if d.strip()})
    bad = [d for d in domains if not DOMAIN.match(d)]
    if bad:
        errors.add("allowed_domains", "Not a domain name: {value}.", value=bad[0][:80])
    elif not domains:
        errors.add("allowed_domains", "Name at least one e-mail domain, e.g. example.org.")
    return domains


def _pairs(raw: Any, field: str, errors: FieldErrors) -> list[tuple[int, str, str]]:
    """Lines `claim value = target`; blank lines are skipped."""
    pairs = []
    lines = [line.strip() for line in str(raw or "").splitlines()]
    if len([line for line in lines if line]) > MAX_MAP_LINES:
        errors.add(field, "Use at most {max} lines.", max=MAX_MAP_LINES)
        return []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        value, sep, target = line.rpartition("=")
        if not sep or not value.strip() or not target.strip() or len(value.strip()) > 200:
            errors.add(field, "Line {line}: write it as claim value = target.", line=number)
            return []
        pairs.append((number, value.strip(), target.strip()))
    return pairs


async def clean_settings(session: AsyncSession, data: dict[str, Any], settings: Settings,
                         has_secret: bool) -> dict[str, Any]:
    """Every field checked at once; a DomainError names each bad field and its reason."""
    errors = FieldErrors()
    values: dict[str, Any] = {
        "name": errors.clean(clean_text, data.get("name"), "name", max_length=80),
        "client_id": errors.clean(clean_text, data.get("client_id"), "client_id", max_length=200),
        "role_claim": errors.clean(clean_text, data.get("role_claim"), "role_claim", required=False, max_length=80),
        "department_claim": errors.clean(clean_text, data.get("department_claim"), "department_claim",
                                         required=False, max_length=80),
        "default_role": errors.clean(clean_choice, data.get("default_role") or "member", "default_role",
                                     ROLE_ORDER),
        "jit_enabled": _flag(data, "jit_enabled"), "enabled": _flag(data, "enabled"),
        "local_passwords_enabled": _flag(data, "local_passwords_enabled"),
    }
    issuer = errors.clean(clean_text, data.get("issuer"), "issuer", max_length=500)
    if issuer:
        issuer = errors.clean(check_outbound_url, issuer.rstrip("/"), settings, field="issuer")
    values["issuer"] = issuer
    secret = str(data.get("client_secret") or "")
    if len(secret) > 500:
        errors.add("client_secret", "Use at most {max} characters.", max=500)
    elif not secret and not has_secret:
        errors.add("client_secret", "This field is required.")
    values["client_secret"] = secret
    values["allowed_domains"] = _domains(data.get("allowed_domains"), errors)
    role_map: dict[str, str] = {}
    for number, value, role in _pairs(data.get("role_map"), "role_map", errors):
        if role not in Role.__members__:
            errors.add("role_map", "Line {line}: the role must be admin, member or viewer.", line=number)
        role_map[value] = role
    values["role_map"] = role_map
    departments = {d.name.lower(): d.id for d in (await session.scalars(select(Department))).all()}
    department_map: dict[str, str] = {}
    for number, value, name in _pairs(data.get("department_map"), "department_map", errors):
        if name.lower() not in departments:
            errors.add("department_map", "Line {line}: there is no department named {name}.", line=number,
                       name=name[:80])
        else:
            department_map[value] = str(departments[name.lower()])
    values["department_map"] = department_map
    if not values["local_passwords_enabled"] and not values["enabled"]:
        errors.add("local_passwords_enabled", "Keep passwords on while single sign-on is switched off, "
                                              "or nobody can sign in.")
    errors.raise_if_any()
    return values


async def save_settings(session: AsyncSession, principal: Any, data: dict[str, Any],
                        settings: Settings) -> OidcProvider:
    """Store the tenant's provider; the secret is sealed and never shown again (empty keeps the old one)."""
    provider = await provider_of(session)
    values = await clean_settings(session, data, settings, has_secret=bool(provider and provider.client_secret_sealed))
    secret = values.pop("client_secret")
    if provider is None:
        provider = OidcProvider()
        session.add(provider)
    changed = sorted(k for k, v in values.items() if getattr(provider, k, None) != v)
    for key, value in values.items():
        setattr(provider, key, value)
    if secret:
        provider.client_secret_sealed = seal(settings.secret_key, SECRET_PURPOSE, secret)
    await session.flush()
    await record(session, principal, "sso.configured", subject=provider, summary=provider.issuer,
                 data={"changed": changed, "secret_changed": bool(secret), "enabled": provider.enabled,
                       "local_passwords": provider.local_passwords_enabled, "jit": provider.jit_enabled})
    return provider


async def form_of(session: AsyncSession, provider: OidcProvider | None) -> dict[str, Any]:
    """The form's values for a stored provider (never the secret); departments by name, as they are typed."""
    if provider is None:
        return {"role_claim": "groups", "default_role": "member", "enabled": True, "local_passwords_enabled": True}
    names = {str(d.id): d.name for d in (await session.scalars(select(Department))).all()}
    return {
        "name": provider.name, "issuer": provider.issuer, "client_id": provider.client_id,
        "allowed_domains": ", ".join(provider.allowed_domains or []), "role_claim": provider.role_claim,
        "role_map": "\n".join(f"{k} = {v}" for k, v in (provider.role_map or {}).items()),
        "default_role": provider.default_role, "department_claim": provider.department_claim,
        "department_map": "\n".join(f"{k} = {names[v]}" for k, v in (provider.department_map or {}).items()
                                    if v in names),
        "jit_enabled": provider.jit_enabled, "enabled": provider.enabled,
        "local_passwords_enabled": provider.local_passwords_enabled,
    }
