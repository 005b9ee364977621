"""The JSON API v1 through the test client with bearer tokens: the same rules as the pages."""

from datetime import timedelta

import pytest
from sqlalchemy import false, func, select, true

from referral.api import serializers
from referral.auth.models import User
from referral.auth.sessions import issue_api_token
from referral.cases import policy
from referral.cases.models import Case, IndicatorObservation, StageChange
from referral.core.types import utcnow
from referral.extensions import db
from tests.conftest import ROLE_EMAILS, csrf_token, login

ADULT = {
    "age_band": "24-26",
    "gender": "female",
    "citizenship": "UA",
    "exploitation_types": ["forced_labour"],
    "labour_industry": "C",
    "region": "Capital",
    "identified_on": "2026-01",
}
CHILD = {
    "age_band": "9-17",
    "gender": "male",
    "citizenship": "MD",
    "exploitation_types": ["forced_begging"],
    "labour_industry": None,
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def tokens(app, demo) -> dict[str, str]:
    """A bearer token per role (keys as in ROLE_EMAILS: police, health, ngo, ...)."""
    with app.app_context():
        issued = {}
        for role, email in ROLE_EMAILS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            issued[role] = issue_api_token(user)
        db.session.commit()
    return issued


class Api:
    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def __call__(self, role: str, method: str, url: str, json=None, **kw):
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **kw.pop("headers", {})}
        return self.client.open("/api/v1" + url, method=method, json=json, headers=headers, **kw)

    def new_case(self, role: str = "police", **fields) -> dict:
        response = self(role, "POST", "/cases", {**ADULT, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def api(client, tokens) -> Api:
    return Api(client, tokens)


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def case_row(app, reference: str, change=None) -> None:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        if change:
            change(case)
            db.session.commit()


# --- authentication -------------------------------------------------------------------------


def test_unauthenticated_calls_answer_401_json_never_a_redirect(client, demo):
    for url in ("/api/v1/cases", "/api/v1/workflow", "/api/v1/openapi.json"):
        response = client.get(url)
        error_of(response, 401, "unauthenticated")
        assert "Location" not in response.headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
    bad = {"Authorization": "Bearer nrm_not-a-token"}
    response = client.post("/api/v1/cases", json=ADULT, headers=bad)
    error_of(response, 401, "unauthenticated")
    assert count(client.application, Case) == 0


def test_a_revoked_token_is_refused(app, api):
    from referral.auth.models import ApiToken

    with app.app_context():
        for token in db.session.scalars(select(ApiToken)):
            token.revoked_at = utcnow()
        db.session.commit()
    error_of(api("police", "GET", "/cases"), 401, "unauthenticated")


def test_unknown_addresses_and_methods_answer_json(api):
    error_of(api("police", "GET", "/nothing-here"), 404, "not_found")
    error_of(api("police", "DELETE", "/cases"), 405, "method_not_allowed")
    error_of(api("police", "GET", "/cases/NRM-2026-NOSUCH00"), 404, "not_found")


# --- the whole journey ----------------------------------------------------------------------


def test_the_full_journey_through_the_api(app, api):
    case = api.new_case("police")
    ref = case["reference"]
    assert case["stage"] == "identified" and case["is_child"] is False
    assert case["citizenship_name"] == "Ukraine"
    assert case["identifying_organisation"]["name"] == "Central District Police"
    assert case["consent"] == {"status": None, "share_with_law_enforcement": False}
    assert case["allowed_triggers"] == ["refer", "notify"]
    assert case["ilo_assessment"]["form"] == "labour_adult"
    assert "not a decision" in case["ilo_assessment"]["note"]

    refused = api("police", "POST", f"/cases/{ref}/transitions", {"trigger": "refer"})
    error_of(refused, 422, "indicator_required")

    logged = api("police", "POST", f"/cases/{ref}/indicators", {"code": "dr-01", "note": "agency"})
    assert logged.status_code == 201
    observation = logged.get_json()
    assert observation["code"] == "DR-01" and observation["note"] == "agency"
    assert observation["strength"] and observation["dimension"] and observation["text"]
    assert observation["recorded_at"].endswith("Z") and observation["retracted_at"] is None

    refused = api("police", "POST", f"/cases/{ref}/transitions", {"trigger": "refer"})
    error_of(refused, 422, "consent_required")

    consent = api(
        "police",
        "PUT",
        f"/cases/{ref}/consent",
        {"status": "given", "share_with_law_enforcement": True},
    )
    assert consent.status_code == 200
    assert consent.get_json()["consent"] == {"status": "given", "share_with_law_enforcement": True}

    referred = api("police", "POST", f"/cases/{ref}/transitions", {"trigger": "refer"})
    assert referred.status_code == 200, referred.get_json()
    body = referred.get_json()
    assert body["stage"] == "referred"
    assert body["deadlines"]["rg_due_on"] and body["deadlines"]["referred_at"]
    assert body["allowed_triggers"] == ["withdraw_consent"]  # police may not decide

    rg = {"trigger": "reasonable_grounds", "outcome": "positive"}
    error_of(api("coordinator", "POST", f"/cases/{ref}/transitions", rg), 422, "reason_required")
    rg["reason"] = "her passport AB1234567 was taken"
    refused = api("coordinator", "POST", f"/cases/{ref}/transitions", rg)
    assert error_of(refused, 422, "identifying_data")["fields"].keys() == {"reason"}
    rg["reason"] = "credible account and corroborating indicators"
    recovery = api("coordinator", "POST", f"/cases/{ref}/transitions", rg)
    assert recovery.status_code == 200
    body = recovery.get_json()
    assert body["stage"] == "recovery"
    assert body["decisions"]["rg_outcome"] == "positive" and body["decisions"]["rg_decided_at"]
    assert body["deadlines"]["recovery_ends_on"]

    cg = {"trigger": "conclusive_grounds", "outcome": "positive", "reason": "confirmed"}
    refused = api("coordinator", "POST", f"/cases/{ref}/transitions", cg)
    error_of(refused, 422, "recovery_period_running")

    def end_recovery(case: Case) -> None:
        case.recovery_ends_on = utcnow().date() - timedelta(days=1)

    case_row(app, ref, end_recovery)
    rehabilitation = api("coordinator", "POST", f"/cases/{ref}/transitions", cg)
    assert rehabilitation.status_code == 200, rehabilitation.get_json()
    assert rehabilitation.get_json()["stage"] == "rehabilitation"
    assert rehabilitation.get_json()["decisions"]["cg_outcome"] == "positive"

    close = {"trigger": "close", "reason": "reintegrated"}
    closed = api("coordinator", "POST", f"/cases/{ref}/transitions", close)
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["stage"] == "closed"
    assert body["decisions"]["closure_reason"] == "reintegrated" and body["decisions"]["closed_at"]
    assert "reopen" in body["allowed_triggers"]
    history = [(c["trigger"], c["from"], c["to"]) for c in body["stage_history"]]
    assert history == [
        ("refer", "identified", "referred"),
        ("reasonable_grounds", "referred", "recovery"),
        ("conclusive_grounds", "recovery", "rehabilitation"),
        ("close", "rehabilitation", "closed"),
    ]
    assert body["stage_history"][1]["organisation"]["name"] == "National NRM Office"

    # The police, the identifying organisation, reads the same case.
    assert api("police", "GET", f"/cases/{ref}").get_json()["stage"] == "closed"
    listing = api("coordinator", "GET", "/cases?stage=closed").get_json()
    assert [item["reference"] for item in listing["items"]] == [ref]


# --- what is refused, and that nothing is stored --------------------------------------------


def test_an_unknown_field_is_refused_by_name_and_nothing_is_stored(app, api):
    response = api("police", "POST", "/cases", {**ADULT, "first_name": "Anna"})
    error = error_of(response, 422, "unknown_field")
    assert list(error["fields"]) == ["first_name"]
    assert error["fields"]["first_name"]
    assert count(app, Case) == 0


def test_unknown_fields_are_refused_on_every_body(api):
    ref = api.new_case()["reference"]
    bodies = {
        ("PATCH", f"/cases/{ref}"): {"passport": "x"},
        ("POST", f"/cases/{ref}/indicators"): {"code": "DR-01", "name": "x"},
        ("PUT", f"/cases/{ref}/consent"): {
            "status": "given",
            "share_with_law_enforcement": False,
            "phone": "x",
        },
        ("POST", f"/cases/{ref}/transitions"): {"trigger": "refer", "address": "x"},
    }
    for (method, url), body in bodies.items():
        error = error_of(api("police", method, url, body), 422, "unknown_field")
        assert set(error["fields"]) == set(body) - {
            "code",
            "status",
            "share_with_law_enforcement",
            "trigger",
        }


def test_wrong_types_and_missing_fields_are_invalid_input(app, api):
    response = api("police", "POST", "/cases", {**ADULT, "exploitation_types": "forced_labour"})
    assert error_of(response, 422, "invalid_input")["fields"].keys() == {"exploitation_types"}
    response = api("police", "POST", "/cases", {"age_band": 30})
    fields = error_of(response, 422, "invalid_input")["fields"]
    assert {"age_band", "gender", "citizenship", "exploitation_types"} <= fields.keys()
    # Values are checked by the operation, with the same messages as the pages.
    response = api("police", "POST", "/cases", {**ADULT, "age_band": "adult"})
    assert error_of(response, 422, "invalid_input")["fields"].keys() == {"age_band"}
    assert count(app, Case) == 0


def test_a_body_that_is_not_a_json_object_is_refused(app, api):
    response = api("police", "POST", "/cases", data="age_band=24-26")
    error_of(response, 400, "invalid_json")
    response = api("police", "POST", "/cases", json=[ADULT])
    error_of(response, 400, "invalid_json")
    assert count(app, Case) == 0


def test_an_identifying_note_is_refused_and_nothing_is_stored(app, api):
    case = api.new_case()
    ref = case["reference"]
    response = api(
        "police",
        "POST",
        f"/cases/{ref}/indicators",
        {"code": "DR-01", "note": "call +7 912 345 67 89"},
    )
    error = error_of(response, 422, "identifying_data")
    assert "note" in error["fields"]
    assert count(app, IndicatorObservation) == 0
    after = api("police", "GET", f"/cases/{ref}").get_json()
    assert after["indicators"] == [] and after["version"] == case["version"]


def test_an_identifying_region_is_refused(app, api):
    response = api("police", "POST", "/cases", {**ADULT, "region": "near anna@example.org"})
    assert error_of(response, 422, "invalid_input")["fields"].keys() == {"region"}
    assert count(app, Case) == 0


def test_an_unknown_indicator_code_is_refused(app, api):
    ref = api.new_case()["reference"]
    response = api("police", "POST", f"/cases/{ref}/indicators", {"code": "XX-99"})
    assert error_of(response, 422, "unknown_indicator")["fields"].keys() == {"code"}
    assert count(app, IndicatorObservation) == 0


def test_a_trigger_not_possible_at_this_stage_is_409(api):
    ref = api.new_case()["reference"]
    body = {"trigger": "reasonable_grounds", "outcome": "positive", "reason": "credible"}
    error_of(
        api("coordinator", "POST", f"/cases/{ref}/transitions", body), 409, "transition_not_allowed"
    )
    unknown = api("coordinator", "POST", f"/cases/{ref}/transitions", {"trigger": "fly"})
    error_of(unknown, 422, "unknown_trigger")


def _referred(api) -> str:
    ref = api.new_case()["reference"]
    assert api("police", "POST", f"/cases/{ref}/indicators", {"code": "DR-01"}).status_code == 201
    consent = {"status": "given", "share_with_law_enforcement": False}
    assert api("police", "PUT", f"/cases/{ref}/consent", consent).status_code == 200
    assert (
        api("police", "POST", f"/cases/{ref}/transitions", {"trigger": "refer"}).status_code == 200
    )
    return ref


def test_a_step_that_takes_no_reason_refuses_one_and_stores_nothing(app, api):
    ref = api.new_case()["reference"]
    api("police", "POST", f"/cases/{ref}/indicators", {"code": "DR-01"})
    consent = {"status": "given", "share_with_law_enforcement": False}
    api("police", "PUT", f"/cases/{ref}/consent", consent)
    body = {"trigger": "refer", "reason": "call +7 912 345 67 89"}
    response = api("police", "POST", f"/cases/{ref}/transitions", body)
    assert error_of(response, 422, "invalid_input")["fields"].keys() == {"reason"}
    assert count(app, StageChange) == 0
    assert api("police", "GET", f"/cases/{ref}").get_json()["stage"] == "identified"


def test_a_stale_version_is_a_conflict_and_changes_nothing(api):
    ref = _referred(api)
    case = api("coordinator", "GET", f"/cases/{ref}").get_json()
    stale = case["version"] - 1
    body = {
        "trigger": "reasonable_grounds",
        "outcome": "positive",
        "reason": "credible",
        "version": stale,
    }
    error_of(api("coordinator", "POST", f"/cases/{ref}/transitions", body), 409, "conflict")
    error_of(
        api("coordinator", "PATCH", f"/cases/{ref}", {"region": "North", "version": stale}),
        409,
        "conflict",
    )
    after = api("coordinator", "GET", f"/cases/{ref}").get_json()
    assert after["stage"] == "referred" and after["region"] == "Capital"
    assert after["version"] == case["version"]
    body["version"] = case["version"]
    assert api("coordinator", "POST", f"/cases/{ref}/transitions", body).status_code == 200


def test_police_may_not_take_the_reasonable_grounds_decision(app, api):
    ref = _referred(api)
    body = {"trigger": "reasonable_grounds", "outcome": "positive", "reason": "credible"}
    error_of(api("police", "POST", f"/cases/{ref}/transitions", body), 403, "forbidden")
    assert count(app, StageChange) == 1


def test_a_case_the_user_may_not_see_is_404_not_403(app, api):
    ref = _referred(api)
    for method, url, body in [
        ("GET", f"/cases/{ref}", None),
        ("PATCH", f"/cases/{ref}", {"region": "North"}),
        ("POST", f"/cases/{ref}/indicators", {"code": "DR-02"}),
        ("DELETE", f"/cases/{ref}/indicators/1", None),
        (
            "PUT",
            f"/cases/{ref}/consent",
            {"status": "refused", "share_with_law_enforcement": False},
        ),
        ("POST", f"/cases/{ref}/transitions", {"trigger": "withdraw_consent"}),
    ]:
        error_of(api("ngo", method, url, body), 404, "not_found")
    assert api("ngo", "GET", "/cases").get_json()["total"] == 0
    assert api("police", "GET", f"/cases/{ref.lower()}").status_code == 200


def test_the_auditor_reads_but_changes_nothing(app, api):
    ref = _referred(api)
    assert api("auditor", "GET", f"/cases/{ref}").status_code == 200
    assert api("auditor", "GET", f"/cases/{ref}").get_json()["allowed_triggers"] == []
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in rule.methods & set(WRITES):
            if rule.endpoint == "api.read_notification":
                continue  # personal: marks the auditor's own notice read
            values = {"reference": ref, "observation_id": 1, "referral_id": 1, "notification_id": 1}
            url = rule.build(values, append_unknown=False)[1]
            response = api("auditor", method, url.removeprefix("/api/v1"), {})
            error_of(response, 403, "forbidden")
            checked += 1
    assert checked == 12


def test_the_admin_sees_no_case_content(app, api):
    ref = _referred(api)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/cases"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            url = rule.build({"reference": ref, "observation_id": 1}, append_unknown=False)[1]
            response = api("admin", method, url.removeprefix("/api/v1"), {})
            error_of(response, 403, "forbidden")
            assert ref not in response.get_data(as_text=True)
            checked += 1
    assert checked == 11
    assert api("admin", "GET", "/organisations").status_code == 200


# --- the profile, indicators and consent ----------------------------------------------------


def test_patch_merges_the_given_fields_over_the_current_values(api):
    case = api.new_case()
    ref = case["reference"]
    response = api(
        "police", "PATCH", f"/cases/{ref}", {"region": "North", "version": case["version"]}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["region"] == "North" and body["version"] == case["version"] + 1
    for name in ("age_band", "gender", "citizenship", "exploitation_types", "labour_industry"):
        assert body[name] == case[name]
    cleared = api("police", "PATCH", f"/cases/{ref}", {"labour_industry": None}).get_json()
    assert cleared["labour_industry"] is None and cleared["region"] == "North"
    child = api("police", "PATCH", f"/cases/{ref}", {"age_band": "9-17"}).get_json()
    assert child["is_child"] and child["consent"]["status"] == "not_required"
    assert child["ilo_assessment"]["form"] == "labour_child"
    refused = api("police", "PATCH", f"/cases/{ref}", {"gender": None})
    assert error_of(refused, 422, "invalid_input")["fields"].keys() == {"gender"}


def test_consent_rules_for_children(api):
    ref = api.new_case(**CHILD)["reference"]
    body = {"status": "given", "share_with_law_enforcement": False}
    error_of(api("police", "PUT", f"/cases/{ref}/consent", body), 422, "child_consent")
    body = {"status": "not_required", "share_with_law_enforcement": "yes"}
    error = error_of(api("police", "PUT", f"/cases/{ref}/consent", body), 422, "invalid_input")
    assert error["fields"].keys() == {"share_with_law_enforcement"}


def test_withdrawing_consent_after_referral_closes_the_case(api):
    ref = _referred(api)
    body = {"status": "withdrawn", "share_with_law_enforcement": True}
    response = api("police", "PUT", f"/cases/{ref}/consent", body)
    assert response.status_code == 200
    case = response.get_json()
    assert case["stage"] == "closed" and case["decisions"]["closure_reason"] == "consent_withdrawn"
    assert case["consent"] == {"status": "withdrawn", "share_with_law_enforcement": False}


def test_retracting_keeps_the_observation_in_the_history(api):
    ref = api.new_case()["reference"]
    observation = api("police", "POST", f"/cases/{ref}/indicators", {"code": "DR-01"}).get_json()
    url = f"/cases/{ref}/indicators/{observation['id']}"
    response = api("police", "DELETE", url)
    assert response.status_code == 200
    assert response.get_json()["retracted_at"]
    case = api("police", "GET", f"/cases/{ref}").get_json()
    assert [o["id"] for o in case["indicators"]] == [observation["id"]]
    assert case["indicators"][0]["retracted_at"]
    assert all(
        d["strong"] + d["medium"] + d["weak"] == 0 for d in case["ilo_assessment"]["dimensions"]
    )
    error_of(api("police", "DELETE", url), 409, "already_retracted")
    error_of(api("police", "DELETE", f"/cases/{ref}/indicators/999"), 404, "not_found")


def test_the_ilo_assessment_counts_indicators_per_dimension(api):
    ref = api.new_case()["reference"]
    codes = ["EX-01", "EX-02", "EX-03"]
    for code in codes:
        assert api("police", "POST", f"/cases/{ref}/indicators", {"code": code}).status_code == 201
    case = api("police", "GET", f"/cases/{ref}").get_json()
    exploitation = next(d for d in case["ilo_assessment"]["dimensions"] if d["code"] == "EX")
    assert exploitation["strong"] + exploitation["medium"] + exploitation["weak"] == 3
    assert {o["dimension"] for o in case["indicators"]} == {"EX"}


# --- health notes -----------------------------------------------------------------------------


HEALTH_NOTE = "injuries consistent with violence"


def test_health_notes_are_read_by_health_coordinators_and_auditors_only(app, api, monkeypatch):
    ref = api.new_case("health")["reference"]
    logged = api(
        "health", "POST", f"/cases/{ref}/indicators", {"code": "CD-03", "note": HEALTH_NOTE}
    )
    assert logged.status_code == 201
    assert logged.get_json()["note"] == HEALTH_NOTE
    for role in ("health", "coordinator", "auditor"):
        seen = api(role, "GET", f"/cases/{ref}").get_json()["indicators"][0]
        assert (seen["note"], seen["note_restricted"]) == (HEALTH_NOTE, False), role
    error_of(api("police", "GET", f"/cases/{ref}"), 404, "not_found")

    # Another feature may let a non-health partner see the case (e.g. a service referral):
    # that partner learns that a restricted note exists, never its text.
    def ngo_sees_all(user):
        return true() if user.role == "ngo" else false()

    monkeypatch.setattr(
        policy, "_extra_visibility", [(ngo_sees_all, lambda user, case: user.role == "ngo")]
    )
    response = api("ngo", "GET", f"/cases/{ref}")
    assert response.status_code == 200
    seen = response.get_json()["indicators"][0]
    assert (seen["note"], seen["note_restricted"]) == (None, True)
    assert HEALTH_NOTE not in response.get_data(as_text=True)
    listing = api("ngo", "GET", "/cases").get_json()
    assert [item["reference"] for item in listing["items"]] == [ref]


def test_the_serializer_hides_health_notes_from_other_roles(app, api):
    ref = api.new_case("health")["reference"]
    api("health", "POST", f"/cases/{ref}/indicators", {"code": "CD-03", "note": HEALTH_NOTE})
    api("health", "POST", f"/cases/{ref}/indicators", {"code": "CD-01"})
    with app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        for role, email in ROLE_EMAILS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            noted, plain = serializers.case_detail(user, case)["indicators"]
            allowed = role in ("health", "coordinator", "auditor")
            assert policy.can_see_note(user, case.observations[0]) is allowed
            assert noted["note"] == (HEALTH_NOTE if allowed else None), role
            assert noted["note_restricted"] is (not allowed), role
            assert (plain["note"], plain["note_restricted"]) == (None, False)


# --- CSRF: cookies need it, tokens do not -----------------------------------------------------


def test_csrf_applies_to_cookie_sessions_not_to_tokens(app, client, tokens):
    assert login(client, ROLE_EMAILS["police"]).status_code == 302
    error_of(client.post("/api/v1/cases", json=ADULT), 400, "bad_request")
    assert count(app, Case) == 0
    token = csrf_token(client, "/roles")
    assert (
        client.post("/api/v1/cases", json=ADULT, headers={"X-CSRFToken": token}).status_code == 201
    )
    bearer = {"Authorization": f"Bearer {tokens['police']}"}
    assert app.test_client().post("/api/v1/cases", json=ADULT, headers=bearer).status_code == 201
    assert client.post("/api/v1/cases", json=ADULT, headers=bearer).status_code == 201
    assert count(app, Case) == 3


# --- lists and reference data -----------------------------------------------------------------


def test_the_case_list_pages_and_filters(api):
    refs = [api.new_case(region="North" if i % 2 else "South")["reference"] for i in range(5)]
    api.new_case(**CHILD)
    first = api("police", "GET", "/cases?per_page=2").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (6, 1, 2, 2)
    last = api("police", "GET", "/cases?per_page=2&page=3").get_json()
    assert len(last["items"]) == 2
    assert api("police", "GET", "/cases?page=9").get_json()["items"] == []
    item = first["items"][0]
    assert set(item) == {
        "reference",
        "stage",
        "version",
        "is_child",
        "age_band",
        "exploitation_types",
        "region",
        "identifying_organisation",
        "created_at",
    }
    north = api("police", "GET", "/cases?region=north").get_json()
    assert sorted(i["reference"] for i in north["items"]) == sorted(refs[1::2])
    begging = api("police", "GET", "/cases?exploitation_type=forced_begging").get_json()
    assert begging["total"] == 1 and begging["items"][0]["is_child"]
    assert api("police", "GET", "/cases?stage=identified&stage_=").status_code == 200
    assert api("police", "GET", "/cases?stage=referred").get_json()["total"] == 0
    assert api("police", "GET", "/cases?needs_my_action=true").get_json()["total"] == 6
    assert api("coordinator", "GET", "/cases?needs_my_action=true").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("page=0", "page", "invalid_input"),
        ("page=one", "page", "invalid_input"),
        ("per_page=0", "per_page", "invalid_input"),
        ("per_page=101", "per_page", "invalid_input"),
        ("stage=lost", "stage", "invalid_input"),
        ("stage=referred&stage=closed", "stage", "invalid_input"),
        ("name=Anna", "name", "unknown_field"),
    ],
)
def test_bad_list_parameters_are_refused(api, query, field, code):
    error = error_of(api("police", "GET", f"/cases?{query}"), 422, code)
    assert error["fields"].keys() == {field}


def test_the_indicator_catalogue(api):
    catalogue = api("ngo", "GET", "/indicators").get_json()
    assert catalogue["source"] and catalogue["coverage"] and catalogue["rule"]
    assert catalogue["forms"] == ["labour_adult", "labour_child"]
    assert {d["code"] for d in catalogue["dimensions"]} >= {"EX"}
    indicator = next(i for i in catalogue["indicators"] if i["code"] == "DR-01")
    assert indicator["text"] and indicator["dimension"]
    assert set(indicator["strengths"]) <= {"labour_adult", "labour_child"}


def test_organisations_for_any_signed_in_user(api):
    for role in ROLE_EMAILS:
        response = api(role, "GET", "/organisations")
        assert response.status_code == 200, role
    organisations = response.get_json()
    police = next(o for o in organisations if o["name"] == "Central District Police")
    assert police == {
        "id": police["id"],
        "name": "Central District Police",
        "type": "police",
        "region": "Capital",
        "is_public_authority": True,
        "services": ["investigation"],
        "active": True,
    }


def test_the_workflow_without_its_diagram(api):
    workflow = api("partner", "GET", "/workflow").get_json()
    assert set(workflow) == {"stages", "transitions"}
    assert workflow["stages"][0]["code"] == "identified"
    refer = next(t for t in workflow["transitions"] if t["trigger"] == "refer")
    assert refer["to"] == "referred" and "check_consent_given" in refer["guards"]


def test_messages_follow_the_users_language(app, api):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["police"]))
        user.locale = "ru"
        db.session.commit()
    case = api.new_case()
    assert case["citizenship_name"] == "Украина"
    error = error_of(api("police", "POST", "/cases", {**ADULT, "x": 1}), 422, "unknown_field")
    assert error["fields"]["x"]


def test_reads_and_refusals_are_audited_as_for_the_pages(app, api):
    from referral.audit.models import AuditEntry

    ref = api.new_case()["reference"]
    api("police", "GET", f"/cases/{ref}")
    api("police", "GET", "/cases?stage=identified")
    api("ngo", "GET", f"/cases/{ref}")
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        actions = [(e.action, e.case_reference, e.actor_role) for e in entries]
        details = {e.action: e.canonical for e in entries}
    assert ("case.created", ref, "police") in actions
    assert ("case.viewed", ref, "police") in actions
    assert ("case.listed", None, "police") in actions
    assert ("access.refused", ref, "ngo") in actions
    assert '"via":"api"' in details["case.viewed"]
    assert '"route":"api.get_case"' in details["access.refused"]
