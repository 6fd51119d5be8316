"""Connecting a registered account: the connection page (who may, bad input, a refusal shown with its reason),
sealed credentials, disconnecting, working through `open_channel`, tenant isolation and the export.

Connecting to the AT Protocol runs against the local reference network (`atproto_network`).
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from core.accounts.models import SocialAccount
from core.audit.models import AuditEntry
from core.auth.sealing import unseal
from core.channels import service
from core.channels.connector import ChannelError, NotOnNetwork, PostDraft, PostRef, Unsupported, new_key
from core.channels.models import SEALING_PURPOSE, ChannelConnection
from core.privacy.archive import build_archive
from core.tenancy.scope import tenant_scope
from tests.atnet import AtprotoNetwork
from tests.support import TenantWorld, World, login_as, post_form


async def make_account(sessionmaker: Any, tw: TenantWorld, handle: str, department: str = "marketing") -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            account = SocialAccount(platform="bluesky", handle=handle, department_id=tw.departments[department].id,
                                    status="active", purpose="Klantcontact")
            session.add(account)
            await session.flush()
            return account.id


async def connection_row(sessionmaker: Any, tw: TenantWorld, account_id: UUID) -> ChannelConnection | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(ChannelConnection)
                                        .where(ChannelConnection.social_account_id == account_id))


async def audit_actions(sessionmaker: Any, tw: TenantWorld) -> list[tuple[str, str]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows = await session.scalars(select(AuditEntry).where(AuditEntry.action.like("channel.%"))
                                         .order_by(AuditEntry.created_at))
            return [(r.action, r.reason) for r in rows.all()]


def page_url(tw: TenantWorld, account_id: UUID) -> str:
    return f"/t/{tw.slug}/accounts/{account_id}/connection"


@pytest.fixture
def allow_localhost(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local network answers on localhost: allowed the way the test settings allow loopback."""
    monkeypatch.setattr(app.state.settings, "outbound_allow", (*app.state.settings.outbound_allow, "localhost"))


