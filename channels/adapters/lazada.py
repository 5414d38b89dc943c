"""Lazada Open Platform adapter.

Requests are signed as Lazada documents: sort every parameter (but `sign`) by name, concatenate
name+value after the API path, HMAC-SHA256 with the app secret, upper-case hex. Prices and
stock go through `/product/price_quantity/update` with an XML payload of at most 50 SKUs.
Push messages carry `Authorization: HMAC-SHA256(app_secret, app_key + body)` (hex); Lazada
retries when we do not answer within 500 ms, so the webhook only stores and acknowledges.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
from xml.sax.saxutils import escape

from .base import AdapterError, ChannelAdapter, WebhookEvent, constant_time_equal, header, http_json

STATUS = {
    "unpaid": "pending",
    "pending": "pending",
    "topack": "confirmed",
    "packed": "packed",
    "ready_to_ship": "packed",
    "toship": "packed",
    "shipped": "shipped",
    "delivered": "delivered",
    "confirmed": "delivered",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "returned": "returned",
    "failed": "returned",
}


def api_sign(*, api_path: str, params: dict, app_secret: str) -> str:
    base = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign" and params[k] not in (None, ""))
    return hmac.new(app_secret.encode(), base.encode(), hashlib.sha256).hexdigest().upper()


def push_sign(*, app_key: str, body: bytes, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def price_quantity_payload(items) -> str:
    skus = "".join(
        "<Sku>"
        + (f"<ItemId>{escape(i.external_parent_id)}</ItemId>" if i.external_parent_id else "")
        + (f"<SkuId>{escape(i.external_id)}</SkuId>" if i.external_id != i.sku_code else "")
        + f"<SellerSku>{escape(i.sku_code)}</SellerSku><Price>{i.price}</Price><Quantity>{i.quantity}</Quantity></Sku>"
        for i in items
    )
    return f"<Request><Product><Skus>{skus}</Skus></Product></Request>"


class LazadaAdapter(ChannelAdapter):
    kind = "lazada"
    batch_size = 50  # /product/price_quantity/update takes at most 50 SKUs
    min_interval_s = 0.05
    required = ("base_url", "app_key", "app_secret", "access_token")

    def _call(self, method: str, api_path: str, **params) -> dict:
        c = self.credentials
        params = {
            "app_key": c["app_key"],
            "access_token": c["access_token"],
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
            **params,
        }
        params["sign"] = api_sign(api_path=api_path, params=params, app_secret=c["app_secret"])
        self._throttle()
        url = f"{self.base_url}{api_path}"
        if method == "GET":
            data = http_json("GET", f"{url}?{urllib.parse.urlencode(params)}")
        else:
            data = http_json(
                "POST",
                url,
                body=urllib.parse.urlencode(params).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            )
        return data

    def _push(self, items):
        try:
            data = self._call("POST", "/product/price_quantity/update", payload=price_quantity_payload(items))
        except AdapterError as exc:
            return {i.listing_id: str(exc) for i in items}
        if str(data.get("code", "0")) != "0":
            per_sku = {d.get("seller_sku"): d.get("message") for d in data.get("detail") or [] if d.get("seller_sku")}
            message = f"{data.get('code')}: {data.get('message', '')}"
            if per_sku:
                return {i.listing_id: per_sku.get(i.sku_code) for i in items}
            return {i.listing_id: message for i in items}
        return {i.listing_id: None for i in items}

    def verify_webhook(self, *, body, headers, url):
        c = self.credentials
        if not (c.get("app_key") and c.get("app_secret")):
            return False
        expected = push_sign(app_key=c["app_key"], body=body, app_secret=c["app_secret"])
        return constant_time_equal(expected, header(headers, "Authorization"))

    def webhook_events(self, body):
        data = json.loads(body)
        inner = data.get("data") or {}
        order_id = inner.get("trade_order_id")
        if not order_id:
            raise ValueError("missing trade_order_id")
        key = f"{data.get('message_type', '')}:{order_id}:{inner.get('order_status', '')}:{inner.get('status_update_time', '')}"
        return [WebhookEvent(shop_id=str(data.get("seller_id", "")), event_id=key)]

    def orders_from_event(self, event):
        order_id = (event.get("data") or {}).get("trade_order_id")
        head = self._ok(self._call("GET", "/order/get", order_id=order_id))
        items = self._ok(self._call("GET", "/order/items/get", order_id=order_id))
        order = head.get("data") or {}
        if not order.get("statuses"):
            order = {**order, "statuses": [(event.get("data") or {}).get("order_status", "pending")]}
        return [_payload(order, items.get("data") or [], fallback_id=order_id)]

    pulls_orders = True

    def orders_updated(self, since, until):
        """GetOrders (`/orders/get`, update_after/update_before, sorted by update time, offset
        pages of 100), then GetMultipleOrderItems (`/orders/items/get`) for each page."""
        offset = 0
        while True:
            page = self._ok(
                self._call(
                    "GET",
                    "/orders/get",
                    update_after=since.isoformat(timespec="seconds"),
                    update_before=until.isoformat(timespec="seconds"),
                    sort_by="updated_at",
                    sort_direction="ASC",
                    offset=offset,
                    limit=100,
                )
            )
            orders = (page.get("data") or {}).get("orders") or []
            if not orders:
                return
            ids = [o["order_id"] for o in orders]
            items = self._ok(self._call("GET", "/orders/items/get", order_ids=json.dumps(ids)))
            by_order = {str(row.get("order_id")): row.get("order_items") or [] for row in items.get("data") or []}
            for order in orders:
                yield _payload(order, by_order.get(str(order["order_id"]), []), fallback_id=order["order_id"])
            if len(orders) < 100:
                return
            offset += len(orders)

    @staticmethod
    def _ok(data: dict) -> dict:
        if str(data.get("code", "0")) != "0":
            raise AdapterError(f"{data.get('code')}: {data.get('message', '')}")
        return data


def _payload(order: dict, items: list[dict], *, fallback_id) -> dict:
    statuses = order.get("statuses") or ["pending"]
    address = order.get("address_shipping") or {}
    return {
        "external_id": str(order.get("order_id") or fallback_id),
        "status": STATUS.get(str(statuses[0]).lower(), "pending"),
        "placed_at": order.get("created_at"),
        "updated_at": order.get("updated_at"),
        "customer": {
            "lazada_buyer_id": str(order.get("buyer_id") or ""),
            "full_name": f"{order.get('customer_first_name', '')} {order.get('customer_last_name', '')}".strip(),
            "phone": str(address.get("phone") or ""),
        },
        "lines": [
            {
                "sku": line.get("sku") or "",
                "quantity": 1,  # Lazada returns one row per unit
                "unit_price": int(round(float(line.get("paid_price") or line.get("item_price") or 0))),
                "name": line.get("name") or "",
            }
            for line in items
        ],
        "total": int(round(float(order.get("price") or 0))),
    }
