"""The sync status page and its JSON: devices seeded in each state through the real sync API
(CSRF on) show exactly the right warnings, most serious first, on the page and in the JSON;
only the leader, deputies and viewers may read them."""
import copy
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import webtest

from pwa.api.openapi import EXAMPLES
from pwa.extensions import db
from pwa.models import Device
from tests.helpers import csrf_token, device_secret, login

# (label, the user who syncs it): one device per state the page must tell apart.
HEALTHY = ("Bàn tiếp dân 1", "desk")
SILENT = ("Điện thoại Hà Nội", "member")
GAPS = ("Bàn tiếp dân 2", "desk")
CONFLICT = ("Máy tính bảng 3", "deputy")
REJECTED = ("Bàn tiếp dân 3", "desk")
OLD_APP = ("Điện thoại tỉnh", "member")
SKEWED = ("Bàn tiếp dân 4", "desk")
FULL_NAMES = {role: f"{role.title()} Nguyễn" for role in ("desk", "member", "deputy")}


def visit(device: str, seq: int, author: str, **data) -> dict:
    """A valid visit record (the OpenAPI example) with its own id and number."""
    record = copy.deepcopy(EXAMPLES["visit"])
    record.update(id=str(uuid.uuid4()), device_id=device, seq=seq, author=author)
    record["data"].update(data)
    return record


class Phone:
    """A device running the app: its own id, label and user, synced through POST /api/v1/sync."""

    def __init__(self, app, label: str, username: str):
        self.id, self.label, self.username = str(uuid.uuid4()), label, username
        self.client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "10.0.0.2"})
        login(self.client, username)
        self.version = self.client.get("/api/v1/session").json["app_version"]

    def sync(self, records, *, outbox_depth=None, clock_offset=timedelta(0), version=None):
        """Send records with a device report; the depth counts the batch, as the app does."""
        clock = datetime.now(timezone.utc) + clock_offset
        depth = len(records) if outbox_depth is None else outbox_depth
        oldest = (datetime.now(timezone.utc) - timedelta(hours=4)).isoformat() if depth else None
        body = {"device": {"id": self.id, "secret": device_secret(self.id), "label": self.label,
                           "app_version": self.version if version is None else version,
                           "clock": clock.isoformat(), "outbox_depth": depth,
                           "oldest_pending": oldest},
                "records": records}
        return self.client.post_json("/api/v1/sync", body,
                                     headers={"X-CSRFToken": csrf_token(self.client)}).json

    def visits(self, *seqs, **data):
        return [visit(self.id, seq, self.username, **data) for seq in seqs]


@pytest.fixture
def phone(app):
    """Make a device synced by a given user."""
    return lambda label, username: Phone(app, label, username)


def age_last_contact(observer, device_id: str, hours: float):
    """The device was last heard from some hours ago (time passing, not an API call)."""
    with observer.app_context():
        earlier = datetime.now(timezone.utc) - timedelta(hours=hours)
        db.session.execute(sa.update(Device).where(Device.id == device_id)
                           .values(last_contact=earlier, last_sync=earlier))
        db.session.commit()


@pytest.fixture
def fleet(phone, observer):
    """One device in each state, seeded through the sync API; returns them by state."""
    healthy = phone(*HEALTHY)
    healthy.sync(healthy.visits(1, 2, 3))

    silent = phone(*SILENT)
    # Five records on the phone, one got through, then the phone went quiet.
    silent.sync(silent.visits(1), outbox_depth=5)
    age_last_contact(observer, silent.id, hours=3)

    gaps = phone(*GAPS)
    gaps.sync(gaps.visits(1, 2, 5, 6, 9))

    conflict = phone(*CONFLICT)
    conflict.sync(conflict.visits(1, 2))
    assert conflict.sync(conflict.visits(2))["results"][0]["status"] == "conflict"

    rejected = phone(*REJECTED)
    answer = rejected.sync([*rejected.visits(1), *rejected.visits(2, people_count=0)])
    assert [r["status"] for r in answer["results"]] == ["accepted", "rejected"]

    old = phone(*OLD_APP)
    old.sync(old.visits(1), version="0.0.9+old")

    skewed = phone(*SKEWED)
    skewed.sync(skewed.visits(1), clock_offset=timedelta(minutes=7))
    return {"healthy": healthy, "silent": silent, "gaps": gaps, "conflict": conflict,
            "rejected": rejected, "old": old, "skewed": skewed}


