"""The OpenAPI description is valid and lists exactly the routes the app serves."""

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from referral.auth.models import User
from referral.auth.sessions import issue_api_token
from referral.extensions import db
from tests.conftest import ROLE_EMAILS

PARAMETER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


@pytest.fixture
def document(app, client, demo) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ROLE_EMAILS["admin"]))
        token = issue_api_token(user)
        db.session.commit()
    response = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"bearerAuth": []}]


def _served(app) -> set[tuple[str, str]]:
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = PARAMETER.sub(r"{\1}", rule.rule)
            served |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return served


def _described(document) -> set[tuple[str, str]]:
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }


def test_the_document_describes_exactly_the_routes_served(app, document):
    assert _described(document) == _served(app)
    assert len(_served(app)) == 25


def test_operation_ids_are_the_endpoint_names(app, document):
    endpoints = {
        rule.endpoint.removeprefix("api.")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    ids = {
        operation["operationId"]
        for item in document["paths"].values()
        for key, operation in item.items()
        if key != "parameters"
    }
    assert ids == endpoints


def test_every_operation_documents_auth_errors_and_bodies_refuse_unknown_fields(document):
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for key, operation in item.items():
            if key == "parameters":
                continue
            assert {"401", "403"} <= operation["responses"].keys(), (path, key)
            body = operation.get("requestBody")
            if body:
                name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                assert schemas[name]["additionalProperties"] is False, name
                assert "422" in operation["responses"], (path, key)
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]
