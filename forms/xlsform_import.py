"""Reading an XLSForm into a form definition, or a report of what our engine cannot honour.

pyxform reads the file first (what it refuses is not an XLSForm); then every sheet is mapped row by row
to our definition. Each problem names its sheet, row and column and carries a stable code with its
parameters: the server turns them into sentences in the reader's language.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

import msgspec
import openpyxl
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from forms.check import check_form
from forms.kinds import YES_NO_NA
from forms.spec import Choice, Constraint, FormDefinition, Label, Question, Sanction, Section
from forms.xlsform import OWN, SANCTION_FIELDS, YES_NO_NA_LIST
from forms.xpath import XPathError, read

_TYPES = {"integer": "number", "int": "number", "decimal": "number", "text": "text", "string": "text",
          "select_one": "choice", "select one": "choice", "select_multiple": "multi_choice",
          "select all that apply": "multi_choice", "select multiple": "multi_choice", "datetime": "datetime",
          "image": "photo", "photo": "photo", "note": "note"}
_BEGIN, _END = ("begin_group", "begin group"), ("end_group", "end group")
#: ODK metadata the device fills in by itself; not questions, nothing to honour.
_METADATA = frozenset({"start", "end", "today", "deviceid", "phonenumber", "username", "email", "simserial",
                       "subscriberid", "audit", "start-geopoint"})
#: Survey columns that would change behaviour our engine does not have (a value there is refused).
_UNSUPPORTED_COLUMNS = ("calculation", "default", "read_only", "choice_filter", "repeat_count", "trigger",
                        "parameters", "readonly")
_LANGUAGE = re.compile(r"(label|hint)::(?:.*\()?(vi|en)\)?", re.IGNORECASE)
_ID = re.compile(r"[a-z][a-z0-9_]*")
_BOUND = re.compile(r"(?P<measure>\.|string-length\(\.\)|count-selected\(\.\))\s*(?P<op>>=|<=|>)\s*"
                    r"(?P<value>-?\d+(?:\.\d+)?|\$\{(?P<ref>[a-z][a-z0-9_]*)\})")
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing refused: where (sheet, row counted as in the spreadsheet, column header) and why."""

    sheet: str
    row: int | None
    column: str | None
    code: str
    params: dict[str, str] = field(default_factory=dict)