EXPECTED_ORDER = [("silent_pending", "silent"), ("gaps", "gaps"), ("conflict", "conflict"),
                  ("rejected", "rejected"), ("outdated_app", "old"), ("clock_skew", "skewed")]


def page_warnings(page) -> list[tuple[str, str, str]]:
    """(code, device id, text) of each warning in the page's list, top to bottom."""
    items = page.html.select("#warnings li, #more-warnings li")
    return [(li["data-code"], li["data-device"], li.get_text(" ", strip=True)) for li in items]


def test_each_state_gives_exactly_its_warning_most_serious_first_in_the_json(fleet, as_role):
    """Given devices that are silent with records pending, missing numbers, in conflict,
    rejected, on an old app, with a fast clock, and one healthy,
    when the leader reads GET /api/v1/status,
    then there is one warning per troubled device, in order of seriousness, each naming
    its device and user, and none for the healthy device."""
    report = as_role("leader").get("/api/v1/status").json
    got = [(w["code"], w["device_id"]) for w in report["warnings"]]
    assert got == [(code, fleet[state].id) for code, state in EXPECTED_ORDER]
    for warning, (_, state) in zip(report["warnings"], EXPECTED_ORDER):
        device = fleet[state]
        assert warning["device"] == device.label
        assert warning["user"] == FULL_NAMES[device.username]
        assert device.label in warning["text"] and FULL_NAMES[device.username] in warning["text"]
    assert fleet["healthy"].id not in {w["device_id"] for w in report["warnings"]}
    assert report["summary"]["attention"] == len(EXPECTED_ORDER)


def test_the_page_shows_the_same_warnings_in_the_same_order(fleet, as_role):
    """Given the same devices, when the leader opens /status, then the warnings at the top
    are the JSON's, in the same order, worded the same way."""
    client = as_role("leader")
    page = client.get("/status")
    report = client.get("/api/v1/status").json
    shown = page_warnings(page)
    assert [(code, device) for code, device, _ in shown] == \
        [(code, fleet[state].id) for code, state in EXPECTED_ORDER]
    assert [text for _, _, text in shown] == [w["text"] for w in report["warnings"]]
    assert page.html.select_one("#all-clear").has_attr("hidden")


def test_devices_needing_attention_are_listed_first_with_their_cells_marked(fleet, as_role):
    """Given the devices, when the leader opens /status, then the table lists the troubled
    devices in the order of their warnings, the healthy one last, each problem cell marked."""
    page = as_role("leader").get("/status")
    rows = page.html.select("#devices tbody tr")
    assert [r["data-device"] for r in rows] == \
        [fleet[state].id for _, state in EXPECTED_ORDER] + [fleet["healthy"].id]
    flagged = {r["data-device"]: sorted(td["data-cell"] for td in r.select("td.flagged"))
               for r in rows}
    assert flagged[fleet["silent"].id] == ["last_contact", "outbox"]
    assert flagged[fleet["gaps"].id] == ["gaps"]
    assert flagged[fleet["rejected"].id] == ["not_stored"]
    assert flagged[fleet["old"].id] == ["app_version"]
    assert flagged[fleet["skewed"].id] == ["clock"]
    assert flagged[fleet["healthy"].id] == []


