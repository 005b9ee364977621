"""Need-to-know: who sees which case, which note, and what a refusal looks like."""

import pytest
from sqlalchemy import select, true

from referral.auth.models import User
from referral.cases import operations as ops
from referral.cases import policy
from referral.cases.models import Case
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, login, post_form

ADULT = dict(
    age_band="30-38", gender="male", citizenship="MD", exploitation_types=["forced_labour"]
)


def user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


@pytest.fixture
def cases(app, demo):
    """One case per frontline organisation; a health note on the doctor's case."""
    with app.test_request_context():
        made = {}
        for role in ("police", "ngo", "health", "partner"):
            made[role] = ops.create_case(user(role), ops.CaseInput(**ADULT)).reference
        doctors = db.session.scalar(select(Case).where(Case.reference == made["health"]))
        ops.log_indicator(user("health"), doctors, "CD-03", "injuries consistent with violence")
        db.session.commit()
    return made


def _client(app, role):
    client = app.test_client()
    login(client, ROLE_EMAILS[role])
    return client


@pytest.mark.parametrize("role", ["police", "ngo", "health", "partner"])
def test_frontline_users_see_their_own_organisations_cases_only(app, cases, role):
    client = _client(app, role)
    for owner, reference in cases.items():
        expected = 200 if owner == role else 404
        assert client.get(f"/cases/{reference}").status_code == expected
    listing = client.get("/cases").get_data(as_text=True)
    assert [r for r in cases.values() if r in listing] == [cases[role]]


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_coordinators_and_auditors_see_every_case(app, cases, role):
    client = _client(app, role)
    listing = client.get("/cases").get_data(as_text=True)
    for reference in cases.values():
        assert reference in listing
        assert client.get(f"/cases/{reference}").status_code == 200


def test_admins_see_no_case(app, cases):
    client = _client(app, "admin")
    assert client.get("/cases").status_code == 403
    assert client.get(f"/cases/{cases['police']}").status_code == 403


def test_a_case_one_may_not_see_answers_like_one_that_does_not_exist(app, cases):
    client = _client(app, "ngo")
    hidden = client.get(f"/cases/{cases['police']}")
    missing = client.get("/cases/NRM-2026-00000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data(as_text=True) == missing.get_data(as_text=True).replace(
        "NRM-2026-00000000", cases["police"]
    )


def test_changes_to_an_invisible_case_answer_404(app, cases):
    client = _client(app, "ngo")
    response = post_form(client, f"/cases/{cases['police']}/indicators", {"code": "DR-01"})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "auditor", "health"])
def test_health_notes_are_visible_to_health_coordinators_and_auditors(app, cases, role):
    page = _client(app, role).get(f"/cases/{cases['health']}").get_data(as_text=True)
    assert "injuries consistent with violence" in page


def test_others_see_only_that_a_restricted_health_note_exists(app, cases):
    with app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.reference == cases["health"]))
        note = case.observations[0]
        assert note.is_health_data
        assert not policy.can_see_note(user("ngo"), note)
        assert not policy.can_see_note(user("police"), note)
        assert policy.can_see_note(user("coordinator"), note)


def test_law_enforcement_sees_a_case_of_another_organisation_only_with_the_persons_agreement(
    app, cases
):
    """Even when another rule (a service referral) would show the case to the police."""
    rule = (lambda u: true(), lambda u, c: True)
    policy.register_visibility(*rule)
    try:
        with app.test_request_context():
            police = user("police")
            ngo_case = db.session.scalar(select(Case).where(Case.reference == cases["ngo"]))
            assert not policy.can_view(police, ngo_case)
            visible = db.session.scalars(
                select(Case.reference).where(policy.visible_cases_clause(police))
            ).all()
            assert cases["ngo"] not in visible
            ops.record_consent(user("ngo"), ngo_case, "given", True)
            assert policy.can_view(police, ngo_case)
            assert (
                cases["ngo"]
                in db.session.scalars(
                    select(Case.reference).where(policy.visible_cases_clause(police))
                ).all()
            )
    finally:
        policy._extra_visibility.remove(rule)


def test_the_case_page_offers_only_the_actions_the_user_may_take_now(app, cases):
    police_page = _client(app, "police").get(f"/cases/{cases['police']}").get_data(as_text=True)
    assert "Refer into the NRM" in police_page
    assert "Record the reasonable-grounds decision" not in police_page
    coordinator_page = _client(app, "coordinator").get(f"/cases/{cases['police']}")
    assert "Refer into the NRM" not in coordinator_page.get_data(as_text=True)
    auditor_page = _client(app, "auditor").get(f"/cases/{cases['police']}").get_data(as_text=True)
    assert "What you can do now" not in auditor_page
    assert "Log indicator" not in auditor_page
