"""Single sign-on in a real browser: the tenant's sign-in page → the organisation's provider (the mock
OIDC provider on localhost) → back to Regie, signed in as a member provisioned just in time.

The provider runs in this process; the app (a uvicorn subprocess) may reach it because the test allows
127.0.0.1 as an outbound destination. A screenshot of each step lands in test-artifacts/e2e/.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import werkzeug.serving
from oidc_provider_mock import app as provider_app

from tests.e2e.conftest import ROOT, _serve

pytestmark = pytest.mark.e2e

SEED = """
import asyncio, sys
from sqlalchemy import select
from core.auth.sealing import seal
from core.db.engine import make_engine, make_sessionmaker
from core.settings import Settings
from core.sso.models import SECRET_PURPOSE, OidcProvider
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope

async def main():
    s = Settings.from_env()
    sm = make_sessionmaker(make_engine(s))
    async with sm() as db:
        tenant = await db.scalar(select(Tenant).where(Tenant.slug == "vitaal"))
    with tenant_scope(tenant.id):
        async with sm() as db, db.begin():
            db.add(OidcProvider(name="Vitaal ID", issuer=sys.argv[1], client_id="regie",
                                client_secret_sealed=seal(s.secret_key, SECRET_PURPOSE, "secret"),
                                allowed_domains=["vitaal.example"], role_claim="groups", role_map={},
                                default_role="member", department_claim="", department_map={},
                                jit_enabled=True, enabled=True, local_passwords_enabled=False))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory, provider: str) -> Iterator[str]:
    """The demo instance, allowed to reach the provider on localhost, with Vitaal signing in through it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REGIE_OUTBOUND_ALLOW", "127.0.0.1")
        for url, env in _serve(tmp_path_factory.mktemp("e2e-sso"), "demo"):
            subprocess.run([sys.executable, "-c", SEED, provider], env=env, check=True, cwd=ROOT)
            yield url


def test_sign_in_through_the_organisations_provider(browser: Any, sso_server: str, shot: Any) -> None:
    page = browser.new_context(base_url=sso_server, locale="nl-NL").new_page()
    page.goto("/t/vitaal/login")
    button = page.locator("#sso-button")
    assert button.inner_text() == "Inloggen met Vitaal ID"
    assert page.locator("#f-password").count() == 0  # passwords are off for this organisation
    shot(page, "login")
    button.click()
    page.wait_for_selector("input[name=sub]")
    assert "/oauth2/authorize" in page.url
    page.fill("input[name=sub]", "nieuw.lid@vitaal.example")
    shot(page, "provider")
    page.locator("button[type=submit]", has_text="Authorize").click()
    page.wait_for_url(f"{sso_server}/t/vitaal/")
    shot(page, "signed-in")
    assert page.locator("main").count() == 1

