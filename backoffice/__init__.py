"""The camera registry backoffice: a Flask-AppBuilder application."""
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from sqlalchemy import inspect

from .database import configure_engine, queue_crud_writes
from . import labels, localtime, tokens
from .extensions import db, migrate

log = logging.getLogger(__name__)


def _engine_options(url: str) -> dict[str, Any]:
    """Engine options that load SpatiaLite or PostGIS support on connect."""
    options: dict[str, Any] = {"plugins": ["geoalchemy2"]}
    if url.startswith("sqlite"):
        # Several threads (tests, the dev server) share one file; wait rather than fail.
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    return options


def _load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Defaults from config.py, then FAB's settings, then the caller's overrides."""
    import config

    from .security.passwords import check_password
    from .security.roles import FAB_ROLES

    app.config.from_object(config)
    app.config.update(
        APP_NAME="Camera Registry",
        SQLALCHEMY_DATABASE_URI=config.DATABASE_URL,
        SQLALCHEMY_TRACK_MODIFICATIONS=False,
        AUTH_TYPE=1,  # AUTH_DB
        AUTH_ROLE_ADMIN="Admin",
        AUTH_ROLE_PUBLIC="Public",
        FAB_ROLES=FAB_ROLES,
        FAB_CREATE_DB=False,
        FAB_ADD_SECURITY_API=True,
        FAB_API_SWAGGER_UI=True,
        FAB_SECURITY_MANAGER_CLASS="backoffice.security.manager.RegistrySecurityManager",
        FAB_INDEX_VIEW="backoffice.views.home.HomeView",
        FAB_API_MAX_PAGE_SIZE=500,
        FAB_BASE_TEMPLATE="registry_base.html",
        # Roles and their permissions come from FAB_ROLES: hide the raw permission screens.
        FAB_ADD_SECURITY_PERMISSION_VIEW=False,
        FAB_ADD_SECURITY_VIEW_MENU_VIEW=False,
        FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW=False,
        WTF_CSRF_ENABLED=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=config.SESSION_COOKIE_SECURE,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.SESSION_IDLE_MINUTES),
        # Sign-in limits are set by backoffice.security.web (per address and account name,
        # successes not counted), not by FAB's per-address limit on its login form.
        AUTH_RATE_LIMITED=False,
        AUTH_RATE_LIMIT=config.LOGIN_RATE_LIMIT,
        FAB_PASSWORD_COMPLEXITY_ENABLED=True,
        FAB_PASSWORD_COMPLEXITY_VALIDATOR=check_password,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=config.JWT_ACCESS_MINUTES),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(hours=config.JWT_REFRESH_HOURS),
        BABEL_DEFAULT_LOCALE="en",
        # The backoffice speaks English (no language menu); the public portal also Spanish.
        LANGUAGES={"en": {"flag": "us", "name": "English"}},
        PORTAL_LANGUAGES={"en": {"flag": "us", "name": "English"}, "es": {"flag": "mx", "name": "Español"}},
    )
    if overrides:
        app.config.update(overrides)
        if "DATABASE_URL" in overrides:
            app.config["SQLALCHEMY_DATABASE_URI"] = config.with_sqlite_options(overrides["DATABASE_URL"])
    if overrides and "SESSION_IDLE_MINUTES" in overrides:
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=overrides["SESSION_IDLE_MINUTES"])
    if not app.config.get("SECRET_KEY"):  # neither the environment nor the caller gave one
        app.config["SECRET_KEY"] = config.instance_secret_key()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: the only way to get one."""
    from .jsonprovider import OrjsonProvider

    app = Flask(__name__, instance_relative_config=False)
    app.json = OrjsonProvider(app)
    _load_config(app, overrides)
    localtime.init_app(app)
    labels.init_app(app)
    # FAB warns once per non-filterable column (geometry, its own security models) on
    # every start; that noise buries the one-line output of our commands.
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
    tokens.keep_tokens_out_of_logs()

    from . import http_errors
    from . import models  # noqa: F401  (register the tables on the metadata)
    from .models.validation import format_phone
    from .security import audit_hooks
    from .security import web as security_web
    from .views.base import check_list_arguments

    audit_hooks.install()
    app.jinja_env.filters["phone"] = format_phone  # stored E.164 shown as people write it

    db.init_app(app)
    http_errors.install(app)
    app.before_request(check_list_arguments)
    security_web.init_csrf(app)
    migrate.init_app(app, db, directory=str(app.config["BASE_DIR"] / "migrations"))

    with app.app_context():
        configure_engine(db.engine)
        schema_ready = _schema_ready()
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        from .api import register_apis
        from . import map_context
        from .portal.views import register_portal
        from .tiles import register_tiles
        from .views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
        register_portal(app)
        security_web.init_app(app)
        queue_crud_writes(app)
        register_tiles(app)
        map_context.init_app(app)
        app.add_url_rule("/favicon.ico", "favicon", _favicon)
        if schema_ready:
            appbuilder.sm.sync_roles()
            db.session.commit()

    app.after_request(_page_language)
    from .outbox import deliver_after_request

    app.after_request(deliver_after_request)
    _sweep_partial_uploads(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _favicon():
    """The registry's icon where browsers look for it (public: a picture, no data)."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.static_folder,  # type: ignore[arg-type]  # the app has one
                               "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


def _sweep_partial_uploads(app: Flask) -> None:
    """Remove uploads left half-written by a dropped connection or a killed worker (an upload
    still arriving in another worker holds a lock on its file and is kept)."""
    from .evidence_files import remove_partial_uploads

    remove_partial_uploads(Path(app.config["EVIDENCE_DIR"]))


def _page_language(response):
    """Pages say which language they are in (Flask-AppBuilder's layout leaves <html> without
    one, which screen readers then guess): the locale the page was rendered in."""
    if response.mimetype == "text/html" and not response.direct_passthrough:
        head = response.get_data()[:400]
        if b"<html>" in head:
            from flask_babel import get_locale

            language = getattr(get_locale(), "language", None) or "en"
            tag = f'<html lang="{language}">'.encode()
            response.set_data(response.get_data().replace(b"<html>", tag, 1))
    return response


def _schema_ready() -> bool:
    """True once migrations have created the security tables."""
    try:
        return "ab_role" in inspect(db.engine).get_table_names()
    except Exception:  # noqa: BLE001  a missing or unreachable database is reported later
        log.warning("database not reachable at start-up")
        return False
