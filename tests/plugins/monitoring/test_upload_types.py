"""Monitoring imports are checked by their bytes (core.web.uploads via core.plugins.api): web page and API."""

from __future__ import annotations

from sqlalchemy import func, select

from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import ImportRun
from tests.plugins.monitoring.test_imports import API, add_source, upload
from tests.support import api_headers, login_as

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


async def import_count(sessionmaker, tenant_id) -> int:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(ImportRun)) or 0)


async def test_an_image_named_csv_is_refused_on_the_page_and_the_api(client, mon, sessionmaker):
    source = await add_source(sessionmaker, mon.a.id)
    await login_as(client, mon.a, "member")
    page = await upload(client, source, "export.csv", PNG)
    assert page.status_code == 422
    assert "De inhoud van het bestand is van geen van de toegestane soorten (CSV, JSON)." in page.text
    headers = await api_headers(sessionmaker, mon.a, "member")
    api = await client.post(f"{API}/imports", headers=headers, data={"source": str(source)},
                            files={"file": ("export.json", PNG, "application/json")})
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": "file",
                                     "reason": "De inhoud van het bestand is van geen van de toegestane soorten "
                                               "(CSV, JSON)."}]
    nul = await client.post(f"{API}/imports", headers=headers, data={"source": str(source)},
                            files={"file": ("export.csv", b"id,text\n1,a\x00b\n", "text/csv")})
    assert nul.status_code == 422 and nul.json()["errors"][0]["reason"] == \
        "Het bestand is geen tekst: byte 12 is een NUL-byte."
    assert await import_count(sessionmaker, mon.a.id) == 0
