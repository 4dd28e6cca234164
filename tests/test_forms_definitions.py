"""The shipped definitions, the registry and the public JSON (personas: inspector, city office, integrator)."""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

import msgspec
import pytest

import forms
from forms.conditions import evaluate
from forms.registry import DEFINITIONS, FormNotFound, Registry, canonical_json, sha256, to_public
from forms.spec import ESTABLISHMENT_TYPES, FormDefinition, Question

#: Checklist items per form as counted in legal-research §2.
RESEARCH_COUNTS = {"karaoke": 25, "dance_hall": 25, "lodging": 25, "massage": 20, "bar": 16, "hair_salon": 13}

#: sha256 of each released definition. Released versions are immutable: if this test fails because a v1 file
#: changed, put the change in a new version file instead (only if v1 never reached production, update the pin).
PINNED = {
    "bar": "62a61101354200303a9dcf9fb3fb42d3f59b838c9b3b852191da1b58f135d884",
    "dance_hall": "9cfccea1cd7ec75d60026276887b1b89a1b1bff56ebff31d74f90e930c78482c",
    "hair_salon": "521f1f4c91b4a031f0e2aac412ef1750da39dab62faffc38bb9784108c894593",
    "karaoke": "b1eccba1354ba4b9ccc23711c8b19ab14a2f4925758aa82d49b3909bb193d7a3",
    "lodging": "4ee5947af4ec48358561f85c9967bbb24838adbd7bb4a4ad44d6564d3d9b3a77",
    "massage": "fdf5445ae3ceb212571266914ce85ab00598b047b3b322563ff3005b74d5ad78",
}
HEADER_IDS = {
    "started_at", "team_members", "outcome", "representative_name", "representative_role", "findings",
    "conclusions", "representative_statement", "evidence_photos", "photos", "ended_at",
    "representative_signed", "refusal_note", "witness_name",
}  # fmt: skip
SHA = "0123456789abcdef" * 4
ALL = sorted(RESEARCH_COUNTS)


def shipped() -> list[FormDefinition]:
    return forms.all_forms()


def test_shipped_definitions_pass_the_checker() -> None:
    assert forms.check_definitions(DEFINITIONS) == []


def test_six_forms_one_per_establishment_type() -> None:
    assert [(form.id, form.version) for form in shipped()] == [(form_id, 1) for form_id in ALL]
    for code in ESTABLISHMENT_TYPES:
        assert [form.id for form in forms.for_type(code)] == [code]
    assert forms.for_type("sauna") == []


@pytest.mark.parametrize("form_id", ALL)
def test_checklist_sizes_match_the_research(form_id: str) -> None:
    items = forms.get(form_id).items()
    assert 12 <= len(items) <= 25
    assert len(items) == RESEARCH_COUNTS[form_id]
    assert len({item.id for item in items}) == len(items)


@pytest.mark.parametrize("form_id", ALL)
def test_items_carry_basis_severity_and_research_flags(form_id: str) -> None:
    for item in forms.get(form_id).items():
        assert item.legal_basis and item.legal_basis.strip(), item.id
        assert item.has_violation_rule, item.id
        assert item.severity in ("minor", "major", "critical"), item.id
        assert item.verification_note, item.id
        flags = re.findall(r"\b[VPU]\b", item.verification_note)
        assert item.verification == flags[0], item.id
        if item.sanction is not None:
            assert item.sanction.verification == flags[-1], item.id
            assert item.sanction.decree.startswith("NĐ "), item.id


def texts(form: FormDefinition) -> list[str]:
    found = [form.title.vi]
    for section, question in form.questions():
        found += [section.title.vi, question.label.vi]
        found += [choice.label.vi for choice in question.choices or []]
        if question.sanction:
            found.append(question.sanction.text)
    return found


@pytest.mark.parametrize("form_id", ALL)
def test_vietnamese_is_nfc_with_diacritics(form_id: str) -> None:
    form = forms.get(form_id)
    for text in texts(form):
        assert unicodedata.is_normalized("NFC", text), text
    diacritic = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)
    for item in form.items():
        assert diacritic.search(item.label.vi), item.id
        assert item.label.en.strip() and not diacritic.search(item.label.en.replace("ĐK", "")), item.id


@pytest.mark.parametrize("form_id", ALL)
def test_shared_header_is_merged_into_every_form(form_id: str) -> None:
    form = forms.get(form_id)
    assert form.header == 1
    assert form.sections[0].id == "record" and form.sections[-1].id == "closing"
    ids = {question.id for _, question in form.questions()}
    assert ids >= HEADER_IDS
    (outcome,) = [question for _, question in form.questions() if question.id == "outcome"]
    assert [choice.id for choice in outcome.choices or []] == [
        "compliant", "violations", "closed_at_visit", "refused_entry",
    ]  # fmt: skip


