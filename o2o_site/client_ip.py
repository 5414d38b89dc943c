"""The client's address, read only from where a trusted proxy puts it.

`CLIENT_IP_HEADER` (setting or environment variable, default `REMOTE_ADDR`) names the
`request.META` key to read: behind nginx that sets `X-Real-IP`, use `HTTP_X_REAL_IP`; with
`X-Forwarded-For`, `HTTP_X_FORWARDED_FOR`, whose right-most entry is the one our own proxy
added (the ones to its left are whatever the client sent, so they are never believed).
A header that is absent or not an address falls back to REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings


def client_ip_header() -> str:
    value = getattr(settings, "CLIENT_IP_HEADER", None) or os.environ.get("CLIENT_IP_HEADER") or "REMOTE_ADDR"
    return value.strip().upper().replace("-", "_")


def _address(raw: str | None) -> str | None:
    if not raw:
        return None
    candidate = raw.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    header = client_ip_header()
    if header != "REMOTE_ADDR":
        found = _address(request.META.get(header))
        if found:
            return found
    return _address(request.META.get("REMOTE_ADDR"))
