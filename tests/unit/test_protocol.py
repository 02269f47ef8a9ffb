"""The protocol's pure rules."""
from datetime import timezone

import pytest

from pwa.sync import protocol

DEVICE = "0d9a4f7e-2c1b-4a3d-8e5f-6a7b8c9d0e1f"
GOOD = {"type": "visit", "id": "5f0c4c1e-8a9b-4d7e-9f2a-1b2c3d4e5f60", "device_id": DEVICE,
        "seq": 3, "created_at": "2021-10-21T02:15:00Z", "author": "desk", "data": {}}


def test_seq_ranges_compress_sorted_numbers():
    assert protocol.seq_ranges([3, 1, 2, 7, 9, 8, 2]) == [[1, 3], [7, 9]]
    assert protocol.seq_ranges([]) == []


def test_in_ranges_is_inclusive():
    assert protocol.in_ranges(7, [[7, 9]]) and protocol.in_ranges(9, [[7, 9]])
    assert protocol.in_ranges(8, [[7, 9]]) and not protocol.in_ranges(6, [[7, 9]])


def test_backoff_doubles_from_one_second_to_a_five_minute_cap():
    delays = [protocol.backoff_seconds(n, 0.5) for n in range(1, 12)]
    assert delays[:4] == [1, 2, 4, 8]
    assert delays[-1] == 300
    assert protocol.backoff_seconds(3, 0.0) == 2.0 and protocol.backoff_seconds(3, 0.99) < 6


def test_a_good_envelope_parses():
    env, errors = protocol.parse_envelope(GOOD, DEVICE, {"visit"})
    assert errors == {}
    assert env["seq"] == 3 and env["created_at"].tzinfo == timezone.utc


@pytest.mark.parametrize("change,field", [
    ({"type": "sighting"}, "type"),
    ({"id": "not-a-uuid"}, "id"),
    ({"device_id": "5f0c4c1e-8a9b-4d7e-9f2a-1b2c3d4e5f61"}, "device_id"),
    ({"seq": 0}, "seq"),
    ({"seq": True}, "seq"),
    ({"seq": "3"}, "seq"),
    ({"created_at": "2021-10-21T02:15:00"}, "created_at"),   # no time zone
    ({"created_at": "yesterday"}, "created_at"),
    ({"data": []}, "data"),
    ({"author": 5}, "author"),
])
def test_a_bad_envelope_names_the_field(change, field):
    env, errors = protocol.parse_envelope({**GOOD, **change}, DEVICE, {"visit"})
    assert env is None and field in errors


def test_a_record_that_is_not_an_object_is_rejected():
    assert protocol.parse_envelope([1, 2], DEVICE, {"visit"}) == (None, {"record": "record_format"})


@pytest.mark.parametrize("report,field", [
    ({"id": "x"}, "id"),
    ({"id": DEVICE, "label": "x" * 101}, "label"),
    ({"id": DEVICE, "outbox_depth": -1}, "outbox_depth"),
    ({"id": DEVICE, "clock": "noon"}, "clock"),
    ({"id": DEVICE, "oldest_pending": 5}, "oldest_pending"),
])
def test_a_bad_device_report_names_the_field(report, field):
    parsed, errors = protocol.parse_device(report)
    assert parsed is None and field in errors


def test_json_data_becomes_the_form_data_the_html_form_posts():
    data = protocol.formdata({"kinds": ["khieu_nai", "to_cao"], "is_repeat": True,
                              "consent_to_disclose": False, "people_count": 7,
                              "citizen_name": "A", "nested": {"x": 1}})
    assert data.getlist("kinds") == ["khieu_nai", "to_cao"]
    assert data["is_repeat"] == "y" and "consent_to_disclose" not in data
    assert data["people_count"] == "7" and "nested" not in data
