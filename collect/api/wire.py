"""The Segment HTTP Tracking API under /collect/: /v1/batch, /v1/track, /v1/page, /v1/screen,
/v1/identify, /v1/alias, /v1/group — so analytics.js, analytics-python or any Segment library
given `host=<our site>/collect` works unchanged.

Plain Django views (no session, no CSRF: the write key is the credential; it can only write).
Thin: authenticate, parse, call `events_ingest`, answer. Every error is the one error body.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o_site.api import DomainError, error_body

from .. import services

SINGLE_TYPES = {"track", "page", "screen", "identify", "alias", "group"}


def _error(exc: DomainError) -> JsonResponse:
    response = JsonResponse(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status_code)
    if exc.status_code == 429 and "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Basic realm="collect"'
    return response


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


@csrf_exempt
@require_POST
def collect(request: HttpRequest, kind: str = "batch") -> JsonResponse:
    try:
        data = services.payload_parse(body=request.body, content_encoding=request.headers.get("Content-Encoding", ""))
        source = services.source_authenticate(
            authorization=request.headers.get("Authorization", ""), body_key=data.get("writeKey") or ""
        )
        forced = kind if kind in SINGLE_TYPES else None
        count = len(data["batch"]) if not forced and isinstance(data.get("batch"), list) else 1
        services.rate_check(source=source, ip=_client_ip(request), events=count)
        result = services.events_ingest(source=source, data=data, forced_type=forced)
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(result.as_dict(), json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
