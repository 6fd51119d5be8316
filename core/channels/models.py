"""A registered social account's connection to its network (one per account)."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import GUID
from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base, TenantScoped

SEALING_PURPOSE = "channel-credentials"
"""Sealing purpose of credentials and saved sessions (core.auth.sealing): a value sealed here opens nowhere else."""
NOT_EXPORTED = {"export": False}
"""Column info for secrets: the tenant export leaves the value out (core/privacy/archive.py)."""


class ConnectionStatus(enum.StrEnum):
    connected = "connected"
    """The last piece of work with the network succeeded."""
    failing = "failing"
    """The last piece of work failed; `last_error` says why."""
    disconnected = "disconnected"
    """Someone disconnected it: no credentials are kept."""


class ChannelConnection(TenantScoped, Base):
    __tablename__ = "channel_connection"
    __table_args__ = (UniqueConstraint("tenant_id", "social_account_id", name="uq_channel_connection_account"),)

    social_account_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("social_account.id", ondelete="CASCADE"))
    connector: Mapped[str] = mapped_column(String(40))
    service_url: Mapped[str] = mapped_column(String(500), default="")
    remote_did: Mapped[str] = mapped_column(String(200), default="")
    """The account's identity on the network (AT Protocol: its DID), as the network answered at connecting."""
    remote_handle: Mapped[str] = mapped_column(String(253), default="")
    credentials_sealed: Mapped[str] = mapped_column(Text, default="", info=NOT_EXPORTED)
    """{"identifier", "secret"} as JSON, sealed; never logged, shown or exported."""
    session_sealed: Mapped[str] = mapped_column(Text, default="", info=NOT_EXPORTED)
    """The saved sign-in (AT Protocol access and refresh token), sealed; renewed as the network renews it."""
    status: Mapped[str] = mapped_column(String(20), default=ConnectionStatus.connected.value)
    last_error: Mapped[str] = mapped_column(Text, default="")
    """Why the last piece of work failed, as the network said it (shown on the account's connection page)."""
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When work with the network last succeeded."""
    inbound_cursor: Mapped[str] = mapped_column(Text, default="")
    """Where reading mentions and replies stopped (`ChannelConnector.inbound`); kept with what was stored."""
    connected_by_id: Mapped[UUID | None] = mapped_column(GUID, ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         nullable=True)
