"""The definition checker: each broken definition is caught with one clear line (persona: a legal reviewer)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from forms.__main__ import main
from forms.check import check_definitions
from forms.registry import DEFINITIONS, DefinitionError, Registry

VALID = """\
id = "demo"
version = 1
header = 1
title = { vi = "Biểu mẫu mẫu", en = "Demo form" }
establishment_types = ["karaoke", "bar"]

[[sections]]
id = "checks"
title = { vi = "Kiểm tra", en = "Checks" }
relevant = { not = { q = "outcome", in = ["refused_entry"] } }

[[sections.questions]]
id = "has_rooms"
kind = "yes_no_na"
required = true
label = { vi = "Có phòng hát?", en = "Has rooms?" }

[[sections.questions]]
id = "rooms"
kind = "number"
min = 0
max = 50
relevant = { q = "has_rooms", eq = "yes" }
label = { vi = "Số phòng", en = "Rooms" }

[[sections.questions]]
id = "latch"
kind = "yes_no_na"
relevant = { q = "rooms", gt = 0 }
label = { vi = "Có chốt cửa bên trong?", en = "Inside latch?" }
legal_basis = "khoản 4 Điều 4 NĐ 54/2019/NĐ-CP"
violation_answers = ["yes"]
severity = "major"
verification = "V"

[[sections.questions]]
id = "operator"
kind = "choice"
label = { vi = "Chủ cơ sở", en = "Operator" }
choices = [
  { id = "enterprise", label = { vi = "Doanh nghiệp", en = "Enterprise" } },
  { id = "household", label = { vi = "Hộ kinh doanh", en = "Household" } },
]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(DEFINITIONS / "_header.v1.toml", tmp_path)
    (tmp_path / "demo.v1.toml").write_text(VALID, encoding="utf-8")
    return tmp_path


def test_valid_folder_has_no_problems(folder: Path) -> None:
    assert check_definitions(folder) == []
    form = Registry.from_folder(folder).get("demo")
    assert form.sections[0].id == "record" and form.sections[-1].id == "closing"


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


