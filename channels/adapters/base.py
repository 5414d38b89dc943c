"""The one interface every channel adapter implements, and the small HTTP client they share.

An adapter translates between our listings/orders and one platform's documented API: it signs
requests, sizes batches, verifies inbound webhooks, and turns a platform's order into our
canonical order payload. It must not touch the database: services call it and record results.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from o2o_site.retry_after import parse_retry_after

from .. import conf

logger = logging.getLogger("channels.adapters")
_SAID_NOT_CONFIGURED: set[str] = set()


class AdapterError(Exception):
    """A channel refused or could not be reached; the message is shown on the sync screen.
    `retry_after` (seconds) is the channel's own word on when to come back (Retry-After)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


# The longest Retry-After a channel gave during the current push (per thread): every adapter's
# calls go through http_json, so `push_listings` learns it without each adapter passing it on.
_asked = threading.local()


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
    # The product text changed since the channel last acknowledged it (adapters that send
    # content send it then, and only then).
    content_changed: bool = False

    @classmethod
    def from_listing(cls, listing) -> ListingPush:
        sku = listing.sku
        return cls(
            content_changed=listing.synced_content_version != listing.content_version,
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
        wait = parse_retry_after(exc.headers.get("Retry-After")) if exc.code in (429, 503) else None
        if wait is not None:
            _asked.seconds = max(getattr(_asked, "seconds", 0.0) or 0.0, wait)
        raise AdapterError(f"HTTP {exc.code}: {detail}", retry_after=wait) from exc
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
    required = ()  # credential keys without which nothing is sent (the listings are "not configured")
    pushes = True  # False: the channel takes no catalogue at all (a counter, a chat channel)
    pushes_content = False  # True: title/description reach the channel, so content has a sync state
    acknowledged_by_fetch = False  # True: a feed; the platform's fetch is the acknowledgement

    def __init__(self, channel, credentials: dict):
        self.channel = channel
        self.credentials = credentials
        self.settings = channel.adapter_settings or {}
        self.calls_made = 0
        self.retry_after_s: float | None = None  # what the channel asked during the last push
        self._last_call = 0.0

    @property
    def configured(self) -> bool:
        return self.pushes and all(self.credentials.get(key) for key in self.required)

    @property
    def missing_credentials(self) -> list[str]:
        return [key for key in self.required if not self.credentials.get(key)]

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
        """Pushes price and stock; returns {listing_id: None on success, else the error}.

        Never claims success for a channel it cannot reach: without credentials every item fails.
        """
        if not self.configured:
            return all_or_error(items, "Kênh chưa được cấu hình: không gửi được.")
        _asked.seconds = None
        try:
            return self._push(items)
        finally:
            self.retry_after_s, _asked.seconds = _asked.seconds, None

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

    # --- backfill -----------------------------------------------------------------------------
    pulls_orders = False  # True: the platform's order list can be read by update time

    def orders_updated(self, since, until) -> Iterator[dict]:
        """Canonical payloads of every order updated in [since, until), page by page (the
        platform's documented order list call). Raises AdapterError."""
        return iter(())


def all_or_error(items: Sequence[ListingPush], error: str | None) -> dict[int, str | None]:
    return {item.listing_id: error for item in items}
