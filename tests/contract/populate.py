"""Give a tenant a row in every tenant-owned table, so a route walk has a foreign id for everything."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts.models import SocialAccount
from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.auth.models import ApiToken, Invitation
from core.auth.tokens import digest
from core.db.base import TenantScoped
from core.db.models import metadata
from core.measurement.models import ManagementPresentation, MethodologyVersion, Target
from core.policy.models import PolicyVersion
from core.roadmap.models import (
    BaselineStudy,
    PhaseTransition,
    PilotMeasurement,
    StartingPointsAck,
    StartingPointsVersion,
    StartingPointsWish,
)
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.support import TenantWorld


def invitation_token(slug: str) -> str:
    return f"{slug}-invitation-token"


def api_token(slug: str) -> str:
    return f"rg_{slug}-api-token"


async def populate(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, list[UUID]]:
    """Fill every tenant-owned table for `tw`; returns table name → ids of `tw`'s rows."""
    now = datetime.now(UTC)
    dep = tw.departments
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            sp = StartingPointsVersion(number=1, organisation_analysis=f"Analyse van {tw.tenant.name}",
                                       people="p", objectives="o", strategy="s", technology="t",
                                       listening_results="l", approved_at=now,
                                       approved_by_id=tw.users["regie"].id)
            s.add(sp)
            await s.flush()
            s.add(StartingPointsWish(version_id=sp.id, department_id=dep["marketing"].id, wish="bereik"))
            s.add(StartingPointsAck(version_id=sp.id, department_id=dep["comms"].id,
                                    acknowledged_by_id=tw.users["regie"].id))
            act = PluginActivation(plugin="monitoring", department_id=dep["comms"].id, status="active",
                                   activated_at=now, activated_in_phase="listening")
            s.add(act)
            await s.flush()
            s.add(PilotMeasurement(activation_id=act.id, period_start=date(2026, 1, 1),
                                   period_end=date(2026, 2, 1), summary="pilot", values={"mentions": 10}))
            s.add(BaselineStudy(source="external", title=f"Nulmeting {tw.tenant.name}", summary="buzz",
                                file_name="nulmeting.txt", content_type="text/plain", file_data=b"nulmeting"))
            s.add(PhaseTransition(from_phase="listening", to_phase="pilot", overridden=True, reason="override",
                                  failing_items=["baseline"]))
            s.add(PolicyVersion(number=1, strategy={"function": "luisteren"}, way_of_work={"roles": "r"},
                                published_at=now))
            s.add(SocialAccount(platform="x", handle=f"{tw.slug}_nl", department_id=dep["comms"].id,
                                status="pending"))
            s.add(MethodologyVersion(number=1, kpis=[{"key": "mentions", "name": "Vermeldingen"}], reason="start"))
            s.add(Target(kpi="mentions", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), value=100))
            s.add(ManagementPresentation(period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                                         title=f"Kwartaal {tw.tenant.name}", produced_at=now))
            s.add(Invitation(email=f"new@{tw.slug}.test", role="member", token_hash=digest(invitation_token(tw.slug)),
                             expires_at=now + timedelta(days=7)))
            s.add(ApiToken(membership_id=tw.memberships["admin"].id, name="walk", prefix=api_token(tw.slug)[:8],
                           token_hash=digest(api_token(tw.slug))))
            s.add(AuditEntry(action="test.populated", actor_label="system", summary=f"{tw.tenant.name} populated"))
    ids: dict[str, list[UUID]] = {}
    with cross_tenant():
        async with sessionmaker() as s:
            for table in metadata.sorted_tables:
                if table.name in TenantScoped.table_names():
                    rows = (await s.execute(select(table.c.id).where(table.c.tenant_id == tw.id))).scalars().all()
                    ids[table.name] = list(rows)
    return ids


async def table_fingerprint(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Row count and newest update per table: equal before and after means nothing changed."""
    from sqlalchemy import func

    out: dict[str, Any] = {}
    with cross_tenant():
        async with sessionmaker() as s:
            for table in metadata.sorted_tables:
                count = await s.scalar(select(func.count()).select_from(table))
                newest = await s.scalar(select(func.max(table.c.updated_at)))
                out[table.name] = (count, str(newest))
    return out
