"""Stable error codes: ``application/problem+json`` for the API, a friendly page for HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import asyncpg
import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import DataError

from server.i18n import N_
from server.i18n import gettext as _
from server.labels import field_label

PROBLEM = "application/problem+json"


class FieldError(msgspec.Struct, frozen=True):
    path: str
    code: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """The body of every API error."""

    status: int
    code: str
    title: str
    detail: str = ""
    errors: list[FieldError] = []


class AppError(HTTPException):
    """An error with a stable ``code``; raise it from services and handlers."""

    def __init__(
        self, status: int, code: str, detail: str = "", errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(status_code=status, detail=detail or code)
        self.code = code
        self.errors = errors or []


_KINDS = {"activity": N_("hoạt động tuyên truyền"), "assignment": N_("lịch phân công"),
          "attachment": N_("ảnh đính kèm"), "delivery": N_("lần gửi webhook"),
          "establishment": N_("cơ sở kinh doanh"), "follow-up": N_("việc xử lý tiếp theo"), "form": N_("mẫu biên bản"),
          "hotspot": N_("điểm nóng"), "inspection": N_("biên bản kiểm tra"), "plan": N_("kế hoạch"),
          "stop": N_("điểm dừng"), "tip": N_("tin báo"), "ward": N_("phường, xã")}


def not_found(what: str = "resource") -> AppError:
    kind = _(_KINDS.get(what, N_("dữ liệu")))
    return AppError(404, "not_found", _("Không tìm thấy {what} (hoặc bạn không có quyền xem).").format(what=kind))


#: A refused value is quoted up to this many characters.
SHOWN = 80


def refused(path: str, value: Any = None) -> str:
    """The sentence for a field that does not take the value given (or was left out)."""
    if value is None or value == "" or isinstance(value, Mapping | list):
        return _("Mục «{field}» còn thiếu hoặc không hợp lệ.").format(field=field_label(path))
    shown = str(value) if len(str(value)) <= SHOWN else str(value)[:SHOWN] + "…"
    return _("Mục «{field}» không nhận giá trị “{value}”.").format(field=field_label(path), value=shown)


def _path_of(exc: msgspec.ValidationError) -> str:
    message = str(exc)
    if "`$." in message:
        return message.rsplit("`$.", 1)[1].split("`", 1)[0]
    if missing := re.search(r"missing required field `(\w+)`", message):
        return missing.group(1)
    return "body"


def _value_at(raw: Any, path: str) -> Any:
    for part in re.findall(r"\w+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            raw = raw[index] if isinstance(raw, list) and index < len(raw) else None
        else:
            raw = raw.get(part) if isinstance(raw, Mapping) else None
    return raw


def invalid_input(exc: msgspec.ValidationError, raw: Mapping[str, Any], status: int = 422,
                  code: str = "invalid") -> AppError:
    """A value msgspec refused, as a sentence naming the field by its label and the value given."""
    path = _path_of(exc)
    return bad_value(path, _value_at(raw, path), status, code)


def bad_value(path: str, value: Any, status: int = 422, code: str = "invalid") -> AppError:
    """The error of a field that does not take ``value``."""
    message = refused(path, value)
    return AppError(status, code, message, [FieldError(path, "invalid", message)])


_CODES = {400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
          422: "invalid", 429: "too_many_requests"}


def _validation_errors(exc: ValidationException, given: Mapping[str, Any]) -> list[FieldError]:
    out = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or item.get("source") or "body")
            unknown = re.search(r"unknown field `([^`]+)`", str(item.get("message", "")))
            message = (_("Không nhận mục “{field}”: biểu mẫu không có mục này.").format(field=unknown[1]) if unknown
                       else refused(key, given.get(key)))
            out.append(FieldError(path=key, code="invalid", message=message))
    return out


def _refused_value(exc: BaseException) -> bool:
    """The database refused a client's value: an integer beyond the column's range (SQLite's 64 bits,
    PostgreSQL's int4) or a NUL character. Such input is the client's error, not the server's. The drivers
    raise it in different wrappers, so the whole cause chain is searched."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DataError | OverflowError | asyncpg.exceptions.DataError):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "orig", None)
        if seen is exc:
            return False
    return False


def problem_of(exc: Exception, given: Mapping[str, Any] | None = None) -> Problem:
    """The problem an exception means; ``given`` (the request's parameters) names the refused values."""
    if isinstance(exc, AppError):
        return Problem(exc.status_code, exc.code, _CODES.get(exc.status_code, "error"), exc.detail, exc.errors)
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc, given or {})
        detail = " ".join(e.message for e in errors) or _("Yêu cầu có giá trị không hợp lệ.")
        return Problem(400, "invalid_request", "bad_request", detail, errors)
    if _refused_value(exc):
        return Problem(422, "value_out_of_range", "invalid",
                       _("Có giá trị không lưu được (số quá lớn hoặc có ký tự không được phép)."))
    if isinstance(exc, HTTPException):
        return Problem(exc.status_code, _CODES.get(exc.status_code, "error"), _CODES.get(exc.status_code, "error"),
                       str(exc.detail))
    return Problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "internal_error", _("Lỗi hệ thống."))


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """One handler for every exception: JSON problems under /api, pages elsewhere."""
    problem = problem_of(exc, {**dict(request.query_params), **(request.scope.get("path_params") or {})})
    if problem.status >= 500:
        request.logger.exception("unhandled error", exc_info=exc)
    headers = getattr(exc, "headers", None) or {}
    if wants_json(request):
        return Response(msgspec.json.encode(problem), status_code=problem.status, media_type=PROBLEM,
                        headers=headers)
    if problem.status == 401:
        return Redirect(path="/login", query_params={"next": request.url.path}, status_code=303)
    return Template("error.html", context={"problem": problem}, status_code=problem.status,
                    media_type=MediaType.HTML, headers=headers)


_DOCUMENTED = {400: "invalid request", 401: "not logged in", 403: "role may not do this",
               404: "not found or outside the user's wards", 409: "conflict", 413: "too large",
               415: "unsupported media type", 422: "invalid field values", 429: "too many requests"}


def document_problems(handlers: list[Any]) -> None:
    """Declare the problem responses on every API handler, so the OpenAPI schema says what errors look like."""
    from litestar.handlers import HTTPRouteHandler
    from litestar.openapi.datastructures import ResponseSpec

    specs = {code: ResponseSpec(data_container=Problem, description=text, media_type=PROBLEM)
             for code, text in _DOCUMENTED.items()}
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler) and any(p.startswith("/api/") for p in handler.paths):
            handler.responses = {**specs, **(handler.responses or {})}
