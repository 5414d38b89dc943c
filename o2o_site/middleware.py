"""Vietnamese by default: the language is what the user picked (cookie), never the browser's.

Shop PCs and POS terminals often run an English browser; staff still expect Vietnamese
until they switch with the language selector.
"""

import logging

logger = logging.getLogger(__name__)


class VietnameseByDefaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class MissingObjectIs404Middleware:
    """A screen whose object is gone (a stale link, an erased customer) answers 404, never 500.

    Views and selectors look objects up by id; when the row has gone, the `DoesNotExist` (or
    the selectors' `o2o_site.api.NotFound`, with its sentence) that escapes a screen's view
    becomes the Vietnamese 404 page instead of a traceback. The API answers these itself
    (`o2o_site.api.exception_handler`). A safety net: views that know better still say so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ObjectDoesNotExist

        from .api import NotFound

        if not isinstance(exception, ObjectDoesNotExist | NotFound):
            return None
        logger.warning("%s %s: %s, answered 404", request.method, request.path, exception)
        from .views import handler404

        return handler404(request, exception)


class RejectMalformedRequestMiddleware:
    """Refuses, before any view runs, what no endpoint or screen can ever accept.

    - a URL longer than `MAX_URL_LENGTH` → 414;
    - a NUL character in the path, the query string, a header (cookies included) or an
      urlencoded form field → 400 (PostgreSQL cannot store NUL, so letting one through ends in a 500);
    - a form or JSON body over `DATA_UPLOAD_MAX_MEMORY_SIZE` → 413 (multipart uploads are
      bounded by Django per field, as before).

    JSON bodies are checked by the API's parser (`o2o_site.parsers.JSONParser`: NUL, depth).
    The answer is the API's error body under /api/, a Vietnamese page elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    @staticmethod
    def refusal(request):
        from django.conf import settings
        from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
        from django.http.multipartparser import MultiPartParserError
        from django.utils.translation import gettext as _

        from .errors import error_response, too_large_message

        meta = request.META
        path = meta.get("PATH_INFO", "")
        query = meta.get("QUERY_STRING", "")
        if len(path) + len(query) > settings.MAX_URL_LENGTH:
            return error_response(request, status=414, code="uri_too_long", message=_("Địa chỉ quá dài."))
        nul = _("Dữ liệu chứa ký tự NUL không hợp lệ.")
        if "\x00" in path or any(
            "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in [key, *values]
        ):
            return error_response(request, status=400, code="malformed", message=nul)
        if any("\x00" in value for key, value in meta.items() if key.startswith("HTTP_") and isinstance(value, str)):
            return error_response(request, status=400, code="malformed", message=nul)
        content_type = meta.get("CONTENT_TYPE", "")
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, status=400, code="malformed", message=_("Content-Length không hợp lệ."))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and not content_type.startswith("multipart/"):
            return error_response(request, status=413, code="too_large", message=too_large_message())
        # Urlencoded forms only: Django keeps their raw body readable after parsing; reading a
        # multipart body here would take it from views that verify a signature over it (webhooks).
        if request.method == "POST" and content_type.startswith("application/x-www-form-urlencoded"):
            try:
                fields = list(request.POST.lists())
            except RequestDataTooBig:
                return error_response(request, status=413, code="too_large", message=too_large_message())
            except (SuspiciousOperation, MultiPartParserError, ValueError):
                return error_response(
                    request, status=400, code="malformed", message=_("Nội dung gửi lên không đọc được.")
                )
            if any("\x00" in value for key, values in fields for value in [key, *values] if isinstance(value, str)):
                return error_response(request, status=400, code="malformed", message=nul)
        return None


class StatementTimeoutMiddleware:
    """A screen whose query ran past PostgreSQL's `statement_timeout` answers 503 with the
    Vietnamese page (the API answers the same through its exception handler) instead of a 500.

    The timeout itself is set for web processes only (`o2o_site/wsgi.py`, `DB_STATEMENT_TIMEOUT_MS`),
    below the worker timeout, so a slow query is cancelled before the worker is killed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import OperationalError

        from .api import QUERY_CANCELED, timeout_message
        from .errors import error_response

        if isinstance(exception, OperationalError) and getattr(exception.__cause__, "pgcode", None) == QUERY_CANCELED:
            return error_response(request, status=503, code="timeout", message=timeout_message())
        return None


class PermissionsPolicyMiddleware:
    """Sends `settings.PERMISSIONS_POLICY` as the Permissions-Policy header on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
