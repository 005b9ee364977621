"""The case pages, through the Flask test client, as partners use them."""

import re
import threading
from datetime import timedelta

from sqlalchemy import func, select

from referral.cases.models import Case, IndicatorObservation
from referral.core.types import utcnow
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, login, post_form
from workflows.nrm import Stage

NEW_CASE = {
    "age_band": "21-23",
    "gender": "female",
    "citizenship": "MD",
    "exploitation_types": ["forced_labour", "sexual_exploitation"],
    "labour_industry": "I",
    "region": "Capital",
    "identified_on": "2026-10",
}


def _client(app, role):
    client = app.test_client()
    login(client, ROLE_EMAILS[role])
    return client


def _case(app, reference) -> Case:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        db.session.expunge(case)
        return case


def _create(client) -> str:
    response = post_form(client, "/cases/new", NEW_CASE)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def _act(client, reference, trigger, **data):
    page = f"/cases/{reference}/actions/{trigger}"
    html = client.get(page).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    return post_form(client, page, {"version": version, **data}, page=page)


def test_full_journey_through_the_pages(app, demo):
    police = _client(app, "police")
    reference = _create(police)
    page = police.get(f"/cases/{reference}").get_data(as_text=True)
    assert reference in page and "Moldova" in page and "Forced labour" in page

    response = post_form(police, f"/cases/{reference}/indicators", {"code": "CD-01", "note": ""})
    assert response.status_code == 302
    response = post_form(
        police,
        f"/cases/{reference}/consent",
        {"status": "given", "version": _case(app, reference).version},
        page=f"/cases/{reference}/consent",
    )
    assert response.status_code == 302
    assert _act(police, reference, "refer").status_code == 302
    assert _case(app, reference).stage == Stage.REFERRED

    coordinator = _client(app, "coordinator")
    response = _act(
        coordinator, reference, "reasonable_grounds", outcome="positive", reason="credible"
    )
    assert response.status_code == 302
    response = _act(coordinator, reference, "conclusive_grounds", outcome="positive", reason="ok")
    assert response.status_code == 422
    assert "recovery and reflection period runs until" in response.get_data(as_text=True)

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        case.recovery_ends_on = utcnow().date() - timedelta(days=1)
        db.session.commit()
    assert (
        _act(
            coordinator, reference, "conclusive_grounds", outcome="positive", reason="ok"
        ).status_code
        == 302
    )
    assert _act(coordinator, reference, "close", closure_reason="reintegrated").status_code == 302
    case = _case(app, reference)
    assert (case.stage, case.closure_reason) == (Stage.CLOSED, "reintegrated")
    history = coordinator.get(f"/cases/{reference}").get_data(as_text=True)
    for label in ("Refer into the NRM", "Record the conclusive-grounds decision", "Reintegrated"):
        assert label in history


def test_new_case_form_shows_each_error_next_to_its_field(app, demo):
    police = _client(app, "police")
    response = post_form(police, "/cases/new", {"region": "call 8 912 345 67 89"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "Choose an age band.",
        "Choose a gender.",
        "Choose a country",
        "Choose at least one type of exploitation.",
        "Remove personal identifiers",
    ):
        assert message in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0


def test_identifying_note_is_refused_on_the_page_and_nothing_stored(app, demo):
    police = _client(app, "police")
    reference = _create(police)
    response = post_form(
        police, f"/cases/{reference}/indicators", {"code": "DR-01", "note": "passport AB1234567"}
    )
    assert response.status_code == 422
    assert "a passport or ID number" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(IndicatorObservation.id))) == 0


def test_guard_failure_is_shown_on_the_action_form(app, demo):
    police = _client(app, "police")
    reference = _create(police)
    response = _act(police, reference, "refer")
    assert response.status_code == 422
    assert "Log at least one observed indicator" in response.get_data(as_text=True)


def test_retracting_an_indicator_keeps_it_visible_as_retracted(app, demo):
    police = _client(app, "police")
    reference = _create(police)
    post_form(police, f"/cases/{reference}/indicators", {"code": "DR-01"})
    observation_id = _case(app, reference).observations[0].id
    response = post_form(police, f"/cases/{reference}/indicators/{observation_id}/retract")
    assert response.status_code == 302
    assert "Retracted on" in police.get(f"/cases/{reference}").get_data(as_text=True)


def test_case_list_filters_and_paginates(app, demo):
    police = _client(app, "police")
    for _ in range(27):
        _create(police)
    first = police.get("/cases").get_data(as_text=True)
    assert "27 cases" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in police.get("/cases?page=2").get_data(as_text=True)
    assert "0 cases" in police.get("/cases?stage=referred").get_data(as_text=True)
    assert "27 cases" in police.get(
        "/cases?exploitation_type=forced_labour&region=capital"
    ).get_data(as_text=True)
    assert "27 cases" in police.get("/cases?needs_my_action=y").get_data(as_text=True)


def test_workflow_page_draws_the_machine(app, demo):
    html = _client(app, "partner").get("/workflow").get_data(as_text=True)
    assert "<svg" in html and "reasonable_grounds" in html
    assert "a frontline user of the identifying organisation" in html


def test_coordinators_deciding_at_once_one_wins_the_others_are_told(app, police_case):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == police_case))
        case.stage, case.referred_at = Stage.REFERRED, utcnow()
        db.session.commit()
        version = case.version
    clients = [_client(app, "coordinator") for _ in range(4)]
    page = f"/cases/{police_case}/actions/reasonable_grounds"
    tokens = [
        re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', c.get(page).get_data(as_text=True)
        ).group(1)
        for c in clients
    ]
    barrier = threading.Barrier(len(clients))
    statuses = []

    def decide(client, token, outcome):
        barrier.wait()
        response = client.post(
            page,
            data={"csrf_token": token, "version": version, "outcome": outcome, "reason": "seen"},
        )
        statuses.append((response.status_code, response.get_data(as_text=True)))

    threads = [
        threading.Thread(target=decide, args=(c, t, "positive" if i % 2 else "negative"))
        for i, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in statuses) == [302, 409, 409, 409]
    for status, body in statuses:
        if status == 409:
            assert "Someone else changed this" in body
    case = _case(app, police_case)
    assert case.version == version + 1
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == police_case))
        assert len(case.stage_changes) == 1


def test_coordinator_asks_the_identifying_organisation_and_it_answers(app, police_case):
    coordinator = _client(app, "coordinator")
    page = f"/cases/{police_case}"
    response = post_form(
        coordinator, f"{page}/information", {"question": "Was an interpreter present?"}, page=page
    )
    assert response.status_code == 302
    police = _client(app, "police")
    home = police.get("/").get_data(as_text=True)
    assert "Request for information to answer" in home
    html = police.get(page).get_data(as_text=True)
    request_id = re.search(r"/information/(\d+)/answer", html).group(1)
    refused = post_form(
        police,
        f"{page}/information/{request_id}/answer",
        {"answer": "call 8 912 345 67 89"},
        page=page,
    )
    assert refused.status_code == 302
    assert "Not answered yet" not in police.get(page).get_data(as_text=True)  # form still offered
    post_form(
        police,
        f"{page}/information/{request_id}/answer",
        {"answer": "Yes, for Romanian."},
        page=page,
    )
    assert "Yes, for Romanian." in coordinator.get(page).get_data(as_text=True)
    assert "Request for information to answer" not in police.get("/").get_data(as_text=True)
    ngo = _client(app, "ngo")
    assert (
        post_form(ngo, f"{page}/information/{request_id}/answer", {"answer": "x"}).status_code
        == 404
    )
