"""Connecting a registered social account to its network, and opening that connection for work.

- `connect` checks the form (bad input: 422 on its field, nothing stored), then asks the network. Accepted: the
  connection keeps the remote identity and the credentials and session SEALED (`core.auth.sealing`, purpose
  `channel-credentials`). Refused: the connection is stored as failing with the network's reason, which the
  account's connection page shows; credentials that were refused are not kept.
- `open_channel` is how a plugin works with a connected account: the connector and the unsealed connection for
  the length of a `with` block; afterwards a renewed session is sealed again, success marks it connected, a
  `ChannelError` marks it failing with its reason (and is raised on). A caller mistake (`Unsupported`) or a
  post that is not on the network (`NotOnNetwork`) leaves the state as it was.
- Who may connect or disconnect: a member (not a viewer) of the account's department, or the regie holder.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.activity import record_post
from core.accounts.models import SocialAccount
from core.audit.service import record
from core.auth.sealing import SealError, seal, unseal
from core.channels.atproto import DEFAULT_SERVICE
from core.channels.connector import (
    ChannelConnector,
    ChannelError,
    Connection,
    Credentials,
    InboundItem,
    NotOnNetwork,
    ProfileFigures,
    Unsupported,
)
from core.channels.models import SEALING_PURPOSE, ChannelConnection, ConnectionStatus
from core.channels.registry import CONNECTORS, channel_connector
from core.db.base import utcnow
from core.db.lookup import get_or_404
from core.errors import PermissionDenied, Refused
from core.net.outbound import check_outbound_url
from core.validation import FieldErrors, clean_choice, clean_text

CONNECT_RULE = "only a member (not a viewer) of the account's department, or the regie holder"
"""`may_connect` in words, declared on the routes (`opt["rule"]`) for the authorisation page."""


class NotConnected(ChannelError):
    """The account has no connection (or was disconnected)."""

    def __init__(self) -> None:
        super().__init__("the account is not connected to its network")


@dataclass(frozen=True)
class ChannelState:
    """What a page may show of a connection: never a credential."""

    social_account_id: UUID
    connector: str
    status: str
    remote_handle: str
    service_url: str
    last_error: str
    last_error_at: datetime | None
    last_checked_at: datetime | None
    remote_did: str = ""
    """The remote identity (AT Protocol: the DID), which stays when the handle changes."""

    @property
    def connected(self) -> bool:
        return self.status == ConnectionStatus.connected.value


def state_of(row: ChannelConnection) -> ChannelState:
    return ChannelState(social_account_id=row.social_account_id, connector=row.connector, status=row.status,
                        remote_handle=row.remote_handle, remote_did=row.remote_did, service_url=row.service_url,
                        last_error=row.last_error, last_error_at=row.last_error_at,
                        last_checked_at=row.last_checked_at)


async def connection_row(session: AsyncSession, social_account_id: UUID) -> ChannelConnection | None:
    return await session.scalar(select(ChannelConnection)
                                .where(ChannelConnection.social_account_id == social_account_id))


async def channel_states(session: AsyncSession, social_account_ids: list[UUID] | None = None
                         ) -> dict[UUID, ChannelState]:
    """The connections of these accounts (None: every account), in one query."""
    query = select(ChannelConnection)
    if social_account_ids is not None:
        if not social_account_ids:
            return {}
        query = query.where(ChannelConnection.social_account_id.in_(social_account_ids))
    return {row.social_account_id: state_of(row) for row in (await session.scalars(query)).all()}


def may_connect(principal: Any, account: SocialAccount) -> bool:
    """The regie holder, or a member of the account's own department who may work (not a viewer)."""
    if principal is None:
        return False
    if principal.has("regie"):
        return True
    membership = getattr(principal, "membership", None)
    return bool(membership is not None and membership.role != "viewer" and account.department_id is not None
                and membership.department_id == account.department_id)


# -- sealing -------------------------------------------------------------------------------------------------------

def _seal(settings: Any, text: str) -> str:
    return seal(settings.secret_key, SEALING_PURPOSE, text) if text else ""


