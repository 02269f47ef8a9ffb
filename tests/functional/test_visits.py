"""The visit form, its validation, amendments, search, ID lookup and sealed denouncers."""
from datetime import date

import pytest
import sqlalchemy as sa

from pwa.extensions import db
from pwa.models import AuditEntry, DenouncerIdentity, Visit, VisitAmendment
from tests.helpers import VALID_VISIT, csrf_token, field_errors, fill, login, submit_visit


def _count(model=Visit) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_visit_is_stored_with_all_its_fields(as_role, ctx):
    """Given the desk, when it submits a complete visit, then every field is in the register."""
    client = as_role("desk")
    response = submit_visit(client)
    assert response.status_int == 302
    visit = db.session.scalar(sa.select(Visit))
    assert visit.received_on == date(2021, 10, 21)
    assert (visit.shift, visit.reception_type, visit.source) == ("morning", "regular",
                                                                 "in_person")
    assert visit.citizen_name == "Nguyễn Văn A" and visit.id_number == "026085001234"
    assert visit.address.startswith("Thôn Đông") and visit.commune_code == "09079"
    assert visit.phone == "0912345678" and visit.people_count == 1
    assert visit.kinds == ["khieu_nai"] and visit.subject_area == "dat_dai"
    assert visit.content.startswith("Khiếu nại") and visit.request.startswith("Đề nghị")
    assert visit.prior_handler == "UBND xã Kim Xá" and visit.is_repeat is True
    assert visit.direction == "thu_ly" and visit.documents.startswith("Đơn")
    assert visit.notes == "Công dân đến lần thứ hai"
    assert visit.officer.username == "desk"
    assert len(visit.id) == 36 and len(visit.device_id) == 36 and visit.seq == 1
    assert not visit.sealed
    page = client.get(response.headers["Location"])
    assert "Nguyễn Văn A" in page.text and "21/10/2021" in page.text


def test_form_defaults_date_and_shift_from_the_clock(as_role):
    page = as_role("desk").get("/visits/new")
    form = page.forms["visit-form"]
    assert len(form["received_on"].value.split("/")) == 3
    assert form["shift"].value in ("morning", "afternoon", "outside")


def test_a_double_submission_stores_one_visit(as_role, ctx):
    """The hidden record id makes pressing Save twice harmless."""
    client = as_role("desk")
    form = fill(client.get("/visits/new").forms["visit-form"], VALID_VISIT)
    first = form.submit()
    second = form.submit()
    assert first.headers["Location"] == second.headers["Location"]
    assert _count() == 1


def test_sequence_numbers_count_up_per_device(as_role, ctx):
    client = as_role("desk")
    submit_visit(client)
    submit_visit(client)
    assert sorted(db.session.scalars(sa.select(Visit.seq))) == [1, 2]


INVALID = [
    ({"citizen_name": ""}, "citizen_name"),
    ({"address": ""}, "address"),
    ({"content": ""}, "content"),
    ({"received_on": "31/02/2021"}, "received_on"),
    ({"received_on": "2021/10/21x"}, "received_on"),
    ({"received_on": "01/01/2099"}, "received_on"),
    ({"received_on": "01/01/0001"}, "received_on"),
    ({"id_number": "12345"}, "id_number"),
    ({"id_number": "0260850012345"}, "id_number"),
    ({"id_number": "AB-12"}, "id_number"),
    ({"id_number": ""}, "id_number"),                     # in person without ID
    ({"phone": "12ab"}, "phone"),
    ({"people_count": "0"}, "people_count"),
    ({"people_count": "abc"}, "people_count"),
    ({"people_count": "7", "representatives": ""}, "representatives"),
    ({"people_count": "7", "representatives": "A\nB\nC"}, "representatives"),
    ({"people_count": "15", "representatives": "A\nB\nC\nD\nE\nF"}, "representatives"),
    ({"kinds": []}, "kinds"),
    ({"subject_area": "tham_nhung"}, "subject_area"),     # corruption without tố cáo
    ({"direction": "chuyen_don", "forwarded_to": ""}, "forwarded_to"),
    ({"direction": "don_doc", "forwarded_to": ""}, "forwarded_to"),
    ({"direction": "huong_dan", "guidance": ""}, "guidance"),
    ({"direction": "tu_choi", "refusal_reason": ""}, "refusal_reason"),
    ({"direction": "tu_choi", "refusal_reason": "resolved", "refusal_note": ""},
     "refusal_note"),
    ({"direction": "thu_ly", "refusal_reason": "disorder"}, "refusal_reason"),
    ({"content": "x" * 5001}, "content"),
]


