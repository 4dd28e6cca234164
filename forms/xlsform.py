"""A form definition as an XLSForm (survey, choices, settings sheets) and as the XForm pyxform makes of it.

Our own columns (`kiemtra::…`) carry what XLSForm has no column for: the legal basis of an item, the answers
that are violations, severity, sanction. `forms.xlsform_import` reads the same columns back.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from pyxform.xls2xform import convert

from forms.spec import Condition, FormDefinition, Label, Question
from forms.xpath import write

VI, EN = "Tiếng Việt (vi)", "English (en)"
OWN = "kiemtra::"
YES_NO_NA_LIST = "yes_no_na"
YES_NO_NA_LABELS = {"yes": Label(vi="Có", en="Yes"), "no": Label(vi="Không", en="No"),
                    "na": Label(vi="Không áp dụng", en="Not applicable")}
#: Our kinds as XLSForm types (choice lists are named after their question).
TYPES = {"yes_no_na": "select_one", "choice": "select_one", "multi_choice": "select_multiple", "text": "text",
         "datetime": "dateTime", "photo": "image", "note": "note"}
SANCTION_FIELDS = ("decree", "article", "text", "fine_min_vnd", "fine_max_vnd", "subject", "verification")
ITEM_FIELDS = ("legal_basis", "violation_answers", "violation_if", "flag_only", "severity", "verification",
               "verification_note")
SURVEY_COLUMNS = (
    "type", "name", f"label::{VI}", f"label::{EN}", f"hint::{VI}", f"hint::{EN}", "appearance", "required", "relevant",
    "constraint", f"{OWN}unit", f"{OWN}min_items", f"{OWN}max_items", *(OWN + name for name in ITEM_FIELDS),
    *(f"{OWN}sanction_{name}" for name in SANCTION_FIELDS),
)
CHOICES_COLUMNS = ("list_name", "name", f"label::{VI}", f"label::{EN}")
SETTINGS_COLUMNS = ("form_id", "version", "form_title", "default_language", f"{OWN}title_en",
                    f"{OWN}establishment_types", f"{OWN}header")

Rows = list[dict[str, Any]]


def _labels(prefix: str, label: Label | None) -> dict[str, str]:
    return {} if label is None else {f"{prefix}::{VI}": label.vi, f"{prefix}::{EN}": label.en}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _constraint(question: Question) -> str:
    """Bounds our engine checks, as the XPath constraint ODK checks too (photos: our own columns)."""
    parts = []
    if question.min is not None:
        parts.append(f". >= {_number(question.min)}")
    if question.max is not None:
        parts.append(f". <= {_number(question.max)}")
    constraint = question.constraint
    if constraint is not None and question.kind != "photo":
        measure = "string-length(.)" if question.kind == "text" else "count-selected(.)"
        for name, symbol in (("min", ">="), ("max", "<=")):
            for unit in ("length", "items"):
                value = getattr(constraint, f"{name}_{unit}")
                if value is not None:
                    parts.append(f"{measure} {symbol} {value}")
        if constraint.after is not None:
            parts.append(f". > ${{{constraint.after}}}")
    return " and ".join(parts)


def _question_row(question: Question, kinds: dict[str, str]) -> dict[str, Any]:
    if question.kind == "number":
        integer = question.constraint is not None and question.constraint.integer
        type_ = "integer" if integer else "decimal"
    elif question.kind == "yes_no_na":
        type_ = f"select_one {YES_NO_NA_LIST}"
    elif question.choices is not None:
        type_ = f"{TYPES[question.kind]} {question.id}"
    else:
        type_ = TYPES[question.kind]
    row: dict[str, Any] = {"type": type_, "name": question.id, **_labels("label", question.label),
                           **_labels("hint", question.hint)}
    if question.required:
        row["required"] = "yes"
    if question.relevant is not None:
        row["relevant"] = write(question.relevant, kinds)
    row["constraint"] = _constraint(question)
    if question.unit is not None:
        row[f"{OWN}unit"] = question.unit
    if question.kind == "photo" and question.constraint is not None:
        for name in ("min_items", "max_items"):
            row[OWN + name] = getattr(question.constraint, name)
    for name in ITEM_FIELDS:
        value = getattr(question, name)
        if isinstance(value, Condition):
            value = write(value, {**kinds, question.id: question.kind})
        elif isinstance(value, list):
            value = " ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else None
        row[OWN + name] = value
    if question.sanction is not None:
        for name in SANCTION_FIELDS:
            row[f"{OWN}sanction_{name}"] = getattr(question.sanction, name)
    return {key: value for key, value in row.items() if value not in (None, "")}


#: What an OpenRosa client (ODK Collect, Enketo) asks before the checklist: the business, from the media file
#: of the user's businesses, and where the phone is.
BUSINESSES_CSV = "businesses.csv"
BUSINESS_QUESTION, LOCATION_QUESTION = "establishment_id", "location"
_VISIT = [
    {"type": "begin_group", "name": "visit", **_labels("label", Label(vi="Cơ sở và vị trí", en="Business and place"))},
    {"type": f"select_one_from_file {BUSINESSES_CSV}", "name": BUSINESS_QUESTION, "required": "yes",
     "appearance": "autocomplete",  # a search box over the hundreds of businesses (ODK Collect, Web Forms)
     **_labels("label", Label(vi="Cơ sở được kiểm tra", en="Business inspected"))},
    {"type": "geopoint", "name": LOCATION_QUESTION,
     **_labels("label", Label(vi="Vị trí của đoàn kiểm tra", en="Where the team is"))},
    {"type": "end_group"},
]


def to_sheets(form: FormDefinition, visit: bool = False) -> dict[str, Rows]:
    """The XLSForm of a definition as rows of the survey, choices and settings sheets; with `visit`, the
    OpenRosa client first picks the business (from `businesses.csv`) and records where the phone is."""
    survey: Rows = [dict(row) for row in _VISIT] if visit else []
    choices: Rows = [{"list_name": YES_NO_NA_LIST, "name": name, **_labels("label", label)}
                     for name, label in YES_NO_NA_LABELS.items()]
    kinds: dict[str, str] = {}
    for section in form.sections:
        group = {"type": "begin_group", "name": section.id, **_labels("label", section.title)}
        if section.relevant is not None:
            group["relevant"] = write(section.relevant, kinds)
        survey.append(group)
        for question in section.questions:
            survey.append(_question_row(question, kinds))
            kinds[question.id] = question.kind
            if question.kind != "yes_no_na":
                choices.extend({"list_name": question.id, "name": choice.id, **_labels("label", choice.label)}
                               for choice in question.choices or [])
        survey.append({"type": "end_group"})
    settings = {"form_id": form.id, "version": str(form.version), "form_title": form.title.vi,
                "default_language": VI, f"{OWN}title_en": form.title.en,
                f"{OWN}establishment_types": " ".join(form.establishment_types)}
    if form.header is not None:
        settings[f"{OWN}header"] = form.header
    return {"survey": survey, "choices": choices, "settings": [settings]}


def to_xlsx(form: FormDefinition, visit: bool = False) -> bytes:
    """The XLSForm of a definition as an .xlsx file (`visit`: as `to_sheets`)."""
    book = openpyxl.Workbook()
    columns = {"survey": SURVEY_COLUMNS, "choices": CHOICES_COLUMNS, "settings": SETTINGS_COLUMNS}
    for index, (name, rows) in enumerate(to_sheets(form, visit).items()):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        used = [column for column in columns[name] if any(column in row for row in rows)]
        sheet.append(used)
        for row in rows:
            sheet.append([row.get(column) for column in used])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_xform(form: FormDefinition, validate: bool = False, visit: bool = False) -> str:
    """The XForm pyxform makes of the exported XLSForm; with `validate`, ODK Validate checks it (needs Java);
    `visit`: as `to_sheets`."""
    return convert(io.BytesIO(to_xlsx(form, visit)), validate=validate, file_type=".xlsx", pretty_print=True).xform
