"""Reading definition files: TOML decoding, file-name rules and merging of the shared header."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TypeVar

import msgspec

from forms.spec import FormDefinition, Header

FORM_FILE = re.compile(r"(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[1-9][0-9]*)\.toml")
HEADER_FILE = re.compile(r"_header\.v(?P<version>[1-9][0-9]*)\.toml")

T = TypeVar("T")


def _decode(path: Path, type_: type[T]) -> T:
    data = path.read_bytes()
    try:
        return msgspec.toml.decode(data, type=type_)
    except msgspec.ValidationError:
        raise
    except msgspec.DecodeError as error:
        try:  # tomllib says where the syntax error is
            tomllib.loads(data.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as detailed:
            raise msgspec.DecodeError(str(detailed)) from error
        raise


def load_headers(folder: Path, problems: list[str]) -> dict[int, Header]:
    """Decode every `_header.v<N>.toml`; problems are appended as lines."""
    headers: dict[int, Header] = {}
    for path in sorted(folder.glob("_header*.toml")):
        match = HEADER_FILE.fullmatch(path.name)
        if match is None:
            problems.append(f"{path.name}: header file name must be _header.v<N>.toml")
            continue
        try:
            header = _decode(path, Header)
        except msgspec.DecodeError as error:
            problems.append(f"{path.name}: cannot decode: {error}")
            continue
        if header.version != int(match["version"]):
            problems.append(f"{path.name}: version {header.version} does not match the file name")
            continue
        headers[header.version] = header
    return headers


def load_files(folder: Path, problems: list[str]) -> dict[str, FormDefinition]:
    """Decode every form file and merge its header; returns {file name: merged definition}."""
    folder = Path(folder)
    if not folder.is_dir():
        problems.append(f"{folder}: not a folder")
        return {}
    headers = load_headers(folder, problems)
    forms: dict[str, FormDefinition] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name.startswith("_"):
            continue
        match = FORM_FILE.fullmatch(path.name)
        if match is None:
            problems.append(f"{path.name}: file name must be <form id>.v<version>.toml")
            continue
        try:
            form = _decode(path, FormDefinition)
        except msgspec.DecodeError as error:
            problems.append(f"{path.name}: cannot decode: {error}")
            continue
        if form.id != match["id"]:
            problems.append(f"{path.name}: id {form.id!r} does not match the file name")
            continue
        if form.version != int(match["version"]):
            problems.append(f"{path.name}: version {form.version} does not match the file name")
            continue
        if form.header is not None:
            header = headers.get(form.header)
            if header is None:
                problems.append(f"{path.name}: header version {form.header} not found (_header.v{form.header}.toml)")
                continue
            form = msgspec.structs.replace(form, sections=[*header.opening, *form.sections, *header.closing])
        forms[path.name] = form
    return forms
