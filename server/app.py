"""The application factory: ``create_app(settings)``; with no argument it reads the environment."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from server import formatting, i18n, labels, people, query
from server.auth.middleware import SessionAuthMiddleware
from server.csrf import SessionCSRFMiddleware
from server.db import make_engine, make_sessionmaker
from server.deps import provide_db, provide_user
from server.errors import document_problems, handle
from server.guards import PUBLIC, authenticated
from server.proxies import trusted_proxies_middleware
from server.query import drop_empty_query_middleware
from server.request_guard import request_guard_middleware
from server.routes import ROUTES
from server.security import csp_nonce, security_headers_middleware
from server.settings import Settings
from server.webhooks import anchoring
from server.webhooks import delivery as webhooks

HERE = Path(__file__).parent
STATIC_EXCLUDE = "^/static/"
#: ODK Collect posts submissions under a device token in the path, with no cookie and so no form token (a
#: browser client on the login session posts /submission with the session's token in X-CSRFToken).
OPENROSA_WRITES = "^/key/[^/]+/submission$"
ONE_INSPECTION = "^/api/v1/inspections/[^/]+$"
#: Photos are JPEG, PNG or WebP, compressed already: gzip would only cost CPU and drop their Content-Length.
PHOTO = "^/api/v1/inspections/[^/]+/attachments/"


def template_environment() -> Environment:
    """Jinja with autoescape on, the i18n extension bound to the request's language, and our helpers."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["local"] = i18n.local_time
    env.globals["current_language"] = i18n.language.get
    env.globals["csp_nonce"] = csp_nonce
    labels.install(env)
    formatting.install(env)
    people.install(env)
    query.install(env)
    return env


def create_app(settings: Settings | None = None) -> Litestar:
    document_problems(ROUTES)
    settings = settings or Settings.from_env()
    engine = make_engine(settings.db_url)

    def on_startup(app: Litestar) -> None:
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)

    async def on_shutdown(_app: Litestar) -> None:
        await engine.dispose()

    static = create_static_files_router(path="/static", directories=[HERE / "static"], opt=PUBLIC,
                                        name="static")
    leaflet = create_static_files_router(path="/vendor/leaflet", directories=[xstatic.pkg.leaflet.BASE_DIR],
                                         opt=PUBLIC, name="leaflet")
    return Litestar(
        route_handlers=[*ROUTES, static, leaflet],
        dependencies={
            "db": Provide(provide_db),
            "user": Provide(provide_user, sync_to_thread=False),
            "settings": Provide(lambda: settings, sync_to_thread=False),
        },
        guards=[authenticated],
        middleware=[
            drop_empty_query_middleware,  # empty filters are no filters (server/query.py)
            security_headers_middleware(settings.tile_url),
            trusted_proxies_middleware(settings.trusted_proxies),
            DefineMiddleware(SessionAuthMiddleware, exclude=[STATIC_EXCLUDE, "^/vendor/"]),
            request_guard_middleware,
            # HTML forms: Litestar's CSRF check, with the token bound to the login session (server/csrf.py)
            DefineMiddleware(SessionCSRFMiddleware, config=CSRFConfig(
                secret=settings.secret_key, cookie_name="kiemtra_csrf", cookie_httponly=False,
                cookie_samesite="lax", header_name="x-csrftoken",
                exclude=["^/api/", STATIC_EXCLUDE, "^/vendor/", OPENROSA_WRITES],
            )),
        ],
        # gzip on the wire: a checklist page with its CSS and JS is ~15 KB instead of ~60 KB on slow 3G.
        # One inspection as JSON (a submission's answer, ~2 KB) goes as is: it fits in the first TCP
        # window, so gzip would save no round trip, only ~1 KB, and cost the busiest request ~0.1 ms.
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, gzip_compress_level=6,
                                             exclude=[ONE_INSPECTION, PHOTO]),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment())),
        openapi_config=OpenAPIConfig(title="Kiểm tra — inspection API", version="1", path="/schema"),
        exception_handlers={Exception: handle},
        on_startup=[on_startup, webhooks.start, anchoring.start],
        on_shutdown=[anchoring.stop, webhooks.stop, on_shutdown],
        debug=settings.debug,
    )