@pytest.mark.parametrize("overrides,field", INVALID,
                         ids=[f"{f}:{list(o.values())[0]!s:.12}" for o, f in INVALID])
def test_each_rule_rejects_bad_input_beside_the_field_and_stores_nothing(as_role, ctx,
                                                                         overrides, field):
    client = as_role("desk")
    page = submit_visit(client, overrides, status=400)
    errors = field_errors(page)
    assert field in errors, errors
    assert all(message.strip() for message in errors[field])
    assert _count() == 0


def test_error_messages_are_vietnamese_by_default(as_role):
    page = submit_visit(as_role("desk"), {"people_count": "0"}, status=400)
    assert "Số người phải từ 1 trở lên." in field_errors(page)["people_count"][0]


def test_valid_edge_cases_are_accepted(as_role, ctx):
    """CMND, passport, a group with representatives and a lawful refusal all pass."""
    client = as_role("desk")
    for overrides in ({"id_number": "135792468"}, {"id_number": "c1234567"},
                      {"people_count": "12", "representatives": "A\nB\nC\nD\nE"},
                      {"direction": "tu_choi", "refusal_reason": "disorder"},
                      {"direction": "chuyen_don", "forwarded_to": "Công an huyện"}):
        assert submit_visit(client, overrides).status_int == 302, overrides
    assert _count() == 5


def test_a_correction_is_an_amendment_with_history(as_role, ctx):
    """Given a saved visit, when it is corrected, then the old value stays in its history."""
    client = as_role("desk")
    url = submit_visit(client).headers["Location"]
    form = client.get(url + "/amend").forms["visit-form"]
    form["citizen_name"] = "Nguyễn Văn An"
    form["people_count"] = "2"
    form["reason"] = "Sai chính tả tên"
    assert form.submit().status_int == 302
    visit = db.session.scalar(sa.select(Visit))
    db.session.refresh(visit)
    assert visit.citizen_name == "Nguyễn Văn An" and visit.people_count == 2
    amendment = db.session.scalar(sa.select(VisitAmendment))
    assert amendment.changes["citizen_name"] == ["Nguyễn Văn A", "Nguyễn Văn An"]
    assert amendment.changes["people_count"] == [1, 2]
    assert amendment.reason == "Sai chính tả tên" and amendment.author.username == "desk"
    page = client.get(url)
    assert "Sai chính tả tên" in page.text and "<del>Nguyễn Văn A</del>" in page.text
    assert "visit_amended" in db.session.scalars(sa.select(AuditEntry.action)).all()


def test_a_correction_needs_a_reason_and_a_change(as_role, ctx):
    client = as_role("desk")
    url = submit_visit(client).headers["Location"]
    form = client.get(url + "/amend").forms["visit-form"]
    form["citizen_name"] = "Nguyễn Văn An"
    assert "reason" in field_errors(form.submit(status=400))
    form = client.get(url + "/amend").forms["visit-form"]
    form["reason"] = "Không đổi gì"
    assert 'role="alert"' in form.submit(status=400).text
    assert _count(VisitAmendment) == 0


def test_only_the_officer_or_leaders_may_correct(app, client):
    login(client, "desk")
    url = submit_visit(client).headers["Location"]
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "member")
    assert client.get(url + "/amend", status=403)


def test_search_ignores_diacritics_and_case(as_role):
    client = as_role("desk")
    submit_visit(client)
    submit_visit(client, {"citizen_name": "Trần Thị Bình", "id_number": "026190004567"})
    page = client.get("/visits", {"q": "nguyen van a"})
    assert "Nguyễn Văn A" in page.text and "Trần Thị Bình" not in page.text
    page = client.get("/visits", {"q": "TRAN thi binh"})
    assert "Trần Thị Bình" in page.text and "Nguyễn Văn A" not in page.text
    page = client.get("/visits", {"q": "dong"})  # "Đông" in the address: đ folds to d
    assert "Nguyễn Văn A" in page.text


