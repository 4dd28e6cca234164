"""Vietnamese by default, English by a switch the session remembers; every source string is translated."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[1]
PO = ROOT / "server" / "locale" / "en" / "LC_MESSAGES" / "messages.po"


def source_messages() -> set[str]:
    method_map = [("server/templates/**.html", "jinja2"), ("server/**.py", "python")]
    options = {"server/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_source_string_has_an_english_translation() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(source_messages() - translated)
    assert not missing, f"run scripts/messages and translate: {missing}"


def test_pages_are_vietnamese_by_default_and_english_after_the_switch(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    page = city.get("/wards").text
    assert '<html lang="vi">' in page and "Phường, xã" in page
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    city.post("/language", data={"language": "en", "next": "/wards", "_csrf_token": token})
    english = city.get("/wards").text
    assert '<html lang="en">' in english and "Wards and communes" in english
    # Vietnamese data stays Vietnamese, with its diacritics
    assert "Phường Hàm Rồng" in english


def test_login_page_language_is_remembered_before_login(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    client.post("/language", data={"language": "en", "next": "/login", "_csrf_token": token})
    assert "Log in" in client.get("/login").text
