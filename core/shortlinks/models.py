"""Short links and their clicks per day. Both tenant-owned; the public redirect finds a link by its code alone,
so the code is unique across tenants (`uq_short_link_code`)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped


class ShortLink(TenantScoped, Base):
    """A link placed in outward content, shortened to `/l/<code>`; `target_url` carries the UTM parameters."""

    __tablename__ = "short_link"
    __table_args__ = (UniqueConstraint("code", name="uq_short_link_code"),
                      Index("ix_short_link_ref", "tenant_id", "origin", "ref_id"))

    code: Mapped[str] = mapped_column(String(16))
    target_url: Mapped[str] = mapped_column(String(2000))
    """Where the link leads: always http(s), as the tenant stored it plus its UTM parameters."""
    origin: Mapped[str] = mapped_column(String(40))
    """Who placed it: the plugin (`talking`, ...), for its own figures."""
    ref_id: Mapped[UUID | None] = mapped_column(GUID, nullable=True)
    """What it was placed in (a post variant, ...), in the origin's own terms."""
    created_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       nullable=True)


class ShortLinkClick(TenantScoped, Base):
    """Clicks on one link on one (UTC) day: one upsert per click."""

    __tablename__ = "short_link_click"
    __table_args__ = (UniqueConstraint("tenant_id", "link_id", "day", name="uq_short_link_click_day"),
                      Index("ix_short_link_click_day", "tenant_id", "day"))

    link_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("short_link.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
