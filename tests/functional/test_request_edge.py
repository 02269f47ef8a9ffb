"""The request edge (pwa/hygiene.py): a NUL byte, another control character, invalid UTF-8 or
a 30,000-deep JSON document is a 400 on every route, never a 500 (SQLite and PostgreSQL)."""
import copy
import uuid

import pytest
import sqlalchemy as sa

from pwa import create_app
from pwa.api.openapi import EXAMPLES
from pwa.extensions import db
from pwa.hygiene import CleanForm, json_depth_within, valid_json
from pwa.models import Visit
from tests.helpers import csrf_token, device_secret, login

ID = str(uuid.uuid4())


def _routes():
    """(url, methods) for every rule of the app's URL map, its arguments filled in."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    values = {"int": 1, "default": ID, "path": "css/app.css", "string": ID}
    routes = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name, converter in rule._converters.items():
            kind = type(converter).__name__.replace("Converter", "").lower()
            value = values.get(kind, ID)
            if name == "filename":
                value = "css/app.css"
            url = url.replace(f"<{rule.arguments and converter_text(rule, name)}>", str(value))
        routes.append(pytest.param(url, sorted(rule.methods - {"HEAD", "OPTIONS"}),
                                   id=rule.endpoint))
    return routes


def converter_text(rule, name):
    """The text between < and > for one argument of a rule (e.g. "int:user_id")."""
    import re
    return re.search(r"<([^>]*\b%s)>" % re.escape(name), rule.rule).group(1)


ROUTES = _routes()


@pytest.mark.parametrize("role", [None, "leader"])
@pytest.mark.parametrize("url,methods", ROUTES)
def test_a_nul_byte_in_any_query_string_or_form_is_a_400(client, url, methods, role):
    if role:
        login(client, role)
    token = csrf_token(client) if role else ""
    assert "<" not in url
    for query in ("q=%00", "page=1&q=a%01b", "q=%ff%fe"):
        response = client.get(f"{url}?{query}", expect_errors=True)
        assert response.status_int == 400, (url, query, response.status)
    for method in set(methods) & {"POST", "PUT", "PATCH", "DELETE"}:
        response = client.request(f"{url}?x=1", method=method,
                                  body=f"csrf_token={token}&username=a%00b&name=x%00".encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded",
                                           "X-CSRFToken": token}, expect_errors=True)
        assert response.status_int == 400, (url, method, response.status)


def test_a_nul_byte_in_the_path_is_a_400(app, client):
    login(client, "member")
    for url in ("/visits/%00", "/field/sightings/a%00b", "/users/%00"):
        assert client.get(url, expect_errors=True).status_int == 400, url
    # A path that is not UTF-8, as gunicorn hands it over (PEP 3333: bytes as latin-1);
    # WebTest cannot send one.
    response = app.test_client().get("/", environ_overrides={"PATH_INFO": "/visits/\xc0\x80"})
    assert response.status_code == 400


def test_the_anonymous_sign_in_with_a_nul_is_refused_with_a_message(client):
    form = client.get("/login").forms["login-form"]
    form["username"] = "leader\x00"
    form["password"] = "x\x00"
    response = form.submit(expect_errors=True)
    assert response.status_int == 400
    assert "ký tự không được phép" in response.text


def test_a_huge_page_number_is_clamped(client):
    login(client, "desk")
    for url in ("/visits", "/register"):
        assert client.get(url + "?page=99999999999999999999999").status_int == 200


@pytest.mark.parametrize("body", [
    b"[" * 30000 + b"]" * 30000,
    b'{"a":' * 30000 + b"1" + b"}" * 30000,
    b'{"device": ',
    b'{"device": "\xff"}',
])
def test_a_deep_or_invalid_json_body_is_a_400(client, ctx, body):
    login(client, "desk")
    response = client.post("/api/v1/sync", body, headers={
        "Content-Type": "application/json", "X-CSRFToken": csrf_token(client)},
        expect_errors=True)
    assert response.status_int == 400 and response.json["error"] == "bad_json"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


@pytest.mark.parametrize("name", ["Nguyễn\x00Văn A", "Nguyễn\ud800", "A\x1bB"])
def test_a_control_character_inside_a_synced_record_rejects_that_record_only(client, ctx,
                                                                              name):
    """The edge lets the JSON through; the record's form puts the error beside the field."""
    login(client, "desk")
    device = str(uuid.uuid4())
    records = []
    for seq, citizen in ((1, name), (2, "Nguyễn Văn B")):
        rec = copy.deepcopy(EXAMPLES["visit"])
        rec.update(id=str(uuid.uuid4()), device_id=device, seq=seq, author="desk")
        rec["data"]["citizen_name"] = citizen
        records.append(rec)
    body = {"device": {"id": device, "label": "Bàn 1", "app_version": "t",
                       "secret": device_secret(device),
                       "clock": "2026-11-26T01:00:00Z", "outbox_depth": 0,
                       "oldest_pending": None}, "records": records}
    answer = client.post_json("/api/v1/sync", body,
                              headers={"X-CSRFToken": csrf_token(client)}).json
    bad, good = answer["results"]
    assert bad["status"] == "rejected" and "citizen_name" in bad["errors"]
    assert good["status"] == "accepted"


def test_the_json_depth_scan_ignores_brackets_inside_strings():
    assert json_depth_within(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert not json_depth_within(b"[" * 33 + b"]" * 33)
    assert json_depth_within(b"[" * 32 + b"]" * 32)
    assert valid_json(b'{"a": "\\"[[["}') and not valid_json(b'{"a": }')


def test_clean_form_puts_the_error_beside_the_field(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField

    class Form(CleanForm):
        name = StringField()
    with app.test_request_context():
        form = Form(formdata=MultiDict({"name": "a\x00b"}), meta={"csrf": False})
        assert not form.validate() and form.errors["name"]
        assert Form(formdata=MultiDict({"name": "a\tb\nc"}), meta={"csrf": False}).validate()
