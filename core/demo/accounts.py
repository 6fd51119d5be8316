"""The demo organisation's account registry: what the sprawl report and the dormancy rule have to show.

Vitaal's hub runs three active accounts (owned by the regie holder, posting recently); the business market
department still has a Facebook page nobody posted on for months (dormant under the policy's longest silence);
the inventory found a regional Instagram account that nobody has claimed yet. The brand terms make the sprawl
report look for the names people actually use.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.accounts.lifecycle import apply_move
from core.accounts.models import AccountOrigin, AccountOwner, AccountStatus, AccountWatch, SocialAccount
from core.audit.service import SYSTEM, record
from core.auth.models import User
from core.auth.service import user_principal
from core.tenancy.models import Tenant
from core.workgroup.models import Department

VITAAL_ACCOUNTS = [
    ("x", "VitaalZorg", "https://x.com/VitaalZorg", "Service en nieuws voor verzekerden.", 2),
    ("facebook", "vitaalzorgverzekeraar", "https://facebook.com/vitaalzorgverzekeraar",
     "Tips, vergoedingen en vragen van verzekerden.", 1),
    ("linkedin", "vitaal-zorgverzekeraar", "https://linkedin.com/company/vitaal-zorgverzekeraar",
     "Werkgevers, zorgverleners en werken bij Vitaal.", 6),
]
"""The hub's own accounts (platform, handle, address, purpose, days since the last post): the talking demo plans
its posts on them."""
VITAAL_BRAND_TERMS = ["Vitaal", "VitaalZorg", "Vitaal Zorgverzekeraar"]
VITAAL_SILENCE = "30\nlinkedin=60"
"""The policy's longest silence: 30 days, 60 for LinkedIn."""


async def seed_vitaal_accounts(session: Any, tenant: Tenant, regie: User, admin: User, sales: User,
                               departments: dict[str, Department], now: datetime) -> None:
    hub, business = departments["Communicatie & Marketing"], departments["Zakelijke Markt"]
    for platform, handle, url, purpose, days in VITAAL_ACCOUNTS:
        account = SocialAccount(platform=platform, handle=handle, url=url, purpose=purpose, department_id=hub.id,
                                status="active", requested_by_id=regie.id, decided_by_id=admin.id,
                                decision_reason="Bestaand account van het hub-team, geregistreerd in de pilot.",
                                last_post_at=now - timedelta(days=days))
        session.add(account)
        await session.flush()
        session.add(AccountOwner(account_id=account.id, user_id=regie.id))
        await record(session, user_principal(admin), "account.approved", subject=account,
                     summary=f"{platform}:{handle}")
    silent = SocialAccount(platform="facebook", handle="VitaalWerkgevers", url="https://facebook.com/VitaalWerkgevers",
                           purpose="Nieuws voor werkgevers met een collectieve zorgverzekering.",
                           department_id=business.id, status="active", requested_by_id=sales.id,
                           decided_by_id=admin.id, decision_reason="Bestaande pagina van Zakelijke Markt.",
                           last_post_at=now - timedelta(days=75), status_changed_at=now - timedelta(days=200))
    session.add(silent)
    await session.flush()
    session.add(AccountOwner(account_id=silent.id, user_id=sales.id))
    await apply_move(session, SYSTEM, tenant, silent, AccountStatus.dormant.value,
                     reason="silent for 75 days; the policy allows 30",
                     data={"silent_days": 75, "limit_days": 30,
                           "last_post_at": silent.last_post_at.isoformat() if silent.last_post_at else None})
    found = SocialAccount(platform="instagram", handle="vitaal_regio_noord",
                          url="https://instagram.com/vitaal_regio_noord", status=AccountStatus.to_claim.value,
                          origin=AccountOrigin.found.value, evidence_url="https://instagram.com/vitaal_regio_noord",
                          purpose="Gevonden in de inventarisatie: een account van het oude regiokantoor Noord. "
                                  "Niemand weet wie het beheert.",
                          requested_by_id=regie.id, last_post_at=now - timedelta(days=410))
    session.add(found)
    session.add(AccountWatch(brand_terms=list(VITAAL_BRAND_TERMS)))
    await session.flush()
    await record(session, user_principal(regie), "account.found", subject=found, summary="instagram:vitaal_regio_noord")