class Refused(ValueError):
    """The XLSForm cannot become a form definition; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class _Sheet:
    name: str
    columns: dict[str, str]  # normalised header -> header as written
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row, normalised header -> text)


def _header(text: str) -> str:
    text = " ".join(str(text).split())
    language = _LANGUAGE.fullmatch(text)
    if language:
        return f"{language[1].lower()}::{language[2].lower()}"
    return text if text.lower().startswith(OWN) else text.lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value).strip())


def _sheets(data: bytes) -> dict[str, _Sheet]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = {}
        for worksheet in book.worksheets:
            rows = worksheet.iter_rows(values_only=True)
            headers = [_cell(value) for value in next(rows, ())]
            columns = {_header(text): text for text in headers if text}
            body = []
            for number, values in enumerate(rows, start=2):
                row = {_header(h): _cell(v) for h, v in zip(headers, values, strict=False) if h and _cell(v)}
                if row:
                    body.append((number, row))
            sheets[worksheet.title.strip().lower()] = _Sheet(worksheet.title, columns, body)
        return sheets
    finally:
        book.close()


class _Reader:
    def __init__(self, sheets: dict[str, _Sheet]) -> None:
        self.sheets = sheets
        self.problems: list[Problem] = []
        self.kinds: dict[str, str] = {}

    def refuse(self, sheet: _Sheet, row: int | None, column: str | None, code: str, **params: str) -> None:
        header = sheet.columns.get(column, column) if column else None
        self.problems.append(Problem(sheet.name, row, header, code, {k: str(v) for k, v in params.items()}))

    def label(self, sheet: _Sheet, number: int, row: dict[str, Any], prefix: str, needed: bool) -> Label | None:
        vi, en = row.get(f"{prefix}::vi", ""), row.get(f"{prefix}::en", "")
        if not vi and not en and not needed:
            return None
        for language, text in (("vi", vi), ("en", en)):
            if not text:
                self.refuse(sheet, number, f"{prefix}::{language}", "label_missing", language=language)
        return Label(vi=vi, en=en)

    def choices(self) -> dict[str, list[Choice]]:
        sheet = self.sheets.get("choices")
        lists: dict[str, list[Choice]] = {}
        for number, row in sheet.rows if sheet else []:
            list_name = row.get("list_name") or row.get("list name", "")
            name = row.get("name", "")
            if not _ID.fullmatch(name):
                self.refuse(sheet, number, "name", "bad_name", name=name)  # type: ignore[arg-type]
            label = self.label(sheet, number, row, "label", True)  # type: ignore[arg-type]
            assert label is not None
            lists.setdefault(list_name, []).append(Choice(id=name, label=label))
        return lists

    def condition(self, sheet: _Sheet, number: int, column: str, text: str, itself: str | None = None) -> Any:
        if not text:
            return None
        try:
            return read(text, self.kinds if itself is None else {**self.kinds, itself: self.kinds[itself]}, itself)
        except (XPathError, ValueError, TypeError) as error:
            code = error.code if isinstance(error, XPathError) else "xpath_syntax"
            params = error.params if isinstance(error, XPathError) else {"part": text}
            self.refuse(sheet, number, column, code, **params)
            return None

    def bounds(self, sheet: _Sheet, number: int, kind: str, text: str) -> dict[str, Any]:
        """The `constraint` column: only the bounds our engine checks, joined with `and`."""
        found: dict[str, Any] = {}
        measures = {"number": ".", "text": "string-length(.)", "multi_choice": "count-selected(.)",
                    "datetime": "."}
        for part in (piece.strip() for piece in text.split(" and ")) if text else []:
            match = _BOUND.fullmatch(part)
            if match is None or match["measure"] != measures.get(kind) or (match["op"] == ">") != (kind == "datetime"):
                self.refuse(sheet, number, "constraint", "constraint_unsupported", part=part)
                continue
            if kind == "datetime":
                if match["ref"] is None:
                    self.refuse(sheet, number, "constraint", "constraint_unsupported", part=part)
                else:
                    found["after"] = match["ref"]
                continue
            if match["ref"] is not None:
                self.refuse(sheet, number, "constraint", "constraint_unsupported", part=part)
                continue
            value = float(match["value"]) if "." in match["value"] else int(match["value"])
            name = {"number": "", "text": "_length", "multi_choice": "_items"}[kind]
            found[("min" if match["op"] == ">=" else "max") + name] = value
        return found

    def question(self, sheet: _Sheet, number: int, row: dict[str, Any], type_: str, lists: dict) -> Question | None:
        words = type_.split()
        base = " ".join(words[:-1]) if words[0].startswith("select") and len(words) > 1 else type_
        kind = _TYPES.get(base.lower())
        name = row.get("name", "")
        if kind is None or (base.lower().startswith("select") and len(words) < 2) or "or_other" in words:
            self.refuse(sheet, number, "type", "type_unsupported", type=type_)
            return None
        if not _ID.fullmatch(name):
            self.refuse(sheet, number, "name", "bad_name", name=name)
        for column in _UNSUPPORTED_COLUMNS:
            if row.get(column):
                self.refuse(sheet, number, column, "column_unsupported", name=column)
        for column in row:
            if column.startswith(("media::", "image", "audio", "video", "bind::", "instance::", "body::")):
                self.refuse(sheet, number, column, "column_unsupported", name=column)
        fields: dict[str, Any] = {"id": name, "kind": kind, "label": self.label(sheet, number, row, "label", True),
                                  "hint": self.label(sheet, number, row, "hint", False)}
        if kind == "choice" or kind == "multi_choice":
            options = lists.get(words[-1])
            if not options:
                self.refuse(sheet, number, "type", "choices_missing", list=words[-1])
            elif kind == "choice" and words[-1] == YES_NO_NA_LIST and [c.id for c in options] == list(YES_NO_NA):
                fields["kind"] = kind = "yes_no_na"
            else:
                fields["choices"] = options
        required = row.get("required", "").lower()
        if required not in ("", "yes", "no", "true", "false", "true()", "false()"):
            self.refuse(sheet, number, "required", "required_unsupported", value=row["required"])
        fields["required"] = required in ("yes", "true", "true()")
        fields["relevant"] = self.condition(sheet, number, "relevant", row.get("relevant", ""))
        constraint = self.bounds(sheet, number, kind, row.get("constraint", ""))
        for bound in ("min", "max"):  # floats, as the TOML files decode them
            fields[bound] = float(constraint.pop(bound)) if bound in constraint else None
        if base.lower() in ("integer", "int"):
            constraint["integer"] = True
        for name_ in ("min_items", "max_items"):
            if row.get(OWN + name_):
                constraint[name_] = self.integer(sheet, number, OWN + name_, row[OWN + name_])
        fields["constraint"] = Constraint(**constraint) if constraint else None
        fields["unit"] = row.get(f"{OWN}unit") or None
        self.item_fields(sheet, number, row, fields)
        self.kinds[name] = kind
        fields["violation_if"] = self.condition(sheet, number, f"{OWN}violation_if",
                                                row.get(f"{OWN}violation_if", ""), itself=name)
        try:
            return Question(**{key: value for key, value in fields.items() if value is not None})
        except (msgspec.ValidationError, TypeError, ValueError) as error:
            self.refuse(sheet, number, None, "rule", detail=str(error))
            return None

    def integer(self, sheet: _Sheet, number: int, column: str, text: str) -> int | None:
        if not re.fullmatch(r"\d+", text):
            self.refuse(sheet, number, column, "not_a_number", value=text)
            return None
        return int(text)

    def item_fields(self, sheet: _Sheet, number: int, row: dict[str, Any], fields: dict[str, Any]) -> None:
        for name in ("legal_basis", "severity", "verification", "verification_note"):
            fields[name] = row.get(OWN + name) or None
        answers = row.get(f"{OWN}violation_answers", "")
        fields["violation_answers"] = answers.split() or None
        fields["flag_only"] = row.get(f"{OWN}flag_only", "").lower() in ("yes", "true")
        sanction = {name: row[f"{OWN}sanction_{name}"] for name in SANCTION_FIELDS if row.get(f"{OWN}sanction_{name}")}
        for fine in ("fine_min_vnd", "fine_max_vnd"):
            if fine in sanction:
                sanction[fine] = self.integer(sheet, number, f"{OWN}sanction_{fine}", sanction[fine])
        fields["sanction"] = sanction or None
        if sanction:
            try:
                fields["sanction"] = msgspec.convert(sanction, Sanction)
            except msgspec.ValidationError as error:
                self.refuse(sheet, number, None, "rule", detail=str(error))
                fields["sanction"] = None

    def survey(self) -> list[Section]:
        sheet = self.sheets["survey"]
        lists = self.choices()
        sections: list[Section] = []
        current: dict[str, Any] | None = None
        for number, row in sheet.rows:
            type_ = " ".join(row.get("type", "").split())
            if type_.lower() in _METADATA:
                continue
            if type_.lower() in _BEGIN:
                if current is not None:
                    self.refuse(sheet, number, "type", "nested_group")
                    continue
                current = {"id": row.get("name", ""), "title": self.label(sheet, number, row, "label", True),
                           "relevant": self.condition(sheet, number, "relevant", row.get("relevant", "")),
                           "questions": [], "row": number}
                if not _ID.fullmatch(current["id"]):
                    self.refuse(sheet, number, "name", "bad_name", name=current["id"])
            elif type_.lower() in _END:
                if current is not None:
                    row_number = current.pop("row")
                    if not current["questions"]:
                        self.refuse(sheet, row_number, "type", "empty_group")
                    sections.append(Section(**{k: v for k, v in current.items() if v is not None}))
                current = None
            elif not type_:
                self.refuse(sheet, number, "type", "type_missing")
            elif current is None:
                self.refuse(sheet, number, "type", "outside_group")
            else:
                question = self.question(sheet, number, row, type_, lists)
                if question is not None:
                    current["questions"].append(question)
        if current is not None:
            self.refuse(sheet, current["row"], "type", "group_not_closed")
        return sections

    def settings(self) -> dict[str, Any]:
        sheet = self.sheets.get("settings")
        row_number, row = sheet.rows[0] if sheet and sheet.rows else (2, {})
        sheet = sheet or _Sheet("settings", {}, [])
        found: dict[str, Any] = {"id": row.get("form_id", "")}
        if not _ID.fullmatch(found["id"]):
            self.refuse(sheet, row_number, "form_id", "bad_form_id", name=found["id"])
        found["version"] = int(row["version"]) if re.fullmatch(r"[1-9]\d{0,8}", row.get("version", "")) else 1
        title = {"vi": row.get("form_title", ""), "en": row.get(f"{OWN}title_en", "")}
        for column, text in (("form_title", title["vi"]), (f"{OWN}title_en", title["en"])):
            if not text:
                self.refuse(sheet, row_number, column, "setting_missing", setting=column)
        found["title"] = Label(**title)
        found["establishment_types"] = row.get(f"{OWN}establishment_types", "").split()
        if not found["establishment_types"]:
            self.refuse(sheet, row_number, f"{OWN}establishment_types", "setting_missing",
                        setting=f"{OWN}establishment_types")
        if row.get(f"{OWN}header"):
            found["header"] = self.integer(sheet, row_number, f"{OWN}header", row[f"{OWN}header"])
        return found


def read_xlsform(data: bytes) -> FormDefinition:
    """The form definition an XLSForm describes; raises Refused with every problem found."""
    try:
        convert(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as error:
        row = _ROW.search(str(error))
        raise Refused([Problem("survey", int(row[1]) if row else None, None, "pyxform",
                               {"detail": str(error)})]) from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        raise Refused([Problem("", None, None, "not_xlsx", {"detail": str(error)})]) from None
    sheets = _sheets(data)
    reader = _Reader(sheets)
    settings = reader.settings()
    sections = reader.survey()
    if reader.problems:
        raise Refused(reader.problems)
    form = FormDefinition(sections=sections, **settings)
    problems = check_form(form)
    if problems:
        raise Refused([Problem("survey", None, None, "rule", {"detail": problem}) for problem in problems])
    return form
