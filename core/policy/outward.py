"""The one policy check every outward message passes (talking posts, webcare replies).

Two parts (docs/architecture.md, "What the core enforces"):

- **Tone of voice** from the published policy (`published_policy`): forbidden words (whole words, case- and
  accent-insensitive: "waardeloos" hits "Waardeloos!" and "wáárdeloos", not "waardeloosheid"), the required
  sign-off (the body must END with it, trailing white space and case ignored; `{name}` variables such as
  `{initials}` are filled from `author_initials` / `signoff_values`; not for a text others post in their own name,
  `with_signoff=False`) and the maximum length of the channel
  (channel names are lower case; an unknown or empty channel has no limit); when the policy says so, every image
  needs alternative text (`image_alts`). Without a published policy no tone rules apply; `note` says so.
- **Approval** by the tenant's org model:
  - centralized: always, by the hub department (the first hub by name; None = the regie holder decides);
  - hub_and_spoke: spokes publish; a new account (`new_account=True`) needs the hub, whoever asks;
  - multiple_hub_and_spoke: a hub publishes itself; anyone else needs a hub. Departments have no region link
    yet, so "the regional hub" is the first hub by name (None without hubs: the regie holder decides);
  - decentralized: no approval;
  - holistic: any TRAINED employee publishes: `author_id` completed a training that qualifies a publisher
    (`core.trainings.service.is_trained`); anyone else (or an author not given) needs approval, reason
    "training", by the first hub (None: the regie holder decides);
  - an unknown org model is treated as centralized (the safe side).
  `crisis=True` overrides all of these: approval always, reason "crisis", by the hub.

The check never raises for the message itself; it reports. A department id that is not found in the tenant
raises DomainError(field="department_id").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import Msg
from core.plugins.lookups import current_tenant
from core.policy.service import published_policy
from core.tenancy.models import OrgModel
from core.trainings.service import is_trained
from core.workgroup.models import Department

VARIABLE = re.compile(r"{(\w+)}")


@dataclass
class OutwardCheck:
    problems: list[tuple[str, Msg]] = field(default_factory=list)
    """(field, reason) pairs; the field is "body", or "images" for an image without alternative text."""
    needs_approval: bool = False
    reason: str = ""
    """"" (no approval needed), "org_model", "training" (holistic, author not trained) or "crisis"."""
    approver_department_id: UUID | None = None
    """The hub department that approves; None with needs_approval means the regie holder decides."""
    policy_number: int | None = None
    """The published policy version whose tone rules were applied; None when none is published."""
    note: Msg | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def fold(text: str) -> str:
    """Lower case without accents ("Wáárdeloos" → "waardeloos")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def forbidden_words_in(body: str, words: list[str]) -> list[str]:
    """The policy's words (as written in the policy) that occur in the body as whole words."""
    folded = fold(body)
    found: list[str] = []
    for word in words:
        parts = fold(word).split()
        if parts and re.search(r"(?<!\w)" + r"\s+".join(map(re.escape, parts)) + r"(?!\w)", folded):
            found.append(word)
    return found


def _signoff_problem(body: str, signoff: str, values: dict[str, str]) -> Msg | None:
    missing = [name for name in VARIABLE.findall(signoff) if not str(values.get(name) or "").strip()]
    if "initials" in missing:
        return Msg("The required sign-off \"{signoff}\" needs the author's initials.", signoff=signoff)
    if missing:
        return Msg("The required sign-off \"{signoff}\" needs a value for {name}.", signoff=signoff, name=missing[0])
    expected = VARIABLE.sub(lambda m: str(values[m.group(1)]).strip(), signoff).strip()
    if not " ".join(body.split()).casefold().endswith(" ".join(expected.split()).casefold()):
        return Msg("The required sign-off \"{signoff}\" is missing at the end.", signoff=expected)
    return None


async def _hubs(session: AsyncSession) -> list[Department]:
    return list((await session.scalars(select(Department).where(Department.is_hub.is_(True))
                                       .order_by(Department.name, Department.id))).all())


