"""The audit trail through the JSON API: a case's history, the auditor's search, verification."""

from datetime import timedelta

from sqlalchemy import select

from referral.audit.models import AuditVerification
from referral.auth.models import User
from referral.core.types import utcnow
from referral.extensions import db
from tests import test_api
from tests.conftest import ROLE_EMAILS
from tests.test_api import CHILD, Api, error_of
from tests.test_audit import tamper

# The bearer-token fixtures of test_api.py.
tokens = test_api.tokens
api = test_api.api


def _user_id(app, role: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS[role]))


def _case_with_indicator(api: Api, role: str = "police", **fields) -> str:
    ref = api.new_case(role, **fields)["reference"]
    assert api(role, "POST", f"/cases/{ref}/indicators", {"code": "DR-01"}).status_code == 201
    return ref


# --- the history of one case ------------------------------------------------------------------


def test_coordinators_and_auditors_read_a_case_history(app, api):
    ref = _case_with_indicator(api)
    api("police", "GET", f"/cases/{ref}")
    for role in ("auditor", "coordinator"):
        response = api(role, "GET", f"/cases/{ref}/history")
        assert response.status_code == 200, (role, response.get_json())
        items = response.get_json()["items"]
        seqs = [item["seq"] for item in items]
        assert seqs == sorted(seqs)
        created = items[0]
        assert set(created) == {
            "seq",
            "at",
            "actor",
            "actor_email",
            "role",
            "organisation",
            "organisation_name",
            "action",
            "details",
        }
        assert created["action"] == "case.created"
        assert created["actor"] == _user_id(app, "police")
        assert created["actor_email"] == "police@example.org"
        assert created["role"] == "police"
        assert created["organisation_name"] == "Central District Police"
        assert isinstance(created["organisation"], int)
        assert created["at"].endswith("Z")
        assert isinstance(created["details"], dict)
        actions = [item["action"] for item in items]
        assert {"indicator.logged", "case.viewed"} <= set(actions), actions

    # The read is itself recorded, with "via": "api".
    items = api("auditor", "GET", f"/cases/{ref}/history").get_json()["items"]
    viewed = [i for i in items if i["action"] == "case.history_viewed"]
    assert [(i["role"], i["details"]) for i in viewed] == [
        ("auditor", {"via": "api"}),
        ("coordinator", {"via": "api"}),
    ]


def test_frontline_users_and_admins_may_not_read_a_case_history(app, api):
    ref = _case_with_indicator(api)
    for role in ("police", "ngo", "health", "admin"):
        error_of(api(role, "GET", f"/cases/{ref}/history"), 403, "forbidden")
    # A refusal says nothing about whether the case exists.
    error_of(api("police", "GET", "/cases/NRM-2026-NOSUCH00/history"), 403, "forbidden")
    error_of(api("auditor", "GET", "/cases/NRM-2026-NOSUCH00/history"), 404, "not_found")
    items = api("auditor", "GET", f"/cases/{ref}/history").get_json()["items"]
    refused = [i for i in items if i["action"] == "access.refused"]
    assert {i["role"] for i in refused} == {"police", "ngo", "health", "admin"}
    assert not [i for i in items if i["action"] == "case.history_viewed" and i["role"] != "auditor"]


# --- the auditor's search -----------------------------------------------------------------------


def test_search_and_verification_are_for_auditors_only(api):
    for role in ("coordinator", "police", "ngo", "admin"):
        error_of(api(role, "GET", "/audit"), 403, "forbidden")
        error_of(api(role, "GET", "/audit/verify"), 403, "forbidden")
    assert api("auditor", "GET", "/audit").status_code == 200
    assert api("auditor", "GET", "/audit/verify").status_code == 200


