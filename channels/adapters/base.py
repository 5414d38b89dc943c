"""The one interface every channel adapter implements, and the small HTTP client they share.

An adapter translates between our listings/orders and one platform's documented API: it signs
requests, sizes batches, verifies inbound webhooks, and turns a platform's order into our
canonical order payload. It must not touch the database: services call it and record results.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import conf

logger = logging.getLogger("channels.adapters")
_SAID_NOT_CONFIGURED: set[str] = set()


class AdapterError(Exception):
    """A channel refused or could not be reached; the message is shown on the sync screen."""


@dataclass(frozen=True)
class ListingPush:
    listing_id: int
    sku_code: str
    external_id: str
    external_parent_id: str
    price: int
    quantity: int
    active: bool
    name: str = ""
    description: str = ""
    brand: str = ""
    barcode: str = ""

    @classmethod
    def from_listing(cls, listing) -> ListingPush:
        sku = listing.sku
        return cls(
            listing_id=listing.pk,
            sku_code=sku.code,
            external_id=listing.external_id or sku.code,
            external_parent_id=listing.external_parent_id,
            price=listing.price,
            quantity=listing.published_quantity if listing.is_active else 0,
            active=listing.is_active,
            name=sku.product.name,
            description=sku.product.description,
            brand=sku.product.brand,
            barcode=sku.barcode,
        )


@dataclass(frozen=True)
class WebhookEvent:
    shop_id: str
    event_id: str


def constant_time_equal(expected: str, given: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(expected.strip().lower().encode(), given.strip().lower().encode())


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup (Django's request.headers, or a plain dict in tests)."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return ""


def http_json(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None) -> dict:
    """One HTTP call returning the decoded JSON body; AdapterError on network or HTTP errors."""
    if not url.startswith(("http://", "https://")):
        raise AdapterError("Địa chỉ kênh phải bắt đầu bằng http:// hoặc https://.")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method=method, headers={"Accept": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=conf.http_timeout_seconds()) as response:  # noqa: S310 - configured URLs
            raw = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise AdapterError(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AdapterError(f"Không kết nối được tới kênh: {exc}") from exc
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise AdapterError("Kênh trả về dữ liệu không phải JSON.") from exc


class ChannelAdapter:
    """Base adapter. Subclasses set `batch_size` / `min_interval_s` to the platform's limits."""

    kind = ""
    batch_size = 100
    min_interval_s = 0.0  # pause between calls: the platform's rate limit
    required = ()  # credential keys without which the adapter falls back to logging

    def __init__(self, channel, credentials: dict):
        self.channel = channel
        self.credentials = credentials
        self.settings = channel.adapter_settings or {}
        self.calls_made = 0
        self._last_call = 0.0

    @property
    def configured(self) -> bool:
        return all(self.credentials.get(key) for key in self.required)

    def _throttle(self) -> None:
        if self.min_interval_s:
            wait = self._last_call + self.min_interval_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_call = time.monotonic()
        self.calls_made += 1

    @property
    def base_url(self) -> str:
        return str(self.credentials.get("base_url", "")).rstrip("/")

    # --- outbound -----------------------------------------------------------------------------
    def push_listings(self, items: Sequence[ListingPush]) -> dict[int, str | None]:
        """Pushes price and stock; returns {listing_id: None on success, else the error}."""
        if not self.configured:
            # Said once per channel and process (the demo pushes hundreds of batches); the rest at DEBUG.
            level = logging.DEBUG if self.channel.code in _SAID_NOT_CONFIGURED else logging.INFO
            _SAID_NOT_CONFIGURED.add(self.channel.code)
            logger.log(
                level,
                "channel %s not configured: listings are kept here, not sent (%d now)",
                self.channel.code,
                len(items),
            )
            return {item.listing_id: None for item in items}
        return self._push(items)

    def _push(self, items: Sequence[ListingPush]) -> dict[int, str | None]:
        return {item.listing_id: None for item in items}

    # --- inbound ------------------------------------------------------------------------------
    def verify_webhook(self, *, body: bytes, headers: Mapping[str, str], url: str) -> bool:
        return False

    def webhook_events(self, body: bytes) -> list[WebhookEvent]:
        """The (shop, event id) keys of a verified delivery; raises ValueError when malformed."""
        raise ValueError("this channel takes no webhooks")

    def orders_from_event(self, event: dict) -> list[dict]:
        """Our canonical order payloads for one stored event (may call the platform)."""
        return []


def all_or_error(items: Sequence[ListingPush], error: str | None) -> dict[int, str | None]:
    return {item.listing_id: error for item in items}