BROKEN: dict[str, tuple[Callable[[str], str], str]] = {
    "toml syntax": (replace("version = 1", "version = = 1"), "demo.v1.toml: cannot decode: "),
    "wrong field type": (replace("version = 1", 'version = "1"'), "cannot decode: Expected `int`"),
    "unknown field": (replace('kind = "choice"', 'kind = "choice"\ncolour = "red"'), "unknown field `colour`"),
    "bad condition shape": (replace('eq = "yes" }', 'eq = "yes", ne = "no" }'), "exactly one of"),
    "unknown kind": (replace('kind = "choice"', 'kind = "dropdown"'), "question 'operator': unknown kind 'dropdown'"),
    "duplicate question id": (
        replace('id = "rooms"', 'id = "has_rooms"'),
        "question 'has_rooms': duplicate question id",
    ),
    "duplicate section id": (
        append(
            '\n[[sections]]\nid = "checks"\ntitle = { vi = "Lặp", en = "Again" }\n'
            '[[sections.questions]]\nid = "other"\nkind = "text"\nlabel = { vi = "Khác", en = "Other" }\n'
        ),
        "section 'checks': duplicate section id",
    ),
    "duplicate choice id": (replace('id = "household"', 'id = "enterprise"'), "duplicate choice id 'enterprise'"),
    "duplicate with header": (replace('id = "rooms"', 'id = "outcome"'), "question 'outcome': duplicate question id"),
    "dangling condition id": (
        replace('{ q = "rooms", gt = 0 }', '{ q = "room_count", gt = 0 }'),
        "question 'latch': relevant refers to 'room_count': no such question",
    ),
    "condition on a later question": (
        replace('relevant = { q = "has_rooms", eq = "yes" }', 'relevant = { q = "latch", eq = "yes" }'),
        "question 'rooms': relevant refers to 'latch': a later question",
    ),
    "section condition on its own question": (
        replace('{ not = { q = "outcome", in = ["refused_entry"] } }', '{ q = "has_rooms", eq = "yes" }'),
        "section 'checks': relevant refers to 'has_rooms': a later question",
    ),
    "condition with two combinators": (
        replace('in = ["refused_entry"] }', 'in = ["refused_entry"] }, any = [{ q = "outcome", answered = true }]'),
        "cannot decode: a condition needs `q` with one operator, or exactly one of all, any, not",
    ),
    "condition with impossible answer": (
        replace('{ q = "has_rooms", eq = "yes" }', '{ q = "has_rooms", eq = "si" }'),
        "relevant compares 'has_rooms' with 'si', not one of its answers",
    ),
    "condition with unknown choice": (
        replace('{ q = "rooms", gt = 0 }', '{ q = "outcome", eq = "closed" }'),
        "relevant compares 'outcome' with 'closed'",
    ),
    "gt on a non-number": (
        replace('{ q = "rooms", gt = 0 }', '{ q = "has_rooms", gt = 0 }'),
        "relevant uses gt on 'has_rooms', which is not a number",
    ),
    "empty vi label": (replace('vi = "Số phòng"', 'vi = " "'), "question 'rooms': label has no Vietnamese text (vi)"),
    "non-NFC vi label": (replace("Số phòng", "So\u0302\u0301 phòng"), "label Vietnamese text is not NFC-normalised"),
    "empty form title": (replace('vi = "Biểu mẫu mẫu"', 'vi = ""'), "form: title has no Vietnamese text (vi)"),
    "checklist item without legal basis": (
        replace('legal_basis = "khoản 4 Điều 4 NĐ 54/2019/NĐ-CP"\n', ""),
        "question 'latch': checklist item without legal basis",
    ),
    "checklist item with blank legal basis": (
        replace('legal_basis = "khoản 4 Điều 4 NĐ 54/2019/NĐ-CP"', 'legal_basis = "  "'),
        "question 'latch': checklist item without legal basis",
    ),
    "checklist item without verification": (replace('verification = "V"\n', ""), "without verification flag"),
    "checklist item without severity": (replace('severity = "major"\n', ""), "checklist item without severity"),
    "impossible violation answer": (
        replace('violation_answers = ["yes"]', 'violation_answers = ["có"]'),
        "violation answer 'có' is not one of its answers",
    ),
    "number min greater than max": (replace("max = 50", "max = -5"), "question 'rooms': min 0 is greater than max -5"),
    "range on a non-number": (replace('kind = "choice"', 'kind = "choice"\nunit = "m"'), "unit is only for number"),
    "choice kind without choices": (
        append('[[sections.questions]]\nid = "pick"\nkind = "multi_choice"\nlabel = { vi = "Chọn", en = "Pick" }\n'),
        "question 'pick': kind multi_choice needs choices",
    ),
    "choices on a non-choice kind": (
        replace('kind = "choice"', 'kind = "text"'),
        "question 'operator': kind text takes no choices",
    ),
    "id not matching file name": (replace('id = "demo"', 'id = "demo2"'), "id 'demo2' does not match the file name"),
    "version not matching file name": (replace("version = 1", "version = 2"), "version 2 does not match the file name"),
    "unknown establishment type": (replace('"bar"]', '"sauna"]'), "unknown establishment type 'sauna'"),
    "missing header version": (replace("header = 1", "header = 9"), "header version 9 not found"),
    "required note": (
        append(
            '[[sections.questions]]\nid = "n"\nkind = "note"\nrequired = true\nlabel = { vi = "Chú ý", en = "Mind" }\n'
        ),
        "question 'n': a note cannot be required",
    ),
    "constraint for another kind": (
        replace("max = 50", "max = 50\nconstraint = { min_length = 2 }"),
        "constraint min_length does not apply to kind number",
    ),
    "constraint after a non-datetime": (
        append(
            '[[sections.questions]]\nid = "t"\nkind = "datetime"\nconstraint = { after = "rooms" }\n'
            'label = { vi = "Giờ", en = "Time" }\n'
        ),
        "constraint after refers to 'rooms', which is not a datetime",
    ),
    "sanction fines reversed": (
        append('sanction = { decree = "NĐ 38/2021/NĐ-CP", text = "phạt", fine_min_vnd = 20, fine_max_vnd = 10 }\n'),
        "sanction fine_min_vnd is greater than fine_max_vnd",
    ),
    "flag_only without rule": (replace('violation_answers = ["yes"]', "flag_only = true"), "flag_only item without"),
    "bad question id": (replace('id = "rooms"', 'id = "Rooms"'), "id 'Rooms' must be snake_case"),
    "section without questions": (
        append('\n[[sections]]\nid = "empty"\ntitle = { vi = "Trống", en = "Empty" }\nquestions = []\n'),
        "section 'empty': has no questions",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_definition_is_caught(folder: Path, case: str) -> None:
    edit, expected = BROKEN[case]
    path = folder / "demo.v1.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    problems = check_definitions(folder)
    assert any(expected in problem for problem in problems), problems
    assert all("\n" not in problem for problem in problems)
    with pytest.raises(DefinitionError) as raised:
        Registry.from_folder(folder)
    assert raised.value.problems == problems


def test_toml_syntax_error_says_where(folder: Path) -> None:
    (folder / "demo.v1.toml").write_text(VALID.replace("version = 1", "version = = 1"), encoding="utf-8")
    (problem,) = check_definitions(folder)
    assert "line 2" in problem


def test_bad_file_names(folder: Path) -> None:
    (folder / "Demo-v1.toml").write_text(VALID, encoding="utf-8")
    (folder / "_header.toml").write_text("version = 1\n", encoding="utf-8")
    problems = check_definitions(folder)
    assert "Demo-v1.toml: file name must be <form id>.v<version>.toml" in problems
    assert "_header.toml: header file name must be _header.v<N>.toml" in problems


def test_broken_header_is_reported_once(folder: Path) -> None:
    header = folder / "_header.v1.toml"
    header.write_text(header.read_text(encoding="utf-8").replace('kind = "choice"', 'kind = "pick"'), "utf-8")
    (folder / "other.v1.toml").write_text(VALID.replace('id = "demo"', 'id = "other"'), encoding="utf-8")
    problems = check_definitions(folder)
    unknown = [problem for problem in problems if "unknown kind 'pick'" in problem]
    assert [problem.split(":")[0] for problem in unknown] == ["demo.v1.toml", "other.v1.toml"]


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    assert check_definitions(tmp_path) == [f"{tmp_path}: no form definitions found"]
    assert check_definitions(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: not a folder"]


def test_cli_reports_each_problem_and_fails(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = VALID.replace('kind = "choice"', 'kind = "dropdown"').replace("max = 50", "max = -1")
    (folder / "demo.v1.toml").write_text(text, encoding="utf-8")
    assert main(["check", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "demo.v1.toml: question 'operator': unknown kind 'dropdown' (known: " in err[0] + err[1]
    assert any("min 0 is greater than max -1" in line for line in err)
    assert err[-1] == f"2 problem(s) in {folder}"


def test_cli_ok_summary(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(folder)]) == 0
    assert capsys.readouterr().out == "OK: 1 form definition(s), 1 checklist items (demo v1)\n"


def test_cli_hashes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hashes", str(folder)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    name, version, digest = line.split()
    assert (name, version, len(digest)) == ("demo", "v1", 64)


def test_python_dash_m_forms_check_on_shipped_definitions() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "forms", "check"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: 6 form definition(s), 124 checklist items")
