"""The sync status rules as plain functions: when a device earns a warning, which warning is
more serious, and how missing numbers are found and written."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pwa.lead.status import (CLOCK_LIMIT_SECONDS, SEVERITY, SILENCE_LIMIT, DeviceFacts,
                             all_warnings, capped, count_numbers, device_warnings,
                             devices_in_order, missing_ranges, ranges_text)

NOW = datetime(2021, 10, 21, 3, 0, tzinfo=timezone.utc)
VERSION = "0.1.0+abc"


def healthy(name="Bàn 1", **changes) -> DeviceFacts:
    """A device in order: just synced, nothing pending, no gaps, current app, right clock."""
    facts = DeviceFacts(id=f"id-{name}", label=name, user="Lê Thị Lan", last_contact=NOW,
                        last_sync=NOW, app_version=VERSION, highest_seq=10)
    for key, value in changes.items():
        setattr(facts, key, value)
    return facts


def codes(device) -> list[str]:
    return [w.code for w in device_warnings(device, NOW, VERSION)]


def test_a_healthy_device_has_no_warning():
    assert codes(healthy()) == []


@pytest.mark.parametrize("silence,depth,warned", [
    (SILENCE_LIMIT + timedelta(minutes=1), 3, True),
    (SILENCE_LIMIT, 3, False),                      # exactly at the limit: not yet
    (timedelta(hours=30), 0, False),               # switched off with nothing to send
    (timedelta(minutes=10), 50, False),             # busy but in touch
])
def test_silent_with_pending_records_needs_both_silence_and_records(silence, depth, warned):
    device = healthy(last_contact=NOW - silence, outbox_depth=depth)
    assert ("silent_pending" in codes(device)) is warned


@pytest.mark.parametrize("skew,warned", [
    (CLOCK_LIMIT_SECONDS, False), (CLOCK_LIMIT_SECONDS + 1, True),
    (-CLOCK_LIMIT_SECONDS - 1, True), (-30, False),
])
def test_a_clock_more_than_five_minutes_off_either_way_is_warned(skew, warned):
    assert ("clock_skew" in codes(healthy(clock_skew_seconds=skew))) is warned


def test_another_app_version_than_the_servers_is_outdated():
    assert codes(healthy(app_version="0.0.9")) == ["outdated_app"]
    assert codes(healthy(app_version="")) == ["outdated_app"]


def test_gaps_rejections_and_conflicts_each_give_their_warning():
    assert codes(healthy(gaps=[[3, 4]], gap_count=2)) == ["gaps"]
    assert codes(healthy(rejected=2)) == ["rejected"]
    assert codes(healthy(conflicts=1)) == ["conflict"]


def test_one_device_with_every_problem_lists_them_most_serious_first():
    device = healthy(last_contact=NOW - timedelta(hours=5), outbox_depth=4, gaps=[[2, 2]],
                     gap_count=1, rejected=1, conflicts=1, app_version="old",
                     clock_skew_seconds=900)
    assert codes(device) == list(SEVERITY)


def test_the_severity_order_is_stated_explicitly():
    assert SEVERITY == ("silent_pending", "gaps", "conflict", "rejected", "outdated_app",
                        "clock_skew")


def test_across_devices_severity_comes_first_then_size_then_name():
    """A clock problem never outranks a gap; among gaps the larger comes first; equal ones
    read by device name."""
    clock = healthy("A clock", clock_skew_seconds=3600)
    small = healthy("B small gap", gaps=[[5, 5]], gap_count=1)
    large = healthy("C large gap", gaps=[[1, 40]], gap_count=40)
    tie = healthy("A tie gap", gaps=[[7, 7]], gap_count=1)
    old = healthy("D old", app_version="0.0.1")
    silent = healthy("E silent", last_contact=NOW - timedelta(hours=3), outbox_depth=1)
    order = [(w.code, w.device_id) for w in
             all_warnings([clock, small, large, tie, old, silent], NOW, VERSION)]
    assert order == [("silent_pending", silent.id), ("gaps", large.id), ("gaps", tie.id),
                     ("gaps", small.id), ("outdated_app", old.id), ("clock_skew", clock.id)]


def test_devices_needing_attention_come_first_then_healthy_ones_by_name():
    fine_b, fine_a = healthy("Bàn B"), healthy("Bàn A")
    unlabelled = healthy("", id="0f3e9a7c-0000")
    skewed = healthy("Z skewed", clock_skew_seconds=-600)
    gap = healthy("Y gap", gaps=[[1, 1]], gap_count=1)
    devices = [fine_b, unlabelled, skewed, fine_a, gap]
    warnings = all_warnings(devices, NOW, VERSION)
    assert devices_in_order(devices, warnings) == [gap, skewed, fine_a, fine_b, unlabelled]


def test_a_device_without_label_is_named_by_the_start_of_its_id():
    assert healthy("", id="0f3e9a7c-1234-4abc-8def-001122334455").name == "0f3e9a7c"


@pytest.mark.parametrize("present,highest,missing", [
    ([], 0, []),
    ([], 3, [[1, 3]]),
    ([[1, 5]], 5, []),
    ([[1, 2], [5, 6], [9, 9]], 9, [[3, 4], [7, 8]]),
    ([[2, 3]], 5, [[1, 1], [4, 5]]),
    ([[1, 2], [4, 9]], 3, [[3, 3]]),               # numbers above the highest are ignored
])
def test_missing_numbers_are_the_complement_of_the_present_runs(present, highest, missing):
    assert missing_ranges(present, highest) == missing


@given(st.sets(st.integers(min_value=1, max_value=60)), st.integers(min_value=0, max_value=70))
def test_missing_and_present_numbers_cover_one_to_highest_exactly_once(numbers, highest):
    present = sorted([[n, n] for n in numbers])
    missing = {n for low, high in missing_ranges(present, highest)
               for n in range(low, high + 1)}
    assert missing == set(range(1, highest + 1)) - numbers
    assert count_numbers(missing_ranges(present, highest)) == len(missing)


def test_ranges_are_written_compactly_and_capped():
    ranges = [[3, 5], [9, 9], [12, 20]]
    assert ranges_text(ranges) == "3–5, 9, 12–20"
    shown, more = capped(ranges, limit=2)
    assert shown == [[3, 5], [9, 9]] and more
    assert ranges_text(shown, more) == "3–5, 9, …"
    assert capped(ranges, limit=3) == (ranges, False)


def test_every_record_type_the_server_holds_is_counted_under_its_protocol_name(app):
    """Today's totals and gaps iterate the registry: the sequenced models are its models, in
    its order, each with a name for the page (so a new type joins visibly)."""
    from pwa.sync.registry import RECORD_TYPES, SEQUENCED_MODELS
    assert list(RECORD_TYPES)[:3] == ["visit", "sighting", "sighting_update"]
    assert SEQUENCED_MODELS == [t.model for t in RECORD_TYPES.values()]
    with app.test_request_context():
        assert all(str(t.label) and str(t.label_plural) for t in RECORD_TYPES.values())


@pytest.mark.parametrize("seconds,precise,text", [
    (42, False, "42 s"), (12 * 60 + 5, False, "12 min"), (7 * 60 + 30, True, "7 min 30 s"),
    (2 * 3600 + 5 * 60, False, "2 h 05 min"), (3 * 86400 + 4 * 3600, False, "3 d 4 h"),
])
def test_durations_read_in_whole_units(app, seconds, precise, text):
    from pwa.lead.report import Wording
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert Wording().duration(seconds, precise) == text


@pytest.mark.parametrize("skew,text", [(452, "7 min 32 s fast"), (-120, "2 min slow"),
                                       (0.4, "in step")])
def test_clock_skew_says_fast_or_slow(app, skew, text):
    from pwa.lead.report import Wording
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert Wording().skew(skew) == text


def test_times_are_local_dd_mm_yyyy_on_the_24_hour_clock(app):
    from pwa.lead.report import Wording
    with app.test_request_context():
        # 13:05 UTC is 20:05 in Hà Nội (UTC+7)
        assert Wording().when(datetime(2021, 10, 21, 13, 5, tzinfo=timezone.utc)) \
            == "21/10/2021 20:05"
        assert Wording().when(None) == ""
