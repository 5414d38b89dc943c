"""From a request to the access log: the one call screens and endpoints make when they show a
customer (`access_log_request(request, "profile", customer=c)`) or a lookup's results.

The source is the URL name the request resolved to (`support:customer`, `customers-api-detail`),
so the Manager's access-log screen filters by the screen or endpoint that was used.
"""

from __future__ import annotations

from .services import access_record


def access_log_request(request, action: str, **what):
    match = getattr(request, "resolver_match", None)
    source = (match.view_name if match else "") or request.path
    return access_record(user=request.user, action=action, source=source, ip=request.META.get("REMOTE_ADDR"), **what)
