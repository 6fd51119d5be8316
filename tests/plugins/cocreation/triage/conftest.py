"""Fixtures for development's side of the board: ideas, customers, votes, followers and comments made directly,
so each test starts from the state it needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.customers.models import Customer
from core.tenancy.scope import tenant_scope
from plugins.cocreation.models import Comment, Follower, Idea, Vote
from plugins.cocreation.settings import board_settings, next_idea_number
from tests.support import TenantWorld, delivered_mails

STAFF = "/t/acme/p/cocreation/"
API = "/api/v1/t/acme/cocreation/"


async def add_customer(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, email: str,
                       name: str = "") -> Customer:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            customer = Customer(email=email, display_name=name or email.split("@")[0])
            session.add(customer)
    return customer


async def add_idea(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, title: str = "Dark mode", *,
                   voters: tuple[Customer, ...] = (), followers: tuple[Customer, ...] = (), comments: int = 0,
                   status: str = "published", days_ago: float = 1, **values: Any) -> Idea:
    """A published idea in the first stage with votes, followers and published comments as given."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            values = {"stage_key": "new", "vote_count": len(voters), "follower_count": len(followers),
                      "comment_count": comments, **values}
            idea = Idea(number=await next_idea_number(session), title=title, description=f"About {title}.",
                        status=status, source="board", author_name="Klant",
                        created_at=datetime.now(UTC) - timedelta(days=days_ago), **values)
            session.add(idea)
            await session.flush()
            session.add_all([Vote(idea_id=idea.id, customer_id=c.id) for c in voters])
            session.add_all([Follower(idea_id=idea.id, customer_id=c.id) for c in followers])
            session.add_all([Comment(idea_id=idea.id, body=f"Comment {n}", status="published", author_name="Klant")
                             for n in range(comments)])
    return idea


async def get(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, row_id: Any) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.get(model, row_id)


async def count(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any, *where: Any) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def audits(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, action: str) -> list[AuditEntry]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                               .order_by(AuditEntry.created_at))).all())


async def mails(app: Any) -> list[dict[str, Any]]:
    """The mails delivered so far (the outbox relayed and the mail queue worked off)."""
    return await delivered_mails(app)
