"""Every route x every role (and anonymous): who gets in, who is refused.

The table below is written out by hand on purpose. A new route that is not listed here
fails `test_every_route_is_in_the_matrix`; a route whose enforcement drifts from the
table fails the matrix itself.
"""

import pytest

from referral.permissions import FRONTLINE_ROLES, Role
from tests.api_access_table import API_EXPECTED
from tests.conftest import ROLE_EMAILS, csrf_token, login

ANONYMOUS = "anonymous"
EVERY_ROLE = frozenset(str(role) for role in Role)
PUBLIC = frozenset({ANONYMOUS}) | EVERY_ROLE
ADMIN_ONLY = frozenset({"admin"})
FRONTLINE = frozenset(str(role) for role in FRONTLINE_ROLES)
CASE_READERS = FRONTLINE | {"coordinator", "auditor"}
CASE_WORKERS = FRONTLINE | {"coordinator"}
AUDITOR = frozenset({"auditor"})
COORDINATOR = frozenset({"coordinator"})

# endpoint -> who may reach it
EXPECTED = {
    "static": PUBLIC,
    "core.healthz": PUBLIC,
    "core.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "core.home": EVERY_ROLE,
    "core.roles": EVERY_ROLE,
    "auth.logout": EVERY_ROLE,
    "auth.change_password": EVERY_ROLE,
    "admin.organisations": ADMIN_ONLY,
    "admin.new_organisation": ADMIN_ONLY,
    "admin.edit_organisation": ADMIN_ONLY,
    "admin.users": ADMIN_ONLY,
    "admin.new_user": ADMIN_ONLY,
    "admin.edit_user": ADMIN_ONLY,
    "admin.reset_password": ADMIN_ONLY,
    "cases.workflow": EVERY_ROLE,
    "cases.index": CASE_READERS,
    "cases.show": CASE_READERS,
    "cases.new": FRONTLINE,
    "cases.edit": CASE_WORKERS,
    "cases.log_indicator": FRONTLINE,
    "cases.retract_indicator": CASE_WORKERS,
    "cases.consent": CASE_WORKERS,
    "cases.act": CASE_WORKERS,
    "audit.search": AUDITOR,
    "audit.export": AUDITOR,
    "audit.chain": AUDITOR,
    "audit.case_viewers": AUDITOR,
    "audit.case_history": CASE_READERS,
    "referrals.new": COORDINATOR,
    "referrals.index": CASE_READERS,
    "referrals.show": CASE_READERS,
    "referrals.act": CASE_WORKERS,
    "referrals.assign_owner": COORDINATOR,
    "referrals.read_notification": EVERY_ROLE,
    "referrals.capacity": FRONTLINE,
    "referrals.ask_for_information": COORDINATOR,
    "referrals.answer_information_request": CASE_WORKERS,
    **API_EXPECTED,
}

# Values for URL parameters; the demo data has these rows.
# Organisation 6 (Legal Aid Centre) has no demo account, so changing it locks nobody out.
URL_VALUES = {
    "organisation_id": 6,
    "user_id": 1,
    "filename": "css/app.css",
    "observation_id": 1,
    # No such rows: an allowed role then meets a 404 from the object, never the gate's 403.
    "referral_id": 999999,
    "notification_id": 999999,
    "request_id": 999999,
    "action": "accept",
    "trigger": "refer",
}

# Actions that only concern the signed-in person's own session or preferences.
PERSONAL = {
    "auth.login",
    "auth.logout",
    "auth.change_password",
    "core.set_language",
    "referrals.read_notification",
    "api.read_notification",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


# A step each role may take, so that the matrix tests the route's gate, not the workflow.
TRIGGER_FOR = {"coordinator": "reasonable_grounds"}


def _url(rule, reference: str = "NRM-2026-NOSUCH00", who: str = ANONYMOUS) -> str:
    values = {**URL_VALUES, "reference": reference, "trigger": TRIGGER_FOR.get(who, "refer")}
    return rule.build({arg: values[arg] for arg in rule.arguments})[1]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without an access rule in the matrix"
    assert EXPECTED.keys() - endpoints == set(), "matrix lists routes that do not exist"


def _request(client, rule, method, reference: str = "NRM-2026-NOSUCH00", who: str = ANONYMOUS):
    url = _url(rule, reference, who)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/auth/login" if rule.endpoint != "auth.login" else "/")
        response = client.open(url, method=method, data={"csrf_token": token, "locale": "en"})
    response.get_data()  # read it to the end, as a browser would (streamed exports)
    response.close()
    return response


@pytest.mark.parametrize("who", [ANONYMOUS, *sorted(EVERY_ROLE)])
def test_route_access_matches_the_matrix(app, demo, police_case, who):
    failures = []
    for rule, method in _routes(app):
        client = app.test_client()
        if who != ANONYMOUS:
            assert login(client, ROLE_EMAILS[who]).status_code == 302
        response = _request(client, rule, method, police_case, who)
        allowed = who in EXPECTED[rule.endpoint]
        status = response.status_code
        location = response.headers.get("Location", "")
        if allowed:
            refused = status in (401, 403) or (status == 302 and "/auth/login" in location)
            refused = refused and rule.endpoint not in ("auth.login", "auth.logout")
            if refused:
                failures.append(f"{method} {rule} refused {who}: {status} {location}")
        elif who == ANONYMOUS and rule.rule.startswith("/api/"):
            if status != 401 or not response.is_json:
                failures.append(f"{method} {rule} answered anonymous {status}, not 401 JSON")
        elif who == ANONYMOUS:
            if not (status == 302 and location.startswith("/auth/login")):
                failures.append(f"{method} {rule} let anonymous in: {status}")
        elif status != 403:
            failures.append(f"{method} {rule} let {who} in: {status}")
    assert failures == [], "\n".join(failures)


def test_auditor_cannot_change_anything(app, demo, police_case):
    for rule, method in _routes(app):
        if method == "GET" or rule.endpoint in PERSONAL:
            continue
        client = app.test_client()
        login(client, ROLE_EMAILS["auditor"])
        response = _request(client, rule, method, police_case)
        assert response.status_code == 403, f"{method} {rule}"


def test_admin_sees_no_case_content(app, demo, police_case):
    client = app.test_client()
    login(client, ROLE_EMAILS["admin"])
    checked = 0
    for rule, method in _routes(app):
        if "reference" in rule.arguments or rule.endpoint in ("cases.index", "api.list_cases"):
            response = _request(client, rule, method, police_case)
            assert response.status_code == 403, f"{method} {rule}"
            page = response.get_data(as_text=True)
            assert "DR-01" not in page and "24-26" not in page
            checked += 1
    assert checked >= 8


def test_a_route_without_a_declared_permission_refuses_everyone(app, demo):
    @app.route("/undeclared")
    def undeclared():
        return "should never be seen"

    client = app.test_client()
    login(client, ROLE_EMAILS["admin"])
    assert client.get("/undeclared").status_code == 403
    assert app.test_client().get("/undeclared").status_code == 403
