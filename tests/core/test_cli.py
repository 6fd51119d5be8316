"""`regie` commands through click's CliRunner against a temporary SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from core.cli.main import cli
from core.settings import Settings

PASSWORD = "Sterk-genoeg-2026"


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("cli-var")
    env = {"DATABASE_URL": f"sqlite:///{var / 'cli.sqlite3'}", "REGIE_VAR_DIR": str(var), "BROKER_URL": "",
           "SECRET_KEY": "cli-test-" + "x" * 32}
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    return env


@pytest.fixture
def regie(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def query(env: dict[str, str], fn: Callable[[Any], Any]) -> Any:
    """Read the CLI's database directly (tenant-owned tables inside cross_tenant)."""
    from core.db.engine import make_engine, make_sessionmaker
    from core.tenancy.scope import cross_tenant

    settings = Settings.from_env(var_dir=Path(env["REGIE_VAR_DIR"]))

    async def main() -> Any:
        engine = make_engine(settings)
        try:
            with cross_tenant():
                async with make_sessionmaker(engine)() as session:
                    return await fn(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def count(env: dict[str, str], model: Any, *where: Any) -> int:
    async def fn(session: Any) -> int:
        return await session.scalar(select(func.count()).select_from(model).where(*where))

    return query(env, fn)


def test_help_lists_every_command(regie: Callable[..., Result]) -> None:
    out = regie("--help").output
    for name in ("serve", "worker", "db", "tenant", "user", "mediator", "token", "plugin", "demo"):
        assert name in out


def test_tenant_create_and_errors(regie: Callable[..., Result], cli_env: dict[str, str]) -> None:
    from core.audit.models import AuditEntry
    from core.tenancy.models import Tenant

    ok = regie("tenant", "create", "--slug", "havenstad", "--name", "Gemeente Havenstad",
               "--org-model", "centralized")
    assert ok.exit_code == 0, ok.output
    assert "havenstad" in ok.output
    assert count(cli_env, Tenant, Tenant.slug == "havenstad") == 1
    assert count(cli_env, AuditEntry, AuditEntry.action == "tenant.created",
                 AuditEntry.actor_label == "operator (CLI)") == 1

    dup = regie("tenant", "create", "--slug", "havenstad", "--name", "Nog een")
    assert dup.exit_code == 2
    assert "slug: This address is already taken." in dup.output
    assert "Traceback" not in dup.output

    bad = regie("tenant", "create", "--slug", "X!", "--name", " ", "--org-model", "anarchy")
    assert bad.exit_code == 2
    assert "slug: Use 3-63 lowercase letters" in bad.output
    assert "name: This field is required." in bad.output
    assert "org_model: Choose one of:" in bad.output
    assert count(cli_env, Tenant) == 1


def test_user_create_and_errors(regie: Callable[..., Result], cli_env: dict[str, str]) -> None:
    from core.auth.models import Membership, User
    from core.workgroup.models import Department

    regie("tenant", "create", "--slug", "polder", "--name", "Waterschap Polder")

    async def add_department(session: Any) -> None:
        from core.tenancy.models import Tenant
        from core.tenancy.scope import tenant_scope

        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "polder"))
        with tenant_scope(tenant.id):
            session.add(Department(name="Communicatie", business_function="corporate_communication", is_hub=True))
            await session.commit()

    query(cli_env, add_department)

    ok = regie("user", "create", "--tenant", "polder", "--email", "Anna@Polder.example", "--password", PASSWORD,
               "--role", "member", "--department", "communicatie", "--name", "Anna de Wit")
    assert ok.exit_code == 0, ok.output
    assert "anna@polder.example" in ok.output

    async def membership(session: Any) -> tuple[str, str, str]:
        row = await session.scalar(select(Membership).join(User).where(User.email == "anna@polder.example"))
        dep = await session.get(Department, row.department_id)
        return row.role, dep.name, row.user.name

    assert query(cli_env, membership) == ("member", "Communicatie", "Anna de Wit")

    # the same person again, now as admin: the membership is updated, no second user
    again = regie("user", "create", "--tenant", "polder", "--email", "anna@polder.example", "--password",
                  PASSWORD, "--role", "admin")
    assert again.exit_code == 0, again.output
    assert count(cli_env, User, User.email == "anna@polder.example") == 1
    assert query(cli_env, membership)[0] == "admin"

    users_before = count(cli_env, User)
    cases = [
        (["--tenant", "nergens", "--email", "x@y.example", "--password", PASSWORD, "--role", "admin"],
         "tenant: No organisation with this slug."),
        (["--tenant", "polder", "--email", "geen-adres", "--password", PASSWORD, "--role", "admin"],
         "email: This is not a valid e-mail address."),
        (["--tenant", "polder", "--email", "zwak@polder.example", "--password", "kort", "--role", "admin"],
         "password: Use at least 12 characters."),
        (["--tenant", "polder", "--email", "zwak@polder.example", "--password", "alleenletters", "--role", "admin"],
         "password: Mix letters with digits"),
        (["--tenant", "polder", "--email", "rol@polder.example", "--password", PASSWORD, "--role", "boss"],
         "role: Choose one of: admin, member, viewer."),
        (["--tenant", "polder", "--email", "dep@polder.example", "--password", PASSWORD, "--role", "member",
          "--department", "Onbekend"], "department: No department with this name."),
    ]
    for args, message in cases:
        result = regie("user", "create", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    assert count(cli_env, User) == users_before, "a refused command stores nothing"


def test_mediator_create(regie: Callable[..., Result], cli_env: dict[str, str]) -> None:
    from core.auth.models import User

    ok = regie("mediator", "create", "--email", "adviseur@bureau.example", "--password", PASSWORD, "--name", "Eva")
    assert ok.exit_code == 0, ok.output
    assert count(cli_env, User, User.email == "adviseur@bureau.example", User.is_mediator.is_(True)) == 1
    dup = regie("mediator", "create", "--email", "adviseur@bureau.example", "--password", PASSWORD)
    assert dup.exit_code == 2 and "email: This e-mail address is already in use." in dup.output
    weak = regie("mediator", "create", "--email", "nog@bureau.example", "--password", "123")
    assert weak.exit_code == 2 and "password:" in weak.output


def test_token_create(regie: Callable[..., Result], cli_env: dict[str, str]) -> None:
    from core.auth.models import ApiToken
    from core.auth.tokens import digest

    regie("tenant", "create", "--slug", "tokens", "--name", "Token BV")
    regie("user", "create", "--tenant", "tokens", "--email", "api@tokens.example", "--password", PASSWORD,
          "--role", "member")
    ok = regie("token", "create", "--tenant", "tokens", "--email", "api@tokens.example", "--name", "CI")
    assert ok.exit_code == 0, ok.output
    secret = ok.output.strip().splitlines()[-1]
    assert secret.startswith("rg_") and len(secret) > 30

    async def stored(session: Any) -> tuple[str, str]:
        row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
        return row.prefix, row.name

    assert query(cli_env, stored) == (secret[:8], "CI")

    stranger = regie("token", "create", "--tenant", "tokens", "--email", "niemand@tokens.example")
    assert stranger.exit_code == 2
    assert "email: This person is not a member of this organisation." in stranger.output
    unknown = regie("token", "create", "--tenant", "geen", "--email", "api@tokens.example")
    assert unknown.exit_code == 2 and "tenant: No organisation with this slug." in unknown.output


def test_plugin_activate(regie: Callable[..., Result], cli_env: dict[str, str]) -> None:
    from core.activation.models import PluginActivation
    from core.audit.models import AuditEntry

    assert regie("demo").exit_code == 0
    unknown = regie("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "fax", "--department", "HR")
    assert unknown.exit_code == 2 and "plugin: Choose one of:" in unknown.output
    no_dep = regie("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "monitoring",
                   "--department", "Kantine")
    assert no_dep.exit_code == 2 and "department:" in no_dep.output
    before = count(cli_env, PluginActivation, PluginActivation.plugin == "cocreation")  # Vitaal's, from the demo
    early = regie("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "cocreation",
                  "--department", "HR")
    assert early.exit_code == 2 and "Traceback" not in early.output
    assert count(cli_env, PluginActivation, PluginActivation.plugin == "cocreation") == before

    ok = regie("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "monitoring",
               "--department", "Communicatie")
    assert ok.exit_code == 0, ok.output
    assert count(cli_env, PluginActivation, PluginActivation.plugin == "monitoring",
                 PluginActivation.status == "active") >= 1
    forced = regie("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "cocreation",
                   "--department", "HR", "--force")
    assert forced.exit_code == 0, forced.output
    assert count(cli_env, AuditEntry, AuditEntry.actor_label == "operator (CLI)",
                 AuditEntry.action.like("plugin.%")) >= 2


def test_plugin_activate_refuses_a_blocked_plugin_unless_forced(regie: Callable[..., Result],
                                                                cli_env: dict[str, str]) -> None:
    from core.audit.models import AuditEntry

    assert regie("demo").exit_code == 0
    forced_entries = (AuditEntry.action == "plugin.activated_by_operator", AuditEntry.summary.like("cocreation%"))
    before = count(cli_env, AuditEntry, *forced_entries)  # another test may have forced it already
    args = ("plugin", "activate", "--tenant", "zuiderhaven", "--plugin", "cocreation", "--department", "HR")
    blocker = "Co-creation can be activated from the pilot phase on; the organisation is in the listening phase."
    refused = regie(*args)
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert blocker in refused.output
    assert count(cli_env, AuditEntry, *forced_entries) == before
    forced = regie(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert count(cli_env, AuditEntry, *forced_entries) == before + 1

    async def entry(session: Any) -> AuditEntry:
        return await session.scalar(select(AuditEntry).where(*forced_entries)
                                    .order_by(AuditEntry.created_at.desc()).limit(1))

    logged = query(cli_env, entry)
    assert logged.data["forced"] is True and blocker in logged.data["blockers"]


def test_the_demo_starts_cocreation_through_its_prerequisite(regie: Callable[..., Result],
                                                            cli_env: dict[str, str]) -> None:
    """Vitaal's co-creation is active after the demo, by a request and an approval (no operator force)."""
    from core.activation.models import PluginActivation
    from core.audit.models import AuditEntry

    assert regie("demo").exit_code == 0
    assert count(cli_env, PluginActivation, PluginActivation.plugin == "cocreation",
                 PluginActivation.status == "active",
                 PluginActivation.decision_reason.like("Monitoring haalde zijn doelen%")) == 1
    assert count(cli_env, AuditEntry, AuditEntry.action == "plugin.activated",
                 AuditEntry.summary == "cocreation — Productontwikkeling") == 1


def test_worker_needs_an_external_broker(regie: Callable[..., Result]) -> None:
    result = regie("worker")
    assert result.exit_code == 2
    assert "BROKER_URL" in result.output


def test_commands_on_an_empty_database_explain_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("REGIE_VAR_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["tenant", "create", "--slug", "leeg", "--name", "Leeg"])
    assert result.exit_code == 2
    assert "regie db upgrade" in result.output


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `regie serve` hands to uvicorn (nothing is started)."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    return calls


def test_serve_trusts_no_proxy_by_default(regie: Callable[..., Result], served: list[dict[str, Any]],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    result = regie("serve", "--port", "8123")
    assert result.exit_code == 0, result.output
    [call] = served
    assert call["app"] == "core.web.app:create_app" and call["factory"] is True and call["port"] == 8123
    # uvicorn's own default believes X-Forwarded-For from 127.0.0.1 and ::1: anyone on the host could pick
    # the address the sign-in rate limit and lockout count by
    assert call["proxy_headers"] is False and call["forwarded_allow_ips"] == []


def test_serve_trusts_the_configured_proxies_only(regie: Callable[..., Result], served: list[dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", " 10.0.0.5, 192.168.0.0/24,::1 ")
    assert regie("serve").exit_code == 0
    assert served[0]["proxy_headers"] is True
    assert served[0]["forwarded_allow_ips"] == ["10.0.0.5", "192.168.0.0/24", "::1"]
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5,proxy.internal")  # uvicorn would silently never match it
    refused = regie("serve")
    assert refused.exit_code == 2 and len(served) == 1
    assert "Error: FORWARDED_ALLOW_IPS: Not an IP address or network: proxy.internal." in refused.output


def test_serve_points_links_to_its_own_port_unless_base_url_is_set(regie: Callable[..., Result],
                                                                   served: list[dict[str, Any]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`regie serve --port 8101` (make serve PORT=8101) mails links to :8101, not to the default :8000."""
    import os

    monkeypatch.setenv("BASE_URL", "")  # recorded: what serve sets is undone after the test
    result = regie("serve", "--port", "8101")
    assert result.exit_code == 0, result.output
    assert os.environ["BASE_URL"] == "http://127.0.0.1:8101" and "http://127.0.0.1:8101" in result.output
    assert Settings.from_env().base_url == "http://127.0.0.1:8101"  # what the app's mails are built from
    monkeypatch.setenv("BASE_URL", "")
    assert regie("serve", "--host", "0.0.0.0", "--port", "8102").exit_code == 0
    assert os.environ["BASE_URL"] == "http://127.0.0.1:8102"
    monkeypatch.setenv("BASE_URL", "https://regie.example.org")
    result = regie("serve", "--port", "8103")
    assert result.exit_code == 0 and os.environ["BASE_URL"] == "https://regie.example.org"
    assert "Links in mails" not in result.output and served[-1]["port"] == 8103


@pytest.fixture
def four_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.cli.main

    monkeypatch.setattr(core.cli.main, "cpu_cores", lambda: 4)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:8000")


def test_serve_runs_one_process_per_core_only_when_sessions_and_jobs_are_shared(
        regie: Callable[..., Result], served: list[dict[str, Any]], four_cores: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    result = regie("serve")  # `make serve`: no Redis, no broker
    assert result.exit_code == 0, result.output
    assert served[-1]["workers"] == 1
    assert "one web process" in result.output and "REDIS_URL and BROKER_URL" in result.output
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
    monkeypatch.setenv("BROKER_URL", "redis://127.0.0.1:6379/7")
    result = regie("serve")
    assert result.exit_code == 0, result.output
    assert served[-1]["workers"] == 4 and "Serving with 4 web processes." in result.output
    assert uvicorn.Config(served[-1].pop("app"), **served[-1]).workers == 4  # options uvicorn takes as they are
    assert regie("serve", "--workers", "2").exit_code == 0 and served[-1]["workers"] == 2
    assert regie("serve", "--reload").exit_code == 0 and served[-1]["workers"] == 1  # the reloader is one process
    result = regie("serve", "--workers", "1")
    assert served[-1]["workers"] == 1 and "one web process" not in result.output


def test_serve_refuses_several_processes_that_would_not_share_sessions_or_jobs(
        regie: Callable[..., Result], served: list[dict[str, Any]], four_cores: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    refused = regie("serve", "--workers", "2")
    assert refused.exit_code == 2
    assert ("Error: REDIS_URL: Several web processes share the sessions in Redis: set REDIS_URL, or run one "
            "process (--workers 1).") in refused.output
    assert "Error: BROKER_URL: Several web processes leave the jobs to `regie worker`" in refused.output
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
    refused = regie("serve", "--workers", "2")
    assert refused.exit_code == 2 and "BROKER_URL" in refused.output and "REDIS_URL" not in refused.output
    monkeypatch.setenv("BROKER_URL", "redis://127.0.0.1:6379/7")
    refused = regie("serve", "--workers", "2", "--reload")
    assert refused.exit_code == 2
    assert "Error: --workers: --reload runs one process: leave out --workers or give 1." in refused.output
    assert regie("serve", "--workers", "0").exit_code == 2
    assert served == []


def test_serve_logs_requests_only_when_asked(regie: Callable[..., Result], served: list[dict[str, Any]],
                                            four_cores: None) -> None:
    assert regie("serve").exit_code == 0
    assert served[-1]["access_log"] is False and served[-1]["log_level"] == "info"  # errors are still logged
    assert regie("serve", "--access-log").exit_code == 0
    assert served[-1]["access_log"] is True


def test_demo_prints_sign_in_links_for_the_port_it_will_be_served_on(regie: Callable[..., Result],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASE_URL", raising=False)
    result = regie("demo", "--port", "8101")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8101/t/vitaal/login" in result.output and ":8000" not in result.output
    monkeypatch.setenv("BASE_URL", "https://regie.example.org/")
    result = regie("demo", "--port", "8101")
    assert "https://regie.example.org/t/vitaal/login" in result.output and ":8101" not in result.output
