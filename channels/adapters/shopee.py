"""Shopee Open Platform v2 adapter.

Shop API requests are signed `HMAC-SHA256(partner_key, partner_id + api_path + timestamp +
access_token + shop_id)` (hex), passed as `sign` with partner_id/timestamp/access_token/shop_id
in the query string. Push notifications carry `Authorization: HMAC-SHA256(partner_key,
callback_url + "|" + body)` (hex). Prices and stock go through `/api/v2/product/update_price`
and `/api/v2/product/update_stock`, one item (up to 50 models) per call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from collections import defaultdict

from .base import AdapterError, ChannelAdapter, ListingPush, WebhookEvent, constant_time_equal, header, http_json

STATUS = {
    "UNPAID": "pending",
    "READY_TO_SHIP": "confirmed",
    "PROCESSED": "packed",
    "RETRY_SHIP": "packed",
    "SHIPPED": "shipped",
    "TO_CONFIRM_RECEIVE": "shipped",
    "COMPLETED": "delivered",
    "IN_CANCEL": "confirmed",
    "CANCELLED": "cancelled",
    "TO_RETURN": "returned",
}


def shop_sign(*, partner_id, path: str, timestamp: int, access_token: str, shop_id, partner_key: str) -> str:
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def push_sign(*, url: str, body: bytes, partner_key: str) -> str:
    return hmac.new(partner_key.encode(), url.encode() + b"|" + body, hashlib.sha256).hexdigest()


def _id(value: str):
    return int(value) if str(value).isdigit() else value


def model_id(item: ListingPush):
    """A model of a multi-variant item is its own id; a single-SKU item has no model: Shopee
    expects `model_id` 0 there (the listing's external id is then the item id)."""
    return _id(item.external_id) if item.external_parent_id else 0


class ShopeeAdapter(ChannelAdapter):
    kind = "shopee"
    batch_size = 50
    min_interval_s = 0.1
    required = ("base_url", "partner_id", "partner_key", "shop_id", "access_token")

    def _url(self, path: str, **params) -> str:
        c = self.credentials
        ts = int(time.time())
        sign = shop_sign(
            partner_id=c["partner_id"],
            path=path,
            timestamp=ts,
            access_token=c["access_token"],
            shop_id=c["shop_id"],
            partner_key=c["partner_key"],
        )
        query = {
            "partner_id": c["partner_id"],
            "timestamp": ts,
            "access_token": c["access_token"],
            "shop_id": c["shop_id"],
            "sign": sign,
            **params,
        }
        return f"{self.base_url}{path}?{urllib.parse.urlencode(query)}"

    def _call(self, path: str, payload: dict) -> dict:
        self._throttle()
        data = http_json(
            "POST", self._url(path), body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
        )
        if data.get("error"):
            raise AdapterError(f"{data.get('error')}: {data.get('message', '')}")
        return data.get("response") or {}

    def _push(self, items):
        results: dict[int, str | None] = {}
        by_item: dict[str, list[ListingPush]] = defaultdict(list)
        for item in items:
            by_item[item.external_parent_id or item.external_id].append(item)
        for item_id, models in by_item.items():
            try:
                failed: dict[str, str] = {}
                for path, key, build in (
                    (
                        "/api/v2/product/update_price",
                        "price_list",
                        lambda m: {"model_id": model_id(m), "original_price": m.price},
                    ),
                    (
                        "/api/v2/product/update_stock",
                        "stock_list",
                        lambda m: {"model_id": model_id(m), "seller_stock": [{"stock": m.quantity}]},
                    ),
                ):
                    response = self._call(path, {"item_id": _id(item_id), key: [build(m) for m in models]})
                    for failure in response.get("failure_list") or []:
                        failed[str(failure.get("model_id"))] = failure.get("failed_reason") or "failed"
                for m in models:
                    results[m.listing_id] = failed.get(str(model_id(m)))
            except AdapterError as exc:
                for m in models:
                    results[m.listing_id] = str(exc)
        return results

    def verify_webhook(self, *, body, headers, url):
        key = self.credentials.get("partner_key")
        if not key:
            return False
        return constant_time_equal(push_sign(url=url, body=body, partner_key=key), header(headers, "Authorization"))

    def webhook_events(self, body):
        data = json.loads(body)
        inner = data.get("data") or {}
        ordersn = inner.get("ordersn") or inner.get("order_sn")
        if not ordersn:
            raise ValueError("missing ordersn")
        event = f"{data.get('code', '')}:{ordersn}:{inner.get('status', '')}:{inner.get('update_time') or data.get('timestamp', '')}"
        return [WebhookEvent(shop_id=str(data.get("shop_id", "")), event_id=event)]

    def orders_from_event(self, event):
        ordersn = (event.get("data") or {}).get("ordersn") or (event.get("data") or {}).get("order_sn")
        return self._order_details([ordersn])

    pulls_orders = True
    LIST_WINDOW_S = 15 * 24 * 3600  # get_order_list takes at most 15 days per call

    def orders_updated(self, since, until):
        """`/api/v2/order/get_order_list` by update_time (cursor pages of 100, windows of at most
        15 days), then `get_order_detail` for up to 50 order_sn at a time."""
        start, end = int(since.timestamp()), int(until.timestamp())
        while start < end:
            stop = min(end, start + self.LIST_WINDOW_S)
            cursor = ""
            while True:
                response = self._get(
                    "/api/v2/order/get_order_list",
                    time_range_field="update_time",
                    time_from=start,
                    time_to=stop,
                    page_size=100,
                    cursor=cursor,
                )
                sns = [o["order_sn"] for o in response.get("order_list") or [] if o.get("order_sn")]
                for i in range(0, len(sns), 50):
                    yield from self._order_details(sns[i : i + 50])
                if not response.get("more"):
                    break
                cursor = str(response.get("next_cursor") or "")
            start = stop

    def _get(self, path: str, **params) -> dict:
        self._throttle()
        data = http_json("GET", self._url(path, **params))
        if data.get("error"):
            raise AdapterError(f"{data.get('error')}: {data.get('message', '')}")
        return data.get("response") or {}

    def _order_details(self, order_sns: list[str]) -> list[dict]:
        response = self._get(
            "/api/v2/order/get_order_detail",
            order_sn_list=",".join(order_sns),
            response_optional_fields="buyer_user_id,buyer_username,item_list,total_amount,recipient_address",
        )
        out = []
        for order in response.get("order_list") or []:
            address = order.get("recipient_address") or {}
            phone = str(address.get("phone") or "")
            out.append(
                {
                    "external_id": order["order_sn"],
                    "status": STATUS.get(order.get("order_status", ""), "pending"),
                    "placed_at": _ts(order.get("create_time")),
                    "updated_at": _ts(order.get("update_time")),
                    "customer": {
                        "shopee_buyer_id": str(order.get("buyer_user_id") or ""),
                        "full_name": address.get("name") or order.get("buyer_username") or "",
                        "phone": phone if "*" not in phone else "",
                    },
                    "lines": [
                        {
                            "sku": line.get("model_sku") or line.get("item_sku") or "",
                            "quantity": int(line.get("model_quantity_purchased") or 0),
                            "unit_price": int(round(float(line.get("model_discounted_price") or 0))),
                            "name": line.get("item_name") or "",
                        }
                        for line in order.get("item_list") or []
                    ],
                    "total": int(round(float(order.get("total_amount") or 0))),
                }
            )
        return out


def _ts(value) -> str | None:
    import datetime as dt

    if not value:
        return None
    return dt.datetime.fromtimestamp(int(value), tz=dt.UTC).isoformat()
