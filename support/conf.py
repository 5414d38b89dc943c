"""Support settings: Django settings first, then environment variables, then defaults."""

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
    return type(default)(raw) if not isinstance(default, bool) else raw.strip().lower() in {"1", "true", "yes"}


def care_segment_code() -> str:
    """The customers' Segment that holds the after-care audience."""
    return _get("SUPPORT_CARE_SEGMENT_CODE", "care")


def care_voucher_discount_type() -> str:
    return _get("SUPPORT_CARE_VOUCHER_TYPE", "fixed")


def care_voucher_discount_value() -> int:
    """Whole VND for an amount voucher, percent for a percent voucher."""
    return int(_get("SUPPORT_CARE_VOUCHER_VALUE", 100_000))


def care_voucher_valid_days() -> int:
    return int(_get("SUPPORT_CARE_VOUCHER_DAYS", 30))


def confirm_link_max_age_seconds() -> int:
    return int(_get("SUPPORT_CONFIRM_LINK_DAYS", 14)) * 24 * 3600


def resolved_message_channel() -> str:
    """First channel for "your request is resolved"; SMS is the fallback when it fails."""
    return _get("SUPPORT_RESOLVED_CHANNEL", "zns")


def screen_pop_seconds() -> int:
    """How long a ringing call stays on the agent's screen pop."""
    return int(_get("SUPPORT_SCREEN_POP_SECONDS", 120))


def escalation_interval_seconds() -> int:
    return int(_get("SUPPORT_ESCALATION_INTERVAL", 300))


def vip_segment_codes() -> set[str]:
    """Segments whose members the hotline marks VIP (comma-separated codes)."""
    raw = _get("SUPPORT_VIP_SEGMENTS", "loyal,order_value_high")
    codes = raw if isinstance(raw, (list, tuple, set)) else str(raw).split(",")
    return {c.strip() for c in codes if c.strip()}


def service_usernames() -> set[str]:
    """Logins that belong to systems, not people (never offered as a ticket's assignee)."""
    raw = _get("SUPPORT_SERVICE_USERNAMES", "cti")
    names = raw if isinstance(raw, (list, tuple, set)) else str(raw).split(",")
    return {n.strip() for n in names if n.strip()}
