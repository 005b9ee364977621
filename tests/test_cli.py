"""Command-line administration, including its errors."""

import pytest
from sqlalchemy import func, select

from referral.auth.models import ApiToken, User, digest
from referral.extensions import db
from referral.organisations.models import Organisation


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_orgs_create(app, runner):
    result = runner.invoke(
        args=[
            "orgs",
            "create",
            "--name",
            "Shelter North",
            "--type",
            "ngo",
            "--region",
            "North",
            "--services",
            "shelter,legal",
            "--public-authority",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        assert (org.name, org.type, org.region, org.is_public_authority) == (
            "Shelter North",
            "ngo",
            "North",
            True,
        )
        assert org.services == ["legal", "shelter"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "X", "--type", "spaceship"], "Unknown organisation type"),
        (["--name", "X", "--type", "ngo", "--services", "spa"], "Unknown service"),
        (["--name", "Safe Harbour", "--type", "ngo"], "already exists"),
    ],
)
def test_orgs_create_refuses_bad_input(app, runner, demo, args, message):
    before = _count(app, Organisation)
    result = runner.invoke(args=["orgs", "create", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert _count(app, Organisation) == before


def test_users_create_with_a_password(app, runner, demo):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.org",
            "--role",
            "coordinator",
            "--org",
            "National NRM Office",
            "--password",
            "a long enough phrase",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert (
            db.session.scalar(select(User).where(User.email == "new@example.org")).role
            == "coordinator"
        )


def test_users_create_prompts_for_the_password(app, runner, demo):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "p@example.org",
            "--role",
            "ngo",
            "--org",
            "Safe Harbour",
        ],
        input="a long enough phrase\na long enough phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert _count(app, User) == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "a@example.org", "--role", "wizard", "--org", "Safe Harbour"], "Unknown role"),
        (["--email", "a@example.org", "--role", "ngo", "--org", "Nowhere"], "Unknown organisation"),
        (
            ["--email", "police@example.org", "--role", "ngo", "--org", "Safe Harbour"],
            "already exists",
        ),
        (
            [
                "--email",
                "a@example.org",
                "--role",
                "ngo",
                "--org",
                "Safe Harbour",
                "--password",
                "tooshort",
            ],
            "at least 12 characters",
        ),
        (
            [
                "--email",
                "a@example.org",
                "--role",
                "ngo",
                "--org",
                "Safe Harbour",
                "--password",
                "1q2w3e4r5t6y",
            ],
            "commonly used",
        ),
    ],
)
def test_users_create_refuses_bad_input(app, runner, demo, args, message):
    if "--password" not in args:
        args = [*args, "--password", "a long enough phrase"]
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert _count(app, User) == 8


def test_users_token_prints_a_token_stored_only_as_a_digest(app, runner, demo):
    result = runner.invoke(args=["users", "token", "coordinator@example.org"])
    assert result.exit_code == 0
    token = result.output.strip()
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.token_hash == digest(token)
        assert token not in stored.token_hash


def test_users_token_for_unknown_user_fails(runner, demo):
    result = runner.invoke(args=["users", "token", "ghost@example.org"])
    assert result.exit_code != 0
    assert "Unknown user" in result.output


def test_demo_loads_one_account_per_role_and_is_repeatable(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "nrm-demo-password" in first.output
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
    assert roles == {
        "police",
        "labour_inspector",
        "health",
        "ngo",
        "partner",
        "coordinator",
        "auditor",
        "admin",
    }
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert _count(app, User) == 8


def test_demo_refuses_a_database_with_real_accounts_unless_forced(app, runner):
    runner.invoke(args=["orgs", "create", "--name", "Real Org", "--type", "ngo"])
    runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "real@gov.example",
            "--role",
            "ngo",
            "--org",
            "Real Org",
            "--password",
            "a long enough phrase",
        ]
    )
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0
    assert "real accounts" in refused.output
    assert _count(app, User) == 1
    assert runner.invoke(args=["demo", "--force"]).exit_code == 0
    assert _count(app, User) == 9


def test_demo_if_empty_does_nothing_once_accounts_exist(app, runner, demo):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert result.output == ""


def test_revoked_tokens_no_longer_open_the_api(app, runner, demo):
    token = runner.invoke(args=["users", "token", "coordinator@example.org"]).output.strip()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    result = runner.invoke(args=["users", "revoke-tokens", "coordinator@example.org"])
    assert result.exit_code == 0 and "Revoked 1 token(s)" in result.output
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert runner.invoke(args=["users", "revoke-tokens", "ghost@example.org"]).exit_code != 0
