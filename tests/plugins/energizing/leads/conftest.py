"""Fixtures for leads: the energizing plugin active in both tenants, each with an ambassador and a campaign link
whose codes are known, and what a lead form and a signed CRM call send."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import tenant_scope
from plugins.energizing.leads import form
from plugins.energizing.leads.models import CampaignLink, Lead
from plugins.energizing.leads.webhook import sign
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.conftest import activate
from tests.support import TenantWorld, World

CODES = {"acme": ("AMBA2345", "CAMP2345"), "globex": ("GLOB6789", "GCMP6789")}
"""slug → (ambassador's referral code, campaign's code)."""


@dataclass
class Leads:
    world: World
    ambassadors: dict[str, Any]
    campaigns: dict[str, Any]


@pytest.fixture
async def leads(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> Leads:
    ambassadors, campaigns = {}, {}
    for tw in (world.a, world.b):
        await activate(sessionmaker, tw)
        ambassador_code, campaign_code = CODES[tw.slug]
        with tenant_scope(tw.id):
            async with sessionmaker() as s, s.begin():
                ambassador = Ambassador(name=f"Ambassadeur {tw.slug}", email=f"fan@{tw.slug}.test", state="active",
                                        referral_code=ambassador_code)
                campaign = CampaignLink(name=f"Campagne {tw.slug}", code=campaign_code,
                                        target_url=f"https://{tw.slug}.test/?ref={campaign_code}")
                s.add_all([ambassador, campaign])
        ambassadors[tw.slug], campaigns[tw.slug] = ambassador, campaign
    return Leads(world, ambassadors, campaigns)


def lead_values(**changes: Any) -> dict[str, Any]:
    """A lead form as a person sends it, shown a minute ago."""
    started = form.fill_token("test-secret-key-" + "x" * 32, datetime.now(UTC) - timedelta(minutes=1))
    return {"name": "Sanne Bakker", "email": "sanne@example.org", "organisation": "", "phone": "",
            "message": "Graag meer informatie.", "consent": "1", "ref": "", "started": started, **changes}


async def stored_leads(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[Lead]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(Lead).order_by(Lead.created_at))).all())


def signed(secret: str, body: dict[str, Any] | bytes, *, at: float | None = None) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(at if at is not None else time.time()))
    return raw, {"content-type": "application/json", "x-regie-timestamp": stamp,
                 "x-regie-signature": sign(secret, stamp, raw)}
