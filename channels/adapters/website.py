"""Our own website and app: signed JSON webhooks both ways.

Outbound: `POST <webhook_url>` with `{"event": "listings.updated", "listings": [...]}`.
Both directions carry `X-O2O-Timestamp` (unix seconds) and `X-O2O-Signature: sha256=<hex>` where
hex = HMAC-SHA256(webhook_secret, timestamp + "." + body); deliveries older than five minutes
are refused (replay protection). Inbound bodies are `{"event_id", "order": {canonical order}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from .base import ChannelAdapter, WebhookEvent, constant_time_equal, header, http_json

MAX_SKEW_S = 300


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebsiteAdapter(ChannelAdapter):
    kind = "website"
    batch_size = 200
    required = ("webhook_url", "webhook_secret")
    pushes_content = True  # the name travels with every push

    def _push(self, items):
        from .base import AdapterError

        body = json.dumps(
            {
                "event": "listings.updated",
                "listings": [
                    {"sku": i.sku_code, "price": i.price, "quantity": i.quantity, "active": i.active, "name": i.name}
                    for i in items
                ],
            },
            ensure_ascii=False,
        ).encode()
        ts = str(int(time.time()))
        self._throttle()
        try:
            http_json(
                "POST",
                self.credentials["webhook_url"],
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "X-O2O-Timestamp": ts,
                    "X-O2O-Signature": sign(secret=self.credentials["webhook_secret"], timestamp=ts, body=body),
                },
            )
        except AdapterError as exc:
            return {i.listing_id: str(exc) for i in items}
        return {i.listing_id: None for i in items}

    def verify_webhook(self, *, body, headers, url):
        secret = self.credentials.get("webhook_secret")
        ts = header(headers, "X-O2O-Timestamp")
        if not secret or not ts.isdigit() or abs(time.time() - int(ts)) > MAX_SKEW_S:
            return False
        return constant_time_equal(sign(secret=secret, timestamp=ts, body=body), header(headers, "X-O2O-Signature"))

    def webhook_events(self, body):
        data = json.loads(body)
        if not data.get("event_id") or not isinstance(data.get("order"), dict):
            raise ValueError("missing event_id/order")
        return [WebhookEvent(shop_id="", event_id=str(data["event_id"]))]

    def orders_from_event(self, event):
        return [event["order"]]
