"""An OpenRosa submission (the XForm instance and its photo parts) as the body the phone's PUT sends.

The instance is the XForm's data tree: `visit/establishment_id`, `visit/location` ("lat lon alt accuracy"),
then one element per group (a part of the record) holding one element per question; `meta/instanceID` is the
client's UUID. Photos are file names whose bytes are parts of the same request. The body is built only from
the instance (no server time), so the same submission again is the same body: a replay, not a conflict.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

import msgspec
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from forms.registry import FormNotFound, Registry
from forms.xlsform import BUSINESS_QUESTION, LOCATION_QUESTION
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.inspections import InspectionIn


@dataclass(frozen=True)
class Instance:
    """What a submission carries: its UUID, the body to submit and the photos its answers name (by sha256)."""

    uuid: str
    body: InspectionIn
    photos: dict[str, bytes]


def _invalid(message: str) -> AppError:
    return AppError(422, "invalid", message, [FieldError("xml_submission_file", "invalid", message)])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(parent: Element, name: str) -> Element | None:
    return next((child for child in parent if _local(child.tag) == name), None)


def _location(text: str, captured_at: str) -> dict[str, Any] | None:
    parts = text.split()
    if len(parts) < 2:
        return None
    accuracy = float(parts[3]) if len(parts) > 3 else None
    return {"lat": float(parts[0]), "lon": float(parts[1]), "accuracy_m": accuracy, "captured_at": captured_at}


def read_instance(xml: bytes, files: dict[str, bytes], forms: Registry) -> Instance:
    """The submission as a phone body; 422 (nothing written) when it is not an instance of one of our forms."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise _invalid(_("Tệp xml_submission_file không phải là XML đọc được.")) from None
    form_id, version = root.get("id", ""), root.get("version", "")
    try:
        form = forms.get(form_id, int(version))
    except (FormNotFound, ValueError):
        raise _invalid(_("Bản ghi gửi lên không thuộc mẫu biên bản nào đang có ({form} phiên bản {version}).").format(
            form=form_id, version=version)) from None
    meta = _child(root, "meta")
    uuid = _text(_child(meta, "instanceID") if meta is not None else None).removeprefix("uuid:")
    visit = _child(root, "visit")
    business = _text(_child(visit, BUSINESS_QUESTION) if visit is not None else None)
    if not business.isdigit():
        raise _invalid(_("Bản ghi gửi lên chưa chọn cơ sở được kiểm tra."))
    answers: dict[str, Any] = {}
    photos: dict[str, bytes] = {}
    for section in form.sections:
        group = _child(root, section.id)
        for question in section.questions:
            value = _text(_child(group, question.id) if group is not None else None)
            if not value or question.kind == "note":
                continue
            if question.kind == "multi_choice":
                answers[question.id] = value.split()
            elif question.kind == "photo":
                if value not in files:
                    raise _invalid(_("Thiếu tệp ảnh {name} trong lần gửi.").format(name=value))
                digest = hashlib.sha256(files[value]).hexdigest()
                photos[digest] = files[value]
                answers[question.id] = [digest]
            else:
                answers[question.id] = value
    started = answers.get("started_at", "")
    body = {"establishment_id": int(business), "form_id": form.id, "form_version": form.version,
            "started_at": started, "submitted_at": answers.get("ended_at", started),
            "location": _location(_text(_child(visit, LOCATION_QUESTION)) if visit is not None else "", started),
            "answers": answers, "outcome": answers.get("outcome", "")}
    try:
        return Instance(uuid, msgspec.convert(body, InspectionIn), photos)
    except msgspec.ValidationError as error:
        raise _invalid(_("Bản ghi gửi lên không hợp lệ: {detail}").format(detail=str(error))) from None