def _search(api: Api, query: str = "") -> dict:
    response = api("auditor", "GET", f"/audit?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_search_filters_by_case_user_action_and_dates(app, api):
    police_ref = _case_with_indicator(api)
    health_ref = _case_with_indicator(api, "health", **CHILD)

    everything = _search(api)
    assert everything["page"] == 1 and everything["per_page"] == 50
    assert everything["total"] == len(everything["items"]) > 4
    first = everything["items"][0]
    assert "case" in first and first["seq"] == max(i["seq"] for i in everything["items"])

    by_case = _search(api, f"case={police_ref.lower()}")
    assert by_case["total"] > 0
    assert {i["case"] for i in by_case["items"]} == {police_ref}

    police_id = _user_id(app, "police")
    by_id = _search(api, f"user={police_id}")
    by_email = _search(api, "user=Police@example.org")
    assert by_id["total"] == by_email["total"] > 0
    assert {i["actor"] for i in by_id["items"]} == {police_id}
    assert {i["actor_email"] for i in by_email["items"]} == {"police@example.org"}
    assert _search(api, "user=nobody@example.org")["total"] == 0

    created = _search(api, "action=case.created")
    assert sorted(i["case"] for i in created["items"]) == sorted([police_ref, health_ref])
    both = _search(api, f"action=case.created&user={police_id}")
    assert [i["case"] for i in both["items"]] == [police_ref]

    today = utcnow().date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert _search(api, f"action=case.created&from={today}&to={today}")["total"] == 2
    assert _search(api, f"action=case.created&to={yesterday}")["total"] == 0
    assert _search(api, f"action=case.created&from={tomorrow}")["total"] == 0
    an_hour_ago = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _search(api, f"action=case.created&from={an_hour_ago}")["total"] == 2
    assert _search(api, f"action=case.created&to={an_hour_ago}")["total"] == 0

    page = _search(api, "action=case.created&per_page=1&page=2")
    assert (page["total"], page["page"], page["per_page"]) == (2, 2, 1)
    assert [i["case"] for i in page["items"]] == [police_ref]

    # Each search is recorded, with its filters.
    searched = _search(api, "action=audit.searched&per_page=1")["items"][0]
    assert searched["role"] == "auditor" and searched["details"]["via"] == "api"
    assert searched["details"]["filters"] == {"action": "case.created"}


def test_bad_search_parameters_are_refused_by_name(app, api):
    cases = [
        ("from=2026-13-01", "invalid_input", {"from"}),
        ("to=9999-12-31", "invalid_input", {"to"}),
        ("to=yesterday", "invalid_input", {"to"}),
        ("from=2026-03-02&to=2026-03-01", "invalid_input", {"to"}),
        ("user=police", "invalid_input", {"user"}),
        ("page=0", "invalid_input", {"page"}),
        ("per_page=1000", "invalid_input", {"per_page"}),
        ("since=2026-01-01", "unknown_field", {"since"}),
        ("case=A&case=B", "invalid_input", {"case"}),
    ]
    for query, code, fields in cases:
        error = error_of(api("auditor", "GET", f"/audit?{query}"), 422, code)
        assert error["fields"].keys() == fields, query


# --- verification ---------------------------------------------------------------------------------


def test_verification_reports_the_first_altered_entry(app, api):
    _case_with_indicator(api)
    result = api("auditor", "GET", "/audit/verify").get_json()
    assert result["ok"] is True and result["entries"] > 2
    assert set(result) == {"ok", "entries"}

    tamper(app, "UPDATE audit_entries SET action = 'case.viewed' WHERE seq = 2")
    result = api("auditor", "GET", "/audit/verify").get_json()
    assert result == {"ok": False, "first_bad_seq": 2, "problem": "column_differs"}

    auditor_id = _user_id(app, "auditor")
    with app.app_context():
        runs = db.session.scalars(select(AuditVerification).order_by(AuditVerification.id)).all()
        assert [(run.ok, run.first_bad_seq) for run in runs] == [(True, None), (False, 2)]
        assert {run.run_by_id for run in runs} == {auditor_id}


def test_filters_hold_coded_values_only_because_they_are_audited(api):
    error_of(
        api("coordinator", "GET", "/cases?exploitation_type=Olena+Petrenko"), 422, "invalid_input"
    )
    error_of(api("auditor", "GET", "/audit?action=Olena+Petrenko"), 422, "invalid_input")
    error_of(api("auditor", "GET", "/audit?case=Olena+Petrenko+0671234567"), 422, "invalid_input")
    assert (
        api("auditor", "GET", "/audit?case=nrm-2026-abcdefgh&action=case.viewed").status_code == 200
    )


def test_referral_lists_are_audited(app, api):
    api("coordinator", "GET", "/service-referrals")
    with app.app_context():
        from referral.audit.models import AuditEntry

        last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()))
        assert last.action == "referral.listed"
