"""Every route x every role (and anonymous): who gets in, who is refused.

The table below is written out by hand on purpose. A new route that is not listed here
fails `test_every_route_is_in_the_matrix`; a route whose enforcement drifts from the
table fails the matrix itself.
"""

import pytest

from referral.permissions import Role
from tests.conftest import ROLE_EMAILS, csrf_token, login

ANONYMOUS = "anonymous"
EVERY_ROLE = frozenset(str(role) for role in Role)
PUBLIC = frozenset({ANONYMOUS}) | EVERY_ROLE
ADMIN_ONLY = frozenset({"admin"})

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
}

# Values for URL parameters; the demo data has these rows.
# Organisation 6 (Legal Aid Centre) has no demo account, so changing it locks nobody out.
URL_VALUES = {"organisation_id": 6, "user_id": 1, "filename": "css/app.css"}

# Actions that only concern the signed-in person's own session or preferences.
PERSONAL = {"auth.login", "auth.logout", "auth.change_password", "core.set_language"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    return rule.build({arg: URL_VALUES[arg] for arg in rule.arguments})[1]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without an access rule in the matrix"
    assert EXPECTED.keys() - endpoints == set(), "matrix lists routes that do not exist"


def _request(client, rule, method):
    url = _url(rule)
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/auth/login" if rule.endpoint != "auth.login" else "/")
    return client.open(url, method=method, data={"csrf_token": token, "locale": "en"})


@pytest.mark.parametrize("who", [ANONYMOUS, *sorted(EVERY_ROLE)])
def test_route_access_matches_the_matrix(app, demo, who):
    failures = []
    for rule, method in _routes(app):
        client = app.test_client()
        if who != ANONYMOUS:
            assert login(client, ROLE_EMAILS[who]).status_code == 302
        response = _request(client, rule, method)
        allowed = who in EXPECTED[rule.endpoint]
        status = response.status_code
        location = response.headers.get("Location", "")
        if allowed:
            refused = status in (401, 403) or (status == 302 and "/auth/login" in location)
            refused = refused and rule.endpoint not in ("auth.login", "auth.logout")
            if refused:
                failures.append(f"{method} {rule} refused {who}: {status} {location}")
        elif who == ANONYMOUS:
            if not (status == 302 and location.startswith("/auth/login")):
                failures.append(f"{method} {rule} let anonymous in: {status}")
        elif status != 403:
            failures.append(f"{method} {rule} let {who} in: {status}")
    assert failures == []


def test_auditor_cannot_post_anything(app, demo):
    for rule, method in _routes(app):
        if method == "GET" or rule.endpoint in PERSONAL:
            continue
        client = app.test_client()
        login(client, ROLE_EMAILS["auditor"])
        assert _request(client, rule, method).status_code == 403, f"{method} {rule}"


def test_a_route_without_a_declared_permission_refuses_everyone(app, demo):
    @app.route("/undeclared")
    def undeclared():
        return "should never be seen"

    client = app.test_client()
    login(client, ROLE_EMAILS["admin"])
    assert client.get("/undeclared").status_code == 403
    assert app.test_client().get("/undeclared").status_code == 403
