"""What an XLSForm upload was refused for, as sentences in the reader's language, by sheet, row and column."""

from __future__ import annotations

from forms.xlsform_import import Problem
from server.errors import AppError, FieldError
from server.i18n import N_
from server.i18n import gettext as _

#: One sentence per problem code of `forms.xlsform_import` (and `forms.xpath`).
MESSAGES = {
    "not_xlsx": N_("Tệp không phải là bảng tính .xlsx đọc được ({detail})."),
    "pyxform": N_("pyxform không đọc được biểu mẫu XLSForm này: {detail}"),
    "label_missing": N_("Thiếu nhãn bằng ngôn ngữ “{language}”: mỗi nhãn cần cả cột “label::Tiếng Việt (vi)” và "
                        "“label::English (en)”."),
    "bad_name": N_("Tên “{name}” không dùng được: tên phải viết thường, bắt đầu bằng chữ cái, chỉ gồm a–z, 0–9 "
                   "và dấu gạch dưới."),
    "bad_form_id": N_("Mã biểu mẫu “{name}” không phải là mã của một danh mục kiểm tra đang có."),
    "setting_missing": N_("Trang settings thiếu cột “{setting}”."),
    "type_unsupported": N_("Loại câu hỏi “{type}” không được hỗ trợ (chỉ dùng integer, decimal, text, "
                           "select_one, select_multiple, dateTime, image, note và nhóm)."),
    "type_missing": N_("Dòng này không có loại câu hỏi (cột type)."),
    "column_unsupported": N_("Cột “{name}” thay đổi cách biểu mẫu chạy mà ứng dụng không làm được."),
    "choices_missing": N_("Danh sách lựa chọn “{list}” không có trong trang choices."),
    "required_unsupported": N_("Cột required chỉ nhận yes hoặc no, không nhận biểu thức “{value}”."),
    "constraint_unsupported": N_("Điều kiện “{part}” không được hỗ trợ (chỉ giới hạn giá trị, độ dài, số lựa chọn "
                                 "hoặc thời điểm sau một câu hỏi trước)."),
    "not_a_number": N_("“{value}” không phải là số nguyên không âm."),
    "nested_group": N_("Nhóm lồng trong nhóm không được hỗ trợ: mỗi nhóm là một phần của biên bản."),
    "empty_group": N_("Nhóm này không có câu hỏi nào."),
    "group_not_closed": N_("Nhóm này không có dòng end_group đóng lại."),
    "outside_group": N_("Câu hỏi nằm ngoài mọi nhóm: mỗi câu hỏi phải thuộc một nhóm (một phần của biên bản)."),
    "xpath_syntax": N_("Biểu thức không được hỗ trợ ở phần “{part}” (chỉ so sánh một câu hỏi với một giá trị, "
                       "selected(), and, or, not())."),
    "xpath_unknown_question": N_("Biểu thức nhắc đến câu hỏi “{name}” không có hoặc đứng sau câu hỏi này."),
    "xpath_needs_literal": N_("Mỗi phép so sánh cần một câu hỏi và một giá trị cố định."),
    "xpath_needs_number": N_("Phép so sánh “{operator}” cần một giá trị là số."),
    "rule": N_("Biểu mẫu không qua bước kiểm tra của ứng dụng: {detail}"),
}


def sentence(problem: Problem) -> str:
    """The problem as one sentence, with where it is."""
    text = _(MESSAGES[problem.code]).format(**problem.params)
    if problem.row is not None and problem.column is not None:
        where = _("Trang {sheet}, dòng {row}, cột {column}:").format(
            sheet=problem.sheet, row=problem.row, column=problem.column)
    elif problem.row is not None:
        where = _("Trang {sheet}, dòng {row}:").format(sheet=problem.sheet, row=problem.row)
    elif problem.sheet:
        where = _("Trang {sheet}:").format(sheet=problem.sheet)
    else:
        return text
    return f"{where} {text}"


def refusal(problems: list[Problem]) -> AppError:
    """422 listing every problem; each field error's path is `sheet[row].column`."""
    errors = [FieldError(f"{p.sheet}[{p.row or ''}].{p.column or ''}", p.code, sentence(p)) for p in problems]
    return AppError(422, "xlsform_refused", _("Ứng dụng không dùng được biểu mẫu XLSForm này: {n} chỗ cần sửa.").format(
        n=len(problems)), errors)
