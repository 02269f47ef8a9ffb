"""The sealing API: devices fetch the server's public key; an author, and only the author,
reads a rejected record's data back to correct it; every try is audited and bounded; keys are
made at init-db and rotated by a command."""
import sqlalchemy as sa

from pwa import sealing
from pwa.extensions import db
from pwa.models.audit import AuditEntry
from tests.helpers import csrf_token, user_id

RECORD_ID = "6f1c2b7e-3d4a-4c5b-8e9f-0a1b2c3d4e5f"
VISIT = {"citizen_name": "Nguyễn Văn Tố", "id_number": "026085001234", "kinds": ["to_cao"]}


def seal(app, data, author, record_type="visit", record_id=RECORD_ID):
    return sealing.seal_record(data, record_type=record_type, record_id=record_id,
                               author=author, instance_path=app.instance_path)


def post_unseal(client, body, status="*", token=True):
    headers = {"X-CSRFToken": csrf_token(client)} if token else {}
    return client.post_json("/api/v1/unseal", body, headers=headers, status=status)


def audit_actions(action=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def test_every_signed_in_role_gets_the_public_key_and_its_kid(app, client, as_role):
    for role in ("desk", "viewer"):
        answer = as_role(role).get("/api/v1/keys").json
        assert answer["alg"] == "RSA-OAEP-256+A256GCM"
        assert answer["kid"] == answer["jwk"]["kid"] == sealing.ensure_keys(app.instance_path)
        assert set(answer["jwk"]) == {"kty", "n", "e", "alg", "kid", "key_ops", "ext"}
        client.post("/logout", {"csrf_token": csrf_token(client)})


def test_the_key_answer_is_not_cached(as_role):
    response = as_role("member").get("/api/v1/keys")
    assert response.headers["Cache-Control"] == "no-store"


def test_the_author_reads_their_own_sealed_record_back_and_it_is_audited(app, as_role, ctx):
    client = as_role("desk")
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "desk",
                                  "sealed": seal(app, VISIT, "desk")})
    assert answer.status_int == 200 and answer.json == {"data": VISIT}
    assert answer.headers["Cache-Control"] == "no-store"
    [entry] = audit_actions("record_unsealed")
    assert (entry.object_type, entry.object_id, entry.user_id) == ("visit", RECORD_ID,
                                                                   user_id(app, "desk"))
    assert "Nguyễn" not in str(entry.detail)  # the log proves who read, not what


def test_another_user_of_the_tablet_is_refused_with_403_and_audited(app, as_role, ctx):
    """Given the desk officer's sealed record on a shared tablet, when the member signed in
    next posts it naming its real author, the answer is 403 and holds no data."""
    client = as_role("member")
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "desk",
                                  "sealed": seal(app, VISIT, "desk")})
    assert answer.status_int == 403 and answer.json["error"] == "not_author"
    assert "Nguyễn" not in answer.text
    [entry] = audit_actions("unseal_refused")
    assert entry.user_id == user_id(app, "member") and entry.object_id == RECORD_ID


def test_claiming_to_be_the_author_of_someone_elses_record_opens_nothing(app, as_role, ctx):
    """The ciphertext is bound to its author: naming oneself does not open another's."""
    client = as_role("member")
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "member",
                                  "sealed": seal(app, VISIT, "desk")})
    assert answer.status_int == 400 and answer.json["error"] == "sealed_invalid"
    assert "Nguyễn" not in answer.text
    assert answer.json["errors"]["sealed"][0].startswith("Không mở được bản ghi này")
    [entry] = audit_actions("unseal_failed")
    assert entry.user_id == user_id(app, "member")
    assert entry.detail == {"code": "sealed_invalid"}


def test_a_record_under_an_unknown_key_says_so(app, as_role):
    client = as_role("desk")
    sealed = {**seal(app, VISIT, "desk"), "kid": "0123456789abcdef"}
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "desk",
                                  "sealed": sealed})
    assert answer.status_int == 400 and answer.json["error"] == "sealed_unknown_key"


