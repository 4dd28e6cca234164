"""The admin picks wards by name and a team for a new user; a new inspector put in a team sees its visits."""

from __future__ import annotations

import re

from markupsafe import escape

from server.calendar import local_today
from tests.conftest import login
from tests.dbs import execute


def token_of(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_users_page_opens_with_the_create_form_and_pickers_by_name(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("admin").get("/admin/users").text
    assert page.index('action="/admin/users"') < page.index('id="users"')  # the create form comes first
    wards = re.search(r'<select name="wards" multiple[^>]*>(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    assert '<option value="14755">Phường Hàm Rồng</option>' in wards
    assert re.search(r'<select name="team" id="team-picker">.*Đoàn', page, re.S)
    assert "Công an phường, xã" in page and "ward_police" not in page.replace('value="ward_police"', "")


def test_a_new_inspector_put_in_the_city_team_sees_todays_visits(as_user, make_client, database_url) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    page = admin.get("/admin/users").text
    team = execute(database_url, "SELECT id FROM teams WHERE kind = 'city'")[0][0]
    response = admin.post("/admin/users", data={
        "_csrf_token": token_of(page), "username": "inspector9", "full_name": "Trần Văn Mới",
        "password": "long-enough-9", "roles": ["inspector"], "wards": ["14755", "14758"], "team": str(team)})
    assert response.status_code == 200 and "inspector9" in response.text
    created = next(u for u in admin.get("/api/v1/users").json() if u["username"] == "inspector9")
    assert sorted(created["wards"]) == ["14755", "14758"]
    row = re.search(r'<tr data-user="inspector9">.*?</tr>', response.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Trần Văn Mới" in row and "Phường Hàm Rồng" in row and "Cán bộ kiểm tra" in row
    newcomer = login(make_client(), "inspector9", "long-enough-9")
    assert "Hôm nay chưa có lịch kiểm tra." in newcomer.get("/").text
    places = [(r[0], r[1]) for r in execute(database_url, "SELECT id, name FROM establishments WHERE lat IS NOT NULL "
                                            "AND status = 'active' ORDER BY id LIMIT 2")]
    made = as_user("teamlead").post("/api/v1/assignments", json={
        "team_id": team, "date": local_today().isoformat(), "establishment_ids": [p[0] for p in places]})
    assert made.status_code == 201, made.text
    home = newcomer.get("/").text
    assert all(str(escape(name)) in home for _, name in places) and "Chưa đến" in home
    assert f'href="/phone/check/{places[0][0]}"' in home


def test_an_existing_user_is_put_in_a_team_as_lead_and_bad_input_reads_as_a_sentence(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    page = admin.get("/admin/users").text
    user_id, team = (execute(database_url, "SELECT id FROM users WHERE username = 'inspector2'")[0][0],
                     execute(database_url, "SELECT id FROM teams WHERE kind = 'ward' ORDER BY id")[0][0])
    moved = admin.post(f"/admin/users/{user_id}/team", data={"_csrf_token": token_of(page), "team": str(team),
                                                             "team_lead": "1"})
    assert moved.status_code == 200
    assert execute(database_url, f"SELECT is_lead FROM team_members WHERE user_id = {user_id} AND team_id = {team}") \
        in ([(1,)], [(True,)])
    events = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'team.member_set'")
    assert events == [(1,)]
    bad = admin.post("/admin/users", data={"_csrf_token": token_of(page), "username": "newone", "full_name": "A",
                                           "password": "long-enough-1", "roles": ["inspector"], "wards": ["99999"]})
    assert "Không có phường, xã mang mã 99999." in bad.text
    short = admin.post("/admin/users", data={"_csrf_token": token_of(page), "username": "newtwo", "full_name": "B",
                                             "password": "short", "roles": ["inspector"]})
    assert "Mật khẩu cần ít nhất 8 ký tự." in short.text


def test_a_tip_is_assigned_by_picking_a_person_by_name(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    place = execute(database_url, "SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id "
                    "WHERE w.code = '14755' ORDER BY e.id")[0][0]
    tip = police.post("/api/v1/tips", json={"channel": "hotline", "establishment_id": place}).json()
    police.post(f"/api/v1/tips/{tip['id']}/actions", json={"action": "classify", "category": "PA"})
    page = police.get(f"/tips/{tip['id']}").text
    picker = re.search(r'<select name="handler"[^>]*>(.*?)</select>', page, re.S).group(1)  # type: ignore[union-attr]
    assert '<option value="police.hamrong" >Công an phường Hàm Rồng</option>' in picker.replace("  ", " ")
    done = police.post(f"/tips/{tip['id']}/actions", data={"_csrf_token": token_of(page), "action": "assign",
                                                          "handler": "police.hamrong"})
    assert done.status_code == 200 and "Công an phường Hàm Rồng" in done.text
    refused = police.post(f"/tips/{tip['id']}/actions", data={"_csrf_token": token_of(page), "action": "assign",
                                                             "handler": "admin"})
    assert "Người này không có vai trò xử lý tin báo." in refused.text
