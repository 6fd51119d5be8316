"""API: the policy's versions, publishing and comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.policy import service
from core.policy.models import PolicyVersion
from core.policy.routes import plugin_sections
from core.web.forms import principal_of
from core.web.params import VersionNumber

TAGS = ["policy"]
BASE = "/t/{slug:str}/policy"


@dataclass
class ToneRules:
    forbidden_words: list[str]
    required_signoff: str
    max_length: dict[str, int]
    alt_text_required: bool = False
    """Every image in an outward message needs alternative text."""


@dataclass
class PolicyOut:
    number: int
    status: str
    """draft, published or in_force."""
    strategy: dict[str, str]
    way_of_work: dict[str, str]
    tone_rules: ToneRules
    note: str
    created_at: datetime
    published_at: datetime | None


@dataclass
class ToneRulesIn:
    forbidden_words: list[str] | None = None
    required_signoff: str | None = None
    max_length: dict[str, int] | None = None
    alt_text_required: bool | None = None


@dataclass
class PolicyIn:
    """Omitted sections and rules are taken over from the latest version (a new version is always created)."""

    strategy: dict[str, str] | None = None
    way_of_work: dict[str, str] | None = None
    tone_rules: ToneRulesIn | None = None
    note: str = ""


@dataclass
class PublishIn:
    reason: str = ""


@dataclass
class PolicyList:
    items: list[PolicyOut]
    in_force: int | None


@dataclass
class CompareOut:
    a: int
    b: int
    sections: list[dict[str, Any]]


def _out(v: PolicyVersion, in_force: PolicyVersion | None) -> PolicyOut:
    rules = v.tone_rules or {}
    status = "in_force" if in_force is not None and in_force.id == v.id else (
        "published" if v.published_at else "draft")
    return PolicyOut(number=v.number, status=status, strategy=dict(v.strategy or {}),
                     way_of_work=dict(v.way_of_work or {}),
                     tone_rules=ToneRules(forbidden_words=list(rules.get("forbidden_words") or []),
                                          required_signoff=rules.get("required_signoff") or "",
                                          max_length=dict(rules.get("max_length") or {}),
                                          alt_text_required=bool(rules.get("alt_text_required"))),
                     note=v.note or "", created_at=v.created_at, published_at=v.published_at)


@get(BASE, opt={"action": "tenant.read"}, tags=TAGS, summary="All policy versions, newest first")
async def list_versions(db: AsyncSession) -> PolicyList:
    in_force = await service.published_policy(db)
    return PolicyList(items=[_out(v, in_force) for v in await service.list_versions(db)],
                      in_force=in_force.number if in_force else None)


@post(BASE, opt={"action": "policy.write"}, tags=TAGS, summary="Write a new policy version")
async def create_version(request: Request[Any, Any, Any], db: AsyncSession, data: PolicyIn) -> PolicyOut:
    extra = [s.key for s in await plugin_sections(request, db)]
    rules: dict[str, Any] = {}
    if data.tone_rules is not None:
        rules = {k: v for k, v in vars(data.tone_rules).items() if v is not None}
    payload = {"strategy": data.strategy or {}, "way_of_work": data.way_of_work or {}, "tone_rules": rules,
               "note": data.note}
    version = await service.write_version(db, principal_of(request), payload, extra)
    return _out(version, await service.published_policy(db))


@get(BASE + "/compare", opt={"action": "tenant.read"}, tags=TAGS, summary="Compare two policy versions per section")
async def compare(db: AsyncSession, a: VersionNumber, b: VersionNumber) -> CompareOut:
    """From the older version to the newer, whichever order `a` and `b` come in (the answer's `a` is the older)."""
    old, new, diffs = await service.compare(db, a, b)
    return CompareOut(a=old.number, b=new.number,
                      sections=[d.as_json(f"v{old.number}", f"v{new.number}") for d in diffs])


@get(BASE + "/{number:int}", opt={"action": "tenant.read"}, tags=TAGS, summary="One policy version")
async def detail(db: AsyncSession, number: VersionNumber) -> PolicyOut:
    return _out(await service.get_version(db, number), await service.published_policy(db))


@post(BASE + "/{number:int}/publish", opt={"action": "policy.publish"}, tags=TAGS,
      summary="Publish a version (regie holder)", status_code=200)
async def publish(request: Request[Any, Any, Any], db: AsyncSession, number: VersionNumber,
                  data: PublishIn | None = None) -> PolicyOut:
    version = await service.publish(db, principal_of(request), number, (data or PublishIn()).reason)
    return _out(version, await service.published_policy(db))


ROUTES = [list_versions, create_version, compare, detail, publish]
