"""The checklist engine's answer errors in the reader's language, naming the question by its label.

``forms.engine`` is pure and answers with a code and an English developer's message; people (the phone's
outbox, an API client's user) read these sentences instead. The code and the path stay as they are."""

from __future__ import annotations

from forms.engine import FieldError as AnswerError
from forms.spec import FormDefinition, Question
from server.errors import FieldError
from server.i18n import N_, language
from server.i18n import gettext as _

#: One sentence per engine error code (``forms.engine.ERROR_CODES``); ``{q}`` is the question's label.
SENTENCES = {
    "required": N_("«{q}»: cần có câu trả lời."),
    "not_relevant": N_("«{q}»: không áp dụng với các câu trả lời trước, hãy để trống."),
    "no_answer_expected": N_("«{q}»: mục này chỉ để đọc, không cần trả lời."),
    "unknown_choice": N_("«{q}»: lựa chọn không có trong danh sách."),
    "wrong_type": N_("«{q}»: câu trả lời không đúng kiểu."),
    "constraint": N_("«{q}»: câu trả lời không đạt điều kiện của mẫu."),
    "out_of_range": N_("«{q}»: giá trị nằm ngoài khoảng cho phép."),
    "unknown_question": N_("Mẫu biên bản không có câu «{q}»."),
}
BETWEEN = N_("«{q}»: phải từ {min} đến {max}.")


def _sentence(code: str, question: Question | None, name: str) -> str:
    if code == "out_of_range" and question is not None and question.min is not None and question.max is not None:
        return _(BETWEEN).format(q=name, min=f"{question.min:g}", max=f"{question.max:g}")
    return _(SENTENCES.get(code, SENTENCES["wrong_type"])).format(q=name)


def explain(form: FormDefinition, errors: list[AnswerError]) -> list[FieldError]:
    """The engine's errors as the server's, each message a sentence in the request's language."""
    questions = {q.id: q for _section, q in form.questions()}
    english = language.get() == "en"
    out = []
    for error in errors:
        key = error.path.removeprefix("answers.")
        question = questions.get(key)
        name = (question.label.en if english else question.label.vi) if question is not None else key
        out.append(FieldError(error.path, error.code, _sentence(error.code, question, name)))
    return out
