"""Errors and reports are whole sentences in the user's language: the reviewer's missing reason, the import
report's problems."""

from __future__ import annotations

import re

from tests.reviewing import inspection_in
from tests.test_import import row, xlsx
from tests.test_pages_language import switch_language


def token_of(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_return_without_a_reason_says_so_in_the_reviewers_language(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, "14755")
    police = as_user("police.hamrong")
    page = police.get(f"/inspections/{uuid}/history").text
    refused = police.post(f"/inspections/{uuid}/review", data={"_csrf_token": token_of(page), "decision": "return",
                                                               "comment": ""})
    assert "Hãy ghi lý do trong ô nhận xét khi chọn “Trả lại”." in refused.text
    assert "say why" not in refused.text
    switch_language(police, "en")
    page = police.get(f"/inspections/{uuid}/history").text
    refused = police.post(f"/inspections/{uuid}/review", data={"_csrf_token": token_of(page), "decision": "return",
                                                               "comment": " "})
    assert "Write the reason in the comment box when you choose “Return”." in refused.text
    api = police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "reject"})
    assert api.status_code == 422 and api.json()["errors"][0]["code"] == "required"


def test_the_import_report_reads_as_sentences_without_english(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    page = lead.get("/registry/import").text
    bad = lead.post("/registry/import", data={"_csrf_token": token_of(page)},
                    files={"file": ("ds.xlsx", xlsx([row(name="", kind="spa")]))})
    problems = re.search(r'<table class="list" id="problems">(.*?)</table>', bad.text, re.S).group(1)  # type: ignore[union-attr]
    assert "Loại hình “spa” không có trong danh mục." in problems and "Thiếu tên cơ sở." in problems
    assert not re.search(r"\b(the|unknown|missing|is)\b", problems)