def _unseal(settings: Any, sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return unseal(settings.secret_key, SEALING_PURPOSE, sealed)
    except SealError:
        return ""  # sealed under another secret key: as if none were stored (connect again)


def connection_of(row: ChannelConnection, settings: Any) -> Connection:
    """The stored connection with its credentials unsealed, for the length of some work."""
    try:
        stored = json.loads(_unseal(settings, row.credentials_sealed) or "{}")
    except ValueError:
        stored = {}
    return Connection(connector=row.connector, service_url=row.service_url, did=row.remote_did,
                      handle=row.remote_handle, identifier=str(stored.get("identifier") or ""),
                      secret=str(stored.get("secret") or ""), session=_unseal(settings, row.session_sealed),
                      social_account_id=row.social_account_id)


# -- connecting ----------------------------------------------------------------------------------------------------

async def _service_url(value: Any, settings: Any, required: bool, default: str = "") -> str:
    url = clean_text(value, "service_url", required=required, max_length=500) or default
    return await asyncio.to_thread(check_outbound_url, url, settings, "service_url")


async def clean_connect(values: dict[str, Any], settings: Any) -> tuple[str, Credentials]:
    """The connector and the credentials of the form; every field's problem at once (DomainError). The service
    address is checked against private networks here, so a wrong one is bad input, not a failing connection."""
    errors = FieldErrors()
    connector = errors.clean(clean_choice, values.get("connector"), "connector", CONNECTORS)
    credentials = Credentials()
    if connector == "atproto":
        identifier = errors.clean(clean_text, values.get("identifier"), "identifier", max_length=253)
        secret = errors.clean(clean_text, values.get("secret"), "secret", max_length=200)
        url = await errors.aclean(_service_url, values.get("service_url"), settings, False, DEFAULT_SERVICE)
        credentials = Credentials((identifier or "").lstrip("@"), secret or "", url or "")
    elif connector == "webhook":
        url = await errors.aclean(_service_url, values.get("service_url"), settings, True)
        credentials = Credentials(secret=secrets.token_urlsafe(32), service_url=url or "")
    errors.raise_if_any()
    assert connector is not None
    return connector, credentials


async def connect(session: AsyncSession, principal: Any, settings: Any, account_id: Any, values: dict[str, Any],
                  *, transport: httpx.AsyncBaseTransport | None = None) -> tuple[ChannelConnection, str]:
    """Connect the account; returns (its connection, a webhook secret to show once or ""). A refusal by the
    network is no exception here: the connection is stored as failing with the reason."""
    account = await get_or_404(session, SocialAccount, account_id)
    if not may_connect(principal, account):
        raise PermissionDenied("account.connect")
    name, credentials = await clean_connect(values, settings)
    row = await connection_row(session, account.id)
    now = utcnow()
    try:
        connection = await channel_connector(name, settings, transport=transport).connect(account, credentials)
    except ChannelError as exc:
        if row is None:
            row = ChannelConnection(social_account_id=account.id, connector=name,
                                    service_url=credentials.service_url, inbound_cursor="")
            session.add(row)
        row.status, row.last_error, row.last_error_at = ConnectionStatus.failing.value, exc.reason, now
        await session.flush()
        await record(session, principal, "channel.connect_failed", subject=account,
                     summary=f"{account.platform}:{account.handle} → {name}", reason=exc.reason,
                     data={"connector": name, "service_url": credentials.service_url})
        return row, ""
    if row is None:
        row = ChannelConnection(social_account_id=account.id, inbound_cursor="")
        session.add(row)
    if (row.connector, row.remote_did, row.service_url) != (name, connection.did, connection.service_url):
        row.inbound_cursor = ""  # another account or network: what was read there says nothing here
    row.connector, row.service_url = name, connection.service_url
    row.remote_did, row.remote_handle = connection.did, connection.handle
    row.credentials_sealed = _seal(settings, json.dumps({"identifier": connection.identifier,
                                                         "secret": connection.secret})) \
        if connection.identifier or connection.secret else ""
    row.session_sealed = _seal(settings, connection.session)
    row.status, row.last_error, row.last_error_at = ConnectionStatus.connected.value, "", None
    row.last_checked_at = now
    row.connected_by_id = getattr(principal, "user_id", None)
    await session.flush()
    await record(session, principal, "channel.connected", subject=account,
                 summary=f"{account.platform}:{account.handle} → {name}",
                 data={"connector": name, "service_url": row.service_url, "did": row.remote_did,
                       "handle": row.remote_handle})
    return row, credentials.secret if name == "webhook" else ""


async def disconnect(session: AsyncSession, principal: Any, account_id: Any) -> ChannelConnection:
    """Forget the credentials and the session; the state and the last failure stay for the record.
    Disconnecting again changes nothing."""
    account = await get_or_404(session, SocialAccount, account_id)
    if not may_connect(principal, account):
        raise PermissionDenied("account.connect")
    row = await connection_row(session, account.id)
    if row is None:
        raise Refused(msgid="This account is not connected.")
    if row.status == ConnectionStatus.disconnected.value:
        return row
    row.credentials_sealed, row.session_sealed = "", ""
    row.status = ConnectionStatus.disconnected.value
    await session.flush()
    await record(session, principal, "channel.disconnected", subject=account,
                 summary=f"{account.platform}:{account.handle} ← {row.connector}", data={"connector": row.connector})
    return row


# -- working with a connection ---------------------------------------------------------------------------------

@asynccontextmanager
async def _opened(session: AsyncSession, settings: Any, social_account_id: UUID,
                  transport: httpx.AsyncBaseTransport | None
                  ) -> AsyncIterator[tuple[ChannelConnector, Connection, ChannelConnection]]:
    row = await connection_row(session, social_account_id)
    if row is None or row.status == ConnectionStatus.disconnected.value:
        raise NotConnected()
    connection = connection_of(row, settings)
    saved = connection.session
    try:
        yield channel_connector(row.connector, settings, transport=transport), connection, row
    except (Unsupported, NotOnNetwork):
        raise
    except ChannelError as exc:
        row.status, row.last_error, row.last_error_at = ConnectionStatus.failing.value, exc.reason, utcnow()
        raise
    else:
        row.status, row.last_checked_at = ConnectionStatus.connected.value, utcnow()
    finally:
        if connection.session != saved:
            row.session_sealed = _seal(settings, connection.session)
        await session.flush()


@asynccontextmanager
async def open_channel(session: AsyncSession, settings: Any, social_account_id: UUID, *,
                       transport: httpx.AsyncBaseTransport | None = None
                       ) -> AsyncIterator[tuple[ChannelConnector, Connection]]:
    """The account's connector and connection for some work (`NotConnected` when it has none). The state it
    leaves (connected, or failing with the reason) is written in `session`'s transaction: commit it even when
    the work failed, or the reason is lost with the rollback."""
    async with _opened(session, settings, social_account_id, transport) as (connector, connection, _row):
        yield connector, connection


async def read_inbound(session: AsyncSession, settings: Any, social_account_id: UUID, *,
                       transport: httpx.AsyncBaseTransport | None = None) -> list[InboundItem]:
    """Mentions of and replies to the account since the last read. The cursor moves in `session`'s
    transaction: store the items in the same one, and a rollback reads them again instead of losing them."""
    async with _opened(session, settings, social_account_id, transport) as (connector, connection, row):
        items, cursor = await connector.inbound(connection, row.inbound_cursor or None)
        row.inbound_cursor = cursor
    return items


async def read_profile(session: AsyncSession, settings: Any, social_account_id: UUID, *,
                       transport: httpx.AsyncBaseTransport | None = None) -> ProfileFigures:
    """The account's figures from the network; its last post goes to the registry (dormancy reads it there)."""
    async with open_channel(session, settings, social_account_id, transport=transport) as (connector, connection):
        figures = await connector.profile(connection)
    if figures.last_post_at is not None:
        await record_post(session, social_account_id, figures.last_post_at)
    return figures