def test_malformed_requests_get_field_errors_never_a_500(app, as_role):
    client = as_role("desk")
    good = {"type": "visit", "id": RECORD_ID, "author": "desk", "sealed": seal(app, VISIT, "desk")}
    cases = [
        ({**good, "type": ["visit"]}, "type"), ({**good, "type": "Visit!"}, "type"),
        ({**good, "id": "not-a-uuid"}, "id"), ({**good, "id": RECORD_ID.upper()}, "id"),
        ({**good, "id": 5}, "id"), ({**good, "author": None}, "author"),
        ({**good, "sealed": "x"}, "sealed"), ({k: v for k, v in good.items() if k != "sealed"},
                                             "sealed"),
    ]
    for body, field in cases:
        answer = post_unseal(client, body)
        assert answer.status_int == 400, body
        assert field in answer.json["errors"], (body, answer.json)
    assert post_unseal(client, [1, 2]).status_int == 400
    answer = client.post("/api/v1/unseal", "{" * 30_000, content_type="application/json",
                         headers={"X-CSRFToken": csrf_token(client)}, status="*")
    assert answer.status_int == 400
    bad_envelope = post_unseal(client, {**good, "sealed": {"kid": "x", "key": 1}})
    assert bad_envelope.status_int == 400 and bad_envelope.json["error"] == "sealed_invalid"


def test_unseal_needs_the_csrf_token(app, as_role):
    client = as_role("desk")
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "desk",
                                  "sealed": seal(app, VISIT, "desk")}, token=False)
    assert answer.status_int == 400 and answer.json["error"] == "csrf"


def test_a_viewer_has_no_records_to_unseal(app, as_role):
    client = as_role("viewer")
    answer = post_unseal(client, {"type": "visit", "id": RECORD_ID, "author": "viewer",
                                  "sealed": seal(app, VISIT, "viewer")})
    assert answer.status_int == 403


def test_unseals_are_bounded_per_user(app, as_role, monkeypatch, ctx):
    """A script reading a device's records back one after another is stopped."""
    monkeypatch.setitem(app.config, "UNSEAL_LIMIT", 3)
    client = as_role("desk")
    body = {"type": "visit", "id": RECORD_ID, "author": "desk",
            "sealed": seal(app, VISIT, "desk")}
    statuses = [post_unseal(client, body).status_int for _ in range(3)]
    statuses.append(post_unseal(client, {**body, "author": "leader"}).status_int)
    assert statuses == [200, 200, 200, 429]
    assert len(audit_actions("unseal_throttled")) == 1
    # Another user's allowance is their own.
    client.post("/logout", {"csrf_token": csrf_token(client)})
    other = as_role("member")
    mine = {**body, "author": "member", "sealed": seal(app, {"a": 1}, "member")}
    assert post_unseal(other, mine).json == {"data": {"a": 1}}


def test_init_db_makes_the_sealing_key_and_rotate_keys_keeps_the_old_one(app, tmp_path):
    from pwa import create_app
    cli_app = create_app({"TESTING": True,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
                         instance_path=str(tmp_path))
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    first = sealing.ensure_keys(str(tmp_path))
    assert f"Sealing key: {first}" in result.output
    old = sealing.seal_record(VISIT, record_type="visit", record_id=RECORD_ID, author="desk",
                              instance_path=str(tmp_path))
    rotated = runner.invoke(args=["rotate-keys"])
    assert rotated.exit_code == 0, rotated.output
    second = sealing.ensure_keys(str(tmp_path))
    assert second != first and second in rotated.output and first in rotated.output
    with cli_app.app_context():
        assert sealing.public_jwk()["kid"] == second
        assert sealing.open_record(old, record_type="visit", record_id=RECORD_ID,
                                   author="desk") == (VISIT, None)