def test_missing_numbers_are_the_ones_never_received(fleet, as_role):
    """Given a device that sent numbers 1, 2, 5, 6 and 9, when the leader reads the status,
    then numbers 3–4 and 7–8 are reported as never received, and nowhere else."""
    report = as_role("leader").get("/api/v1/status").json
    devices = {d["id"]: d for d in report["devices"]}
    gaps = devices[fleet["gaps"].id]["gaps"]
    assert (gaps["count"], gaps["ranges"], gaps["text"]) == (4, [[3, 4], [7, 8]], "3–4, 7–8")
    # A rejected or conflicting number was received: it is not a gap.
    assert devices[fleet["rejected"].id]["gaps"]["count"] == 0
    assert devices[fleet["conflict"].id]["gaps"]["count"] == 0
    assert report["summary"]["missing"] == 4


def visit_field_label(app, name: str) -> str:
    """A field's label on the visit form, in the app's default language."""
    from pwa.desk.forms import VisitForm
    with app.test_request_context():
        return str(VisitForm(meta={"csrf": False}, formdata=None)[name].label.text)


def test_a_rejected_record_shows_its_messages_on_demand(app, fleet, as_role):
    """Given a device whose record 2 was rejected for its number of people, when the leader
    opens /status, then the device's row counts one rejected record and a disclosure holds
    the record's number and the form's message beside the field's label."""
    client = as_role("leader")
    device = next(d for d in client.get("/api/v1/status").json["devices"]
                  if d["id"] == fleet["rejected"].id)
    assert (device["rejected"], device["conflicts"]) == (1, 0)
    [problem] = device["problems"]
    assert problem["seq"] == 2 and problem["status"] == "rejected"
    assert problem["title"].startswith("#2")
    assert any(m.startswith(visit_field_label(app, "people_count") + ": ")
               for m in problem["messages"]), problem
    row = client.get("/status").html.select_one(f'tr[data-device="{fleet["rejected"].id}"]')
    details = row.select_one("details")
    assert details is not None and not details.has_attr("open")
    assert problem["messages"][0] in details.get_text(" ", strip=True)


def test_the_row_tells_last_report_version_and_clock(fleet, as_role):
    """Given the devices, when the leader reads the status, then each row carries what its
    device last reported: records waiting, the app version (old ones marked) and the skew."""
    report = as_role("leader").get("/api/v1/status").json
    devices = {d["id"]: d for d in report["devices"]}
    silent = devices[fleet["silent"].id]
    assert silent["outbox_depth"] == 4 and silent["oldest_pending"] is not None
    assert "h" in silent["last_contact_ago"]
    old, healthy = devices[fleet["old"].id], devices[fleet["healthy"].id]
    assert (old["app_version"], old["app_outdated"]) == ("0.0.9+old", True)
    assert (healthy["app_version"], healthy["app_outdated"]) == (report["server_version"],
                                                                  False)
    skewed = devices[fleet["skewed"].id]
    assert 6 * 60 < skewed["clock_skew_seconds"] < 8 * 60 and skewed["clock_off"]
    assert not healthy["clock_off"] and healthy["level"] == "ok"


def test_todays_totals_count_the_records_received_today_by_type(fleet, as_role):
    """Given the devices' accepted visits, when the leader reads the status, then today's
    total of visits is the number of visits the server stored today."""
    accepted = 3 + 1 + 5 + 2 + 1 + 1 + 1
    report = as_role("leader").get("/api/v1/status").json
    totals = {t["type"]: t["count"] for t in report["today"]["totals"]}
    assert totals["visit"] == accepted
    assert set(totals) >= {"visit"} and all(t["label"] for t in report["today"]["totals"])
    page = as_role("leader").get("/status")
    assert page.html.select_one('#today [data-type="visit"] strong').text == str(accepted)


def test_when_the_silent_device_syncs_its_warning_goes(fleet, as_role):
    """Given the silent device with records pending, when it comes back and sends them,
    then its warning is gone and nothing waits on it any more."""
    silent = fleet["silent"]
    silent.sync(silent.visits(2, 3, 4, 5), outbox_depth=4)
    report = as_role("leader").get("/api/v1/status").json
    assert "silent_pending" not in {w["code"] for w in report["warnings"]}
    device = next(d for d in report["devices"] if d["id"] == silent.id)
    assert device["outbox_depth"] == 0 and device["warnings"] == []