async def published_tone_rules(session: AsyncSession) -> dict[str, Any]:
    """The published policy's tone rules (`forbidden_words`, `required_signoff`, `max_length` per channel,
    `alt_text_required`: every image needs alternative text) plus its `policy_number`, or {} without a published
    policy. For forms that suggest before the check does
    (a reply form offering the channels that have a length rule)."""
    policy = await published_policy(session)
    if policy is None:
        return {}
    rules = dict(policy.tone_rules or {})
    return {"forbidden_words": list(rules.get("forbidden_words") or []),
            "required_signoff": str(rules.get("required_signoff") or ""),
            "max_length": {str(c): int(n) for c, n in (rules.get("max_length") or {}).items()},
            "alt_text_required": bool(rules.get("alt_text_required")),
            "policy_number": policy.number}


async def check_outward(session: AsyncSession, body: str, *, channel: str = "", department_id: UUID | None = None,
                        author_initials: str = "", crisis: bool = False, new_account: bool = False,
                        signoff_values: dict[str, str] | None = None, author_id: UUID | None = None,
                        image_alts: list[str] | None = None, with_signoff: bool = True) -> OutwardCheck:
    """Check an outward message against the published policy and the org model's approval rule.

    `department_id`: the author's department; `author_initials` fills `{initials}` in the sign-off
    (`signoff_values` may add or override variables); `author_id`: the author, for the holistic model's
    "trained employee" rule; `image_alts`: the alternative text of each image the message carries (the policy
    may require one for every image); `with_signoff=False`: the text is posted by others in their own name, not by
    the organisation, so the organisation's required sign-off does not apply (every other rule does)."""
    body = body or ""
    check = OutwardCheck()
    policy = await published_policy(session)
    if policy is None:
        check.note = Msg("No policy is published; no tone-of-voice rules were checked.")
    else:
        check.policy_number = policy.number
        rules = policy.tone_rules or {}
        for word in forbidden_words_in(body, list(rules.get("forbidden_words") or [])):
            check.problems.append(("body", Msg("The forbidden word \"{word}\" is used.", word=word)))
        signoff = str(rules.get("required_signoff") or "").strip()
        if signoff and with_signoff:
            problem = _signoff_problem(body, signoff, {"initials": author_initials, **(signoff_values or {})})
            if problem is not None:
                check.problems.append(("body", problem))
        channel = (channel or "").strip().lower()
        limit = (rules.get("max_length") or {}).get(channel)
        if limit and len(body) > int(limit):
            too_long = Msg("The message has {length} characters; the maximum for {channel} is {max}.",
                           length=len(body), channel=channel, max=int(limit))
            check.problems.append(("body", too_long))
        bare = sum(1 for alt in image_alts or () if not str(alt or "").strip())
        if rules.get("alt_text_required") and bare:
            check.problems.append(("images", Msg("The policy asks for alternative text on every image; {n} of "
                                                 "{total} have none.", n=bare, total=len(image_alts or ()))))

    department = None
    if department_id is not None:
        department = await session.get(Department, department_id)
        if department is None:
            raise DomainError(field="department_id", msgid="Choose a valid option.")
    tenant = await current_tenant(session)
    try:
        model = OrgModel(tenant.org_model) if tenant is not None else OrgModel.centralized
    except ValueError:
        model = OrgModel.centralized
    own_hub = department is not None and department.is_hub
    if crisis:
        check.needs_approval, check.reason = True, "crisis"
    elif model is OrgModel.centralized \
            or (model is OrgModel.hub_and_spoke and new_account) \
            or (model is OrgModel.multiple_hub_and_spoke and not own_hub):
        check.needs_approval, check.reason = True, "org_model"
    elif model is OrgModel.holistic and not await is_trained(session, author_id):
        check.needs_approval, check.reason = True, "training"
    if check.needs_approval:
        hubs = await _hubs(session)
        check.approver_department_id = hubs[0].id if hubs else None
    return check
