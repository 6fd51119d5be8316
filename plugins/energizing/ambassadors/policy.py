"""The way of work for ambassadors: what they may and may not say and the disclosure rule. The same texts go into
the policy form (`policy_sections`) and onto the portal's mission pages."""

from __future__ import annotations

from core.plugins.api import N_

SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("energizing_ambassador_conduct", N_("Ambassadors: what they may and may not say"),
     N_("Ambassadors speak in their own words about their own experience. They do not speak on behalf of the "
        "organisation, make no promises about prices, deliveries or complaints, share no confidential or personal "
        "information about others, and leave discussions and complaints to customer service.")),
    ("energizing_ambassador_disclosure", N_("Ambassadors: disclosure of rewarded messages"),
     N_("A message an ambassador is rewarded for (points, a reward) says so: #ad or #samenwerking, visible without "
        "clicking \"more\". A share mission's suggested text carries the tag; an ambassador who rewrites it keeps "
        "it.")),
)


def sections() -> tuple[tuple[str, str, str], ...]:
    """(key, title msgid, text msgid) of each section; translated where shown."""
    return SECTIONS
