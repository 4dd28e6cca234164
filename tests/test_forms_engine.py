"""The form engine: kinds, skip logic, error codes and violations (persona: an inspector submitting answers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

import forms
from forms.check import check_form
from forms.conditions import evaluate, references
from forms.engine import ERROR_CODES, InvalidAnswers, flags, validate, violations
from forms.kinds import KINDS
from forms.spec import Condition, FormDefinition

SAMPLE = """
id = "sample"
version = 1
title = { vi = "Biểu mẫu thử", en = "Sample form" }
establishment_types = ["karaoke"]

[[sections]]
id = "main"
title = { vi = "Chính", en = "Main" }

[[sections.questions]]
id = "open"
kind = "yes_no_na"
required = true
label = { vi = "Cơ sở mở cửa?", en = "Open?" }

[[sections.questions]]
id = "rooms"
kind = "number"
min = 0
max = 100
unit = "phòng"
constraint = { integer = true }
relevant = { q = "open", eq = "yes" }
label = { vi = "Số phòng", en = "Rooms" }

[[sections.questions]]
id = "area"
kind = "number"
required = true
relevant = { q = "rooms", gt = 0 }
min = 0
label = { vi = "Diện tích phòng nhỏ nhất", en = "Smallest room area" }
legal_basis = "khoản 3 Điều 4 NĐ 54/2019/NĐ-CP"
violation_if = { q = "area", lt = 20 }
severity = "major"
verification = "V"

[[sections.questions]]
id = "latch"
kind = "yes_no_na"
relevant = { all = [{ q = "open", eq = "yes" }, { q = "rooms", ge = 1 }] }
label = { vi = "Có chốt cửa bên trong?", en = "Inside latch?" }
legal_basis = "khoản 4 Điều 4 NĐ 54/2019/NĐ-CP"
violation_answers = ["yes"]
severity = "major"
verification = "V"
sanction.decree = "NĐ 38/2021/NĐ-CP"
sanction.article = "điểm b khoản 6 Điều 15"
sanction.fine_min_vnd = 15000000
sanction.fine_max_vnd = 20000000
sanction.text = "15–20 triệu đồng"
sanction.verification = "V"

[[sections.questions]]
id = "glass"
kind = "yes_no_na"
label = { vi = "Cửa có kính?", en = "Glass door?" }
legal_basis = "không phải quy định quốc gia"
violation_answers = ["no"]
flag_only = true
severity = "minor"
verification = "U"

[[sections.questions]]
id = "name"
kind = "text"
constraint = { min_length = 2, max_length = 20 }
label = { vi = "Tên", en = "Name" }

[[sections.questions]]
id = "kind"
kind = "choice"
label = { vi = "Loại", en = "Kind" }
choices = [
  { id = "enterprise", label = { vi = "Doanh nghiệp", en = "Enterprise" } },
  { id = "household", label = { vi = "Hộ kinh doanh", en = "Household" } },
]

[[sections.questions]]
id = "services"
kind = "multi_choice"
constraint = { max_items = 2 }
label = { vi = "Dịch vụ", en = "Services" }
choices = [
  { id = "sing", label = { vi = "Hát", en = "Singing" } },
  { id = "dance", label = { vi = "Nhảy", en = "Dancing" } },
  { id = "drinks", label = { vi = "Đồ uống", en = "Drinks" } },
]

[[sections.questions]]
id = "dance_licence"
kind = "yes_no_na"
required = true
relevant = { q = "services", eq = "dance" }
label = { vi = "Có giấy phép vũ trường?", en = "Dance licence?" }

[[sections.questions]]
id = "start"
kind = "datetime"
label = { vi = "Bắt đầu", en = "Start" }

[[sections.questions]]
id = "end"
kind = "datetime"
constraint = { after = "start" }
label = { vi = "Kết thúc", en = "End" }

[[sections.questions]]
id = "pics"
kind = "photo"
constraint = { max_items = 2 }
label = { vi = "Ảnh", en = "Photos" }

[[sections.questions]]
id = "info"
kind = "note"
label = { vi = "Lưu ý", en = "Note" }

