"""Signing in and out, sessions that really end, throttling, redirects, CSRF, passwords."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.auth.models import LoginFailure, User, UserSession
from referral.core.redirects import safe_next
from referral.core.types import utcnow
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, csrf_token, login, post_form

COORDINATOR = ROLE_EMAILS["coordinator"]


def test_sign_in_opens_the_home_page_with_name_organisation_and_role(client, demo):
    response = login(client, COORDINATOR, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert COORDINATOR in html
    assert "National NRM Office" in html
    assert "NRM coordinator" in html


def test_email_is_case_insensitive(client, demo):
    assert login(client, "Coordinator@Example.ORG").status_code == 302


def test_wrong_password_is_refused_with_a_message_and_no_session(client, demo, app):
    response = login(client, COORDINATOR, "not the right password")
    assert response.status_code == 422
    assert "The email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None


def test_unknown_account_gets_the_same_answer_as_a_wrong_password(client, demo):
    response = login(client, "nobody@example.org", "whatever password")
    assert response.status_code == 422
    assert "The email or password is incorrect." in response.get_data(as_text=True)


def test_disabled_account_cannot_sign_in(client, demo, app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == COORDINATOR))
        user.active = False
        db.session.commit()
    assert login(client, COORDINATOR).status_code == 422


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_refused(app, client, demo):
    login(client, COORDINATOR)
    stolen = client.get_cookie("nrm_session").value
    assert client.get("/").status_code == 200
    response = post_form(client, "/auth/logout")
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("nrm_session", stolen)
    response = replay.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_logout_requires_post_with_a_csrf_token(client, demo):
    login(client, COORDINATOR)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_session_expires_after_idle_time(app, client, demo):
    login(client, COORDINATOR)
    with app.app_context():
        session = db.session.scalar(select(UserSession))
        session.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserSession)).end_reason == "idle"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has expired" in page


def test_session_expires_after_absolute_time_even_when_active(app, client, demo):
    login(client, COORDINATOR)
    with app.app_context():
        session = db.session.scalar(select(UserSession))
        session.created_at = utcnow() - timedelta(
            hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1
        )
        db.session.commit()
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserSession)).end_reason == "absolute"


def test_disabling_an_account_ends_its_sessions(app, client, demo):
    login(client, COORDINATOR)
    admin = app.test_client()
    login(admin, ROLE_EMAILS["admin"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == COORDINATOR))
        user_id, org_id = user.id, user.organisation_id
    response = post_form(
        admin,
        f"/admin/users/{user_id}",
        {"email": COORDINATOR, "role": "coordinator", "organisation_id": org_id, "locale": "en"},
        page=f"/admin/users/{user_id}",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, demo):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, COORDINATOR)
    login(elsewhere, COORDINATOR)
    response = post_form(
        here,
        "/auth/password",
        {
            "current_password": "nrm-demo-password",
            "new_password": "a long and private phrase",
            "confirm": "a long and private phrase",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert login(app.test_client(), COORDINATOR, "a long and private phrase").status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("x" * 129, "at most 128 characters"),
        ("qwertyqwerty", "commonly used"),
    ],
)
def test_password_rules_are_shown_next_to_the_field(client, demo, password, message):
    login(client, COORDINATOR)
    response = post_form(
        client,
        "/auth/password",
        {"current_password": "nrm-demo-password", "new_password": password, "confirm": password},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_no_composition_rules_a_long_lowercase_phrase_is_accepted(client, demo):
    login(client, COORDINATOR)
    phrase = "correct horse battery staple river"
    response = post_form(
        client,
        "/auth/password",
        {"current_password": "nrm-demo-password", "new_password": phrase, "confirm": phrase},
    )
    assert response.status_code == 302


def test_wrong_current_password_changes_nothing(client, demo):
    login(client, COORDINATOR)
    response = post_form(
        client,
        "/auth/password",
        {"current_password": "wrong", "new_password": "x" * 20, "confirm": "x" * 20},
    )
    assert response.status_code == 422
    assert login(client.application.test_client(), COORDINATOR).status_code == 302


def test_repeated_failures_throttle_the_account_from_that_address(app, client, demo):
    limit = app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert login(client, COORDINATOR, "wrong password!").status_code == 422
    response = login(client, COORDINATOR)  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_throttling_from_one_address_does_not_lock_the_real_user_out_elsewhere(app, demo):
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"] + 2):
        login(attacker, COORDINATOR, "guess", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    real_user = app.test_client()
    response = login(real_user, COORDINATOR, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 302


def test_an_address_spraying_many_accounts_is_throttled(app, demo):
    client = app.test_client()
    limit = app.config["LOGIN_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        login(client, f"user{n}@example.org", "guess")
    assert login(client, COORDINATOR).status_code == 429


def test_throttling_is_a_cool_down_that_ends(app, client, demo):
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        login(client, COORDINATOR, "wrong password!")
    assert login(client, COORDINATOR).status_code == 429
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"], seconds=1)
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at -= window
        db.session.commit()
    assert login(client, COORDINATOR).status_code == 302


def test_failed_attempts_keep_no_email_in_clear(app, client, demo):
    login(client, COORDINATOR, "wrong password!")
    with app.app_context():
        keys = db.session.scalars(select(LoginFailure.key)).all()
    assert keys and all("@" not in key for key in keys)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\tevil",
    ],
)
def test_next_may_not_leave_the_site(client, demo, target):
    token = csrf_token(client)
    response = client.post(
        "/auth/login",
        data={
            "email": COORDINATOR,
            "password": "nrm-demo-password",
            "csrf_token": token,
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, demo):
    assert client.get("/roles").headers["Location"] == "/auth/login?next=/roles"
    token = csrf_token(client)
    response = client.post(
        "/auth/login",
        data={
            "email": COORDINATOR,
            "password": "nrm-demo-password",
            "csrf_token": token,
            "next": "/roles",
        },
    )
    assert response.headers["Location"] == "/roles"


def test_safe_next_keeps_query_strings_of_local_paths():
    assert safe_next("/cases?stage=referred", "/") == "/cases?stage=referred"
    assert safe_next(None, "/") == "/"


def test_post_without_csrf_token_is_refused(client, demo):
    response = client.post(
        "/auth/login", data={"email": COORDINATOR, "password": "nrm-demo-password"}
    )
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, demo):
    response = login(client, COORDINATOR)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    https = client.application.test_client()
    response = login(https, COORDINATOR, base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]
