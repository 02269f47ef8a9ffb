"""The registry of record types is the one place a type is named on the server: each type
has what every reader of the registry needs, and what it claims holds."""
import copy
import uuid

import pytest

from pwa.sync.registry import RECORD_TYPES, SEQUENCED_MODELS
from tests.helpers import csrf_token, device_secret, login


def _sync(client, device, records):
    return client.post_json("/api/v1/sync", {"device": {"id": device, "secret": device_secret(device)},
                                             "records": records},
                            headers={"X-CSRFToken": csrf_token(client)}).json


def test_every_record_type_is_complete(app):
    assert list(RECORD_TYPES) == ["visit", "sighting", "sighting_update"]
    with app.test_request_context():
        for name, record_type in RECORD_TYPES.items():
            assert record_type.name == name and record_type.example["type"] == name
            assert record_type.model in SEQUENCED_MODELS
            assert hasattr(record_type.form, "record") and callable(record_type.store)
            assert str(record_type.label) and str(record_type.label_plural)
            assert record_type.permission and record_type.correct_path.startswith("/")


def test_every_example_is_accepted_and_every_correction_page_opens(client):
    """The examples, sent in the registry's order by their author, are all accepted; each
    type's correction page answers its author."""
    login(client, "leader")
    device = str(uuid.uuid4())
    records = []
    for seq, record_type in enumerate(RECORD_TYPES.values(), start=1):
        example = copy.deepcopy(record_type.example)
        example.update(device_id=device, seq=seq, author="leader")
        records.append(example)
    answer = _sync(client, device, records)
    assert [r["status"] for r in answer["results"]] == ["accepted"] * len(RECORD_TYPES)
    for record in records:
        page = client.get(f"{RECORD_TYPES[record['type']].correct_path}?correct={record['id']}")
        assert page.status_int == 200


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_device_gets_the_types_from_the_registry(client, lang):
    login(client, "member")
    client.set_cookie("lang", lang)
    document = client.get("/api/v1/record-types", headers={"Accept-Language": lang}).json
    assert set(document["types"]) == set(RECORD_TYPES)
    assert document["types"]["sighting"]["correct_path"] == "/field/sightings/new"
    assert all(set(t) == {"label", "label_plural", "correct_path"}
               for t in document["types"].values())
