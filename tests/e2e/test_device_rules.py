"""The register's and the sighting's rules on the device, before anything is stored: the
same tables the server's forms check (pwa/desk/rules.py, pwa/field/rules.py), served as
GET /api/v1/rules and read by static/js/rules.js in Chromium."""
import copy

from flask_babel import force_locale

from pwa.api.openapi import EXAMPLES
from pwa.desk.forms import VisitForm
from pwa.desk.rules import VISIT_RULES
from pwa.field.forms import SightingForm
from pwa.field.rules import SIGHTING_RULES
from pwa.sync.protocol import formdata
from tests.e2e.harness import outbox_records, sign_in, wait_for_worker
from tests.helpers import PASSWORD


def vi(message, **params) -> str:
    with force_locale("vi"):
        return str(message) % params if params else str(message)


def rule_message(rules, field, fragment) -> object:
    """The rule's lazy message whose English msgid contains fragment."""
    return next(r["message"] for r in rules
                if r["field"] == field and fragment in r["message"]._args[0])


def test_a_wrong_cccd_and_a_group_without_representatives_are_refused_offline(
        server, open_browser, observer):
    """Given the visit form opened once online, then the device offline (page reloaded from
    the worker's cache),
    When the officer saves an 11-digit CCCD for a group of 6 naming no representative,
    Then the server's messages show beside both fields in Vietnamese, the form keeps what was
    typed, and nothing is stored on the device."""
    context = open_browser()
    page = context.new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    page.goto(f"{server.url}/visits/new")
    wait_for_worker(page)
    page.evaluate("fetch('/api/v1/rules').then((r) => r.ok)")    # through the worker's cache
    context.set_offline(True)
    page.reload()

    page.fill("#citizen_name", "Đoàn sáu người")
    page.fill("#id_number", "02608500123")
    page.fill("#address", "Thôn Đông, xã Kim Xá")
    page.fill("#content", "Khiếu nại về bồi thường")
    page.fill("#people_count", "6")
    page.check("input[name=kinds][value=khieu_nai]")
    page.click("#visit-form button.primary")

    with observer.test_request_context():
        cccd = vi(rule_message(VISIT_RULES, "id_number", "CCCD number"), n=11)
        group = vi(rule_message(VISIT_RULES, "representatives", "must name"))
    page.wait_for_selector("#field-id_number .error")
    assert page.text_content("#field-id_number .error") == cccd
    assert page.text_content("#field-representatives .error") == group
    assert "has-error" in page.get_attribute("#field-representatives", "class")
    assert page.input_value("#id_number") == "02608500123"
    assert page.input_value("#citizen_name") == "Đoàn sáu người"
    assert outbox_records(page) == []
    assert page.is_hidden("#save-status")


def _visit(**changes) -> dict:
    data = copy.deepcopy(EXAMPLES["visit"]["data"])
    data.update(shift="outside", commune="")
    data.update(changes)
    return data


VISIT_CASES = [
    _visit(),
    _visit(id_number="02608500123"),
    _visit(id_number="026 085 001 234"),
    _visit(id_number="123456789"),
    _visit(id_number="B1234567"),
    _visit(id_number="12AB"),
    _visit(id_number="", source="in_person"),
    _visit(id_number="", source="phone"),
    _visit(phone="12345"),
    _visit(phone="+84912345678"),
    _visit(people_count=6, representatives=[]),
    _visit(people_count=6, representatives=["A", "B", "C"]),
    _visit(people_count=12, representatives=["A", "B", "C", "D", "E", "F"]),
    _visit(people_count=12, representatives=["A", "B", "C"]),
    _visit(people_count=4, representatives=[]),
    _visit(kinds=[]),
    _visit(subject_area="tham_nhung"),
    _visit(subject_area="tham_nhung", kinds=["to_cao"]),
    _visit(direction="chuyen_don", forwarded_to=""),
    _visit(direction="chuyen_don", forwarded_to="UBND huyện"),
    _visit(direction="huong_dan", guidance=" "),
    _visit(direction="tu_choi", refusal_reason=""),
    _visit(direction="tu_choi", refusal_reason="resolved", refusal_note=""),
    _visit(direction="tu_choi", refusal_reason="disorder", refusal_note=""),
    _visit(direction="thu_ly", refusal_reason="disorder"),
    _visit(received_on="21/10/2099"),
    _visit(received_on="01/01/1999"),
    _visit(received_on="21/10/2021"),
]


def _sighting(**changes) -> dict:
    data = copy.deepcopy(EXAMPLES["sighting"]["data"])
    data.update(changes)
    return data


SIGHTING_CASES = [
    _sighting(),
    _sighting(people_count=0),
    _sighting(latitude=21.0, longitude=None),
    _sighting(latitude=None, longitude=None),
    _sighting(latitude=95, longitude=105.8),
    _sighting(latitude=21.0, longitude=-190),
    _sighting(site="KHAC", place_text=""),
    _sighting(site="KHAC", place_text="Trước cổng UBND"),
]

CHECK = """async ({ type, cases, levels }) => {
    const rules = await import('/static/js/rules.js');
    const doc = await rules.loadRules();
    return cases.map((data) => rules.check(doc[type], { ...data, site_level: levels[data.site] || '' }));
}"""


def _server_errors(form_class, rules, data) -> dict:
    data = dict(data)
    if isinstance(data.get("representatives"), list):     # as the sync path hands them over
        data["representatives"] = "\n".join(data["representatives"])
    form = form_class(formdata=formdata(data), meta={"csrf": False})
    form.validate()
    fields = {r["field"] for r in rules}
    messages = {str(r["message"]) for r in rules}
    out = {}
    for name, errors in form.errors.items():
        # rule messages only (a rule with params is formatted: compare by its start)
        mine = [str(e) for e in errors if name in fields and (
            str(e) in messages or any(str(e).startswith(m.split("%")[0]) for m in messages
                                      if "%" in m))]
        if mine:
            out[name] = mine[-1]
    return out


def test_the_device_and_the_server_agree_on_every_case(server, open_browser, observer):
    """A table of visits and sightings, checked by the server's forms and by the device's
    interpreter in Chromium: the same fields refused with the same messages, case by case."""
    from pwa.extensions import db
    from pwa.models import Site
    page = open_browser().new_page()
    sign_in(page, server.url, "desk", PASSWORD)
    with observer.test_request_context():
        levels = {s.code: s.level for s in db.session.scalars(db.select(Site))}
        assert "other" in [levels.get("KHAC")], "the demo data has another-place site KHAC"
        visits = [_server_errors(VisitForm, VISIT_RULES, case) for case in VISIT_CASES]
        sightings = [_server_errors(SightingForm, SIGHTING_RULES, case)
                     for case in SIGHTING_CASES]
    device_visits = page.evaluate(CHECK, {"type": "visit", "cases": VISIT_CASES, "levels": {}})
    device_sightings = page.evaluate(CHECK, {"type": "sighting", "cases": SIGHTING_CASES,
                                             "levels": levels})
    for case, server_said, device_said in zip(VISIT_CASES + SIGHTING_CASES,
                                              visits + sightings,
                                              device_visits + device_sightings):
        assert device_said == server_said, case
    refused = sum(1 for e in visits + sightings if e)
    assert refused >= 20, "the table exercises the rules"
