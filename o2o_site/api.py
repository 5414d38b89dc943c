"""The API shell every app's endpoints share: pagination, the error body, errors to raise.

Every error answered by /api/v1/ has one shape:

    {"error": {"code": "<machine code>", "message": "<human sentence>", "fields": {...}}}

`fields` maps a field name (dotted for nested ones, e.g. "lines.0.sku") to a list of messages;
it is `{}` when the error is not about a field. Services raise `DomainError` (or a subclass with
its own code and status); views need not catch it.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; `?page=` and `?page_size=` (max 200)."""

    page_size_query_param = "page_size"
    max_page_size = 200


class DomainError(Exception):
    """A business rule said no. Raised by services; rendered by the API as the error body.

    `code` is stable and machine-readable (clients branch on it); `message` is for people.
    """

    code = "invalid"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_message = _("Yêu cầu không hợp lệ.")

    def __init__(
        self, message=None, *, code: str | None = None, status_code: int | None = None, fields=None, extra=None
    ):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("Không tìm thấy.")


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("Xung đột với dữ liệu hiện có.")


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body = {"code": code, "message": str(message), "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested ValidationError detail → {"a.b.0.c": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout reached


def timeout_message() -> str:
    return str(_("Yêu cầu mất quá nhiều thời gian, vui lòng thử lại hoặc thu hẹp phạm vi."))


_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "rate_limited",
}


def exception_handler(exc, context):
    """DRF hook: every error leaves as the one error body."""
    if isinstance(exc, DomainError):
        response = Response(
            error_body(exc.code, exc.message, exc.fields, **exc.extra),
            status=exc.status_code,
        )
        if exc.extra.get("retry_after"):
            response["Retry-After"] = str(int(exc.extra["retry_after"]))
        return response
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "; ".join(exc.messages) if not fields else str(_("Dữ liệu không hợp lệ."))
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", _("Nội dung gửi lên quá lớn.")), status=413)
    if isinstance(exc, DataError):
        # The database refused a value the serializers let through (out of range, too long):
        # the client's input, not our fault. Logged so the missing validation gets added.
        logger.warning("DataError answered as 400: %s", exc)
        return Response(error_body("invalid", _("Giá trị nằm ngoài phạm vi cho phép.")), status=400)
    if isinstance(exc, DatabaseOperationalError) and getattr(exc.__cause__, "pgcode", None) == QUERY_CANCELED:
        return Response(error_body("timeout", timeout_message()), status=503)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django answers 500 and logs it
    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = _("Dữ liệu không hợp lệ.")
        if list(fields) == ["non_field_errors"] or "non_field_errors" in fields:
            message = fields["non_field_errors"][0]
        response.data = error_body("invalid", message, fields)
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("malformed", str(exc.detail))
    else:
        detail = getattr(exc, "detail", None)
        message = str(detail) if detail is not None else str(exc)
        if isinstance(exc, exceptions.NotAuthenticated):
            message = str(_("Cần đăng nhập hoặc gửi token (Authorization: Token …)."))
        elif isinstance(exc, exceptions.AuthenticationFailed):
            message = str(_("Thông tin xác thực không hợp lệ: {detail}")).format(detail=message)
        extra = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            extra["retry_after"] = int(exc.wait)
        response.data = error_body(getattr(detail, "code", None) or code, message, **extra)
        if getattr(detail, "code", None) in {
            "not_authenticated",
            "authentication_failed",
            "permission_denied",
            "not_found",
            "method_not_allowed",
            "throttled",
        }:
            response.data["error"]["code"] = code
    return response


class BoundedDateTimeField(serializers.DateTimeField):
    """A moment between 1970 and 2100. Nothing in this product means an earlier or later one, and
    before 1900 Asia/Ho_Chi_Minh has no whole-minute offset (LMT +07:06:30), which no client
    parses back: such input is refused with a sentence instead of stored and echoed."""

    default_error_messages = {"out_of_range": _("Ngày giờ phải trong khoảng năm 1970 đến 2100.")}

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not 1970 <= moment.year <= 2100:
            self.fail("out_of_range")
        return moment


def bounded_datetimes_everywhere() -> None:
    """Every model serializer's DateTimeField is bounded (called once, from o2o_site's ready())."""
    from django.db import models

    serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = BoundedDateTimeField
