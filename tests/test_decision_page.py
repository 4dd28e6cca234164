"""The reviewer's decision page shows the whole record: presence with distance and accuracy, photo thumbnails that
open full size, answers by section with violations first, and the way to the printable record."""

from __future__ import annotations

import re

from tests.dbs import execute


def test_the_decision_page_shows_the_whole_record(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    uuid, inspection_id = execute(database_url, "SELECT i.uuid, i.id FROM inspections i JOIN wards w ON "
                                  "w.id = i.ward_id JOIN attachments a ON a.inspection_id = i.id WHERE "
                                  "w.code = '14755' AND i.violation_count > 0 ORDER BY i.id")[0]
    execute(database_url, "UPDATE inspections SET flags = :f, distance_m = 212.4, accuracy_m = 35.2, lat = 19.8, "
            "lon = 105.77 WHERE id = :i", {"f": '["far_from_registered_point"]', "i": inspection_id})
    sha = execute(database_url, f"SELECT sha256 FROM attachments WHERE inspection_id = {inspection_id}")[0][0]
    page = as_user("police.hamrong").get(f"/inspections/{uuid}/history").text
    presence = re.search(r'<div id="presence">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "<strong>212 m</strong>" in presence and "<strong>± 35 m</strong>" in presence
    assert "Xa vị trí đăng ký của cơ sở" in presence and "far_from_registered_point<" not in presence
    photo = f"/api/v1/inspections/{uuid}/attachments/{sha}"
    assert re.search(rf'<a href="{photo}"[^>]*><img src="{photo}"', page)
    answers = re.search(r'<div id="answers">(.*?)</div>', page, re.S).group(1)  # type: ignore[union-attr]
    first_table = re.search(r"<tbody>(.*?)</tbody>", answers, re.S).group(1)  # type: ignore[union-attr]
    assert first_table.lstrip().startswith('<tr class="violation">')  # the section with violations comes first
    rows = re.findall(r"<tr( class=\"violation\")?>", answers)
    assert len(rows) > 10 and any(not r for r in rows)  # every answer is there, not only the violations
    assert f'href="/inspections/{uuid}"' in page
