"""Referral codes: whose code a lead names (an ambassador's or a campaign's), and new campaign codes.

Codes are looked up in the tenant in scope only, so a code of another tenant is simply unknown here. An unknown,
empty or malformed code makes a direct lead: never an error (a visitor typed or shortened the link).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.energizing.ambassadors.service import CODE_ALPHABET
from plugins.energizing.leads.models import CampaignLink
from plugins.energizing.models import Ambassador

CODE_LENGTH = 8
CODE_FORM = re.compile(r"^[A-Za-z0-9]{1,16}$")


@dataclass(frozen=True)
class Referral:
    source: str
    """ambassador, campaign or direct."""
    ref_code: str = ""
    ambassador_id: UUID | None = None
    campaign_id: UUID | None = None


def clean_ref(value: Any) -> str:
    """The code as given when it has the form of one, else "" (a malformed code is no code)."""
    text = str(value or "").strip()
    return text if CODE_FORM.match(text) else ""


async def resolve(session: AsyncSession, value: Any) -> Referral:
    """Whose code this is in the current tenant (codes are written in capitals; typed small they still count)."""
    code = clean_ref(value)
    if not code:
        return Referral("direct")
    forms = list({code, code.upper()})
    ambassador = await session.scalar(select(Ambassador.id).where(Ambassador.referral_code.in_(forms)).limit(1))
    if ambassador is not None:
        return Referral("ambassador", code, ambassador_id=ambassador)
    campaign = await session.scalar(select(CampaignLink.id).where(CampaignLink.code.in_(forms)).limit(1))
    if campaign is not None:
        return Referral("campaign", code, campaign_id=campaign)
    return Referral("direct", code)


async def new_campaign_code(session: AsyncSession) -> str:
    """A code neither a campaign nor an ambassador of this tenant has (the unique constraint stays the last word)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        taken = await session.scalar(select(CampaignLink.id).where(CampaignLink.code == code)) \
            or await session.scalar(select(Ambassador.id).where(Ambassador.referral_code == code))
        if taken is None:
            return code
