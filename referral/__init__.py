"""National Referral Mechanism case work: the application factory."""

import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object: object | str = "config.Config", **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=overrides.pop("INSTANCE_PATH", None) or str(PROJECT_ROOT / "instance"),
    )
    app.config.from_object(config_object)
    app.config.from_prefixed_env()
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _resolve_instance_defaults(app)
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=int(app.config["PROXY_FIX_X_FOR"]),
            x_proto=int(app.config["PROXY_FIX_X_PROTO"]),
        )

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def _resolve_instance_defaults(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'referral.db'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")


def _instance_secret(path: Path) -> str:
    """Generate the secret once and keep it beside the database, readable by the owner only."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from referral.auth.sessions import init_login
    from referral.core.access import init_access
    from referral.core.database import init_database
    from referral.core.i18n import init_i18n
    from referral.core.security import init_security
    from referral.extensions import csrf, db, migrate

    init_database(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    init_login(app)
    init_i18n(app)
    init_security(app)
    init_access(app)


def register_blueprints(app: Flask) -> None:
    from referral.admin.routes import bp as admin_bp
    from referral.api.routes import bp as api_bp
    from referral.audit.routes import bp as audit_bp
    from referral.auth.routes import bp as auth_bp
    from referral.cases.filters import register_case_filters
    from referral.cases.routes import bp as cases_bp
    from referral.core.errors import register_error_handlers
    from referral.core.routes import bp as core_bp
    from referral.referrals import visibility  # noqa: F401 - registers the providers' view
    from referral.referrals.routes import bp as referrals_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(api_bp)
    register_error_handlers(app)
    register_case_filters(app)


def register_commands(app: Flask) -> None:
    from referral.audit.cli import audit_cli
    from referral.auth.cli import users_cli
    from referral.core.demo import demo_command
    from referral.organisations.cli import orgs_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(orgs_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
