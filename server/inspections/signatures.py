"""Signatures drawn on the phone: who signed (inspectors, the business's representative, a witness), by name
and time, each a PNG named by its sha256.

They travel in the body of the record (``signatures``), so its content hash covers them; the PNGs are
uploaded after the PUT like photos and accepted only when the body names them. The rules of a signed record
(legal-research §3.2 rows 18–19; XLVPHC Đ58 k4): at least one inspector signs; when the representative
signed (``representative_signed`` = yes) their signature is there, when they did not, it is not; a refusal
(``no``, with its reason in ``refusal_note``) is confirmed by a witness's signature. A record sent without
signatures (no JavaScript, older phones) is accepted as before and shows "no electronic signatures".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from server.errors import AppError, FieldError
from server.i18n import gettext as _

Role = Literal["inspector", "representative", "witness"]
MAX_SIGNATURES = 12


class SignatureIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    name: Annotated[str, msgspec.Meta(min_length=2, max_length=200)]
    sha256: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$")]
    signed_at: datetime


def check_signatures(signatures: list[SignatureIn], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The signatures as stored, or a 422 naming the field at fault."""
    if not signatures:
        return []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for n, s in enumerate(signatures):
        if s.signed_at.tzinfo is None:
            errors.append(FieldError(f"signatures[{n}].signed_at", "wrong_type",
                                     _("Hãy ghi cả múi giờ, ví dụ +07:00.")))
        if s.sha256 in seen:
            errors.append(FieldError(f"signatures[{n}].sha256", "duplicate",
                                     _("Cùng một ảnh chữ ký được gửi hai lần.")))
        seen.add(s.sha256)
    if len(signatures) > MAX_SIGNATURES:
        errors.append(FieldError("signatures", "out_of_range",
                                 _("Biên bản chỉ được có tối đa {n} chữ ký.").format(n=MAX_SIGNATURES)))
    roles = [s.role for s in signatures]
    if "inspector" not in roles:
        errors.append(FieldError("signatures", "inspector_required", _("Cần ít nhất một cán bộ kiểm tra ký biên bản.")))
    signed = answers.get("representative_signed")
    if signed == "yes" and "representative" not in roles:
        errors.append(FieldError("signatures", "representative_required",
                                 _("Người đại diện đã ký nhưng thiếu chữ ký của họ.")))
    if signed != "yes" and "representative" in roles:
        errors.append(FieldError("signatures", "representative_not_signed",
                                 _("Biên bản ghi người đại diện không ký nhưng lại có chữ ký của người đại diện.")))
    if signed == "no" and "witness" not in roles:
        errors.append(FieldError("signatures", "witness_required",
                                 _("Khi người đại diện từ chối ký, cần có chữ ký của người làm chứng.")))
    if errors:
        raise AppError(422, "invalid", _("Chữ ký không hợp lệ."), errors)
    return [msgspec.to_builtins(s) for s in signatures]
