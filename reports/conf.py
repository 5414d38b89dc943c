"""Reports settings: Django settings first, then environment variables, then these defaults."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default):
    value = getattr(settings, name, None)
    if value is not None:
        return value
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return type(default)(raw)


def attribution_window_days() -> int:
    """How long after an online touch a store visit or purchase is credited to its campaign."""
    return _get("REPORTS_ATTRIBUTION_WINDOW_DAYS", 7)


def max_range_days() -> int:
    """The longest date range a report accepts (keeps one request bounded)."""
    return _get("REPORTS_MAX_RANGE_DAYS", 400)


def message_rate_per_minute() -> int:
    """Segment message campaigns send at most this many messages a minute (gateway limits)."""
    return _get("REPORTS_MESSAGE_RATE_PER_MINUTE", 600)


def message_batch_size() -> int:
    return _get("REPORTS_MESSAGE_BATCH_SIZE", 100)


def recompute_hour() -> int:
    """Local hour (Asia/Ho_Chi_Minh) of the nightly full recompute."""
    return _get("REPORTS_RECOMPUTE_HOUR", 2)


# Marketing budget split by journey stage (seed 004), percent; editable per plan.
DEFAULT_BUDGET_SHARES = {
    "awareness": 40,
    "acquisition": 30,
    "conversion": 15,
    "retention": 10,
    "expansion": 5,
}
