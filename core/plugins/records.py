"""What a plugin hands the core to show: small typed records, one per kind of contribution.

A hook returns a list of these (or an awaitable of one); the core checks each item's type at dispatch and
leaves out, with an error in the log naming the plugin, whatever is not the record the hook promises. Texts
are already in `ctx.lang`; `href`s are absolute paths (`/t/<slug>/p/<plugin>/...`) unless the hook says
otherwise (digest lines are relative to the tenant, for the mail).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

BannerLevel = Literal["crisis", "warning", "info"]
BANNER_LEVELS: tuple[str, ...] = get_args(BannerLevel)
"""Most severe first: the order banners are shown in."""
DigestLevel = Literal["alert", "info"]
DIGEST_LEVELS: tuple[str, ...] = get_args(DigestLevel)


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


@dataclass(frozen=True)
class NavEntry:
    """A link in the side navigation (`regie_nav`), shown to the tenant's signed-in members."""

    label: str
    href: str


@dataclass(frozen=True)
class Banner:
    """A line at the top of every page of the tenant (`regie_banners`); keep producing it cheap."""

    text: str
    level: BannerLevel = "info"
    href: str = ""

    def __post_init__(self) -> None:
        _one_of(self.level, BANNER_LEVELS, "Banner.level")


@dataclass(frozen=True)
class Widget:
    """A card on the overview and the dashboard (`regie_widgets`): `template` (the plugin's, addressed as
    `<plugin>/...`) is rendered with `context` as the variable `widget`. Read precomputed figures only."""

    title: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    as_of: datetime | None = None
    """When the figure was computed, for a figure a job stores ahead; the card shows it. None: read at the view
    from counters every write keeps current (the card says the figure is current)."""


@dataclass(frozen=True)
class ItemAction:
    """A one-click action on another plugin's item (`regie_item_actions`): the showing plugin renders a POST
    form to `action` with `fields` as hidden inputs and the CSRF token."""

    label: str
    action: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DigestLine:
    """A highlight of the weekly digest (`regie_digest`); `href` is relative to the tenant ("p/<plugin>/...")."""

    text: str
    href: str = ""
    level: DigestLevel = "info"

    def __post_init__(self) -> None:
        _one_of(self.level, DIGEST_LEVELS, "DigestLine.level")


@dataclass(frozen=True)
class PolicySection:
    """A way-of-work section the plugin adds to the policy form (`regie_policy_sections`)."""

    key: str
    title: str
    hint: str = ""


@dataclass(frozen=True)
class AccountCandidate:
    """An account the plugin saw that may be the organisation's but is not in its registry
    (`regie_account_candidates`): the sprawl report lists it, and one click registers it to be claimed."""

    platform: str
    """One of the registry's platforms ("x", "instagram", "bluesky", ..., "other")."""
    handle: str
    name: str = ""
    """The display name it was seen with."""
    url: str = ""
    """The account's own page, when known."""
    evidence_url: str = ""
    """A post where it was seen."""
    seen_count: int = 0
    last_seen: datetime | None = None


Item = Mapping[str, Any]
"""An item one plugin shows and others act on (`regie_item_actions`, `regie_find_item`); its fields depend on
its kind (docs/hooks.md lists them per kind)."""