def test_all_clear_when_every_device_is_in_order(phone, as_role):
    """Given only healthy devices, when the leader opens /status, then no warning is shown
    and the page says all is in order."""
    healthy = phone(*HEALTHY)
    healthy.sync(healthy.visits(1, 2))
    client = as_role("leader")
    assert client.get("/api/v1/status").json["warnings"] == []
    page = client.get("/status")
    assert page_warnings(page) == []
    assert not page.html.select_one("#all-clear").has_attr("hidden")


@pytest.mark.parametrize("role", ["member", "desk"])
@pytest.mark.parametrize("url", ["/status", "/status/live", "/api/v1/status"])
def test_members_and_desk_officers_are_refused(as_role, role, url):
    """Given a member or a reception officer, when they ask for the status page or its JSON,
    then the answer is 403."""
    response = as_role(role).get(url, status="*")
    assert response.status_int == 403
    if url.startswith("/api/"):
        assert response.json["error"] == "forbidden"


@pytest.mark.parametrize("role", ["leader", "deputy", "viewer"])
def test_leader_deputy_and_viewer_may_read_it(as_role, role):
    """Given the leader, a deputy or a viewer, when they open the page and its JSON,
    then both answer."""
    client = as_role(role)
    assert client.get("/status").status_int == 200
    assert client.get("/status/live").status_int == 200
    assert client.get("/api/v1/status").json["summary"]["devices"] == 0


@pytest.mark.parametrize("role", ["leader", "deputy", "viewer"])
def test_the_live_part_is_the_pages_changing_part(fleet, as_role, role):
    """Given the fleet, when the leader, a deputy or a viewer asks for /status/live, then
    it is the fragment the page includes (no page around it): the same figures, warnings and
    device rows as the page, and as the JSON."""
    client = as_role(role)
    page = client.get("/status").html.select_one("#status-live")
    live = client.get("/status/live")
    assert live.content_type == "text/html"
    assert "<html" not in live.text and "<header" not in live.text
    fragment = live.html
    report = client.get("/api/v1/status").json
    for name, value in report["summary"].items():
        assert fragment.select_one(f"[data-figure={name}]").text == str(value)
        assert page.select_one(f"[data-figure={name}]").text == str(value)
    rows = [tr["data-device"] for tr in fragment.select("#devices tbody tr")]
    assert rows == [d["id"] for d in report["devices"]]
    assert rows == [tr["data-device"] for tr in page.select("#devices tbody tr")]
    assert [li.text for li in fragment.select("#warnings li")] == \
        [li.text for li in page.select("#warnings li")]


def test_the_page_refreshes_from_its_fragment_without_inline_script(fleet, as_role):
    """The page names the fragment it refreshes from and loads live.js as a module (no second
    drawing of the cells in JavaScript); it carries no inline script or style (the CSP
    forbids both)."""
    page = as_role("leader").get("/status")
    assert page.html.select_one("#status-live")["data-live-url"] == "/status/live"
    scripts = [s.get("src") for s in page.html.select("script")]
    assert "/static/js/live.js" in scripts and None not in scripts
    assert page.html.select_one('link[href="/static/css/status.css"]') is not None
    assert not re.search(r"\sstyle=\"|<style", page.text)


def add_devices(observer, count: int, version: str, prefix: str) -> list[str]:
    """Devices the server knows (each synced once, long ago, with nothing held)."""
    from pwa.models import User
    with observer.app_context():
        desk = db.session.scalar(sa.select(User).where(User.username == "desk"))
        now = datetime.now(timezone.utc)
        ids = [str(uuid.uuid4()) for _ in range(count)]
        db.session.add_all(Device(id=i, label=f"{prefix} {n:03d}", user_id=desk.id,
                                  app_version=version, last_contact=now, last_sync=now)
                           for n, i in enumerate(ids))
        db.session.commit()
        return ids


