"""ShopLedger: the book a small shop keeps."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from flask import Flask, jsonify, render_template, session
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .extensions import babel, csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.load(app.instance_path, config))
    app.jinja_env.add_extension("jinja2.ext.do")

    _configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        count = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    db.init_app(app)
    from .models.types import include_schema_object, render_migration_item

    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True, compare_type=True, render_item=render_migration_item,
        include_object=include_schema_object,
    )
    csrf.init_app(app)
    _configure_login(app)
    _configure_babel(app)

    from . import models  # noqa: F401  (register the tables)
    from .blueprints import register_blueprints
    from .cli import register_commands
    from .templating import register_template_helpers

    register_blueprints(app)
    register_commands(app)
    register_template_helpers(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    from . import assets, compression, page_cache

    assets.init_app(app)  # static files under content-hashed names
    compression.init_app(app)
    page_cache.init_app(app)

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001  (any database failure means unhealthy)
            app.logger.exception("health check failed")
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")

    return app


def _configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record):
    """WAL for readers beside a writer, a busy timeout instead of 'database is locked', durable commits."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _configure_login(app: Flask) -> None:
    from .services.accounts import user_for_session_token

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    # Sessions live on the server (UserSession); a phone changing networks must not be logged out.
    login_manager.session_protection = "basic"
    # The user's membership of the shop they work in comes in the same query (see tenancy.load_current_shop).
    login_manager.user_loader(lambda token: user_for_session_token(token, shop_id=session.get("shop_id")))


def _configure_babel(app: Flask) -> None:
    from .i18n import select_locale, select_timezone

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)


def _register_request_hooks(app: Flask) -> None:
    from .security import set_security_headers
    from .tenancy import load_current_shop

    app.before_request(load_current_shop)
    app.after_request(set_security_headers)


def _register_error_pages(app: Flask) -> None:
    from flask_babel import gettext as _

    from .htmx import wants_fragment

    messages = {
        400: _l("That request could not be understood."),
        403: _l("Your role in this shop does not allow that. Ask the shop's owner."),
        404: _l("There is nothing here. It may have been moved, or the link is wrong."),
        405: _l("That action is not available here."),
        413: _l("That file is too large."),
        429: _l("Too many requests. Wait a moment and try again."),
        500: _l("Something went wrong on our side. Nothing you saved was lost; please try again."),
    }

    def error_page(status: int, message: str):
        if status >= 500:
            db.session.rollback()
        if wants_fragment():
            return render_template("_toast_error.html", message=message), status
        return render_template("error.html", status=status, message=message), status

    for status in messages:
        app.register_error_handler(status, lambda error, status=status: error_page(status, str(messages[status])))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, _("This page has expired. Reload it and try again."))
