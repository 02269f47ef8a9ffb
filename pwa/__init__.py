"""Tiếp công dân: the citizen-reception register and crowd watch, as an offline-first PWA."""
import os
from pathlib import Path

from flask import Flask, jsonify
import sqlalchemy as sa
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, database  # noqa: F401  (database registers the SQLite pragmas)
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, security."""
    instance_path = instance_path or os.environ.get("TCD_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"],
                                x_proto=app.config["PROXY_HOPS"])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = None  # revocation is by server-side session rows
    from . import security
    security.init_app(app)  # before CSRF: an anonymous request is sent to sign in first
    csrf.init_app(app)
    from . import i18n
    i18n.init_app(app)

    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .desk import bp as desk_bp
    from .board import bp as board_bp
    from .field import bp as field_bp
    from .home import bp as home_bp
    from .lead import bp as lead_bp
    from .webapp import bp as pwa_bp
    from .webapp import code_version
    app.config.setdefault("APP_VERSION", code_version())
    for blueprint in (auth_bp, home_bp, desk_bp, admin_bp, api_bp, pwa_bp, lead_bp,
                      field_bp, board_bp):
        app.register_blueprint(blueprint)
    from .sealing_routes import bp as sealing_bp  # sealed records: keys, unseal, rotate-keys
    app.register_blueprint(sealing_bp)

    from . import cli
    cli.init_app(app)

    @app.get("/healthz")
    def health():
        """Liveness and database reachability, for load balancers and monitoring."""
        db.session.execute(sa.text("SELECT 1"))
        return jsonify(status="ok")

    return app
