"""Translations: Vietnamese is the source language of every message; English comes from a Babel catalog.

The language of a request lives in a context variable set by the auth middleware, so templates and
services translate without passing it around.
"""

from __future__ import annotations

import contextvars
import gettext as _gettext
import io
import unicodedata
from datetime import datetime
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from server.calendar import LOCAL_TZ

LANGUAGES = ("vi", "en")
LOCALE_DIR = Path(__file__).parent / "locale"

language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="vi")


@cache
def catalog(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language (compiled from the .po file in memory, no .mo in the repo)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "vi" or not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        messages = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, messages)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def N_(message: str) -> str:
    """Marks a string for the extractor; it is translated where it is shown."""
    return message


def gettext(message: str) -> str:
    return catalog(language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(language.get()).ngettext(singular, plural, n)


def nfc(text: str) -> str:
    """Vietnamese text is stored and compared in NFC (phones may send decomposed diacritics)."""
    return unicodedata.normalize("NFC", text)


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC instant shown in Vietnamese time."""
    return "" if value is None else value.astimezone(LOCAL_TZ).strftime(fmt)
