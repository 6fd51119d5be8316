"""The longest silence the policy allows an account: a way-of-work section written as plain lines.

    30             every account posts at least once every 30 days
    instagram=60   ...an Instagram account at least once every 60 days

A bare number (or `default=N`) is the organisation's default; `platform=N` overrides it for one platform.
The section is text like every way-of-work section, so versions compare and show as written; it is checked
when a version is written (`parse_silence`) and read leniently afterwards (`silence_rule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import PLATFORMS
from core.errors import DomainError

SECTION = "longest_silence"
DEFAULT_KEYS = ("", "default", "*")
MAX_DAYS = 3650


@dataclass(frozen=True)
class SilenceRule:
    """Days an account may stay silent: a default and per-platform exceptions (None: no limit set)."""

    default: int | None = None
    per_platform: dict[str, int] = field(default_factory=dict)

    def days_for(self, platform: str) -> int | None:
        return self.per_platform.get(platform, self.default)

    @property
    def is_set(self) -> bool:
        return self.default is not None or bool(self.per_platform)


def _line(raw: str) -> tuple[str, str]:
    key, sep, number = raw.partition("=")
    return (key.strip().lower(), number.strip()) if sep else ("", key.strip())


def parse_silence(text: Any, field_name: str = SECTION) -> SilenceRule:
    """The rule in a section's text; a bad line raises DomainError naming the line."""
    default: int | None = None
    per_platform: dict[str, int] = {}
    for i, raw in enumerate(str(text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        key, number = _line(raw)
        if key not in DEFAULT_KEYS and key not in PLATFORMS:
            raise DomainError(field=field_name, msgid="Line {line}: {platform} is not a platform; use one of: "
                              "{choices}.", line=i, platform=key, choices=", ".join(PLATFORMS))
        try:
            days = int(number)
        except ValueError:
            raise DomainError(field=field_name, msgid="Line {line}: write a number of days, like 30 or "
                              "instagram=60.", line=i) from None
        if not 1 <= days <= MAX_DAYS:
            raise DomainError(field=field_name, msgid="Line {line}: the number of days must be between 1 and "
                              "{max}.", line=i, max=MAX_DAYS)
        if key in DEFAULT_KEYS:
            default = days
        else:
            per_platform[key] = days
    return SilenceRule(default=default, per_platform=per_platform)


def silence_rule_of(way_of_work: dict[str, Any] | None) -> SilenceRule:
    """The rule of a policy version; a section that no longer parses counts as no rule."""
    try:
        return parse_silence((way_of_work or {}).get(SECTION, ""))
    except DomainError:
        return SilenceRule()


async def silence_rule(session: AsyncSession) -> SilenceRule:
    """The longest silence the published policy allows (no rule without a published policy)."""
    from core.policy.service import published_policy

    policy = await published_policy(session)
    return silence_rule_of(policy.way_of_work if policy else None)
