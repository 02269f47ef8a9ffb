"""Sealed records and photos through the real endpoints: the device sends ciphertext, the
server opens it for the record's own type, id and author and then validates it as plain data;
a re-send of the same data under a fresh ciphertext is still a duplicate; a ciphertext copied
into another user's record opens nothing."""
import base64
import copy
import hashlib
import uuid

import sqlalchemy as sa

from pwa import sealing
from pwa.extensions import db
from pwa.models import Photo, Visit
from tests.functional.test_field import png
from tests.functional.test_sync_api import DEVICE, record, sync
from tests.helpers import csrf_token, login


def sealed_record(app, seq, author="desk", sealed_for=None, **data):
    """An envelope as the device sends it: the data replaced by its ciphertext."""
    rec = record(seq, **data)
    plain = rec.pop("data")
    rec["sealed"] = sealing.seal_record(plain, record_type="visit", record_id=rec["id"],
                                        author=sealed_for or author,
                                        instance_path=app.instance_path)
    return rec, plain


def codes(result):
    return {item["code"] for items in result["errors"].values() for item in items}


def test_a_sealed_record_is_opened_validated_and_stored(app, client, ctx):
    login(client, "desk")
    rec, plain = sealed_record(app, 1)
    result = sync(client, [rec]).json["results"][0]
    assert result["status"] == "accepted"
    assert db.session.get(Visit, rec["id"]).citizen_name == plain["citizen_name"]


def test_a_fresh_ciphertext_of_the_same_data_is_a_duplicate(app, client, ctx):
    login(client, "desk")
    rec, plain = sealed_record(app, 1)
    sync(client, [rec])
    again = copy.deepcopy(rec)
    again["sealed"] = sealing.seal_record(plain, record_type="visit", record_id=rec["id"],
                                          author="desk", instance_path=app.instance_path)
    assert again["sealed"]["ct"] != rec["sealed"]["ct"]
    assert sync(client, [again]).json["results"][0]["status"] == "duplicate"


def test_another_users_ciphertext_opens_nothing(app, client, ctx):
    login(client, "desk")
    rec, _ = sealed_record(app, 1, sealed_for="member")
    result = sync(client, [rec]).json["results"][0]
    assert result["status"] == "rejected" and codes(result) == {"sealed_invalid"}
    assert db.session.get(Visit, rec["id"]) is None


def test_a_sealed_record_still_meets_the_forms_rules_and_text_checks(app, client, ctx):
    login(client, "desk")
    bad, _ = sealed_record(app, 1, people_count=0)
    control, _ = sealed_record(app, 2, content="nội dung\x1b[31m")
    delete, _ = sealed_record(app, 3, content="nội dung\x7f")
    good, _ = sealed_record(app, 4)
    results = sync(client, [bad, control, delete, good]).json["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "accepted"]
    assert "people_count" in results[0]["errors"]
    assert codes(results[1]) == {"sealed_invalid"}            # refused on opening
    assert codes(results[2]) == {"text_invalid"} and "content" in results[2]["errors"]


def test_data_and_sealed_together_or_neither_is_refused_beside_the_record(app, client, ctx):
    login(client, "desk")
    both, plain = sealed_record(app, 1)
    both["data"] = plain
    neither = record(2)
    neither.pop("data")
    results = sync(client, [both, neither]).json["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert all(codes(r) == {"data_or_sealed"} for r in results)


def test_an_unknown_key_is_said_as_such(app, client, ctx):
    login(client, "desk")
    rec, _ = sealed_record(app, 1)
    rec["sealed"]["kid"] = "0123456789abcdef"
    result = sync(client, [rec]).json["results"][0]
    assert codes(result) == {"sealed_unknown_key"}


def put_sealed_photo(app, client, body, author, photo_id=None, status="*"):
    photo_id = photo_id or str(uuid.uuid4())
    sealed = sealing.seal_bytes(body, sealing.photo_context(photo_id, author),
                                instance_path=app.instance_path)
    response = client.put(f"/api/v1/photos/{photo_id}", base64.b64decode(sealed["ct"]),
                          status=status, headers={
                              "Content-Type": "image/png", "X-CSRFToken": csrf_token(client),
                              "X-Content-SHA256": hashlib.sha256(body).hexdigest(),
                              "X-Sealed-Kid": sealed["kid"], "X-Sealed-Key": sealed["key"],
                              "X-Sealed-IV": sealed["iv"]})
    return photo_id, response


def test_a_sealed_photo_is_opened_and_stored_as_the_plain_image(app, client, ctx):
    login(client, "member")
    body = png(shade=9)
    photo_id, response = put_sealed_photo(app, client, body, "member")
    assert response.status_int == 201
    assert db.session.get(Photo, photo_id).data == body
    _, again = put_sealed_photo(app, client, body, "member", photo_id=photo_id)
    assert again.status_int == 200 and again.json["status"] == "duplicate"


def test_a_photo_sealed_for_someone_else_or_not_an_image_is_refused(app, client, ctx):
    login(client, "member")
    photo_id, response = put_sealed_photo(app, client, png(), "desk")
    assert response.status_int == 400 and response.json["error"] == "sealed_invalid"
    _, response = put_sealed_photo(app, client, b"not an image at all", "member")
    assert response.status_int == 415
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0


