"""Administrators manage organisations and accounts; bad input changes nothing."""

from sqlalchemy import func, select

from referral.auth.models import User
from referral.extensions import db
from referral.organisations.models import Organisation
from tests.conftest import login, post_form

NEW_ORG = {
    "name": "Northern Women's Shelter",
    "type": "ngo",
    "region": "North",
    "services": ["shelter", "psychological"],
    "active": "y",
}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _org(app, name: str) -> Organisation | None:
    with app.app_context():
        return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_admin_creates_an_organisation_with_its_services(app, login_as):
    client = login_as("admin")
    response = post_form(client, "/admin/organisations/new", NEW_ORG)
    assert response.status_code == 302
    org = _org(app, "Northern Women's Shelter")
    assert org.services == ["psychological", "shelter"]
    assert org.region == "North"
    assert not org.is_public_authority
    assert "Northern Women&#39;s Shelter" in client.get("/admin/organisations").get_data(
        as_text=True
    )


def test_duplicate_organisation_name_is_refused_next_to_the_field(app, login_as):
    client = login_as("admin")
    before = _count(app, Organisation)
    response = post_form(client, "/admin/organisations/new", {**NEW_ORG, "name": "safe harbour"})
    assert response.status_code == 422
    assert "An organisation with this name already exists." in response.get_data(as_text=True)
    assert _count(app, Organisation) == before


def test_unknown_service_is_refused(app, login_as):
    client = login_as("admin")
    response = post_form(client, "/admin/organisations/new", {**NEW_ORG, "services": ["spa"]})
    assert response.status_code == 422
    assert _org(app, NEW_ORG["name"]) is None


def test_admin_edits_and_deactivates_an_organisation(app, login_as):
    client = login_as("admin")
    org = _org(app, "Legal Aid Centre")
    response = post_form(
        client,
        f"/admin/organisations/{org.id}",
        {"name": "Legal Aid Centre", "type": "ngo", "services": ["legal", "interpretation"]},
    )
    assert response.status_code == 302
    org = _org(app, "Legal Aid Centre")
    assert org.services == ["interpretation", "legal"]
    assert not org.active


def test_users_of_a_deactivated_organisation_cannot_sign_in(app, login_as):
    client = login_as("admin")
    org = _org(app, "Safe Harbour")
    post_form(client, f"/admin/organisations/{org.id}", {"name": "Safe Harbour", "type": "ngo"})
    assert login(app.test_client(), "ngo@example.org").status_code == 422


def test_admin_creates_an_account_that_can_sign_in(app, login_as):
    client = login_as("admin")
    org = _org(app, "Legal Aid Centre")
    response = post_form(
        client,
        "/admin/users/new",
        {
            "email": "Lawyer@Example.org",
            "role": "ngo",
            "organisation_id": org.id,
            "locale": "ru",
            "password": "a sufficiently long phrase",
            "active": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "lawyer@example.org"))
        assert user.password_hash.startswith("$argon2id$")
        assert user.locale == "ru"
    assert (
        login(app.test_client(), "lawyer@example.org", "a sufficiently long phrase").status_code
        == 302
    )


def test_account_with_a_weak_password_or_taken_email_is_not_created(app, login_as):
    client = login_as("admin")
    org = _org(app, "Legal Aid Centre")
    before = _count(app, User)
    base = {"role": "ngo", "organisation_id": org.id, "locale": "en", "active": "y"}
    weak = post_form(
        client, "/admin/users/new", {**base, "email": "a@example.org", "password": "short"}
    )
    assert weak.status_code == 422
    assert "at least 12 characters" in weak.get_data(as_text=True)
    taken = post_form(
        client,
        "/admin/users/new",
        {**base, "email": "POLICE@example.org", "password": "a sufficiently long phrase"},
    )
    assert taken.status_code == 422
    assert "An account with this email already exists." in taken.get_data(as_text=True)
    assert _count(app, User) == before


def test_admin_resets_a_password_and_the_old_sessions_end(app, login_as):
    police = app.test_client()
    login(police, "police@example.org")
    admin = login_as("admin")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "police@example.org"))
    response = post_form(
        admin,
        f"/admin/users/{user_id}/password",
        {"password": "a brand new long phrase"},
        page=f"/admin/users/{user_id}",
    )
    assert response.status_code == 302
    assert police.get("/").status_code == 302
    assert (
        login(app.test_client(), "police@example.org", "a brand new long phrase").status_code == 302
    )


def test_reset_with_a_weak_password_shows_the_rule(app, login_as):
    admin = login_as("admin")
    response = post_form(admin, "/admin/users/1/password", {"password": "qwertyqwerty"})
    assert response.status_code == 422
    assert "commonly used" in response.get_data(as_text=True)
    assert login(app.test_client(), "police@example.org").status_code == 302


def test_admin_pages_are_not_for_coordinators(login_as):
    client = login_as("coordinator")
    assert client.get("/admin/users").status_code == 403
    assert post_form(client, "/admin/organisations/new", NEW_ORG).status_code == 403
