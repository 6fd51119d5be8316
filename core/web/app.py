"""The app factory: settings, database, plugin host, jobs, sessions, CSRF (bound to the session,
`core/web/csrf.py`), templates and routes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from litestar import Litestar, Request, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.registry import StoreRegistry
from litestar.template.config import TemplateConfig

from core.auth.permissions import authorise
from core.auth.security import RotatingSessionConfig
from core.db.engine import make_engine, make_sessionmaker
from core.jobs.broker import install_broker
from core.jobs.outbox import install_after_commit_relay, wait_for_relays
from core.jobs.plugin_jobs import declare_plugin_jobs, schedule_plugin_jobs
from core.jobs.runtime import build_scheduler, start_in_process_worker, stop_worker
from core.plugins.host import PluginHost
from core.plugins.mount import plugin_routers
from core.settings import Settings
from core.web.context import RequestContextMiddleware
from core.web.csrf import SessionCSRFMiddleware, SessionRequest
from core.web.errors import EXCEPTION_HANDLERS, document_api_errors
from core.web.input_guard import reject_nul
from core.web.routes import api_route_handlers, web_route_handlers
from core.web.security_headers import security_headers
from core.web.session_store import session_store

FRONTEND = Path(__file__).resolve().parent.parent.parent / "frontend"
MAX_BODY_BYTES = 12 * 1024 * 1024
"""Global request body limit: the largest upload (evidence, 10 MB) plus form overhead; larger → 413."""


def create_app(settings: Settings | None = None, extra_plugins: list[Any] | None = None,
               start_jobs: bool = True) -> Litestar:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    sessionmaker = make_sessionmaker(engine)
    pm = PluginHost(extra_plugins or ())  # refuses a plugin written for another contract version
    pm.settings = settings
    broker = install_broker(settings)
    declare_plugin_jobs(broker, settings, pm)
    install_after_commit_relay(sessionmaker)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        gc.freeze()  # what was built at start-up lives as long as the process: keep it out of every GC pass
        # embedded mode works the jobs and sends the periodic ones here; with a broker `regie worker` does both,
        # so several web processes (`regie serve --workers N`) never send each periodic job N times
        embedded = start_jobs and not settings.broker_url
        worker = start_in_process_worker(broker) if embedded else None
        scheduler = build_scheduler(sessionmaker) if embedded else None
        if scheduler:
            schedule_plugin_jobs(scheduler, sessionmaker)
            scheduler.start()
        try:
            yield
        finally:
            await wait_for_relays()
            if scheduler:
                scheduler.shutdown(wait=False)
            if worker:
                stop_worker(worker)
            await engine.dispose()

    db_config = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_maker=sessionmaker,
        session_dependency_key="db",
        before_send_handler="autocommit_include_redirects",
        set_default_exception_handler=False,
    )
    state = State({"settings": settings, "sessionmaker": sessionmaker, "pm": pm, "broker": broker,
                   "engine": engine, "db_config": db_config})
    session_config = RotatingSessionConfig(store="sessions", max_age=int(settings.session_absolute_hours * 3600),
                                           httponly=True, samesite="lax", key="regie_session",
                                           secure=settings.secure_cookies)
    rate_limit = RateLimitConfig(rate_limit=("minute", settings.login_attempts_per_minute),
                                 check_throttle_handler=_is_sign_in_attempt)
    # the API authenticates by token only, never by cookie: nothing to forge there; static files take no input
    csrf_config = CSRFConfig(secret=settings.secret_key, cookie_name="regie_csrf", header_name="x-csrftoken",
                             exclude=["^/api/", "^/static/"], cookie_samesite="lax",
                             cookie_secure=settings.secure_cookies, cookie_httponly=True)
    web = Router(path="/", route_handlers=web_route_handlers(), guards=[authorise], include_in_schema=False)
    api = Router(path="/api/v1", route_handlers=api_route_handlers(), guards=[authorise])
    app = Litestar(
        route_handlers=[
            web, api, *plugin_routers(pm),
            create_static_files_router(path="/static", directories=[FRONTEND / "static"],
                                       include_in_schema=False, opt={"action": "public"}),
        ],
        lifespan=[lifespan],
        state=state,
        plugins=[SQLAlchemyPlugin(config=db_config), HTMXPlugin()],
        before_send=[security_headers(settings.trust_proxy)],
        middleware=[session_config.middleware, rate_limit.middleware,
                    RequestContextMiddleware(), DefineMiddleware(SessionCSRFMiddleware, config=csrf_config)],
        request_class=SessionRequest,
        stores=StoreRegistry(stores={"sessions": session_store(settings)}),
        request_max_body_size=MAX_BODY_BYTES,
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_jinja(pm))),
        openapi_config=OpenAPIConfig(title="Regie API", version="1.0.0", path="/api/v1/schema",
                                     render_plugins=[SwaggerRenderPlugin()]),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=reject_nul,
        debug=settings.debug,
    )
    document_api_errors(app)
    return app


def _jinja(pm: PluginHost) -> Environment:
    plugin_folders = {name: FileSystemLoader(str(path)) for name, path in pm.template_folders().items()}
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(FRONTEND / "templates")), PrefixLoader(plugin_folders)]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from core.web.filters import install_filters

    install_filters(env)
    return env


async def _is_sign_in_attempt(request: Request[Any, Any, Any]) -> bool:
    """The posts the login rate limit counts. Async on purpose: Litestar runs a sync check in a worker thread,
    a thread hop on every request."""
    return request.method == "POST" and request.url.path.rstrip("/").endswith(
        ("/login", "/password/forgot", "/mfa/verify", "/account/password"))