def test_register_filters_by_date_shift_kind_and_commune(as_role):
    client = as_role("desk")
    submit_visit(client)
    submit_visit(client, {"citizen_name": "Lê Thị C", "received_on": "25/10/2021",
                          "shift": "afternoon", "kinds": ["kien_nghi"], "commune": "09100"})
    def names(**args):
        text = client.get("/visits", args).text
        return {n for n in ("Nguyễn Văn A", "Lê Thị C") if n in text}
    assert names(**{"from": "22/10/2021"}) == {"Lê Thị C"}
    assert names(to="21/10/2021") == {"Nguyễn Văn A"}
    assert names(shift="afternoon") == {"Lê Thị C"}
    assert names(kind="khieu_nai") == {"Nguyễn Văn A"}
    assert names(commune="09100") == {"Lê Thị C"}


def test_lookup_by_id_number_shows_earlier_visits(as_role):
    client = as_role("desk")
    submit_visit(client)
    submit_visit(client, {"received_on": "30/10/2021", "content": "Lần hai: vẫn chưa giải quyết"})
    submit_visit(client, {"citizen_name": "Người khác", "id_number": "026190004567"})
    page = client.get("/visits/lookup", {"id_number": "0260 8500 1234"})
    assert page.text.count("Nguyễn Văn A") == 2 and "Người khác" not in page.text
    assert "Lần hai" in page.text


def test_official_register_has_the_twelve_columns(as_role):
    client = as_role("desk")
    submit_visit(client, {"direction": "chuyen_don", "forwarded_to": "Công an huyện"})
    page = client.get("/register")
    assert all(f"({n})" in page.text for n in range(1, 13))
    assert "Công an huyện" in page.text and "026085001234" in page.text


DENUNCIATION = {"kinds": ["to_cao"], "subject_area": "tham_nhung",
                "citizen_name": "Người Tố Cáo", "id_number": "026099887766",
                "content": "Tố cáo cán bộ địa chính nhận tiền"}


def test_a_denouncer_is_sealed_from_a_member_and_shown_to_the_leader(app, client, ctx):
    """Given a tố cáo recorded at the desk, a member sees it redacted everywhere; the leader
    sees the identity, and that view is in the audit log."""
    login(client, "desk")
    url = submit_visit(client, DENUNCIATION).headers["Location"]
    visit = db.session.scalar(sa.select(Visit))
    assert visit.sealed and visit.citizen_name == "" and visit.id_number == ""
    assert "nguoi to cao" not in visit.search_text
    identity = db.session.get(DenouncerIdentity, visit.id)
    assert identity.citizen_name == "Người Tố Cáo"
    client.post("/logout", {"csrf_token": csrf_token(client)})

    login(client, "member")
    for page_url in (url, "/visits", "/register"):
        text = client.get(page_url).text
        assert "Người Tố Cáo" not in text and "026099887766" not in text, page_url
    assert "Người Tố Cáo" not in client.get("/visits?q=nguoi+to+cao").text
    lookup = client.get("/visits/lookup?id_number=026099887766").text
    assert "Người Tố Cáo" not in lookup and "0 lượt tiếp trước đây" in lookup
    assert client.get(url + "/identity", status=403)
    assert client.get(url + "/amend", status=403)
    client.post("/logout", {"csrf_token": csrf_token(client)})

    login(client, "leader")
    page = client.get(url + "/identity")
    assert "Người Tố Cáo" in page.text and "026099887766" in page.text
    views = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "identity_viewed")).all()
    assert len(views) == 1 and views[0].object_id == visit.id
    refused = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "identity_view_refused")).all()
    assert len(refused) == 1


def test_the_receiving_officer_and_assigned_handler_see_the_denouncer(app, client, ctx):
    login(client, "desk")
    url = submit_visit(client, DENUNCIATION).headers["Location"]
    assert "Người Tố Cáo" in client.get(url + "/identity").text
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "leader")
    form = client.get(url).forms["handler-form"]
    member_id = [v for v, _, label in form["handler"].options if label == "Member Nguyễn"][0]
    form["handler"] = member_id
    form.submit()
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, "member")
    assert "Người Tố Cáo" in client.get(url + "/identity").text


