"""The situation board: open sightings (flagged first), today's reception by kind, visits per
day from the per-day totals, sightings per site; who may see it."""

import pytest
import sqlalchemy as sa

from pwa.clock import local_now
from pwa.extensions import db
from pwa.models import VisitDay
from tests.functional.test_field import sighting, sync, update
from tests.helpers import csrf_token, login, submit_visit


def _sign_out(client):
    client.post("/logout", {"csrf_token": csrf_token(client)})


def test_open_sightings_are_listed_flagged_first_with_their_trend(client):
    login(client, "member")
    small = sighting(1, site="TCD-HUYEN", people_count=3, seen_at="21/10/2021 10:00")
    big = sighting(2, site="TCD-TW", people_count=12, seen_at="21/10/2021 08:00")
    gone = sighting(3, site="TCD-HUYEN", people_count=2)
    sync(client, [small, big, gone, update(4, big["id"], people_count=20, action="persuaded"),
                  update(5, gone["id"], people_count=None, action="dispersed", closed=True)])
    _sign_out(client)
    login(client, "leader")
    page = client.get("/board")
    cards = page.html.select("ul.sightings li.sighting")
    assert [c["data-id"] for c in cards] == [big["id"], small["id"]]
    assert "flagged" in cards[0]["class"] and "flagged" not in cards[1]["class"]
    assert "12→20" in cards[0].text and "Vận động" in cards[0].text
    assert "Kim Xá" in cards[0].text and "Member Nguyễn" in cards[0].text
    assert gone["id"] not in str(page.html.select_one("ul.sightings"))


def test_todays_reception_counts_kinds_and_groups(client, ctx):
    login(client, "desk")
    today = local_now().date().strftime("%d/%m/%Y")
    submit_visit(client, {"received_on": today})
    submit_visit(client, {"received_on": today, "people_count": "7",
                          "representatives": "A\nB", "kinds": ["khieu_nai", "kien_nghi"]})
    submit_visit(client, {"received_on": today, "kinds": ["to_cao"],
                          "subject_area": "tham_nhung"})
    day = db.session.get(VisitDay, local_now().date())
    assert (day.visits, day.people, day.groups, day.group_people) == (3, 9, 1, 7)
    assert (day.khieu_nai, day.to_cao, day.kien_nghi_phan_anh) == (2, 1, 1)
    _sign_out(client)
    login(client, "viewer")
    figures = [f.strong.text for f in client.get("/board").html.select(
        "#today-title ~ .figures .figure")]
    assert figures == ["3", "9", "1", "2", "1", "1"]


def test_a_correction_moves_a_visit_between_days_in_the_totals(client, ctx):
    login(client, "desk")
    url = submit_visit(client, {"received_on": "21/10/2021"}).headers["Location"]
    form = client.get(url + "/amend").forms["visit-form"]
    form["received_on"], form["reason"] = "22/10/2021", "Ghi nhầm ngày"
    form.submit()
    days = {d.day.day: d.visits for d in db.session.scalars(sa.select(VisitDay))}
    assert days == {21: 0, 22: 1}


def test_visits_per_day_cover_the_duty_period(client):
    login(client, "desk")
    submit_visit(client, {"received_on": "21/10/2021"})
    submit_visit(client, {"received_on": "21/10/2021"})
    submit_visit(client, {"received_on": "25/10/2021"})
    _sign_out(client)
    login(client, "deputy")
    chart = client.get("/board").html.select_one("svg.chart")
    assert len(chart.select("rect")) == 25          # 20/10 to 13/11/2021
    values = [t.text for t in chart.select("text.value")]
    assert values == ["2", "1"]


def test_the_live_part_refreshes_alone(client):
    login(client, "leader")
    live = client.get("/board/live")
    assert "<html" not in live.text and 'id="open-title"' in live.text


@pytest.mark.parametrize("role,status", [("leader", 200), ("deputy", 200), ("viewer", 200),
                                         ("member", 403), ("desk", 403)])
def test_who_may_see_the_board(client, role, status):
    login(client, role)
    assert client.get("/board", status="*").status_int == status
    assert client.get("/board/live", status="*").status_int == status


def test_the_viewer_sees_counts_not_people(client, ctx):
    """Given a crowd with a watch-listed group, a reporter, crowd leaders and a photo, the
    viewer's board shows its count and place but no name, photo or link to the sighting,
    and the sighting page and photo are refused; the leader's board shows the names."""
    from pwa.models import WatchEntry
    from tests.functional.test_field import png, put_photo
    login(client, "deputy")
    form = client.get("/watch/new").forms["watch-form"]
    form["kind"], form["name"], form["commune"] = "group", "Đoàn ông Trần Văn Bảy", "09079"
    form["usual_size"], form["risk"] = "20", "high"
    form.submit()
    entry = db.session.scalar(sa.select(WatchEntry))
    _sign_out(client)
    login(client, "member")
    photo, _ = put_photo(client, png())
    crowd = sighting(1, watch_entry=str(entry.id), leaders="Ông Lê Văn Tám", photos=[photo])
    gone = sighting(2, site="TCD-HUYEN", people_count=2)
    assert [r["status"] for r in sync(client, [crowd, gone, update(
        3, gone["id"], people_count=None, action="dispersed", closed=True)])] == ["accepted"] * 3
    _sign_out(client)

    login(client, "viewer")
    for url in ("/board", "/board/live"):
        page = client.get(url)
        assert "12" in page.html.select_one("ul.sightings li.sighting").text
        for name in ("Trần Văn Bảy", "Member Nguyễn", "Lê Văn Tám"):
            assert name not in page.text, (url, name)
        assert "/field/sightings/" not in page.text and "/photos/" not in page.text
        assert page.html.select("img") == []
    assert client.get(f"/field/sightings/{crowd['id']}", status=403)
    assert client.get(f"/photos/{photo}", status=403)
    _sign_out(client)

    login(client, "leader")
    page = client.get("/board")
    assert "Trần Văn Bảy" in page.text and "Member Nguyễn" in page.text
    assert f"/field/sightings/{crowd['id']}" in page.text
