"""`regie`: the operator's command line (serve, worker, database, tenants, people, tokens, plugins, demo).

Every command validates its input; a refused input prints the field and the reason and exits with
code 2, never a traceback. Decisions taken here are audited with the actor `operator (CLI)`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import click
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, NotFound, PermissionDenied
from core.i18n import Msg
from core.settings import Settings

T = TypeVar("T")
ORG_MODELS = ("decentralized", "centralized", "hub_and_spoke", "multiple_hub_and_spoke", "holistic")


# ---------------------------------------------------------------- helpers


def fail(exc: DomainError) -> NoReturn:
    """Print a domain error as `field: reason` lines (English) and exit with code 2."""
    for field, reason in exc.rendered("en").items():
        click.echo(f"Error: {reason}" if field == "__all__" else f"Error: {field}: {reason}", err=True)
    sys.exit(2)


def run(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run `work` in one committed transaction; a DomainError rolls back and exits with code 2."""
    settings = settings or Settings.from_env()

    async def main() -> T:
        import core.db.models  # noqa: F401 - every mapper, so foreign keys resolve
        from core.db.engine import make_engine, make_sessionmaker, transaction

        engine = make_engine(settings)
        try:
            async with transaction(make_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        fail(exc)
    except NotFound:
        fail(DomainError(field="__all__", msgid="Not found."))
    except PermissionDenied:
        fail(DomainError(field="__all__", msgid="You are not allowed to do this."))
    except Exception as exc:  # noqa: BLE001 - an operator gets one clear line, not a traceback
        if _is_schema_missing(exc):
            fail(DomainError(field="database", msgid="The database has no tables yet: run `regie db upgrade`."))
        click.echo(f"Error: {exc.__class__.__name__}: {exc}", err=True)
        sys.exit(1)


def _is_schema_missing(exc: Exception) -> bool:
    text = str(exc).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


async def tenant_by_slug(session: AsyncSession, slug: str) -> Any:
    from core.tenancy.models import Tenant

    tenant = await session.scalar(select(Tenant).where(Tenant.slug == (slug or "").strip().lower()))
    if tenant is None:
        raise DomainError(field="tenant", msgid="No organisation with this slug.")
    return tenant


async def department_by_name(session: AsyncSession, name: str) -> Any:
    """A department of the tenant in scope, by name (case-insensitive)."""
    from core.workgroup.models import Department

    department = await session.scalar(
        select(Department).where(func.lower(Department.name) == name.strip().lower()))
    if department is None:
        raise DomainError(field="department", msgid="No department with this name.")
    return department


# ---------------------------------------------------------------- the group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Regie: coordinate and measure social media across the departments of an organisation."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Web processes. Default: one per CPU core when REDIS_URL and BROKER_URL are set, else 1.")
@click.option("--access-log", is_flag=True, help="Log a line per request (off by default; errors are always logged).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development; one process).")
def serve(host: str, port: int, workers: int | None, access_log: bool, reload: bool) -> None:
    """Run the web app (with an in-process job worker unless BROKER_URL is set).

    Several processes (`--workers`) share their sessions in Redis (REDIS_URL) and leave the jobs to
    `regie worker` (BROKER_URL). Without BASE_URL, links in mails point to the address it listens on
    (`--host`, `--port`)."""
    import uvicorn

    settings = Settings.from_env()
    try:
        options = serve_options(settings, host, port, reload, workers=workers, access_log=access_log)
    except DomainError as exc:
        fail(exc)
    if options["workers"] > 1:
        click.echo(f"Serving with {options['workers']} web processes.")
    elif workers is None and not reload and cpu_cores() > 1:
        click.echo("Serving with one web process; with REDIS_URL and BROKER_URL set, `regie serve` starts one "
                   "per CPU core (--workers).")
    if not os.environ.get("BASE_URL"):
        # the app (made by uvicorn's factory call, also in a reloader's child process) reads it from the environment
        os.environ["BASE_URL"] = listening_url(host, port)
        click.echo(f"Links in mails point to {os.environ['BASE_URL']}; set BASE_URL to the public address "
                   "to change that.")
    uvicorn.run("core.web.app:create_app", **options)


def listening_url(host: str, port: int) -> str:
    """The address `regie serve --host --port` answers on, the BASE_URL when none is set. A wildcard host
    (0.0.0.0, ::) listens on every address of this machine; links then name this machine by its loopback."""
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def serve_options(settings: Settings, host: str, port: int, reload: bool, *, workers: int | None = None,
                  access_log: bool = False) -> dict[str, Any]:
    """uvicorn's keyword arguments. X-Forwarded-For/-Proto are believed only from the proxies named in
    FORWARDED_ALLOW_IPS: uvicorn's own default trusts loopback, so anyone on the same host could pick the client
    address the sign-in rate limit and lockout count by. The access log is off unless asked for: a line per
    request costs time on every request and repeats what the proxy in front already logs."""
    trusted = list(settings.forwarded_allow_ips)
    for entry in trusted:
        if entry != "*" and not _is_address_or_network(entry):
            raise DomainError(field="FORWARDED_ALLOW_IPS",
                              msgid="Not an IP address or network: {value}.", value=entry)
    return {"factory": True, "host": host, "port": port, "reload": reload,
            "workers": web_processes(settings, workers, reload), "log_level": "info", "access_log": access_log,
            "proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}


def web_processes(settings: Settings, asked: int | None, reload: bool) -> int:
    """How many web processes `regie serve` starts. Each process keeps its sessions and its job worker to itself
    unless REDIS_URL and BROKER_URL are set, so more than one needs both; the default is one per CPU core when
    they are, else one."""
    shared = bool(settings.redis_url and settings.broker_url)
    if asked is None:
        return cpu_cores() if shared and not reload else 1
    if asked > 1 and reload:
        raise DomainError(field="--workers", msgid="--reload runs one process: leave out --workers or give 1.")
    missing: dict[str, Msg] = {}
    if asked > 1 and not settings.redis_url:
        missing["REDIS_URL"] = Msg("Several web processes share the sessions in Redis: set REDIS_URL, or run "
                                   "one process (--workers 1).")
    if asked > 1 and not settings.broker_url:
        missing["BROKER_URL"] = Msg("Several web processes leave the jobs to `regie worker`: set BROKER_URL, or "
                                    "run one process (--workers 1).")
    if missing:
        raise DomainError(missing)
    return asked


def cpu_cores() -> int:
    """The CPU cores this process may run on (fewer than the machine's when it is pinned to some)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _is_address_or_network(entry: str) -> bool:
    """uvicorn silently treats anything else as a literal host name that never matches."""
    import ipaddress

    try:
        ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
    return True


@cli.command()
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads in this process.")
@click.option("--relay-interval", default=5, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds between outbox relay runs.")
def worker(threads: int, relay_interval: int) -> None:
    """Work the job queues of an external broker (BROKER_URL redis:// or amqp://) until SIGTERM/SIGINT."""
    settings = Settings.from_env()
    if not settings.broker_url.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        click.echo("Error: BROKER_URL: set it to a redis:// or amqp:// URL to run separate workers. "
                   "Without BROKER_URL, `regie serve` works the jobs itself.", err=True)
        sys.exit(2)
    from core.jobs.runtime import run_worker

    run_worker(settings, threads=threads, relay_interval=relay_interval,
               on_ready=lambda: click.echo(f"Worker running with {threads} threads on "
                                           f"{settings.broker_url.split('://')[0]}:// (Ctrl+C stops)."))


# ---------------------------------------------------------------- database


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the core's and every plugin's migrations."""
    from core.db.migrate import upgrade

    settings = Settings.from_env()
    try:
        upgrade(settings, revision)
    except Exception as exc:  # noqa: BLE001
        click.echo(f"Error: database: {exc}", err=True)
        sys.exit(2)
    click.echo("Database is up to date.")


# ---------------------------------------------------------------- tenants and people


@cli.group()
def tenant() -> None:
    """Client organisations."""


@tenant.command("create")
@click.option("--slug", required=True, help="Used in URLs: /t/<slug>/...")
@click.option("--name", required=True)
@click.option("--org-model", default="hub_and_spoke", show_default=True, help=", ".join(ORG_MODELS))
def tenant_create(slug: str, name: str, org_model: str) -> None:
    """Create an organisation (it starts in the listening phase)."""
    from core.audit.service import OPERATOR
    from core.tenancy.models import Tenant
    from core.tenancy.service import create_tenant

    async def work(session: AsyncSession) -> Tenant:
        return await create_tenant(session, OPERATOR, name, slug, org_model)

    created = run(work)
    click.echo(f"Created organisation {created.name} ({created.slug}, {created.org_model}).")


@tenant.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def tenant_import(archive: str) -> None:
    """Import an organisation's export archive into this instance (docs/export-format.md); all or nothing."""
    from pathlib import Path

    from core.privacy.archive import import_archive, load_plugin_models

    settings = Settings.from_env()

    async def main() -> dict[str, Any]:
        import core.db.models  # noqa: F401 - every mapper, so foreign keys resolve
        from core.db.engine import make_engine, make_sessionmaker
        from core.plugins.manager import build_plugin_manager

        load_plugin_models(build_plugin_manager())
        engine = make_engine(settings)
        try:
            return await import_archive(make_sessionmaker(engine), Path(archive))
        finally:
            await engine.dispose()

    try:
        manifest = asyncio.run(main())
    except DomainError as exc:
        fail(exc)
    rows = sum(t["rows"] for t in manifest["tables"])
    click.echo(f"Imported organisation {manifest['tenant']['name']} ({manifest['tenant']['slug']}): "
               f"{rows} rows in {len(manifest['tables'])} tables.")


@cli.group()
def user() -> None:
    """People in an organisation."""


@user.command("create")
@click.option("--tenant", "slug", required=True)
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, help="admin, member or viewer")
@click.option("--department", default="", help="Department name within the organisation")
@click.option("--name", default="")
def user_create(slug: str, email: str, password: str, role: str, department: str, name: str) -> None:
    """Create a person (if new) and make them a member of an organisation."""
    from core.audit.service import OPERATOR, record
    from core.auth.service import add_member, create_user, user_by_email
    from core.tenancy.scope import tenant_scope
    from core.validation import clean_choice, clean_email

    async def work(session: AsyncSession) -> tuple[str, bool]:
        org = await tenant_by_slug(session, slug)
        address = clean_email(email)
        clean_choice(role, "role", ("admin", "member", "viewer"))
        person = await user_by_email(session, address)
        new = person is None
        if person is None:
            person = await create_user(session, address, password, name=name)
        with tenant_scope(org.id):
            dep = await department_by_name(session, department) if department.strip() else None
            membership = await add_member(session, person, role, dep.id if dep else None)
            await record(session, OPERATOR, "member.added", subject=membership,
                         summary=f"{person.email} ({role}{', ' + dep.name if dep else ''})")
            await session.flush()
        return person.email, new

    address, new = run(work)
    click.echo(f"{'Created' if new else 'Existing'} user {address}; member of {slug} as {role}.")


@cli.group()
def mediator() -> None:
    """Consultancy staff who administer the organisations."""


@mediator.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", default="")
def mediator_create(email: str, password: str, name: str) -> None:
    """Create a mediator account (signs in at /login)."""
    from core.auth.service import create_user

    async def work(session: AsyncSession) -> str:
        person = await create_user(session, email, password, name=name, is_mediator=True)
        return person.email

    click.echo(f"Created mediator {run(work)}.")


@cli.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--tenant", "slug", required=True)
@click.option("--email", required=True, help="The member the token acts as")
@click.option("--name", default="", help="A label to recognise the token by")
@click.option("--scopes", default="read", show_default=True, help="Space- or comma-separated: read, write, admin")
@click.option("--expires", "expires", default="", help="Last valid day (YYYY-MM-DD, at most a year; default 90 days)")
def token_create(slug: str, email: str, name: str, scopes: str, expires: str) -> None:
    """Create an API token for a member; it is shown once."""
    from core.audit.service import OPERATOR
    from core.auth.models import Membership
    from core.auth.service import user_by_email
    from core.people.service import create_token_for
    from core.tenancy.scope import tenant_scope
    from core.validation import clean_email

    async def work(session: AsyncSession) -> str:
        org = await tenant_by_slug(session, slug)
        address = clean_email(email)
        person = await user_by_email(session, address)
        with tenant_scope(org.id):
            membership = None if person is None else await session.scalar(select(Membership).where(
                Membership.user_id == person.id, Membership.is_active.is_(True)))
            if membership is None:
                raise DomainError(field="email", msgid="This person is not a member of this organisation.")
            created = await create_token_for(session, OPERATOR, membership, name, name_required=False,
                                             scopes=scopes, expires_at=expires)
            await session.flush()
        return created.secret

    secret = run(work)
    click.echo("API token (shown once; send it as `Authorization: Bearer <token>`):")
    click.echo(secret)


@cli.group()
def docs() -> None:
    """Generated documentation pages."""


@docs.command("authorisation")
@click.option("--check", is_flag=True, help="Exit 1 when docs/authorisation.md is stale instead of writing it")
def docs_authorisation(check: bool) -> None:
    """Write docs/authorisation.md from the matrix and the app's routes."""
    from core.auth.matrix_doc import DOC_PATH, render, write
    from core.web.app import create_app

    app = create_app(start_jobs=False)
    if check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != render(app):
            raise click.ClickException("docs/authorisation.md is stale: run `regie docs authorisation`.")
        return
    click.echo(f"Wrote {write(app)}.")


@docs.command("hooks")
@click.option("--check", is_flag=True, help="Exit 1 when docs/hooks.md's event catalogue is stale; write nothing")
def docs_hooks(check: bool) -> None:
    """Write the event catalogue into docs/hooks.md (the core's events and the installed plugins')."""
    from core.plugins.events import DOC_PATH, with_catalogue, write
    from core.plugins.manager import build_plugin_manager

    pm = build_plugin_manager()
    if check:
        current = DOC_PATH.read_text(encoding="utf-8")
        if current != with_catalogue(current, pm):
            raise click.ClickException("docs/hooks.md is stale: run `regie docs hooks`.")
        return
    click.echo(f"Wrote {write(pm)}.")


@cli.group()
def plugin() -> None:
    """Plugins of an organisation."""


@plugin.command("activate")
@click.option("--tenant", "slug", required=True)
@click.option("--plugin", "name", required=True)
@click.option("--department", required=True, help="The owning department's name")
@click.option("--force", is_flag=True,
              help="Skip the phase, prerequisite and availability checks: activates even a coming plugin (audited).")
def plugin_activate(slug: str, name: str, department: str, force: bool) -> None:
    """Activate a plugin for a department as the operator."""
    from core.plugins.manager import build_plugin_manager
    from core.tenancy.scope import tenant_scope

    pm = build_plugin_manager()
    known = sorted(info.name for info in pm.infos)

    async def work(session: AsyncSession) -> Any:
        if name not in known:
            raise DomainError(field="plugin", msgid="Choose one of: {choices}.", choices=", ".join(known))
        try:
            from core.activation.service import activate_as_operator
        except ImportError:
            raise DomainError(field="plugin", msgid="Plugin activation is not available in this version.") from None
        org = await tenant_by_slug(session, slug)
        with tenant_scope(org.id):
            result = await activate_as_operator(session, org, pm, name, department,
                                                force=force)
            await session.flush()
        return result

    run(work)
    click.echo(f"Plugin {name} is active for {department} in {slug}.")


# ---------------------------------------------------------------- demo


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Where `regie serve` will listen.")
@click.option("--port", default=8000, show_default=True, type=int, help="Where `regie serve` will listen.")
def demo(host: str, port: int) -> None:
    """Seed two demo organisations and a mediator (idempotent) and print the accounts.

    The sign-in links printed use BASE_URL, or without it the address `regie serve --host --port` answers on."""
    from core.db.engine import make_engine, make_sessionmaker
    from core.demo import format_accounts, seed_demo

    settings = Settings.from_env()
    if not os.environ.get("BASE_URL"):
        settings.base_url = listening_url(host, port)

    async def main() -> list[Any]:
        engine = make_engine(settings)
        try:
            from core.plugins.manager import build_plugin_manager

            return await seed_demo(make_sessionmaker(engine), build_plugin_manager(), settings)
        finally:
            await engine.dispose()

    try:
        accounts = asyncio.run(main())
    except DomainError as exc:
        fail(exc)
    except Exception as exc:  # noqa: BLE001
        if _is_schema_missing(exc):
            fail(DomainError(field="database", msgid="The database has no tables yet: run `regie db upgrade`."))
        raise
    click.echo(format_accounts(accounts, settings.base_url))


if __name__ == "__main__":  # pragma: no cover
    cli()