def test_past_the_worst_devices_the_list_is_capped_until_all_are_asked_for(observer, fleet,
                                                                          as_role):
    """Given the fleet and more healthy devices than the page lists by default,
    when the leader opens the status, then every device with a critical or serious warning
    is listed, the others (notices first) up to the cap, and the rest are counted; with
    ?all=1 every device is."""
    from pwa.lead.report import OTHERS_SHOWN
    extra = add_devices(observer, OTHERS_SHOWN + 5, fleet["healthy"].version, "Máy")
    client = as_role("leader")
    report = client.get("/api/v1/status").json
    worst = [fleet[state].id for code, state in EXPECTED_ORDER
             if code not in ("outdated_app", "clock_skew")]
    listed = [d["id"] for d in report["devices"]]
    assert listed[:len(worst) + 2] == worst + [fleet["old"].id, fleet["skewed"].id]
    assert len(listed) == len(worst) + OTHERS_SHOWN
    total = len(EXPECTED_ORDER) + 1 + len(extra)
    assert report["summary"]["devices"] == total
    assert report["devices_hidden"] == total - len(listed)
    page = client.get("/status")
    assert len(page.html.select("#devices tbody tr")) == len(listed)
    assert str(report["devices_hidden"]) in page.html.select_one("#devices-hidden").text
    everything = client.get("/api/v1/status?all=1").json
    assert len(everything["devices"]) == total and everything["devices_hidden"] == 0
    page = page.click(href=r"all=1")
    assert len(page.html.select("#devices tbody tr")) == total
    assert page.html.select_one("#status-live")["data-live-url"] == "/status/live?all=1"
    assert len(client.get("/status/live?all=1").html.select("#devices tbody tr")) == total


def test_past_the_first_warnings_the_rest_wait_behind_a_disclosure(observer, as_role):
    """Given more devices on an old app than the page lists warnings at once, when the
    leader opens /status, then the first ones are listed and the rest sit in a closed
    disclosure that says how many; the JSON has them all."""
    from pwa.lead.report import WARNINGS_SHOWN
    add_devices(observer, WARNINGS_SHOWN + 2, "0.0.1+old", "Điện thoại")
    client = as_role("leader")
    warnings = client.get("/api/v1/status").json["warnings"]
    assert len(warnings) == WARNINGS_SHOWN + 2
    page = client.get("/status")
    assert len(page.html.select("#warnings li")) == WARNINGS_SHOWN
    more = page.html.select_one("#more-warnings-box")
    assert not more.has_attr("hidden") and not more.has_attr("open")
    assert len(more.select("li")) == 2 and "2" in more.select_one("summary").text
    assert [li["data-device"] for li in page.html.select("#warnings li, #more-warnings li")] \
        == [w["device_id"] for w in warnings]


@pytest.mark.parametrize("stored", ["exact", "behind"])
def test_gaps_are_the_true_ones_whatever_count_the_sync_stored(observer, fleet, as_role,
                                                               stored):
    """Given the count of held numbers each sync stores on the device row (exact, or left
    behind by two syncs at once), when the leader reads the status, then the gaps reported
    are the true ones: a count behind never invents a gap, an exact one hides none."""
    with observer.app_context():
        if stored == "exact":
            db.session.execute(sa.text(
                "UPDATE devices SET held_count = (SELECT COUNT(*) FROM visits "
                "WHERE visits.device_id = devices.id)"))
        else:
            db.session.execute(sa.text("UPDATE devices SET held_count = 0"))
        db.session.commit()
    report = as_role("leader").get("/api/v1/status").json
    gaps = {d["id"]: d["gaps"]["ranges"] for d in report["devices"] if d["gaps"]["count"]}
    assert gaps == {fleet["gaps"].id: [[3, 4], [7, 8]]}
