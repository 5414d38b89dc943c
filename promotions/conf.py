"""Settings of the promotions app: Django settings first, environment variables as fallback."""

from __future__ import annotations

import os

from django.conf import settings


def _value(name: str, default):
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def void_window_minutes() -> int:
    """How long after a redemption the same store may void it."""
    return int(_value("PROMOTIONS_VOID_WINDOW_MINUTES", 15))


def lookup_failures_per_minute() -> int:
    """Failed code lookups allowed per staff account in one minute (then that account waits)."""
    return int(_value("PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE", 10))


def store_lookup_failures_per_minute() -> int:
    """Failed lookups of all the staff of one store in one minute; past it, unknown codes get 429."""
    return int(_value("PROMOTIONS_LOOKUP_FAILURES_PER_STORE_PER_MINUTE", 30))


def public_lookup_failures_per_minute() -> int:
    """Failed lookups of the public voucher pages per client address in one minute."""
    return int(_value("PROMOTIONS_PUBLIC_LOOKUP_FAILURES_PER_MINUTE", 10))


def basket_discount_cap_percent() -> int | None:
    """Optional cap on the total discount of one basket, in percent of its subtotal (unset = none)."""
    value = _value("PROMOTIONS_BASKET_DISCOUNT_CAP_PERCENT", None)
    return None if value is None else int(value)


def code_length() -> int:
    return int(_value("PROMOTIONS_CODE_LENGTH", 10))


def batch_chunk_size() -> int:
    return int(_value("PROMOTIONS_BATCH_CHUNK_SIZE", 200))


def batch_lease_seconds() -> int:
    """How long a bulk-issue job's lease lasts without a heartbeat (renewed with every chunk)."""
    return int(_value("PROMOTIONS_BATCH_LEASE_SECONDS", 60))