[[sections]]
id = "closed_only"
title = { vi = "Khi đóng cửa", en = "When closed" }
relevant = { not = { q = "open", eq = "yes" } }

[[sections.questions]]
id = "why_closed"
kind = "text"
required = true
label = { vi = "Lý do", en = "Reason" }
"""

SHA = "ab" * 32
SHA2 = "CD" * 32


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    definition = msgspec.toml.decode(SAMPLE, type=FormDefinition)
    assert check_form(definition) == []
    return definition


def codes(result: forms.Result) -> dict[str, str]:
    return {error.path.removeprefix("answers."): error.code for error in result.errors}


BASE = {"open": "yes", "rooms": 2, "area": 25}


def test_sample_covers_every_kind(form: FormDefinition) -> None:
    assert {question.kind for _, question in form.questions()} == set(KINDS)


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        ("open", "yes", "yes"),
        ("open", " YES ", "yes"),
        ("rooms", 3, 3),
        ("rooms", "4", 4),
        ("area", 20.5, 20.5),
        ("area", "19.5", 19.5),
        ("name", "  Nguye\u0302\u0303n  ", "Nguyễn"),
        ("kind", "household", "household"),
        ("services", ["drinks", "sing", "drinks"], ["sing", "drinks"]),
        ("start", "2026-11-28T21:30:00+07:00", datetime(2026, 11, 28, 21, 30, tzinfo=timezone(timedelta(hours=7)))),
        ("start", "2026-11-28T14:30:00Z", datetime(2026, 11, 28, 14, 30, tzinfo=UTC)),
        ("pics", [SHA, SHA2, SHA], [SHA, SHA2.lower()]),
    ],
)
def test_kind_accepts_and_normalises(form: FormDefinition, question: str, raw: object, expected: object) -> None:
    result = validate(form, {**BASE, question: raw})
    assert result.ok, result.errors
    assert result.answers is not None
    assert result.answers[question] == expected
    assert type(result.answers[question]) is type(expected)


@pytest.mark.parametrize(
    ("question", "raw", "code"),
    [
        ("open", True, "wrong_type"),
        ("open", "maybe", "unknown_choice"),
        ("rooms", "three", "wrong_type"),
        ("rooms", True, "wrong_type"),
        ("rooms", float("nan"), "wrong_type"),
        ("rooms", 101, "out_of_range"),
        ("rooms", -1, "out_of_range"),
        ("rooms", 2.5, "constraint"),
        ("name", 42, "wrong_type"),
        ("name", "x", "constraint"),
        ("name", "x" * 21, "constraint"),
        ("name", "x" * 5000, "out_of_range"),
        ("kind", "shop", "unknown_choice"),
        ("kind", ["household"], "wrong_type"),
        ("services", "sing", "wrong_type"),
        ("services", ["sing", "karate"], "unknown_choice"),
        ("services", ["sing", "dance", "drinks"], "constraint"),
        ("start", "28/11/2026 21:30", "wrong_type"),
        ("start", "2026-11-28T21:30:00", "wrong_type"),
        ("start", 1764340200, "wrong_type"),
        ("pics", SHA, "wrong_type"),
        ("pics", ["not-a-hash"], "wrong_type"),
        ("pics", [SHA, SHA2, "ef" * 32], "constraint"),
        ("info", "anything", "no_answer_expected"),
        ("ghost", "yes", "unknown_question"),
    ],
)
def test_kind_rejects(form: FormDefinition, question: str, raw: object, code: str) -> None:
    result = validate(form, {**BASE, question: raw})
    assert not result.ok
    assert result.answers is None
    assert codes(result) == {question: code}


def test_every_error_code_is_reachable(form: FormDefinition) -> None:
    answers = {
        "open": "yes",
        "rooms": 500,  # out_of_range
        "name": 1,  # wrong_type
        "kind": "shop",  # unknown_choice
        "services": ["sing", "dance", "drinks"],  # constraint
        "info": "x",  # no_answer_expected
        "why_closed": "no power",  # not_relevant (section only when not open)
        "ghost": 1,  # unknown_question
    }
    result = validate(form, answers)
    assert {error.code for error in result.errors} | {"required"} == set(ERROR_CODES)
    assert codes(validate(form, {}))["open"] == "required"


def test_answers_must_be_an_object(form: FormDefinition) -> None:
    result = validate(form, ["open"])
    assert [(e.path, e.code) for e in result.errors] == [("answers", "wrong_type")]


def test_errors_carry_path_and_message(form: FormDefinition) -> None:
    (error,) = validate(form, {**BASE, "rooms": 101}).errors
    assert error.path == "answers.rooms"
    assert "100" in error.message


def test_blank_values_count_as_unanswered(form: FormDefinition) -> None:
    result = validate(form, {**BASE, "name": "   ", "services": [], "pics": None, "info": ""})
    assert result.ok
    assert result.answers is not None
    assert "name" not in result.answers and "services" not in result.answers


def test_relevant_true_makes_required_apply(form: FormDefinition) -> None:
    assert codes(validate(form, {"open": "yes", "rooms": 3})) == {"area": "required"}


def test_relevant_false_skips_required(form: FormDefinition) -> None:
    result = validate(form, {"open": "yes", "rooms": 0})
    assert result.ok, result.errors


def test_chained_relevance(form: FormDefinition) -> None:
    # open=no makes rooms irrelevant, which makes area irrelevant, which must then not be answered
    result = validate(form, {"open": "no", "rooms": 3, "area": 10, "why_closed": "sửa chữa"})
    assert codes(result) == {"rooms": "not_relevant", "area": "not_relevant"}


def test_irrelevant_answer_does_not_feed_later_conditions(form: FormDefinition) -> None:
    result = validate(form, {"open": "no", "rooms": 3, "latch": "yes", "why_closed": "x y"})
    assert codes(result) == {"rooms": "not_relevant", "latch": "not_relevant"}


def test_section_relevance(form: FormDefinition) -> None:
    assert codes(validate(form, {"open": "no"})) == {"why_closed": "required"}
    assert validate(form, {"open": "no", "why_closed": "nghỉ lễ"}).ok
    assert codes(validate(form, {**BASE, "why_closed": "x"})) == {"why_closed": "not_relevant"}


def test_multi_choice_membership_condition(form: FormDefinition) -> None:
    assert codes(validate(form, {**BASE, "services": ["sing", "dance"]})) == {"dance_licence": "required"}
    assert codes(validate(form, {**BASE, "services": ["sing"], "dance_licence": "no"})) == {
        "dance_licence": "not_relevant"
    }


def test_datetime_after_constraint(form: FormDefinition) -> None:
    start = "2026-11-28T21:30:00+07:00"
    assert validate(form, {**BASE, "start": start, "end": "2026-11-28T15:00:00Z"}).ok
    result = validate(form, {**BASE, "start": start, "end": "2026-11-28T14:00:00Z"})
    assert codes(result) == {"end": "constraint"}


def test_normalised_answers_validate_again(form: FormDefinition) -> None:
    first = validate(form, {**BASE, "start": "2026-11-28T21:30:00+07:00", "pics": [SHA], "name": " An "})
    assert first.answers is not None
    second = validate(form, first.answers)
    assert second.answers == first.answers


def test_violations_from_answers_and_thresholds(form: FormDefinition) -> None:
    found = violations(form, {"open": "yes", "rooms": 2, "area": 12.5, "latch": "yes", "glass": "no"})
    assert [(v.question_id, v.answer) for v in found] == [("area", 12.5), ("latch", "yes")]
    latch = found[1]
    assert latch.severity == "major"
    assert latch.legal_basis == "khoản 4 Điều 4 NĐ 54/2019/NĐ-CP"
    assert latch.sanction is not None and latch.sanction.fine_max_vnd == 20_000_000
    assert latch.verification == "V"
    assert latch.label.vi == "Có chốt cửa bên trong?"
    assert not latch.flag_only


def test_no_violation_for_compliant_answers(form: FormDefinition) -> None:
    assert violations(form, {"open": "yes", "rooms": 2, "area": 20, "latch": "no", "glass": "yes"}) == []


def test_flags_are_separate_from_violations(form: FormDefinition) -> None:
    answers = {"open": "yes", "rooms": 2, "area": 30, "glass": "no"}
    assert violations(form, answers) == []
    assert [(f.question_id, f.flag_only) for f in flags(form, answers)] == [("glass", True)]


def test_no_violation_computed_for_irrelevant_items(form: FormDefinition) -> None:
    # rooms = 0 makes `area` and `latch` irrelevant: nothing can be a violation there
    assert violations(form, {"open": "yes", "rooms": 0}) == []
    with pytest.raises(InvalidAnswers) as raised:
        violations(form, {"open": "yes", "rooms": 0, "latch": "yes"})
    assert [(e.path, e.code) for e in raised.value.errors] == [("answers.latch", "not_relevant")]


def test_violations_encode_to_json(form: FormDefinition) -> None:
    found = violations(form, {"open": "yes", "rooms": 1, "area": 10})
    data = msgspec.json.decode(msgspec.json.encode(found))
    assert data[0]["question_id"] == "area"
    assert data[0]["severity"] == "major"


def cond(text: str) -> Condition:
    return msgspec.toml.decode(f"c = {text}", type=dict[str, Condition])["c"]


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ('{ q = "a", eq = "yes" }', {"a": "yes"}, True),
        ('{ q = "a", eq = "yes" }', {}, False),
        ('{ q = "a", ne = "yes" }', {"a": "no"}, True),
        ('{ q = "a", ne = "yes" }', {}, False),
        ('{ not = { q = "a", eq = "yes" } }', {}, True),
        ('{ q = "a", in = ["x", "y"] }', {"a": "y"}, True),
        ('{ q = "a", in = ["x", "y"] }', {"a": ["z", "x"]}, True),
        ('{ q = "a", in = ["x", "y"] }', {"a": ["z"]}, False),
        ('{ q = "n", gt = 2 }', {"n": 3}, True),
        ('{ q = "n", gt = 2 }', {"n": 2}, False),
        ('{ q = "n", lt = 2 }', {"n": 1.5}, True),
        ('{ q = "n", ge = 2 }', {"n": 2}, True),
        ('{ q = "n", le = 2 }', {"n": 2.5}, False),
        ('{ q = "n", gt = 2 }', {"n": "3"}, False),
        ('{ q = "n", eq = 1 }', {"n": True}, False),
        ('{ q = "a", answered = true }', {"a": "no"}, True),
        ('{ q = "a", answered = false }', {"a": "no"}, False),
        ('{ q = "a", answered = false }', {}, True),
        ('{ all = [{ q = "a", eq = "yes" }, { q = "n", gt = 0 }] }', {"a": "yes", "n": 0}, False),
        ('{ any = [{ q = "a", eq = "yes" }, { q = "n", gt = 0 }] }', {"a": "no", "n": 1}, True),
    ],
)
def test_condition_evaluation(condition: str, answers: dict[str, object], expected: bool) -> None:
    assert evaluate(cond(condition), answers) is expected


def test_condition_references_in_order() -> None:
    condition = cond(
        '{ all = [{ q = "a", eq = "x" }, { not = { any = [{ q = "b", gt = 1 }, { q = "c", answered = true }] } }] }'
    )
    assert references(condition) == ["a", "b", "c"]
    assert condition.all_ is not None and condition.all_[1].operator() == "not"


@pytest.mark.parametrize(
    "text",
    ['{ q = "a" }', '{ q = "a", eq = 1, ne = 2 }', "{ }", '{ all = [], any = [{ q = "a", eq = 1 }] }', "{ all = [] }"],
)
def test_malformed_conditions_do_not_decode(text: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        cond(text)


def test_one_mistake_gives_one_error_not_a_cascade(form: FormDefinition) -> None:
    assert codes(validate(form, {"open": "maybe", "rooms": 3, "area": 10})) == {"open": "unknown_choice"}
    # also when the question in between is unanswered: `area` hangs on `rooms`, which hangs on `open`
    assert codes(validate(form, {"open": "maybe", "area": 10, "latch": "no"})) == {"open": "unknown_choice"}
    # answers depending on an invalid one are still type-checked
    assert codes(validate(form, {"open": "maybe", "rooms": "x"})) == {
        "open": "unknown_choice",
        "rooms": "wrong_type",
    }
