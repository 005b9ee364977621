"""Fixtures: a migrated database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), the app, a client and helpers that act as each role."""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from referral import create_app
from referral.core.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
from referral.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ROLE_EMAILS = {str(role): email for email, role, _ in DEMO_USERS}


def _admin_engine(base_url: str):
    return create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")


def _create_worker_database(base_url: str, worker: str) -> str:
    """A fresh PostgreSQL database for this test process, named so runs never collide."""
    url = make_url(base_url)
    name = f"{url.database}_{worker}_{os.getpid()}"
    admin = _admin_engine(base_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(base_url: str, url: str) -> None:
    admin = _admin_engine(base_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def _migrate(url: str, instance: Path) -> None:
    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker_id) -> Iterator[str]:
    """A database at the newest migration: a SQLite template file, or a PostgreSQL URL."""
    instance = tmp_path_factory.mktemp("migrate-instance")
    if TEST_DATABASE_URL:
        url = _create_worker_database(TEST_DATABASE_URL, worker_id)
        _migrate(url, instance)
        yield url
        _drop_database(TEST_DATABASE_URL, url)
        return
    template = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(f"sqlite:///{template}", instance)
    yield str(template)


def _truncate_all(app: Flask) -> None:
    """Empty every table between tests, as only a superuser could (triggers off)."""
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            conn.execute(
                text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 0, :genesis)"),
                {"genesis": "0" * 64},
            )


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    if TEST_DATABASE_URL:
        return migrated_database
    copy = tmp_path / "test.db"
    shutil.copyfile(migrated_database, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def app(database_url, tmp_path) -> Iterator[Flask]:
    app = create_app(
        "config.TestConfig",
        SQLALCHEMY_DATABASE_URI=database_url,
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    yield app
    if TEST_DATABASE_URL:
        _truncate_all(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo(app) -> None:
    """The demo organisations and one account per role."""
    with app.app_context():
        load_demo_data()
        db.session.commit()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, page: str = "/auth/login") -> str:
    """The token a real browser would find in the page's form."""
    html = client.get(page, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict | None = None, page: str | None = None, **kw
):
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, page or "/roles")
    return client.post(url, data=payload, **kw)


def login(client: FlaskClient, email: str, password: str = DEMO_PASSWORD, **kw):
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}, **kw
    )


@pytest.fixture
def login_as(client, demo):
    """login_as("coordinator") signs the test client in with that role's demo account."""

    def sign_in(role: str) -> FlaskClient:
        response = login(client, ROLE_EMAILS[role])
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


@pytest.fixture
def police_case(app, demo) -> str:
    """An adult case of the Central District Police with one indicator and consent given."""
    from sqlalchemy import select

    from referral.auth.models import User
    from referral.cases import operations

    with app.test_request_context():
        police = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["police"]))
        case = operations.create_case(
            police,
            operations.CaseInput(
                age_band="24-26",
                gender="female",
                citizenship="UA",
                exploitation_types=["forced_labour"],
                labour_industry="C",
                region="Capital",
                identified_on="2026-03",
            ),
        )
        operations.log_indicator(police, case, "DR-01", "recruited through an agency abroad")
        operations.record_consent(police, case, "given", False)
        db.session.commit()
        return case.reference
