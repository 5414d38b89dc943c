"""Settings of the channels app: Django settings first, environment variables as fallback.

Secrets (partner keys, app secrets) never live in the database: `channel_credentials(channel)`
reads `settings.CHANNELS_CREDENTIALS[<channel code>]` or `CHANNEL_<CODE>_<KEY>` variables.
"""

from __future__ import annotations

import os

from django.conf import settings


def _int(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or default
    return int(value)


def sync_max_attempts() -> int:
    return _int("CHANNELS_SYNC_MAX_ATTEMPTS", 5)


def sync_backoff_base_seconds() -> int:
    return _int("CHANNELS_SYNC_BACKOFF_SECONDS", 30)


def sync_backoff_cap_seconds() -> int:
    return _int("CHANNELS_SYNC_BACKOFF_CAP_SECONDS", 3600)


def sync_batches_per_run() -> int:
    return _int("CHANNELS_SYNC_BATCHES_PER_RUN", 200)


def inbound_max_attempts() -> int:
    return _int("CHANNELS_INBOUND_MAX_ATTEMPTS", 8)


def http_timeout_seconds() -> int:
    return _int("CHANNELS_HTTP_TIMEOUT", 15)


# The keys an adapter may read from its credentials.
CREDENTIAL_KEYS = (
    "base_url",
    "partner_id",
    "partner_key",
    "shop_id",
    "access_token",
    "app_key",
    "app_secret",
    "client_id",
    "client_secret",
    "webhook_secret",
    "webhook_url",
    "feed_token",
    "shop_cipher",
    "warehouse_id",
)


def channel_credentials(channel) -> dict:
    """Credentials and endpoints of a channel: settings.CHANNELS_CREDENTIALS, then env vars."""
    configured = dict(getattr(settings, "CHANNELS_CREDENTIALS", {}).get(channel.code, {}))
    prefix = "CHANNEL_" + channel.code.upper().replace("-", "_") + "_"
    for key in CREDENTIAL_KEYS:
        env = os.environ.get(prefix + key.upper())
        if env and key not in configured:
            configured[key] = env
    return configured


def pickup_promise_minutes() -> int:
    """How soon after the order a pickup must be ready at the store (the countdown the store sees)."""
    return _int("CHANNELS_PICKUP_PROMISE_MINUTES", 120)


def pickup_hold_days() -> int:
    """Days a ready pickup waits for the customer before its units go back to stock."""
    return _int("CHANNELS_PICKUP_HOLD_DAYS", 3)


def backfill_first_days() -> int:
    """How far back a channel's first backfill looks (no watermark yet)."""
    return _int("CHANNELS_BACKFILL_FIRST_DAYS", 3)


def backfill_overlap_seconds() -> int:
    """Each run re-reads this much before the watermark: late-indexed orders are not missed
    (ingesting an order twice changes nothing)."""
    return _int("CHANNELS_BACKFILL_OVERLAP_SECONDS", 300)
