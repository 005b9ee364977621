"""Configuration, security headers, error pages, migrations and languages."""

import os
import stat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from referral import create_app
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, login, post_form


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    instance = tmp_path / "instance"
    first = create_app("config.Config", INSTANCE_PATH=str(instance), SECRET_KEY=None)
    second = create_app("config.Config", INSTANCE_PATH=str(instance), SECRET_KEY=None)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 64
    assert stat.S_IMODE(os.stat(instance / "secret_key").st_mode) == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'referral.db'}"


def test_every_setting_can_be_overridden_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_RECOVERY_PERIOD_DAYS", "45")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/other.db")
    app = create_app("config.Config", INSTANCE_PATH=str(tmp_path))
    assert app.config["RECOVERY_PERIOD_DAYS"] == 45
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.db")


def test_policy_defaults(app):
    config = app.config
    assert config["RG_DECISION_WORKING_DAYS"] == 5
    assert config["RECOVERY_PERIOD_DAYS"] == 30
    assert config["REFERRAL_RESPONSE_HOURS"] == 48
    assert config["SUPPRESSION_THRESHOLD"] == 10
    assert config["SESSION_IDLE_MINUTES"] == 30
    assert config["SESSION_ABSOLUTE_HOURS"] == 12


def test_security_headers_on_every_page(client, demo):
    for response in (
        client.get("/auth/login"),
        login(client, ROLE_EMAILS["police"]),
        client.get("/"),
    ):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_and_no_remote_resources(client, login_as):
    html = login_as("admin").get("/admin/organisations").get_data(as_text=True)
    assert "<script" not in html
    assert "http://" not in html and "https://" not in html


def test_error_pages_leak_nothing(client, demo):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Not found" in html
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_language_choice_is_remembered_on_the_account(app, client, demo):
    login(client, ROLE_EMAILS["coordinator"])
    response = post_form(client, "/language", {"locale": "ru", "next": "/roles"})
    assert response.headers["Location"] == "/roles"
    page = client.get("/roles").get_data(as_text=True)
    assert 'lang="ru"' in page
    other_browser = app.test_client()
    login(other_browser, ROLE_EMAILS["coordinator"])
    assert 'lang="ru"' in other_browser.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client, demo):
    assert post_form(client, "/language", {"locale": "xx"}, page="/auth/login").status_code == 400


def test_browser_language_is_used_before_any_choice(client, demo):
    page = client.get("/auth/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert 'lang="ru"' in page.get_data(as_text=True)


def test_roles_page_shows_the_permission_table_to_every_role(login_as):
    html = login_as("partner").get("/roles").get_data(as_text=True)
    assert "Create, edit and deactivate partner organisations" in html
    assert "Other frontline partner" in html


def test_language_chosen_on_the_sign_in_page_stays_after_signing_in(app, client, demo):
    post_form(client, "/language", {"locale": "ru"}, page="/auth/login")
    login(client, ROLE_EMAILS["police"])
    assert 'lang="ru"' in client.get("/").get_data(as_text=True)
    other = app.test_client()
    login(other, ROLE_EMAILS["police"])
    assert 'lang="ru"' in other.get("/").get_data(as_text=True)


def test_a_server_error_page_says_nothing_about_the_system(tmp_path, database_url):
    app = create_app(
        "config.Config",
        INSTANCE_PATH=str(tmp_path / "instance"),
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY="x" * 32,
    )

    from referral.core.access import public

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "hunter2" not in html and "RuntimeError" not in html and "Traceback" not in html
