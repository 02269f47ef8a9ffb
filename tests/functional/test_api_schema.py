"""Schemathesis generates requests from the OpenAPI document; none may cause a server error."""
import re

import pytest
import schemathesis
from hypothesis import given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.helpers import PASSWORD


@pytest.fixture
def signed_in(app):
    """A session cookie and CSRF token for the desk user, made through the real sign-in."""
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "desk", "password": PASSWORD, "csrf_token": token})
    csrf = client.get("/api/v1/session").json["csrf_token"]   # stored in the session first
    return {"cookies": {"tcd_session": client.get_cookie("tcd_session").value},
            "headers": {"X-CSRFToken": csrf},
            "document": client.get("/api/v1/openapi.json").json}


def test_no_generated_request_causes_a_server_error(app, signed_in):
    """Every operation, with inputs generated from its schema, answers without a 5xx and
    with a status code and content type the document declares."""
    # Loaded from the dict: the WSGI loader's test client would drop a Cookie header.
    schema = schemathesis.openapi.from_dict(signed_in["document"])
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/sync", "/api/v1/session"}
    answered = {}
    for operation in operations:
        @given(case=operation.as_strategy())
        # The profile (tests/conftest.py) decides: derandomized in the suite, random and long
        # under `make fuzz`; twice its examples per operation, as there are few operations.
        @settings(max_examples=2 * settings.default.max_examples)
        def check(case):
            response = case.call_and_validate(
                headers=signed_in["headers"], cookies=signed_in["cookies"],
                checks=[not_a_server_error, status_code_conformance, content_type_conformance])
            answered.setdefault(operation.path, set()).add(response.status_code)
        check()
    # What was tried (shown with `pytest -s`, as `make fuzz` runs it): statuses per operation.
    for path, statuses in sorted(answered.items()):
        print(f"schemathesis {path}: answered {sorted(statuses)}")
    # The generated requests got through sign-in and CSRF to the handlers themselves.
    assert 200 in answered["/api/v1/sync"] and 400 in answered["/api/v1/sync"]