def test_header_is_defined_once() -> None:
    for path in DEFINITIONS.glob("[a-z]*.toml"):
        text = path.read_text(encoding="utf-8")
        for question_id in HEADER_IDS:
            assert f'id = "{question_id}"' not in text, (path.name, question_id)
    assert 'id = "outcome"' in (DEFINITIONS / "_header.v1.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("form_id", ALL)
def test_checklists_use_skip_logic(form_id: str) -> None:
    form = forms.get(form_id)
    body = form.sections[1:-1]
    assert all(section.relevant is not None for section in body)
    gated = [question.id for section in body for question in section.questions if question.relevant is not None]
    assert gated, form_id


# --- whole submissions built from the definitions themselves -------------------------------------------------


def fill(form: FormDefinition, outcome: str, *, violate: bool) -> dict[str, Any]:
    """Answer every relevant question: items compliant or in violation, other questions plausibly."""
    answers: dict[str, Any] = {}
    for section, question in form.questions():
        conditions = [c for c in (section.relevant, question.relevant) if c is not None]
        if question.kind == "note" or not all(evaluate(c, answers) for c in conditions):
            continue
        answers[question.id] = answer(question, answers, outcome, violate=violate)
    return answers


def answer(question: Question, answers: dict[str, Any], outcome: str, *, violate: bool) -> Any:
    fixed = {"outcome": outcome, "representative_signed": "na" if outcome == "closed_at_visit" else "yes"}
    if question.id in fixed:
        return fixed[question.id]
    if question.kind == "yes_no_na":
        if question.violation_answers:
            bad = question.violation_answers[0]
            return bad if violate else next(v for v in ("yes", "no") if v != bad)
        return "yes"
    if question.kind == "number":
        candidates = [0, 1, 5, 19, 20, 79, 80, 199, 200, 300, 1000]
        low, high = question.min or 0, question.max or 1e9
        candidates = [c for c in candidates if low <= c <= high]
        if question.violation_if is None:
            return 5 if 5 in candidates else candidates[0]
        return next(c for c in candidates if evaluate(question.violation_if, {**answers, question.id: c}) is violate)
    if question.kind == "datetime":
        return (
            "2026-11-28T23:10:00+07:00"
            if question.constraint and question.constraint.after
            else ("2026-11-28T22:05:00+07:00")
        )
    if question.kind == "photo":
        return [SHA]
    if question.kind == "choice":
        return (question.choices or [])[0].id
    return "Nguyễn Văn An"


@pytest.mark.parametrize("form_id", ALL)
def test_compliant_submission_has_no_violations(form_id: str) -> None:
    form = forms.get(form_id)
    answers = fill(form, "compliant", violate=False)
    result = forms.validate(form, answers)
    assert result.ok, result.errors
    assert forms.violations(form, answers) == []
    assert forms.flags(form, answers) == []


@pytest.mark.parametrize("form_id", ALL)
def test_every_violation_is_found(form_id: str) -> None:
    form = forms.get(form_id)
    answers = fill(form, "violations", violate=True)
    assert forms.validate(form, answers).ok
    found = forms.violations(form, answers)
    expected = [item.id for item in form.items() if not item.flag_only and item.id in answers]
    assert [violation.question_id for violation in found] == expected
    assert len(found) >= 10
    assert {flag.question_id for flag in forms.flags(form, answers)} == {
        item.id for item in form.items() if item.flag_only and item.id in answers
    }


@pytest.mark.parametrize(("form_id", "outcome"), [(f, o) for f in ALL for o in ("refused_entry", "closed_at_visit")])
def test_no_checklist_when_not_inspected(form_id: str, outcome: str) -> None:
    form = forms.get(form_id)
    answers = fill(form, outcome, violate=True)
    assert set(answers) <= HEADER_IDS
    assert forms.validate(form, answers).ok
    assert forms.violations(form, answers) == []
    first_item = form.items()[0].id
    errors = forms.validate(form, {**answers, first_item: "no"}).errors
    assert [(e.path, e.code) for e in errors] == [(f"answers.{first_item}", "not_relevant")]


def test_refusal_to_sign_needs_a_note() -> None:
    form = forms.get("karaoke")
    answers = {**fill(form, "compliant", violate=False), "representative_signed": "no"}
    assert [(e.path, e.code) for e in forms.validate(form, answers).errors] == [("answers.refusal_note", "required")]
    answers |= {"refusal_note": "Từ chối ký", "witness_name": "Lê Thị Bình, tổ trưởng dân phố"}
    assert forms.validate(form, answers).ok


def test_violations_need_evidence_photos() -> None:
    form = forms.get("bar")
    answers = fill(form, "violations", violate=True)
    del answers["evidence_photos"]
    assert [(e.path, e.code) for e in forms.validate(form, answers).errors] == [("answers.evidence_photos", "required")]


# --- registry, hashing, public JSON ----------------------------------------------------------------------------


def test_get_latest_and_specific_versions(tmp_path: Path) -> None:
    assert forms.get("karaoke") is forms.get("karaoke", 1)
    with pytest.raises(FormNotFound):
        forms.get("sauna")
    with pytest.raises(FormNotFound):
        forms.get("karaoke", 7)
    for path in DEFINITIONS.glob("*.toml"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    v1 = (DEFINITIONS / "karaoke.v1.toml").read_text(encoding="utf-8")
    v2 = v1.replace("version = 1", "version = 2").replace("Biên bản kiểm tra cơ sở", "Biên bản kiểm tra (mới) cơ sở")
    (tmp_path / "karaoke.v2.toml").write_text(v2, encoding="utf-8")
    registry = Registry.from_folder(tmp_path)
    assert registry.versions("karaoke") == [1, 2]
    assert registry.get("karaoke").version == 2
    assert registry.get("karaoke", 1).title.vi == forms.get("karaoke").title.vi
    assert [form.version for form in registry.for_type("karaoke")] == [2]
    assert sha256(registry.get("karaoke", 1)) == sha256(forms.get("karaoke"))
    assert sha256(registry.get("karaoke", 2)) != sha256(forms.get("karaoke"))


@pytest.mark.parametrize("form_id", ALL)
def test_canonical_hash_is_stable_and_pinned(form_id: str) -> None:
    fresh = Registry.from_folder(DEFINITIONS).get(form_id)
    form = forms.get(form_id)
    assert fresh is not form
    assert canonical_json(fresh) == canonical_json(form)
    assert sha256(form) == PINNED[form_id], "released form changed: add a new version file instead"
    # canonical JSON round-trips to the same definition and the same bytes
    again = msgspec.json.decode(canonical_json(form), type=FormDefinition)
    assert again == form
    assert canonical_json(again) == canonical_json(form)


def test_canonical_json_has_sorted_keys_and_no_defaults() -> None:
    data = canonical_json(forms.get("massage"))
    assert data.startswith(b'{"establishment_types":["massage"],"header":1,"id":"massage","sections":')
    assert b'"required":false' not in data and b"null" not in data


def test_hash_detects_a_changed_definition() -> None:
    form = forms.get("lodging")
    section = form.sections[1]
    changed_question = msgspec.structs.replace(section.questions[0], required=not section.questions[0].required)
    changed_section = msgspec.structs.replace(section, questions=[changed_question, *section.questions[1:]])
    changed = msgspec.structs.replace(form, sections=[form.sections[0], changed_section, *form.sections[2:]])
    assert sha256(changed) != sha256(form)
    assert re.fullmatch(r"[0-9a-f]{64}", sha256(changed))


def keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


@pytest.mark.parametrize("form_id", ALL)
def test_to_public_hides_verification_from_inspectors(form_id: str) -> None:
    form = forms.get(form_id)
    hidden = to_public(form, include_verification=False)
    shown = to_public(form, include_verification=True)
    assert "verification" not in keys(hidden) and "verification_note" not in keys(hidden)
    assert "verification" in keys(shown) and "verification_note" in keys(shown)
    sanctions = [q["sanction"] for s in shown["sections"] for q in s["questions"] if "sanction" in q]
    assert sanctions and all("verification" in sanction for sanction in sanctions)
    assert msgspec.json.decode(msgspec.json.encode(hidden)) == hidden
    # the stored definition is untouched
    assert any(item.verification for item in form.items())


def test_to_public_shape() -> None:
    public = to_public(forms.get("lodging"), include_verification=False)
    assert list(public) == ["id", "version", "title", "establishment_types", "sections"]
    assert public["title"] == {
        "vi": "Biên bản kiểm tra cơ sở kinh doanh dịch vụ lưu trú",
        "en": "Inspection of a lodging establishment",
    }
    questions = {q["id"]: q for s in public["sections"] for q in s["questions"]}
    started = questions["started_at"]
    assert started == {
        "id": "started_at", "kind": "datetime", "label": started["label"], "required": True, "relevant": None,
    }  # fmt: skip
    assert questions["outcome"]["choices"][0] == {
        "id": "compliant", "label": {"vi": "Không phát hiện vi phạm", "en": "Compliant: no violation found"},
    }  # fmt: skip
    plan = questions["lodging_security_plan_if_enterprise"]
    assert plan["relevant"] == {"q": "lodging_operator_kind", "eq": "enterprise"}
    assert plan["violation_answers"] == ["no"] and plan["severity"] == "major" and "legal_basis" in plan
    assert questions["lodging_guest_register_book"]["violation_if"] == {"q": "lodging_guest_register_book", "gt": 0}
    assert all("choices" not in q for q in questions.values() if q["kind"] not in ("choice", "multi_choice"))
    record = public["sections"][1]
    assert record["relevant"] == {"not": {"q": "outcome", "in": ["refused_entry", "closed_at_visit"]}}


def test_forms_package_imports_only_stdlib_msgspec_and_the_xlsform_libraries() -> None:
    """Pure: no web framework, no database, nothing of the server; the XLSForm conversion (forms/xlsform*.py)
    may read and write spreadsheets (openpyxl) and run pyxform."""
    package = Path(forms.__file__).parent
    allowed = {"msgspec", "forms", "__future__"} | set(sys.stdlib_module_names)
    for path in package.glob("*.py"):
        spreadsheets = {"openpyxl", "pyxform"} if path.name.startswith("xlsform") else set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert roots <= allowed | spreadsheets, (path.name, roots)
            assert not roots & {"litestar", "sqlalchemy", "server"}, (path.name, roots)
