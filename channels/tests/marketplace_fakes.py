"""Local fake marketplaces answering the documented order-list calls (for backfill tests and
the `channels.backfill` benchmark). Each `respond(req)` serves `orders`: a list of
`{"id", "sku", "quantity", "price", "updated", "status"}` (updated: unix seconds)."""

from __future__ import annotations

import datetime as dt
import json


def _page(orders, start, size):
    return orders[start : start + size]


def _in_window(orders, start, stop):
    return [o for o in orders if start <= o["updated"] < stop]


def shopee(orders: list[dict]):
    by_sn = {o["id"]: o for o in orders}

    def respond(req):
        q = req.query
        if req.path == "/api/v2/order/get_order_list":
            window = _in_window(orders, int(q["time_from"]), int(q["time_to"]))
            start = int(q.get("cursor") or 0)
            size = int(q.get("page_size") or 100)
            page = _page(window, start, size)
            more = start + size < len(window)
            return {
                "error": "",
                "response": {
                    "more": more,
                    "next_cursor": str(start + size) if more else "",
                    "order_list": [{"order_sn": o["id"]} for o in page],
                },
            }
        if req.path == "/api/v2/order/get_order_detail":
            return {
                "error": "",
                "response": {
                    "order_list": [
                        {
                            "order_sn": o["id"],
                            "order_status": o.get("status", "READY_TO_SHIP"),
                            "create_time": o["updated"] - 60,
                            "update_time": o["updated"],
                            "buyer_user_id": 1000 + i,
                            "recipient_address": {"name": "Nguyễn Văn An", "phone": "0912345678"},
                            "item_list": [
                                {
                                    "model_sku": o["sku"],
                                    "model_quantity_purchased": o["quantity"],
                                    "model_discounted_price": o["price"],
                                }
                            ],
                            "total_amount": o["price"] * o["quantity"],
                        }
                        for i, o in enumerate(by_sn[sn] for sn in q["order_sn_list"].split(","))
                    ]
                },
            }
        return {"error": "not_found", "message": req.path}

    return respond


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat()


def lazada(orders: list[dict]):
    def respond(req):
        q = req.query
        if req.path == "/orders/get":
            start = dt.datetime.fromisoformat(q["update_after"]).timestamp()
            stop = dt.datetime.fromisoformat(q["update_before"]).timestamp()
            window = _in_window(orders, start, stop)
            page = _page(window, int(q.get("offset") or 0), int(q.get("limit") or 100))
            return {
                "code": "0",
                "data": {
                    "count": len(window),
                    "orders": [
                        {
                            "order_id": int(o["id"]),
                            "statuses": [o.get("status", "pending")],
                            "created_at": _iso(o["updated"] - 60),
                            "updated_at": _iso(o["updated"]),
                            "price": str(o["price"] * o["quantity"]),
                            "customer_first_name": "Trần",
                            "customer_last_name": "Bình",
                            "address_shipping": {"phone": "0912345679"},
                        }
                        for o in page
                    ],
                },
            }
        if req.path == "/orders/items/get":
            ids = json.loads(q["order_ids"])
            wanted = {str(o["id"]): o for o in orders}
            return {
                "code": "0",
                "data": [
                    {
                        "order_id": i,
                        "order_items": [{"sku": wanted[str(i)]["sku"], "paid_price": wanted[str(i)]["price"]}]
                        * wanted[str(i)]["quantity"],
                    }
                    for i in ids
                ],
            }
        return {"code": "E404", "message": req.path}

    return respond


def tiktok_shop(orders: list[dict]):
    def respond(req):
        if req.path == "/order/202309/orders/search":
            body = req.json()
            window = _in_window(orders, body["update_time_ge"], body["update_time_lt"])
            start = int(req.query.get("page_token") or 0)
            size = int(req.query.get("page_size") or 100)
            page = _page(window, start, size)
            return {
                "code": 0,
                "data": {
                    "total_count": len(window),
                    "next_page_token": str(start + size) if start + size < len(window) else "",
                    "orders": [
                        {
                            "id": o["id"],
                            "status": o.get("status", "AWAITING_SHIPMENT"),
                            "create_time": o["updated"] - 60,
                            "update_time": o["updated"],
                            "user_id": f"u{o['id']}",
                            "recipient_address": {"name": "Lê Cường", "phone_number": "(+84)912***678"},
                            "line_items": [
                                {"seller_sku": o["sku"], "sale_price": str(o["price"])} for _ in range(o["quantity"])
                            ],
                            "payment": {"total_amount": str(o["price"] * o["quantity"])},
                        }
                        for o in page
                    ],
                },
            }
        return {"code": 404, "message": req.path}

    return respond


def tiki(orders: list[dict]):
    def parse(value):
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC).timestamp()

    def respond(req):
        q = req.query
        if req.path == "/integration/v2/orders":
            window = _in_window(orders, parse(q["updated_from_date"]), parse(q["updated_to_date"]))
            size = int(q.get("limit") or 50)
            page_no = int(q.get("page") or 1)
            page = _page(window, (page_no - 1) * size, size)
            return {
                "data": [
                    {
                        "code": o["id"],
                        "status": o.get("status", "processing"),
                        "created_at": _iso(o["updated"] - 60),
                        "updated_at": _iso(o["updated"]),
                        "customer": {"id": 7, "full_name": "Phạm Dung"},
                        "items": [
                            {
                                "product": {"seller_product_code": o["sku"]},
                                "invoice": {"quantity": o["quantity"], "price": o["price"]},
                            }
                        ],
                        "invoice": {"grand_total": o["price"] * o["quantity"]},
                    }
                    for o in page
                ],
                "paging": {"current_page": page_no, "last_page": max(1, -(-len(window) // size))},
            }
        return {"errors": [f"not found {req.path}"]}

    return respond


CREDENTIALS = {
    "shopee": lambda url: {"base_url": url, "partner_id": "1", "partner_key": "k", "shop_id": "7", "access_token": "t"},
    "lazada": lambda url: {"base_url": url, "app_key": "1", "app_secret": "s", "access_token": "t"},
    "tiktok_shop": lambda url: {
        "base_url": url,
        "app_key": "k",
        "app_secret": "s",
        "access_token": "t",
        "shop_cipher": "c",
    },
    "tiki": lambda url: {"base_url": url, "access_token": "t", "client_secret": "c"},
}
FAKES = {"shopee": shopee, "lazada": lazada, "tiktok_shop": tiktok_shop, "tiki": tiki}
