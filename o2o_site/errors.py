"""One error answer for every layer that refuses a request before (or instead of) a view.

The API's error body (`o2o_site.api.error_body`) for paths under `/api/`, a Vietnamese page for
the screens. Used by the malformed-input middleware, the Django error handlers (400/403/404/413/
500/503) and the gunicorn worker (worker timeouts); views and services keep raising DomainError.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

from .api import error_body

API_PREFIX = "/api/"


def wants_json(path: str) -> bool:
    return path.startswith(API_PREFIX)


def error_json_bytes(code: str, message: str, fields: dict | None = None) -> bytes:
    return json.dumps(error_body(code, message, fields), ensure_ascii=False).encode()


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict | None = None,
    template: str = "error.html",
) -> HttpResponse:
    """The error body under /api/, else the Vietnamese error page (`template`)."""
    if wants_json(request.path_info or request.path):
        return JsonResponse(error_body(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False})
    try:
        html = loader.render_to_string(template, {"status": status, "message": message}, request=request)
    except Exception:  # the error page must answer even when the template machinery cannot
        html = f"<!doctype html><meta charset=utf-8><title>{status}</title><h1>{status}</h1><p>{message}</p>"
    return HttpResponse(html, status=status)


def too_large_message() -> str:
    return _("Nội dung gửi lên quá lớn.")
