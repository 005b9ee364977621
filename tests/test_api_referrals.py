"""Service referrals, case owners, the inbox and notifications through the JSON API."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from referral.auth.models import User
from referral.extensions import db
from referral.organisations.models import Organisation
from referral.referrals import operations as referral_ops
from referral.referrals.models import ServiceReferral
from tests import test_api
from tests.conftest import ROLE_EMAILS
from tests.test_api import Api, error_of

# The bearer-token fixtures of test_api.py.
tokens = test_api.tokens
api = test_api.api

SAFE_HARBOUR = "Safe Harbour"  # an NGO offering shelter (the ngo account's organisation)
HOSPITAL = "City Hospital No. 1"  # medical care (the health account's organisation)
POLICE = "Central District Police"  # investigation; law enforcement


def _in_recovery(api: Api, share_with_law_enforcement: bool = False) -> str:
    """A police case taken through referral and a positive reasonable-grounds decision."""
    ref = api.new_case("police")["reference"]
    assert api("police", "POST", f"/cases/{ref}/indicators", {"code": "DR-01"}).status_code == 201
    consent = {"status": "given", "share_with_law_enforcement": share_with_law_enforcement}
    assert api("police", "PUT", f"/cases/{ref}/consent", consent).status_code == 200
    assert (
        api("police", "POST", f"/cases/{ref}/transitions", {"trigger": "refer"}).status_code == 200
    )
    rg = {"trigger": "reasonable_grounds", "outcome": "positive", "reason": "credible account"}
    recovery = api("coordinator", "POST", f"/cases/{ref}/transitions", rg)
    assert recovery.get_json()["stage"] == "recovery", recovery.get_json()
    return ref


def _organisations(api: Api) -> dict[str, int]:
    return {o["name"]: o["id"] for o in api("coordinator", "GET", "/organisations").get_json()}


def _refer(api: Api, ref: str, organisation: str, service: str, **fields) -> dict:
    body = {"organisation_id": _organisations(api)[organisation], "service": service, **fields}
    response = api("coordinator", "POST", f"/cases/{ref}/service-referrals", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _user_id(app, role: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS[role]))


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- the whole journey of a referral --------------------------------------------------------


def test_a_shelter_referral_from_request_to_completion(app, api):
    ref = _in_recovery(api)
    error_of(api("ngo", "GET", f"/cases/{ref}"), 404, "not_found")

    referral = _refer(api, ref, SAFE_HARBOUR, "shelter", note="needs a place tonight")
    assert referral["status"] == "pending" and referral["case"] == ref
    assert referral["organisation"] == {
        "id": _organisations(api)[SAFE_HARBOUR],
        "name": SAFE_HARBOUR,
    }
    assert referral["service"] == "shelter" and referral["note"] == "needs a place tonight"
    assert referral["respond_by"].endswith("Z") and referral["created_at"].endswith("Z")
    assert referral["overdue"] is False and referral["answered_at"] is None
    assert set(referral) == {
        "id",
        "case",
        "service",
        "organisation",
        "status",
        "version",
        "note",
        "respond_by",
        "created_at",
        "answered_at",
        "decline_reason",
        "completed_at",
        "outcome",
        "outcome_note",
        "cancelled_at",
        "cancel_reason",
        "overdue",
    }
    rid = referral["id"]

    # The provider sees it in its list, its inbox and, while it is open, the case itself.
    assert rid in _ids(api("ngo", "GET", "/service-referrals"))
    assert rid in _ids(api("ngo", "GET", "/service-referrals?status=pending"))
    assert rid not in _ids(api("ngo", "GET", "/service-referrals?status=accepted"))
    assert rid not in _ids(api("police", "GET", "/service-referrals"))
    for role in ("coordinator", "auditor"):
        assert rid in _ids(api(role, "GET", "/service-referrals")), role
    inbox = api("ngo", "GET", "/inbox").get_json()
    assert [(i["kind"], i["referral_id"], i["case"]) for i in inbox["items"]] == [
        ("referral_to_answer", rid, ref)
    ]
    assert inbox["items"][0]["due"] and inbox["items"][0]["label"]
    assert [(n["kind"], n["referral_id"], n["case"]) for n in inbox["notifications"]] == [
        ("referral.new", rid, ref)
    ]
    assert inbox["notifications"][0]["details"] == {"service": "shelter"}
    case = api("ngo", "GET", f"/cases/{ref}")
    assert case.status_code == 200
    assert [r["id"] for r in case.get_json()["service_referrals"]] == [rid]
    assert api("ngo", "GET", f"/service-referrals/{rid}").get_json()["status"] == "pending"

    accepted = api("ngo", "POST", f"/service-referrals/{rid}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted" and accepted.get_json()["answered_at"]
    work = api("ngo", "GET", "/inbox").get_json()["items"]
    assert [(i["kind"], i["referral_id"]) for i in work] == [("service_in_progress", rid)]

    done = {"outcome": "delivered", "note": "stayed two weeks"}
    completed = api("ngo", "POST", f"/service-referrals/{rid}/complete", done)
    assert completed.status_code == 200, completed.get_json()
    body = completed.get_json()
    assert (body["status"], body["outcome"], body["outcome_note"]) == (
        "completed",
        "delivered",
        "stayed two weeks",
    )
    assert body["completed_at"] and body["version"] > referral["version"]

    # After completion the provider keeps read access to what it delivered.
    assert api("ngo", "GET", f"/cases/{ref}").status_code == 200
    seen = api("coordinator", "GET", f"/cases/{ref}").get_json()["service_referrals"]
    assert [(r["id"], r["status"]) for r in seen] == [(rid, "completed")]
    history = api("auditor", "GET", f"/cases/{ref}/history").get_json()["items"]
    actions = [i["action"] for i in history]
    changes = [a for a in actions if a.startswith("referral.") and a != "referral.viewed"]
    assert changes == ["referral.created", "referral.accepted", "referral.completed"]
    assert "referral.viewed" in actions  # the provider read it: a read of the case


def test_a_declined_referral_ends_the_providers_view_of_the_case(api):
    ref = _in_recovery(api)
    rid = _refer(api, ref, SAFE_HARBOUR, "shelter")["id"]
    assert api("ngo", "GET", f"/cases/{ref}").status_code == 200
    missing = error_of(
        api("ngo", "POST", f"/service-referrals/{rid}/decline", {}), 422, "invalid_input"
    )
    assert missing["fields"].keys() == {"reason"}
    blank = api("ngo", "POST", f"/service-referrals/{rid}/decline", {"reason": " "})
    error_of(blank, 422, "reason_required")

    declined = api("ngo", "POST", f"/service-referrals/{rid}/decline", {"reason": "no free bed"})
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["status"] == "declined"
    assert declined.get_json()["decline_reason"] == "no free bed"
    error_of(api("ngo", "GET", f"/cases/{ref}"), 404, "not_found")
    error_of(api("ngo", "GET", f"/service-referrals/{rid}"), 403, "forbidden")
    assert rid not in _ids(api("ngo", "GET", "/service-referrals?status=declined"))  # list = view
    work = api("coordinator", "GET", "/inbox").get_json()["items"]
    assert ("declined_referral", rid) in [(i["kind"], i["referral_id"]) for i in work]


# --- what the operation refuses --------------------------------------------------------------


def test_law_enforcement_only_with_consent_to_share(api):
    ref = _in_recovery(api)
    orgs = _organisations(api)
    body = {"organisation_id": orgs[POLICE], "service": "investigation"}
    refused = api("coordinator", "POST", f"/cases/{ref}/service-referrals", body)
    assert error_of(refused, 422, "consent_scope")["fields"].keys() == {"organisation_id"}

    consent = {"status": "given", "share_with_law_enforcement": True}
    assert api("coordinator", "PUT", f"/cases/{ref}/consent", consent).status_code == 200
    referral = _refer(api, ref, POLICE, "investigation")
    assert referral["organisation"]["name"] == POLICE and referral["status"] == "pending"


def test_what_a_new_referral_may_not_be(app, api):
    ref = _in_recovery(api)
    orgs = _organisations(api)
    url = f"/cases/{ref}/service-referrals"
    shelter = {"organisation_id": orgs[SAFE_HARBOUR], "service": "shelter"}

    def refused(body: dict, code: str, role: str = "coordinator") -> dict:
        return error_of(api(role, "POST", url, body), 422, code)

    legal = {**shelter, "service": "legal"}
    assert refused(legal, "service_not_offered")["fields"].keys() == {"organisation_id"}
    assert refused({**shelter, "service": "spa"}, "unknown_service")["fields"].keys() == {"service"}
    refused({**shelter, "organisation_id": 999999}, "unknown_organisation")
    assert refused({**shelter, "name": "Anna"}, "unknown_field")["fields"].keys() == {"name"}
    assert refused({**shelter, "organisation_id": "1"}, "invalid_input")["fields"].keys() == {
        "organisation_id"
    }
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert refused({**shelter, "respond_by": past}, "invalid_input")["fields"].keys() == {
        "respond_by"
    }
    assert refused({**shelter, "respond_by": "tomorrow"}, "invalid_input")["fields"].keys() == {
        "respond_by"
    }
    note = {**shelter, "note": "call her on +7 912 345 67 89"}
    assert refused(note, "identifying_data")["fields"].keys() == {"note"}
    error_of(api("police", "POST", url, shelter), 403, "forbidden")
    error_of(api("auditor", "POST", url, shelter), 403, "forbidden")
    identified = api.new_case("police")["reference"]
    error_of(
        api("coordinator", "POST", f"/cases/{identified}/service-referrals", shelter),
        422,
        "stage_not_allowed",
    )
    with app.app_context():
        assert db.session.scalar(select(ServiceReferral.id)) is None

    # A time without a zone is UTC.
    due = (datetime.now(UTC) + timedelta(days=2)).replace(tzinfo=None, microsecond=0)
    made = _refer(api, ref, SAFE_HARBOUR, "shelter", respond_by=due.isoformat())
    assert made["respond_by"] == due.isoformat() + "Z"


def test_moves_the_referral_does_not_allow_and_users_it_is_not_for(api):
    ref = _in_recovery(api)
    referral = _refer(api, ref, SAFE_HARBOUR, "shelter")
    rid, version = referral["id"], referral["version"]
    url = f"/service-referrals/{rid}"
    done = {"outcome": "delivered"}

    error_of(api("ngo", "POST", f"{url}/complete", done), 409, "transition_not_allowed")
    error_of(api("health", "POST", f"{url}/accept"), 403, "forbidden")  # doctor@example.org
    error_of(api("health", "GET", url), 403, "forbidden")
    error_of(api("coordinator", "POST", f"{url}/accept"), 403, "forbidden")
    error_of(api("ngo", "POST", f"{url}/cancel", {"reason": "x"}), 403, "forbidden")
    error_of(api("auditor", "POST", f"{url}/accept"), 403, "forbidden")
    error_of(api("ngo", "POST", f"{url}/accept", {"version": version - 1}), 409, "conflict")
    error_of(api("ngo", "POST", f"{url}/accept", {"note": "x"}), 422, "unknown_field")
    error_of(api("ngo", "POST", f"{url}/accept", data="version=1"), 400, "invalid_json")
    error_of(api("ngo", "POST", "/service-referrals/999999/accept"), 404, "not_found")
    error_of(api("ngo", "GET", "/service-referrals/999999"), 404, "not_found")
    assert api("ngo", "GET", url).get_json()["status"] == "pending"

    accepted = api("ngo", "POST", f"{url}/accept", {"version": version})
    assert accepted.status_code == 200, accepted.get_json()
    error_of(api("ngo", "POST", f"{url}/accept"), 409, "transition_not_allowed")
    error_of(api("ngo", "POST", f"{url}/complete", {"outcome": "great"}), 422, "outcome_required")

    cancelled = api("coordinator", "POST", f"{url}/cancel", {"reason": "the person moved away"})
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "the person moved away"
    error_of(api("ngo", "GET", f"/cases/{ref}"), 404, "not_found")
    notes = api("ngo", "GET", "/inbox").get_json()["notifications"]
    assert [n["kind"] for n in notes] == ["referral.cancel", "referral.new"]


def test_a_full_shelter_refuses_another_acceptance(app, api):
    first = _refer(api, _in_recovery(api), SAFE_HARBOUR, "shelter")
    second = _refer(api, _in_recovery(api), SAFE_HARBOUR, "shelter")
    with app.test_request_context():
        shelter = db.session.scalar(select(Organisation).where(Organisation.name == SAFE_HARBOUR))
        referral_ops.set_capacity(shelter, "shelter", 1)
        db.session.commit()
    assert api("ngo", "POST", f"/service-referrals/{first['id']}/accept").status_code == 200
    full = api("ngo", "POST", f"/service-referrals/{second['id']}/accept")
    error_of(full, 409, "capacity_exhausted")
    assert api("ngo", "GET", f"/service-referrals/{second['id']}").get_json()["status"] == "pending"


def test_what_each_user_sees_of_a_cases_referrals(api):
    ref = _in_recovery(api)
    shelter = _refer(api, ref, SAFE_HARBOUR, "shelter")["id"]
    medical = _refer(api, ref, HOSPITAL, "medical")["id"]
    expected = {
        "coordinator": [shelter, medical],
        "auditor": [shelter, medical],
        "ngo": [shelter],
        "health": [medical],
        "police": [],  # the identifying organisation, not a provider here
    }
    for role, ids in expected.items():
        case = api(role, "GET", f"/cases/{ref}")
        assert case.status_code == 200, role
        assert [r["id"] for r in case.get_json()["service_referrals"]] == ids, role
    assert _ids(api("health", "GET", "/service-referrals")) == [medical]
    assert _ids(api("coordinator", "GET", "/service-referrals?per_page=1")) == [medical]
    error_of(api("ngo", "GET", "/service-referrals?status=lost"), 422, "invalid_input")


# --- the case owner -------------------------------------------------------------------------


def test_a_coordinator_assigns_the_case_owner(app, api):
    ref = _in_recovery(api)
    before = api("coordinator", "GET", f"/cases/{ref}").get_json()
    assert before["owner"] is None
    coordinator = _user_id(app, "coordinator")
    assigned = api("coordinator", "PUT", f"/cases/{ref}/owner", {"user_id": coordinator})
    assert assigned.status_code == 200, assigned.get_json()
    body = assigned.get_json()
    assert body["owner"] == {"id": coordinator, "email": "coordinator@example.org"}
    assert body["version"] == before["version"] + 1
    assert api("police", "GET", f"/cases/{ref}").get_json()["owner"]["id"] == coordinator

    error_of(
        api("police", "PUT", f"/cases/{ref}/owner", {"user_id": coordinator}), 403, "forbidden"
    )
    not_coordinator = {"user_id": _user_id(app, "police")}
    refused = api("coordinator", "PUT", f"/cases/{ref}/owner", not_coordinator)
    assert error_of(refused, 422, "not_a_coordinator")["fields"].keys() == {"user_id"}
    error_of(api("coordinator", "PUT", f"/cases/{ref}/owner", {}), 422, "invalid_input")
    error_of(
        api("coordinator", "PUT", "/cases/NRM-2026-NOSUCH00/owner", {"user_id": 1}),
        404,
        "not_found",
    )
    assert api("coordinator", "GET", f"/cases/{ref}").get_json()["owner"]["id"] == coordinator


# --- notifications and the inbox --------------------------------------------------------------


def test_notifications_reach_the_organisation_and_are_read_per_user(api):
    ref = _in_recovery(api)
    rid = _refer(api, ref, SAFE_HARBOUR, "shelter")["id"]
    ngo = api("ngo", "GET", "/inbox").get_json()["notifications"]
    assert [(n["kind"], n["case"], n["referral_id"]) for n in ngo] == [("referral.new", ref, rid)]
    assert api("health", "GET", "/inbox").get_json()["notifications"] == []
    police = api("police", "GET", "/inbox").get_json()["notifications"]
    assert [(n["kind"], n["case"]) for n in police] == [("case.reasonable_grounds", ref)]

    assert api("ngo", "POST", f"/service-referrals/{rid}/accept").status_code == 200
    coordinator = api("coordinator", "GET", "/inbox").get_json()["notifications"]
    accepted = [n for n in coordinator if n["kind"] == "referral.accept"]
    assert [(n["case"], n["referral_id"]) for n in accepted] == [(ref, rid)]

    notification = accepted[0]["id"]
    error_of(api("ngo", "POST", f"/notifications/{notification}/read"), 404, "not_found")
    error_of(api("ngo", "POST", "/notifications/999999/read"), 404, "not_found")
    read = api("coordinator", "POST", f"/notifications/{notification}/read")
    assert read.status_code == 204 and read.get_data() == b""
    after = api("coordinator", "GET", "/inbox").get_json()["notifications"]
    assert notification not in [n["id"] for n in after]
    assert api("coordinator", "POST", f"/notifications/{notification}/read").status_code == 204


def test_the_admin_inbox_names_no_case(api):
    ref = _in_recovery(api)  # notifies the National NRM Office, the admin's organisation too
    _refer(api, ref, SAFE_HARBOUR, "shelter")
    response = api("admin", "GET", "/inbox")
    assert response.get_json() == {"items": [], "notifications": []}
    assert ref not in response.get_data(as_text=True)
    for url in ("/service-referrals", "/service-referrals/1"):
        error_of(api("admin", "GET", url), 403, "forbidden")
