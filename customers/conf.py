"""Settings of the customers app: Django settings first, then environment variables, then defaults."""

from __future__ import annotations

import os

from django.conf import settings


def _get(name: str, default: str) -> str:
    return str(getattr(settings, name, None) or os.environ.get(name) or default)


def points_vnd_per_point() -> int:
    """The earn rule: one point per this many đồng spent (1 point per 10,000 ₫ by default)."""
    return max(1, int(_get("CUSTOMERS_POINTS_VND_PER_POINT", "10000")))


def points_valid_days() -> int:
    return int(_get("CUSTOMERS_POINTS_VALID_DAYS", "365"))


def merge_undo_days() -> int:
    return int(_get("CUSTOMERS_MERGE_UNDO_DAYS", "30"))


def message_max_attempts() -> int:
    return int(_get("CUSTOMERS_MESSAGE_MAX_ATTEMPTS", "5"))


def sms_adapter() -> str:
    """`http` (the generic HTTP SMS gateway), `console` (logs only: `make run`), or unset: no
    gateway, messages are `not_configured`."""
    return _get("CUSTOMERS_SMS_ADAPTER", "none")


def sms_gateway_url() -> str:
    return _get("CUSTOMERS_SMS_GATEWAY_URL", "")


def sms_gateway_token() -> str:
    return _get("CUSTOMERS_SMS_GATEWAY_TOKEN", "")


def sms_sender() -> str:
    return _get("CUSTOMERS_SMS_SENDER", "O2O")


def zns_adapter() -> str:
    """`zalo` (Zalo ZNS API), `console` (logs only: `make run`), or unset: not configured."""
    return _get("CUSTOMERS_ZNS_ADAPTER", "none")


def zns_url() -> str:
    return _get("CUSTOMERS_ZNS_URL", "https://business.openapi.zalo.me/message/template")


def zns_access_token() -> str:
    return _get("CUSTOMERS_ZNS_ACCESS_TOKEN", "")


def email_adapter() -> str:
    """`django` (Django's email backend), `console` (logs only: `make run`), or unset: not configured."""
    return _get("CUSTOMERS_EMAIL_ADAPTER", "none")


def http_timeout() -> float:
    return float(_get("CUSTOMERS_HTTP_TIMEOUT", "10"))


def otp_ttl_seconds() -> int:
    """How long a one-time code sent by SMS/ZNS stays valid (5 minutes by default)."""
    return max(30, int(_get("CUSTOMERS_OTP_TTL_SECONDS", "300")))


def otp_max_attempts() -> int:
    """Wrong tries allowed on one code before it is refused even when right."""
    return max(1, int(_get("CUSTOMERS_OTP_MAX_ATTEMPTS", "5")))


def otp_per_phone_per_hour() -> int:
    """Codes sent to one phone in an hour, at most (so a form cannot flood someone's phone)."""
    return max(1, int(_get("CUSTOMERS_OTP_PER_PHONE_PER_HOUR", "5")))


def link_days() -> int:
    """How long a tracked link `/l/<token>` in a message keeps working."""
    return int(_get("CUSTOMERS_LINK_DAYS", "90"))
