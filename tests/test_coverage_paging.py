"""The dashboard's ward table in pages (``?page=``, ``?per_page=``, ``?order=``) and its JSON twin: every total
is that of all the wards on every page, the pages split the wards without overlap, the links keep the
filters, ward police still see their ward only, bad values are a 400."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import escape

from server.coverage.schemas import WardCoverageOut
from server.coverage.services import by_gap
from tests.dbs import execute

HAM_RONG, DONG_THO = "14755", "14758"
EVIL = '<img src=x onerror="alert(1)">Karaoke </script><script>alert(2)</script>'


def codes(page: str) -> list[str]:
    return re.findall(r'<tr data-code="(\d+)"', page)


def summary(page: str) -> str:
    """The figures above the table: the summary cards, the as-of line and the month chart."""
    return page.split('id="summary"', 1)[1].split('<section class="card" id="wards">', 1)[0]


def figures(page: str) -> dict[str, tuple[int, int]]:
    part = summary(page)

    def pair(pattern: str) -> tuple[int, int]:
        a, b = re.search(pattern, part).groups()  # type: ignore[union-attr]
        return int(a), int(b)

    return {"meeting": pair(r'id="meeting">(\d+)/(\d+)<'),
            "inspected": pair(r'<span class="cov-big">(\d+)/(\d+)</span><br>[^<]*cơ sở đã kiểm tra'),
            "city_team": pair(r'id="city-team"><span class="cov-big">(\d+)/(\d+)<'),
            "forecast": pair(r'id="forecast"><span class="cov-big">(\d+)/(\d+)<')}


def pager_links(page: str) -> dict[str, dict[str, list[str]]]:
    nav = page.split('id="pager"', 1)[1].split("</nav>", 1)[0]
    return {rel: parse_qs(urlsplit(html.unescape(href)).query)
            for href, rel in re.findall(r'<a href="([^"]+)" rel="(\w+)"', nav)}


def test_two_pages_split_the_34_wards_and_show_the_same_totals(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    body = city.get("/api/v1/coverage", params={"year": 2023}).json()
    wards = {w["code"]: w for w in body["wards"]}
    assert len(wards) == 34 and body["ward_count"] == 34
    first = city.get("/coverage", params={"year": 2023, "per_page": 20})
    second = city.get("/coverage", params={"year": 2023, "per_page": 20, "page": 2})
    everything = city.get("/coverage", params={"year": 2023}).text  # 50 a page: all 34 on page 1, no pager
    assert first.status_code == second.status_code == 200
    one, two = codes(first.text), codes(second.text)
    assert len(one) == 20 and len(two) == 14 and not set(one) & set(two)
    assert sorted(one + two) == sorted(wards) and one + two == codes(everything)
    assert 'id="pager"' in first.text and 'id="pager"' not in everything
    assert "1–20 / 34" in first.text and "21–34 / 34" in second.text and "1–34 / 34" in everything
    # the totals, the forecast and the chart are those of all the wards, on every page, and equal the JSON's
    assert summary(first.text) == summary(second.text) == summary(everything)
    assert '<svg class="cov-chart"' in summary(first.text)
    expected = {"meeting": (body["wards_meeting_target"], 34), "inspected": (body["inspected"], body["active"]),
                "city_team": (body["city_team"]["inspected"], body["city_team"]["target"]),
                "forecast": (body["wards_forecast_meeting"], 34)}
    assert figures(first.text) == figures(second.text) == expected
    assert body["wards_meeting_target"] == sum(w["meets_target"] for w in wards.values())
    assert body["wards_forecast_meeting"] == sum(w["active"] > 0 and w["forecast_ratio"] >= w["target"]
                                                 for w in wards.values())
    assert body["inspected"] == sum(w["inspected"] for w in wards.values()) < body["active"]
    # the default order: wards below their target first, furthest behind first; then those meeting it
    behind = [c for c in one + two if not wards[c]["meets_target"]]
    assert 0 < len(behind) < 34 and one + two == behind + [c for c in one + two if wards[c]["meets_target"]]
    gaps = [wards[c]["target"] - wards[c]["ratio"] for c in behind]
    assert gaps == sorted(gaps, reverse=True)


def test_page_links_keep_the_filters_and_ward_links_work(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    params = {"year": 2023, "as_of": "2023-06-30", "order": "code", "per_page": 10, "page": 2}
    page = city.get("/coverage", params=params).text
    links = pager_links(page)
    assert set(links) == {"first", "prev", "next", "last"}
    for query in links.values():
        assert query["year"] == ["2023"] and query["as_of"] == ["2023-06-30"]
        assert query["order"] == ["code"] and query["per_page"] == ["10"]
    assert {rel: q["page"] for rel, q in links.items()} == {"first": ["1"], "prev": ["1"], "next": ["3"],
                                                           "last": ["4"]}
    nav = page.split('id="pager"', 1)[1].split("</nav>", 1)[0]
    following = city.get(html.unescape(re.search(r'<a href="([^"]+)" rel="next"', nav).group(1))).text
    assert "2023-06-30" in following and summary(following) == summary(page)
    assert codes(page) + codes(following) == sorted(codes(page) + codes(following))
    assert codes(page)[-1] < codes(following)[0] and len(codes(following)) == 10
    assert '<option value="code" selected>' in page and '<option value="10" selected>' in page
    for code in codes(page):
        assert f'<a href="/coverage/wards/{code}?year=2023">' in page
    ward = city.get(f"/coverage/wards/{codes(page)[0]}", params={"year": 2023})
    assert ward.status_code == 200 and 'id="todo"' in ward.text


def test_the_json_twin_pages_like_the_dashboard(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    whole = city.get("/api/v1/coverage", params={"year": 2023}).json()
    assert (whole["page"], whole["per_page"], whole["pages"], whole["order"]) == (None, None, None, "code")
    assert [w["code"] for w in whole["wards"]] == sorted(w["code"] for w in whole["wards"])
    totals = {k: v for k, v in whole.items() if k not in ("wards", "page", "per_page", "pages", "order")}
    for number in (1, 2, 3):
        body = city.get("/api/v1/coverage", params={"year": 2023, "page": number, "per_page": 20,
                                                    "order": "gap"}).json()
        page = city.get("/coverage", params={"year": 2023, "page": number, "per_page": 20}).text
        assert [w["code"] for w in body["wards"]] == codes(page)
        assert (body["page"], body["per_page"], body["pages"], body["order"]) == (number, 20, 2, "gap")
        assert {k: v for k, v in body.items() if k in totals} == totals
    assert city.get("/api/v1/coverage", params={"year": 2023, "page": 3, "per_page": 20}).json()["wards"] == []
    default = city.get("/api/v1/coverage", params={"year": 2023, "page": 1}).json()
    assert default["per_page"] == 50 and [w["code"] for w in default["wards"]] == [w["code"] for w in whole["wards"]]
    by_code = city.get("/api/v1/coverage", params={"year": 2023, "per_page": 5, "page": 2}).json()
    assert [w["code"] for w in by_code["wards"]] == [w["code"] for w in whole["wards"]][5:10]
    assert by_code["pages"] == 7


def test_ward_police_page_through_their_ward_only(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    page = police.get("/coverage", params={"year": 2023, "per_page": 500}).text
    assert codes(page) == [HAM_RONG] and figures(page)["meeting"][1] == 1 and "Phường Đông Thọ" not in page
    later = police.get("/coverage", params={"year": 2023, "page": 2})
    assert later.status_code == 200 and codes(later.text) == [] and "Phường Đông Thọ" not in later.text
    assert summary(later.text) == summary(page)
    body = police.get("/api/v1/coverage", params={"year": 2023, "page": 1, "per_page": 1, "order": "gap"}).json()
    assert [w["code"] for w in body["wards"]] == [HAM_RONG] and body["ward_count"] == 1 and body["pages"] == 1
    assert police.get("/api/v1/coverage", params={"year": 2023, "page": 2}).json()["wards"] == []


def test_a_page_past_the_last_is_empty_with_a_way_back(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    first = city.get("/coverage", params={"year": 2023, "per_page": 20}).text
    past = city.get("/coverage", params={"year": 2023, "per_page": 20, "page": 1_000_000})
    assert past.status_code == 200 and codes(past.text) == []
    assert "Trang này không có phường, xã nào." in past.text and summary(past.text) == summary(first)
    links = pager_links(past.text)
    assert links["prev"]["page"] == ["2"] and links["prev"]["per_page"] == ["20"] and "next" not in links


BAD = [("page", "0"), ("page", "-1"), ("page", "abc"), ("page", "1.5"), ("page", "1000001"),
       ("page", "9" * 30), ("per_page", "0"), ("per_page", "-5"), ("per_page", "501"), ("per_page", "9" * 30),
       ("per_page", "x"), ("order", "name")]


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_paging_values_are_a_400(as_user, name: str, value: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    page = city.get("/coverage", params={"year": 2023, name: value})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    label = {"page": "Trang", "per_page": "Số dòng mỗi trang", "order": "Sắp xếp"}[name]
    assert "Địa chỉ trang hoặc bộ lọc không hợp lệ" in page.text and f"Mục «{label}»" in page.text
    api = city.get("/api/v1/coverage", params={"year": 2023, name: value})
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in api.json()["errors"]] == [name]


def test_ward_names_stay_escaped_on_later_pages(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    code = codes(city.get("/coverage", params={"year": 2023, "per_page": 20, "page": 2}).text)[3]
    execute(database_url, "UPDATE wards SET full_name = :n WHERE code = :c", {"n": "Phường " + EVIL, "c": code})
    page = city.get("/coverage", params={"year": 2023, "per_page": 20, "page": 2}).text
    assert code in codes(page)
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert f'<a href="/coverage/wards/{code}?year=2023">{escape("Phường " + EVIL)}</a>' in page


def _ward(code: str, active: int, inspected: int, target: float = 0.8) -> WardCoverageOut:
    ratio = inspected / active if active else 0.0
    return WardCoverageOut(code=code, name=code, active=active, inspected=inspected, ratio=ratio,
                           meets_target=active > 0 and ratio >= target, target=target,
                           to_target=max(0, round(target * active) - inspected))


def test_order_below_target_first_then_meeting_then_without_businesses() -> None:
    wards = [_ward("05", 0, 0), _ward("04", 10, 9), _ward("03", 10, 2), _ward("02", 20, 4), _ward("01", 10, 8),
             _ward("06", 10, 5, target=0.5), _ward("07", 10, 7, target=0.9), _ward("00", 0, 0)]
    # 03 and 02 are both at 20 %; 02 has more businesses still to inspect. 07 (70 % of a 90 % target) is behind;
    # 06 (50 % of 50 %) meets its own target, as 01 and 04 do (closest to the target first, ties by code);
    # the wards without businesses come last.
    assert [w.code for w in by_gap(wards)] == ["02", "03", "07", "01", "06", "04", "00", "05"]
