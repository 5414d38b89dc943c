"""Settings of the collector, each read from Django settings with a default."""

from __future__ import annotations

from django.conf import settings

# Segment's limits: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024


def late_days() -> int:
    """Events older than this many days are refused (`too_old`)."""
    return int(getattr(settings, "COLLECT_LATE_DAYS", 30))


def future_skew_seconds() -> int:
    """A timestamp further ahead than this is clamped to the time we received it."""
    return int(getattr(settings, "COLLECT_FUTURE_SKEW_SECONDS", 300))


def events_per_minute_per_ip() -> int:
    """Events one IP may send per minute (0 = no limit); past it the answer is 429 + Retry-After."""
    return int(getattr(settings, "COLLECT_EVENTS_PER_MINUTE_PER_IP", 60_000))


def process_batch_size() -> int:
    return int(getattr(settings, "COLLECT_PROCESS_BATCH", 2000))


def lead_form_min_seconds() -> int:
    """A lead form sent faster than this after it was shown is a bot."""
    return int(getattr(settings, "COLLECT_FORM_MIN_SECONDS", 3))


def lead_form_per_hour_per_ip() -> int:
    return int(getattr(settings, "COLLECT_FORM_PER_HOUR_PER_IP", 20))


def waiting_days() -> int:
    """Anonymous events never tied to a person are dropped after this many days."""
    return int(getattr(settings, "COLLECT_WAITING_DAYS", 30))
