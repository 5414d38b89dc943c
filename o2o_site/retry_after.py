"""A gateway's own word on when to come back: the HTTP `Retry-After` header (RFC 9110 §10.2.3),
either delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`)."""

from __future__ import annotations

import datetime as dt
import email.utils

# A gateway asking for more than a day is treated as asking for a day (a typo must not park work for years).
MAX_SECONDS = 24 * 3600


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait, or None when absent or unreadable (the caller's own backoff applies)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(min(int(value), MAX_SECONDS))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return float(min(max(0.0, (when - now).total_seconds()), MAX_SECONDS))