def test_a_deputy_cannot_make_himself_handler_of_a_sealed_visit(app, client, ctx):
    """Given a sealed visit, a deputy's self-assignment is refused, gives no identity and
    is listed for the leader, who alone names the handler."""
    from tests.helpers import user_id
    login(client, "desk")
    url = submit_visit(client, DENUNCIATION).headers["Location"]
    _sign_in_as(client, "deputy")
    page = client.get(url)
    assert "handler-form" not in page.forms and "Người Tố Cáo" not in page.text
    deputy = user_id(app, "deputy")
    refused = client.post(url + "/handler", {"handler": deputy,
                                              "csrf_token": csrf_token(client)}, status=403)
    assert "Người Tố Cáo" not in refused.text
    visit = db.session.scalar(sa.select(Visit))
    db.session.refresh(visit)
    assert visit.handler_id is None
    assert client.get(url + "/identity", status=403)
    # On an ordinary visit the deputy still assigns.
    ordinary = submit_visit(client).headers["Location"]
    form = client.get(ordinary).forms["handler-form"]
    form["handler"] = str(deputy)
    assert form.submit().status_int == 302

    _sign_in_as(client, "leader")
    form = client.get(url).forms["handler-form"]
    form["handler"] = str(user_id(app, "member"))
    assert form.submit().status_int == 302
    listing = client.get("/admin/sealed-handlers")
    rows = listing.html.select("#sealed-handlers tbody tr")
    assert len(rows) == 2        # the leader's assignment and the deputy's refused attempt
    assert "Member Nguyễn" in rows[0].text and "Leader Nguyễn" in rows[0].text
    assert "Deputy Nguyễn" in rows[1].text and "từ chối" in rows[1].text
    assert "Người Tố Cáo" not in listing.text
    _sign_in_as(client, "deputy")
    assert client.get("/admin/sealed-handlers", status=403)


def test_amending_a_sealed_identity_keeps_it_out_of_the_visible_history(as_role, ctx):
    client = as_role("desk")
    url = submit_visit(client, DENUNCIATION).headers["Location"]
    form = client.get(url + "/amend").forms["visit-form"]
    form["citizen_name"] = "Người Tố Cáo Sửa"
    form["reason"] = "Sửa tên"
    form.submit()
    amendment = db.session.scalar(sa.select(VisitAmendment))
    assert amendment.changes["citizen_name"] == [None, None]
    identity = db.session.scalar(sa.select(DenouncerIdentity))
    db.session.refresh(identity)
    assert identity.citizen_name == "Người Tố Cáo Sửa"
    assert "Người Tố Cáo" not in client.get(url).text


def _sign_in_as(client, role):
    client.post("/logout", {"csrf_token": csrf_token(client)})
    login(client, role)


def test_a_visit_corrected_into_a_denunciation_hides_every_earlier_identity(app, client, ctx):
    """Given a visit whose name was corrected, when a later correction makes it a
    denunciation, then no recorder sees any of its names or ID numbers under "Các lần đính
    chính"; the leader still sees the identity, logged."""
    login(client, "desk")
    url = submit_visit(client).headers["Location"]
    form = client.get(url + "/amend").forms["visit-form"]
    form["citizen_name"] = "Nguyễn Văn Ân"
    form["id_number"] = "026085009999"
    form["reason"] = "Sai tên và số CCCD"
    assert form.submit().status_int == 302
    form = client.get(url + "/amend").forms["visit-form"]
    fill(form, {"kinds": ["khieu_nai", "to_cao"]})
    form["reason"] = "Thực ra là tố cáo"
    assert form.submit().status_int == 302
    secrets = ("Nguyễn Văn A", "Nguyễn Văn Ân", "026085001234",
               "026085009999", "Thôn Đông")
    _sign_in_as(client, "member")
    page = client.get(url)
    assert "Các lần đính chính" in page.text and "Sai tên và số CCCD" in page.text
    assert page.text.count("đã thay đổi (được bảo mật)") >= 2
    for secret in secrets:
        assert secret not in page.text, secret
    for amendment in db.session.scalars(sa.select(VisitAmendment)):
        for field in ("citizen_name", "id_number"):
            assert amendment.changes.get(field, [None, None]) == [None, None]
    identity = db.session.scalar(sa.select(DenouncerIdentity))
    assert {(h["field"], h["from"], h["to"]) for h in identity.history} >= {
        ("citizen_name", "Nguyễn Văn A", "Nguyễn Văn Ân"),
        ("id_number", "026085001234", "026085009999")}
    _sign_in_as(client, "leader")
    assert "Nguyễn Văn Ân" in client.get(url + "/identity").text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "identity_viewed")) == 1