async def test_connecting_to_the_network_seals_the_app_password(app, client, world: World, sessionmaker,
                                                               atproto_network: AtprotoNetwork,
                                                               allow_localhost) -> None:
    remote = await asyncio.to_thread(atproto_network.create_account)
    account_id = await make_account(sessionmaker, world.a, remote.handle)
    await login_as(client, world.a, "marketer")  # a member of the account's department
    response = await post_form(client, page_url(world.a, account_id),
                               {"connector": "atproto", "identifier": "@" + remote.handle,
                                "secret": remote.app_password, "service_url": atproto_network.pds},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    page = await client.get(page_url(world.a, account_id))
    assert "gekoppeld" in page.text and remote.handle in page.text and atproto_network.pds in page.text
    assert remote.app_password not in page.text and 'name="secret" type="password" value=""' in page.text

    row = await connection_row(sessionmaker, world.a, account_id)
    assert row is not None and (row.connector, row.status, row.remote_did, row.remote_handle) == \
        ("atproto", "connected", remote.did, remote.handle)
    assert remote.app_password not in row.credentials_sealed and remote.app_password not in row.session_sealed
    secret_key = app.state.settings.secret_key
    assert json.loads(unseal(secret_key, SEALING_PURPOSE, row.credentials_sealed)) == \
        {"identifier": remote.handle, "secret": remote.app_password}
    assert unseal(secret_key, SEALING_PURPOSE, row.session_sealed).startswith(f"{remote.handle}:::{remote.did}:::")
    assert await audit_actions(sessionmaker, world.a) == [("channel.connected", "")]

    # working through the stored connection: the figures come back and the account's last post is recorded
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            async with service.open_channel(session, app.state.settings, account_id) as (connector, connection):
                assert connection.secret == remote.app_password
                ref = await connector.publish(connection, PostDraft(text="Hallo vanuit Regie", key=new_key()))
            await asyncio.to_thread(atproto_network.settle)
            figures = await service.read_profile(session, app.state.settings, account_id)
            assert figures.posts == 1 and figures.last_post_at is not None
            account = await session.get(SocialAccount, account_id)
            assert account.last_post_at == figures.last_post_at
            with pytest.raises(Unsupported):  # a caller's mistake: the connection stays as it is
                async with service.open_channel(session, app.state.settings, account_id) as (connector, connection):
                    raise Unsupported("atproto", "fly")
            with pytest.raises(NotOnNetwork):
                async with service.open_channel(session, app.state.settings, account_id) as (connector, connection):
                    await connector.interactions(connection, PostRef.from_uri(ref.uri.replace(ref.key, new_key())))
    assert (await connection_row(sessionmaker, world.a, account_id)).status == "connected"


async def test_a_refused_password_shows_as_failing_with_the_reason(app, client, world: World, sessionmaker,
                                                                  atproto_network: AtprotoNetwork,
                                                                  allow_localhost) -> None:
    remote = await asyncio.to_thread(atproto_network.create_account)
    account_id = await make_account(sessionmaker, world.a, remote.handle)
    await login_as(client, world.a, "regie")  # the regie holder, of another department
    response = await post_form(client, page_url(world.a, account_id),
                               {"connector": "atproto", "identifier": remote.handle, "secret": "wrong-password",
                                "service_url": atproto_network.pds}, follow_redirects=False)
    assert response.status_code == 303
    page = await client.get(page_url(world.a, account_id))
    assert "storing" in page.text and "Invalid identifier or password" in page.text
    row = await connection_row(sessionmaker, world.a, account_id)
    assert (row.status, row.last_error, row.credentials_sealed, row.session_sealed) == \
        ("failing", "Invalid identifier or password", "", "")
    assert row.last_error_at is not None
    assert await audit_actions(sessionmaker, world.a) == [("channel.connect_failed", "Invalid identifier or password")]

    # connected after all, then the password is revoked: the next piece of work fails and says why
    await post_form(client, page_url(world.a, account_id),
                    {"connector": "atproto", "identifier": remote.handle, "secret": remote.password,
                     "service_url": atproto_network.pds})
    assert (await connection_row(sessionmaker, world.a, account_id)).status == "connected"
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            row = await service.connection_row(session, account_id)
            row.session_sealed = ""
            row.credentials_sealed = service._seal(app.state.settings, json.dumps(
                {"identifier": remote.handle, "secret": "revoked"}))
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            with pytest.raises(ChannelError) as failed:
                await service.read_inbound(session, app.state.settings, account_id)
            assert failed.value.auth
    page = await client.get(page_url(world.a, account_id))
    assert "storing" in page.text and "Invalid identifier or password" in page.text


async def test_reading_inbound_moves_the_stored_cursor(app, world: World, sessionmaker,
                                                       atproto_network: AtprotoNetwork, allow_localhost) -> None:
    from atproto import AsyncClient, client_utils

    remote, customer = await asyncio.to_thread(atproto_network.create_account), \
        await asyncio.to_thread(atproto_network.create_account)
    account_id = await make_account(sessionmaker, world.a, remote.handle)
    principal = await member_principal(sessionmaker, world.a, "regie")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await service.connect(session, principal, app.state.settings, account_id,
                                  {"connector": "atproto", "identifier": remote.handle,
                                   "secret": remote.app_password, "service_url": atproto_network.pds})
    client = AsyncClient(base_url=atproto_network.pds)
    await client.login(customer.handle, customer.password)
    text = client_utils.TextBuilder().text("Vraag voor ").mention(f"@{remote.handle}", remote.did)
    mention = (await client.send_post(text)).uri
    await client.request.close()
    await asyncio.to_thread(atproto_network.settle)

    async def read() -> list[str]:
        with tenant_scope(world.a.id):
            async with sessionmaker() as session, session.begin():
                return [i.uri for i in await service.read_inbound(session, app.state.settings, account_id)]

    assert await read() == [mention]
    assert await read() == []
    row = await connection_row(sessionmaker, world.a, account_id)
    assert mention in row.inbound_cursor

    # a rolled-back transaction does not move the cursor: what was read is read again, not lost
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            row = await service.connection_row(session, account_id)
            row.inbound_cursor = ""
            await session.commit()
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert [i.uri for i in await service.read_inbound(session, app.state.settings, account_id)] == [mention]
            await session.rollback()
    assert await read() == [mention]


async def member_principal(sessionmaker: Any, tw: TenantWorld, who: str) -> Any:
    from core.auth.principal import tenant_roles

    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await tenant_roles(session, tw.users[who], tw.tenant)


async def test_bad_input_is_refused_per_field_and_nothing_is_stored(client, world: World, sessionmaker) -> None:
    account_id = await make_account(sessionmaker, world.a, "acme.bsky.social")
    await login_as(client, world.a, "marketer")
    url = page_url(world.a, account_id)
    cases = [
        ({"connector": "fax"}, {"connector"}),
        ({"connector": "atproto", "identifier": "", "secret": ""}, {"identifier", "secret"}),
        ({"connector": "atproto", "identifier": "x" * 300, "secret": "s", "service_url": "http://10.1.2.3"},
         {"identifier", "service_url"}),
        ({"connector": "atproto", "identifier": "a", "secret": "s", "service_url": "ftp://example.org"},
         {"service_url"}),
        ({"connector": "webhook", "service_url": ""}, {"service_url"}),
    ]
    for data, fields in cases:
        response = await post_form(client, url, data)
        assert response.status_code == 422, data
        for field in fields - {"connector"}:
            assert f'id="e-{field}"' in response.text, (data, field)
        assert ("Kies een van: atproto, posted_elsewhere, webhook." in response.text) == ("connector" in fields)
        assert "s3cr3t" not in response.text
    response = await post_form(client, url, {"connector": "atproto", "identifier": "", "secret": "s3cr3t"})
    assert response.status_code == 422 and "s3cr3t" not in response.text  # a password never comes back
    assert await connection_row(sessionmaker, world.a, account_id) is None
    assert await audit_actions(sessionmaker, world.a) == []


async def test_only_the_department_or_the_regie_holder_may_connect(client, world: World, sessionmaker) -> None:
    account_id = await make_account(sessionmaker, world.a, "acme-marketing")
    url = page_url(world.a, account_id)
    for who, expected in (("viewer", 403), ("agent", 403), ("admin", 403), ("member", 303), ("regie", 303)):
        client.cookies.clear()
        await login_as(client, world.a, who)
        page = await client.get(url)
        assert page.status_code == 200 and ("Koppelen</button>" in page.text) == (expected == 303), who
        response = await post_form(client, url, {"connector": "posted_elsewhere"}, follow_redirects=False)
        assert response.status_code == expected, (who, response.status_code)
    row = await connection_row(sessionmaker, world.a, account_id)
    assert (row.connector, row.status) == ("posted_elsewhere", "connected")


async def test_disconnect_forgets_the_credentials(client, world: World, sessionmaker, receiver_url: str) -> None:
    account_id = await make_account(sessionmaker, world.a, "acme-hook")
    url = page_url(world.a, account_id)
    await login_as(client, world.a, "marketer")
    response = await post_form(client, f"{url}/disconnect", {}, follow_redirects=False)
    assert response.status_code == 409  # nothing to disconnect
    response = await post_form(client, url, {"connector": "webhook", "service_url": receiver_url})
    assert response.status_code == 200 and 'id="new-secret"' in response.text  # the signing secret, once
    row = await connection_row(sessionmaker, world.a, account_id)
    assert row.credentials_sealed and row.status == "connected"
    assert 'id="new-secret"' not in (await client.get(url)).text
    for _ in range(2):  # again: nothing changes
        response = await post_form(client, f"{url}/disconnect", {}, follow_redirects=False)
        assert response.status_code == 303
    row = await connection_row(sessionmaker, world.a, account_id)
    assert (row.status, row.credentials_sealed, row.session_sealed) == ("disconnected", "", "")
    assert [a for a, _r in await audit_actions(sessionmaker, world.a)] == ["channel.connected", "channel.disconnected"]
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            with pytest.raises(service.NotConnected):
                async with service.open_channel(session, None, account_id):
                    pass


@pytest.fixture
def receiver_url() -> str:
    return "http://127.0.0.1:9/hook"  # allowed by the test settings; never called when connecting


async def test_another_tenant_sees_neither_the_page_nor_the_rows(client, world: World, sessionmaker) -> None:
    account_id = await make_account(sessionmaker, world.a, "acme-private")
    await login_as(client, world.a, "regie")
    assert (await post_form(client, page_url(world.a, account_id), {"connector": "posted_elsewhere"},
                            follow_redirects=False)).status_code == 303
    client.cookies.clear()
    await login_as(client, world.b, "regie")
    for url in (page_url(world.b, account_id), page_url(world.a, account_id)):
        assert (await client.get(url)).status_code in (403, 404)
        response = await post_form(client, url, {"connector": "posted_elsewhere"}, follow_redirects=False)
        assert response.status_code in (403, 404)
        response = await post_form(client, url + "/disconnect", {}, follow_redirects=False)
        assert response.status_code in (403, 404)
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert (await session.scalars(select(ChannelConnection))).all() == []
            assert await service.channel_states(session) == {}
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert list(await service.channel_states(session, [account_id])) == [account_id]
    assert (await connection_row(sessionmaker, world.a, account_id)).status == "connected"


async def test_the_export_leaves_the_sealed_credentials_out(app, world: World, sessionmaker, tmp_path: Path) -> None:
    account_id = await make_account(sessionmaker, world.a, "acme-export")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(ChannelConnection(social_account_id=account_id, connector="atproto", remote_handle="acme",
                                          credentials_sealed="SEALED-CREDENTIALS", session_sealed="SEALED-SESSION",
                                          inbound_cursor=""))
    target = tmp_path / "export.zip"
    await build_archive(sessionmaker, world.a.id, target)
    with zipfile.ZipFile(target) as archive:
        [row] = [json.loads(line) for line in archive.read("tables/channel_connection.jsonl").decode().splitlines()]
        everything = b"".join(archive.read(name) for name in archive.namelist())
    assert row["remote_handle"] == "acme" and "credentials_sealed" not in row and "session_sealed" not in row
    assert b"SEALED-CREDENTIALS" not in everything and b"SEALED-SESSION" not in everything


async def test_the_daily_job_reads_every_connected_profile(app, world: World, sessionmaker,
                                                           atproto_network: AtprotoNetwork, allow_localhost) -> None:
    from core.plugins.api import run_named_job

    remote = await asyncio.to_thread(atproto_network.create_account)
    working = await make_account(sessionmaker, world.a, remote.handle)
    broken = await make_account(sessionmaker, world.a, "acme-broken")
    by_hand = await make_account(sessionmaker, world.a, "acme-by-hand")
    principal = await member_principal(sessionmaker, world.a, "regie")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await service.connect(session, principal, app.state.settings, working,
                                  {"connector": "atproto", "identifier": remote.handle,
                                   "secret": remote.app_password, "service_url": atproto_network.pds})
            await service.connect(session, principal, app.state.settings, by_hand, {"connector": "posted_elsewhere"})
            session.add(ChannelConnection(social_account_id=broken, connector="atproto", remote_did="did:plc:gone",
                                          service_url=atproto_network.pds, inbound_cursor=""))
            async with service.open_channel(session, app.state.settings, working) as (connector, connection):
                await connector.publish(connection, PostDraft(text="Nog actief", key=new_key()))
    await asyncio.to_thread(atproto_network.settle)

    assert await run_named_job(app, "core.channels.profiles", world.a.id) == {"read": 1, "failed": 1}
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await session.get(SocialAccount, working)).last_post_at is not None
            states = await service.channel_states(session)
    assert (states[working].status, states[by_hand].status) == ("connected", "connected")
    assert states[broken].status == "failing" and "connect the account again" in states[broken].last_error
    assert await run_named_job(app, "core.channels.profiles", world.a.id) == {"read": 1, "failed": 1}  # again


async def test_the_page_speaks_english_to_who_reads_english(client, world: World, sessionmaker) -> None:
    from core.auth.models import User

    account_id = await make_account(sessionmaker, world.a, "acme-en")
    async with sessionmaker() as session, session.begin():
        (await session.get(User, world.a.users["marketer"].id)).locale = "en"
    await login_as(client, world.a, "marketer")
    page = await client.get(page_url(world.a, account_id))
    assert "Connection of acme-en" in page.text and "This account is not connected yet." in page.text
    assert "App password" in page.text and "Koppelen" not in page.text
    await post_form(client, page_url(world.a, account_id), {"connector": "posted_elsewhere"})
    page = await client.get(page_url(world.a, account_id))
    assert "Posted elsewhere (by hand)" in page.text and ">connected<" in page.text
